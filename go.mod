module modscope

go 1.26.8

require (
	github.com/charmbracelet/x/term v0.2.2
	golang.org/x/mod v0.42.0
	golang.org/x/sys v0.49.0
)

require github.com/rogpeppe/go-internal v1.16.0
