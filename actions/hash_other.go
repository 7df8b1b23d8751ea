//go:build !unix

package actions

import (
	"os"

	"modscope/cachescan"
)

// treeFile is a tree's file open for hashing.
type treeFile = os.File

// openTreeFile opens a regular file, never through a link.
func openTreeFile(path string) (*treeFile, error) { return cachescan.OpenRegular(path) }
