package ui

import (
	"image/color"

	"charm.land/lipgloss/v2"
)

// Styles holds every style the TUI draws with, built from one palette for a
// light or a dark background. Views never pick colours themselves.
type Styles struct {
	Title       lipgloss.Style
	Dim         lipgloss.Style
	Tab         lipgloss.Style
	TabActive   lipgloss.Style
	Selected    lipgloss.Style
	Marked      lipgloss.Style
	Bar         lipgloss.Style
	BarEmpty    lipgloss.Style
	Severity    [3]lipgloss.Style // error, warning, info
	Label       lipgloss.Style
	Key         lipgloss.Style
	Help        lipgloss.Style
	PaneTitle   lipgloss.Style
	PaneBorder  lipgloss.Style
	Input       lipgloss.Style
	StatusError lipgloss.Style
	// Dialog is the border of a modal dialog, DialogTitle its title.
	Dialog      lipgloss.Style
	DialogTitle lipgloss.Style
	// Freed is the header's freed-so-far counter, ReadOnly its read-only badge.
	Freed    lipgloss.Style
	ReadOnly lipgloss.Style
}

// severitySymbols mark problems so that they read without colour too.
var severitySymbols = [3]string{"✗", "!", "·"}

// newStyles builds the styles for a dark or light background.
func newStyles(isDark bool) *Styles {
	ld := lipgloss.LightDark(isDark)
	accent := ld(lipgloss.Color("#5A3FC0"), lipgloss.Color("#9D8CFF"))
	dim := ld(lipgloss.Color("#6B6B6B"), lipgloss.Color("#8A8A8A"))
	red := ld(lipgloss.Color("#C01C28"), lipgloss.Color("#FF5F5F"))
	yellow := ld(lipgloss.Color("#9A6700"), lipgloss.Color("#FFD75F"))
	blue := ld(lipgloss.Color("#1F6FEB"), lipgloss.Color("#6CB6FF"))
	green := ld(lipgloss.Color("#1A7F37"), lipgloss.Color("#5FD787"))
	fg := func(c color.Color) lipgloss.Style { return lipgloss.NewStyle().Foreground(c) }
	return &Styles{
		Title:       lipgloss.NewStyle().Bold(true).Foreground(accent),
		Dim:         fg(dim),
		Tab:         fg(dim),
		TabActive:   lipgloss.NewStyle().Bold(true).Underline(true).Foreground(accent),
		Selected:    lipgloss.NewStyle().Reverse(true),
		Marked:      lipgloss.NewStyle().Bold(true).Foreground(green),
		Bar:         fg(accent),
		BarEmpty:    fg(dim),
		Severity:    [3]lipgloss.Style{fg(red).Bold(true), fg(yellow).Bold(true), fg(blue)},
		Label:       fg(green).Bold(true),
		Key:         fg(accent).Bold(true),
		Help:        fg(dim),
		PaneTitle:   lipgloss.NewStyle().Bold(true),
		PaneBorder:  fg(dim),
		Input:       fg(accent),
		StatusError: fg(red).Bold(true),
		Dialog:      fg(accent),
		DialogTitle: lipgloss.NewStyle().Bold(true),
		Freed:       fg(green).Bold(true),
		ReadOnly:    fg(yellow).Bold(true),
	}
}
