// Package s3test tests actions/store against S3 through the real s3blob
// driver and an in-process S3 server (gofakes3): only its tests link the
// AWS SDK, so that the store package's own tests do not.
package s3test
