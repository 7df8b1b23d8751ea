package ui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"modscope/actions"
	"modscope/cachescan"
)

// RunOptions are the TUI's own settings.
type RunOptions struct {
	// NoColor gives plain text with the same information (NO_COLOR, any
	// non-empty value, does the same).
	NoColor bool
	// ReadOnly disables every action that changes the disk.
	ReadOnly bool
	// Timeout bounds each go command a download runs (0: the default).
	Timeout time.Duration
	// Store, when set, is browsed in place of the caches, read-only.
	Store *Store
}

// Run shows the TUI until the user quits. The scan starts at once and the
// first frame does not wait for it.
func Run(ctx context.Context, opts cachescan.Options, ro RunOptions) error {
	m := New(ctx, opts, nil)
	m.c.readOnly, m.timeout = ro.ReadOnly, ro.Timeout
	m.findingsPath = actions.DefaultFindings()
	if ro.Store != nil {
		m.browseStore(ro.Store)
	} else {
		m.useLastState()
	}
	popts := []tea.ProgramOption{tea.WithContext(ctx)}
	if ro.NoColor || os.Getenv("NO_COLOR") != "" {
		popts = append(popts, tea.WithColorProfile(colorprofile.Ascii))
	}
	_, err := tea.NewProgram(m, popts...).Run()
	m.cancel()
	if err != nil && !errors.Is(err, tea.ErrProgramKilled) && !errors.Is(err, tea.ErrInterrupted) {
		return fmt.Errorf("the terminal UI failed: %w", err)
	}
	return nil
}
