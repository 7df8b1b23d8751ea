// Package cachescan reads GOMODCACHE, GOCACHE and the current project into
// one Snapshot: every module version with its files, sizes and state, the
// build cache's entries, the project's requirements and replace directives,
// and the problems found without hashing. It never changes the disk: every
// file is opened read-only and no link is followed. A Snapshot is not
// changed after Scan returns; what later steps learn (verify findings,
// rescans after a purge) lives beside it.
package cachescan
