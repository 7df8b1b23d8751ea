// Package s3test runs the store's checks against an in-process S3 server.
package s3test
