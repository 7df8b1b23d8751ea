// Package ui is modscope's terminal UI, built on bubbletea v2.
//
// The root Model only routes: window sizes and the background colour to
// everything, the results of commands to their owner, keys to the top of
// the overlay stack (help, filter input, full details, dialogs) or else to
// the focused pane. Panes (Modules, Build, Project, Problems, Details) and
// dialogs never change the root: they return an action value that the root
// applies, so that every change of the caches, every plan and every scan
// starts in one place, as a command. The snapshot is read-only once the
// scan returned; verify's findings are a layer of their own (findings).
package ui
