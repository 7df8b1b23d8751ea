package main

// The terminal: whether a file is one, and the progress line on it.

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/term"
)

func isTerminal(f *os.File) bool { return term.IsTerminal(f.Fd()) }

// fitLine cuts a progress line to the terminal's width: a line that
// wraps leaves rows that \r and erase-line do not clear.
func fitLine(line string, f *os.File) string {
	width, _, err := term.GetSize(f.Fd())
	if err != nil || width < 2 {
		return line
	}
	return ansi.Truncate(line, width-1, "…")
}

// showProgress writes a live progress line to w while work runs, if w is
// a terminal. The returned function stops it and clears the line.
func showProgress(w io.Writer, line func() string) func() {
	f, ok := w.(*os.File)
	if !ok || !isTerminal(f) {
		return func() {}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				fmt.Fprint(w, "\r\x1b[K")
				return
			case <-t.C:
				fmt.Fprintf(w, "\r\x1b[K%s", fitLine(line(), f))
			}
		}
	}()
	return func() { close(done); <-finished }
}
