package ui

import (
	"bytes"
	"context"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
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
	m := New(context.Background(), cachescan.Options{ModCache: c.ModCache, BuildCache: c.BuildCache}, nil)
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(100, 30),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	wait := func(what string) {
		t.Helper()
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(what)) },
			teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
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
	if final.state != stateReady {
		t.Fatalf("state = %d", final.state)
	}
	if got := final.browser.cur.path; got != "example.com/truncated" {
		t.Errorf("opened %q, want example.com/truncated", got)
	}
}

// TestFlowQuitWhileScanning quits before the scan can finish: q works at
// once and the scan's context is cancelled.
func TestFlowQuitWhileScanning(t *testing.T) {
	c := cachetest.New(t)
	c.Healthy()
	m := New(context.Background(), cachescan.Options{ModCache: c.ModCache, BuildCache: c.BuildCache}, nil)
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24))
	tm.Send(press("q")[0])
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	if m.ctx.Err() == nil {
		t.Error("the scan context is still live after quitting")
	}
}
