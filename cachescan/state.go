package cachescan

// VersionState sums up a cached module version for the go command. The
// values are the JSON the scan writes, so scripts that read `scan --json`
// keep working; code compares against the constants, never the strings.
type VersionState string

const (
	// StateComplete: the go command uses the extracted tree as it is.
	StateComplete VersionState = "complete"
	// StateUnverifiable: a tree without the ziphash the go command checks
	// it against (and not a FIPS snapshot).
	StateUnverifiable VersionState = "unverifiable"
	// StateExtractable: zip and ziphash, no tree; an offline build extracts it.
	StateExtractable VersionState = "extractable"
	// StateMetadata: only .info/.mod, enough to load the module graph.
	StateMetadata VersionState = "metadata"
	// StateExtracting: a go command holds the version's lock.
	StateExtracting VersionState = "extracting"
	// StatePartial: an interrupted extraction left its .partial mark.
	StatePartial VersionState = "partial"
	// StateDamaged: a problem of severity error.
	StateDamaged VersionState = "damaged"
	// StateIncomplete: files that are none of the above (a lone .lock or .ziphash).
	StateIncomplete VersionState = "incomplete"
	// StateInvalid: the path or version is not one the go command would
	// write; nothing else about it is judged.
	StateInvalid VersionState = "invalid"
	// StateMissing: not in the cache at all (project requirements, replace
	// targets; never a Version's own state).
	StateMissing VersionState = "missing"
)

// VersionStates lists the states in the order reports count them.
var VersionStates = []VersionState{StateComplete, StateExtractable, StateMetadata, StateExtracting, StateUnverifiable, StatePartial, StateDamaged, StateIncomplete, StateMissing}

// Usable: the go command can build from the version without the network,
// extracting its zip if it must.
func (s VersionState) Usable() bool { return s == StateComplete || s == StateExtractable }
