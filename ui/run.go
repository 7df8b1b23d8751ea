package ui

import (
	"context"
	"errors"
	"fmt"
	"os"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"modscope/cachescan"
)

// Run shows the TUI until the user quits. The scan starts at once and the
// first frame does not wait for it. NO_COLOR (any non-empty value) or
// noColor gives plain text with the same information.
func Run(ctx context.Context, opts cachescan.Options, noColor bool) error {
	m := New(ctx, opts, nil)
	popts := []tea.ProgramOption{tea.WithContext(ctx)}
	if noColor || os.Getenv("NO_COLOR") != "" {
		popts = append(popts, tea.WithColorProfile(colorprofile.Ascii))
	}
	_, err := tea.NewProgram(m, popts...).Run()
	m.cancel()
	if err != nil && !errors.Is(err, tea.ErrProgramKilled) && !errors.Is(err, tea.ErrInterrupted) {
		return fmt.Errorf("the terminal UI failed: %w", err)
	}
	return nil
}
