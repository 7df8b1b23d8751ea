package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// TestTabNamesSurviveMarks: at 60 columns with a mark, the tabs keep
// their names (the keys go first), beside the marks' note.
func TestTabNamesSurviveMarks(t *testing.T) {
	for _, w := range []int{60, 64} {
		m := newTestModel(t, w, 24)
		m.mods.b.reveal(m.mods.tree.byKey["example.com/good@v1.1.0"])
		m.mods.b.toggleMark()
		line := ansi.Strip(m.tabLine())
		for _, name := range viewNames {
			if !strings.Contains(line, name) {
				t.Errorf("%d columns with a mark: tab %q is gone: %q", w, name, line)
			}
		}
		if !strings.Contains(line, "1 marked") || ansi.StringWidth(line) > w {
			t.Errorf("%d columns: %q", w, line)
		}
		// The mouse finds the tabs where they are drawn.
		for i, name := range viewNames {
			r := m.tabs[i]
			if got := ansi.Cut(line, r[0], r[1]); !strings.HasPrefix(got, name) {
				t.Errorf("%d columns: tab %d is drawn at %v, which holds %q", w, i+1, r, got)
			}
		}
	}
}

// TestProblemsListGetsTheRoom: in the Problems view the list, not the
// details pane, has most of the body at 80x24 and at 120x40.
func TestProblemsListGetsTheRoom(t *testing.T) {
	for _, c := range []struct{ w, h, rows, cols int }{{80, 24, 14, 80}, {120, 40, 36, 80}} {
		m := newTestModel(t, c.w, c.h)
		send(m, press("4")...)
		if m.bodyHeight() < c.rows || m.bodyWidth() < c.cols {
			t.Errorf("%dx%d: the list has %d rows and %d columns, want at least %d and %d", c.w, c.h, m.bodyHeight(), m.bodyWidth(), c.rows, c.cols)
		}
		// Yet the pane shows the selected problem's fix line.
		if !strings.Contains(screen(m), "fix: ") {
			t.Errorf("%dx%d: the details pane shows no fix:\n%s", c.w, c.h, screen(m))
		}
	}
}
