package ui

import (
	"context"
	"sync"

	"modscope/actions"
	"modscope/cachescan"
	"modscope/report"
)

// busyKind is what runs in the background. Only one runs at a time (the
// offline check of the Project view is apart: it changes nothing).
type busyKind uint8

const (
	idle busyKind = iota
	busyScan
	busyPlan
	busyTask
	busyRescan
	busyVerify
)

// busy is the one thing running, with what it needs while it runs.
type busy struct {
	kind busyKind
	task *task      // busyTask
	ver  *verifyRun // busyVerify
	// dropMarks: once the rescan is in, the marks the task used go.
	dropMarks bool
	// full: the rescan trusts nothing of the scan index (ctrl+r).
	full bool
	// lastKnown: the scan runs behind the last known state (laststate.go).
	lastKnown bool
}

// verifyRun is a verify in the background: progress polled like the
// scan's, its findings attached to the tree as they come.
type verifyRun struct {
	v    *actions.Verifier
	seen int
	what string
	// patterns is what it covers (nil: everything), so that its
	// findings replace only those kept from earlier.
	patterns []string
}

// why says why no other action can start now, or "".
func (b busy) why() string {
	switch b.kind {
	case busyTask:
		return "wait: " + b.task.what() + " is running (esc stops it)"
	case busyPlan:
		return "wait: the plan is being made"
	case busyRescan:
		return "wait: the caches are being read again"
	case busyVerify:
		return "wait: a verify is running"
	case busyScan:
		if b.lastKnown {
			return lastStateWhy
		}
		return "wait for the scan to finish"
	}
	return ""
}

// task is a job running in a command. Its progress is written by the
// command's goroutine and read by View under the mutex, like the scan's
// atomic counters: no message per item.
type task struct {
	job      *job
	cancel   context.CancelFunc
	stopping bool

	// plan is the purge running, for its byte counters within items.
	plan *actions.PurgePlan

	mu sync.Mutex
	// The purge part.
	items, done, failed int
	freed               cachescan.Size
	current             string
	// The download part.
	downloading     bool
	dlTotal, dlDone int
	dlFailed        int
	under           map[string]string // target -> step, for those under way
	// installed is, per target being installed, its bytes written so far
	// and its total: the bar moves within a 295 MiB toolchain too.
	installed map[string][2]int64
}

func (t *task) purged(r actions.PurgeResult, next string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.done++
	t.freed.Add(r.Freed)
	if r.Err != "" {
		t.failed++
	}
	t.current = next
}

func (t *task) event(e actions.DownloadEvent) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.downloading = true
	switch e.Step {
	case actions.StepDone, actions.StepFailed:
		delete(t.under, e.Target)
		delete(t.installed, e.Target)
		t.dlDone++
		if e.Step == actions.StepFailed {
			t.dlFailed++
		}
	default:
		t.under[e.Target] = string(e.Step)
		if e.Step == actions.StepInstalling && e.Total > 0 {
			if t.installed == nil {
				t.installed = map[string][2]int64{}
			}
			t.installed[e.Target] = [2]int64{e.Bytes, e.Total}
			t.under[e.Target] = "installing " + report.HumanBytes(e.Bytes) + "/" + report.HumanBytes(e.Total)
		}
	}
}

func (t *task) what() string {
	switch t.job.kind {
	case jobDownload:
		return "a re-download"
	case jobRepair:
		return "a repair"
	}
	return "a purge"
}
