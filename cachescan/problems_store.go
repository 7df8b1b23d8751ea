package cachescan

// The problem kinds of a team module store (modscope --store): the damage
// actions/store's Scan and Verify find, as problems of a read-only
// snapshot of the store. They are kept apart from Kinds because the
// scan of a local cache never reports them.
const (
	KindStoreMissingFile  = "store-missing-file"
	KindStoreZipInvalid   = "store-zip-invalid"
	KindStoreModInvalid   = "store-mod-invalid"
	KindStoreInfoInvalid  = "store-info-invalid"
	KindStoreModDiffers   = "store-mod-differs"
	KindStoreZipHash      = "store-zip-hash-mismatch"
	KindStoreModHash      = "store-mod-hash-mismatch"
	storeGCFix            = "delete the version from the store (modscope store gc --damaged); the proxy fetches it again from upstream"
	storeVerifyMeaningEnd = " (found by modscope store verify)"
)

// StoreKinds lists the store's kinds, in the order reports use.
var StoreKinds = []Kind{
	{KindStoreMissingFile, SeverityError,
		"the version lacks a file its layout requires: the go command asks for .info and .mod before the .zip, so the proxy serves it broken",
		storeGCFix, false, false},
	{KindStoreZipInvalid, SeverityError,
		"the store's zip does not open or fails x/mod/zip's checks: every download of the version fails",
		storeGCFix, false, false},
	{KindStoreModInvalid, SeverityError,
		"the store's .mod does not parse or names another module: every build that loads it fails",
		storeGCFix, false, false},
	{KindStoreInfoInvalid, SeverityWarning,
		"the store's .info is not the JSON the proxy protocol defines, or names another version",
		storeGCFix, false, false},
	{KindStoreModDiffers, SeverityError,
		"the store's .mod is not the go.mod inside its zip: go.sum lines written from one fail against the other",
		storeGCFix, false, false},
	{KindStoreZipHash, SeverityError,
		"the zip's hash differs from the checksum database's or go.sum's" + storeVerifyMeaningEnd,
		storeGCFix, true, false},
	{KindStoreModHash, SeverityError,
		"the .mod's hash differs from the checksum database's or go.sum's" + storeVerifyMeaningEnd,
		storeGCFix, true, false},
}
