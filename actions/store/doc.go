// Package store reads, checks and cleans a team's module store: the files
// a GOPROXY server or Athens keeps on disk or in a bucket. It reaches the
// store only through gocloud.dev/blob, so one code path serves a local
// directory (file://), S3 and S3-compatible servers, GCS and Azure; the
// drivers are linked in by the command (package main), not here, so that
// the checks and their tests need no cloud SDK.
//
// The flow is the rest of modscope's: Open and List make a read-only
// Inventory; Scan and Verify judge it; a GC plan is shown before anything
// is deleted, and deletes go through the bucket's own API.
package store
