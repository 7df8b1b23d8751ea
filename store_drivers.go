package main

// The storage drivers modscope store and modscope --store open URLs
// with: each registers its scheme with gocloud.dev/blob. They live here,
// not in actions/store, so that the store's checks and their tests build
// without the cloud SDKs.
import (
	_ "gocloud.dev/blob/azureblob" // azblob://container (AZURE_STORAGE_ACCOUNT, ...)
	_ "gocloud.dev/blob/fileblob"  // file:///dir
	_ "gocloud.dev/blob/gcsblob"   // gs://bucket (Application Default Credentials)
	_ "gocloud.dev/blob/s3blob"    // s3://bucket?region=...&endpoint=... (the AWS SDK's chain)
)
