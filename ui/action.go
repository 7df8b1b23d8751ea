package ui

import tea "charm.land/bubbletea/v2"

// action is what a pane or a dialog asks the root to do. Returning a value
// rather than changing the model keeps every plan, job and scan starting
// in the root, as a command, and lets a dialog be tested on its own.
type action interface{ isAction() }

type (
	// closeTop closes the top overlay; a status, when set, takes the
	// footer (else the status under the dialog shows again).
	closeTop struct {
		status    string
		setStatus bool
		quit      bool
	}
	// showStatus puts a one-line message in the footer.
	showStatus struct{ text string }
	// openOverlay puts o on top of the stack.
	openOverlay struct{ o overlay }
	// planJob makes j's plan in a command and then asks about it;
	// replan gives the open confirm dialog the new plan instead.
	planJob struct {
		job    *job
		replan bool
	}
	// startJob closes the confirm dialog and runs its plan.
	startJob struct{ job *job }
	// toggleApparent switches between disk usage and apparent sizes.
	toggleApparent struct{}
	// openDetails shows the selection's details over the whole body.
	openDetails struct{}
	// openFilter starts typing a filter for the Modules view.
	openFilter struct{}
	// jumpTo shows the Problems view's selection where it lives.
	jumpTo struct{}
	// cmdAction runs a command that changes nothing in the model (a
	// filter typed, a viewport's own messages).
	cmdAction struct{ cmd tea.Cmd }
)

func (closeTop) isAction()       {}
func (showStatus) isAction()     {}
func (openOverlay) isAction()    {}
func (planJob) isAction()        {}
func (startJob) isAction()       {}
func (toggleApparent) isAction() {}
func (openDetails) isAction()    {}
func (openFilter) isAction()     {}
func (jumpTo) isAction()         {}
func (cmdAction) isAction()      {}
