package ui

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"modscope/cachescan"
	"modscope/cachescan/cachetest"
)

// TestFlowScanFilterOpenQuit runs the real program: the scan starts behind
// the first frame, the user filters, opens a module and quits.
func TestFlowScanFilterOpenQuit(t *testing.T) {
	c := cachetest.New(t)
	c.Healthy()
	c.Damage()
	m := New(context.Background(), cachescan.Options{Clock: cachetest.Clock(), ModCache: c.ModCache, BuildCache: c.BuildCache}, nil)
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(100, 30),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	// The renderer writes only the cells that change, so text typed one key
	// at a time may never be written in one piece: each check forces a
	// full repaint with a resize, then looks at that frame.
	width := 100
	wait := func(what string) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		var frame []byte
		for time.Now().Before(deadline) {
			width = 201 - width // 100 <-> 101
			tm.Send(tea.WindowSizeMsg{Width: width, Height: 30})
			time.Sleep(80 * time.Millisecond)
			frame, _ = io.ReadAll(tm.Output())
			if bytes.Contains([]byte(ansi.Strip(string(frame))), []byte(what)) {
				return
			}
		}
		t.Fatalf("%q never shown; last frame:\n%s", what, ansi.Strip(string(frame)))
	}
	wait("Problems (")
	for _, msg := range press("/", "t", "r", "u", "n", "c") {
		tm.Send(msg)
	}
	wait(`filter "trunc"`)
	for _, msg := range press("enter", "enter", "enter") {
		tm.Send(msg)
	}
	wait("v1.0.0")
	tm.Send(press("q")[0])
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	final := tm.FinalModel(t).(*Model)
	if !final.ready() {
		t.Fatalf("state = %d", final.busy.kind)
	}
	if got := final.mods.b.cur.path; got != "example.com/truncated" {
		t.Errorf("opened %q, want example.com/truncated", got)
	}
}

// TestFlowQuitWhileScanning quits before the scan can finish: q works at
// once and the scan's context is cancelled.
func TestFlowQuitWhileScanning(t *testing.T) {
	c := cachetest.New(t)
	c.Healthy()
	m := New(context.Background(), cachescan.Options{Clock: cachetest.Clock(), ModCache: c.ModCache, BuildCache: c.BuildCache}, nil)
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24))
	tm.Send(press("q")[0])
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	if m.ctx.Err() == nil {
		t.Error("the scan context is still live after quitting")
	}
}
