// Package assets holds modscope's embedded content: the command-line help
// and, as features arrive, the go-error knowledge base and themes.
package assets

import _ "embed"

//go:embed usage.txt
var usage string

// Usage returns the command-line help text.
func Usage() string { return usage }
