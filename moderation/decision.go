package moderation

import (
	"fmt"
	"strconv"
	"time"

	"github.com/plaudit/plaudit"
)

// The decisions recorded in the event log as events of kind plaudit.KindDecision (source plaudit), in
// attrs.decision. The flags table keeps the state machine and its history; the log keeps the decisions that
// change points, so that a rescore, a catch-up, an epoch close and plaudit verify all replay the same ones.
const (
	DecisionConfirm  = ActionConfirm  // a moderator confirmed a flag: the flag event earns its reward
	DecisionReject   = ActionReject   // a moderator rejected a flag
	DecisionUphold   = ActionUphold   // a moderator upheld a flag on appeal
	DecisionOverturn = ActionOverturn // a moderator overturned a flag on appeal: its reward is lifted
	DecisionAdopt    = "adopt"        // an operator adopted a member's feedback: the feedback event earns
	// DecisionInvalidate is an operator's invalidation of a bad event (a submission, a post, any scored
	// event): the engine withdraws its points and those of the events tied to it (score.TieKey) from then on.
	DecisionInvalidate = "invalidate"
)

// The attributes of a decision event.
const (
	AttrDecision = "decision" // one of the Decision… constants
	AttrEvent    = "event"    // the key of the flag or feedback event decided on, when there is one
	AttrFlag     = "flag"     // the flag's id, in decimal
	AttrFlagger  = "flagger"  // the member who raised the flag
	AttrMember   = "member"   // the member the flag is against
	AttrBy       = "by"       // who decided
	AttrNote     = "note"     // the decider's note, when any
	AttrReason   = "reason"   // why an event was invalidated
)

// DecisionEvent returns the log event that records moderator action a on flag f (as it stands after the
// action), and false for actions that change no points (raise, appeal). The event is by the moderator
// (actor), at the action's time, on the flag's subject, with the id "flag-ID-ACTION": each action happens at
// most once per flag, so appending it twice is a duplicate, never a second decision.
func DecisionEvent(f *Flag, a plaudit.FlagAction) (plaudit.Event, bool) {
	switch a.Action {
	case DecisionConfirm, DecisionReject, DecisionUphold, DecisionOverturn:
	default:
		return plaudit.Event{}, false
	}
	attrs := map[string]any{AttrDecision: a.Action, AttrFlag: strconv.FormatInt(f.ID, 10), AttrFlagger: f.By, AttrMember: f.Member, AttrBy: a.By}
	if f.Event != "" {
		attrs[AttrEvent] = f.Event
	}
	if a.Note != "" {
		attrs[AttrNote] = a.Note
	}
	return plaudit.Event{Source: plaudit.SourcePlaudit, ExternalID: fmt.Sprintf("flag-%d-%s", f.ID, a.Action), Kind: plaudit.KindDecision,
		Actor: a.By, Target: f.Subject, Time: a.At.UTC(), Attrs: attrs}, true
}

// AdoptionEvent returns the log event that records operator by adopting feedback event fb, made by member
// author, at time at: the only thing that makes a feedback earn its adoption points. The event's actor is
// the author (so that it names no new member), attrs.by the operator; its id "adopt-SOURCE-ID" makes a
// second adoption of the same feedback a duplicate. fb must be a member's feedback event (EINVALID).
func AdoptionEvent(fb *plaudit.Event, author, by, note string, at time.Time) (plaudit.Event, error) {
	what := "adopt " + fb.Key()
	switch {
	case fb.Kind != plaudit.KindFeedback:
		return plaudit.Event{}, plaudit.Errorf(plaudit.EINVALID, "%s: it is a %s event; only feedback is adopted", what, fb.Kind)
	case fb.Source == plaudit.SourcePlaudit:
		return plaudit.Event{}, plaudit.Errorf(plaudit.EINVALID, "%s: an operator event, not a member's feedback", what)
	case author == "":
		return plaudit.Event{}, plaudit.Errorf(plaudit.ENOTFOUND, "%s: no member holds the account %s", what, fb.AccountKey())
	case by == "":
		return plaudit.Event{}, plaudit.Errorf(plaudit.EINVALID, "%s: missing --by: which operator adopts it", what)
	case by == author:
		return plaudit.Event{}, plaudit.Errorf(plaudit.EFORBIDDEN, "%s: %s wrote it and cannot adopt it", what, by)
	case at.Before(fb.Time):
		return plaudit.Event{}, plaudit.Errorf(plaudit.EINVALID, "%s: adoption time %s is before the feedback (%s)", what, at.Format(time.RFC3339), fb.Time.Format(time.RFC3339))
	}
	if err := checkText(what, "note", note, false); err != nil {
		return plaudit.Event{}, err
	}
	attrs := map[string]any{AttrDecision: DecisionAdopt, AttrEvent: fb.Key(), AttrBy: by}
	if note != "" {
		attrs[AttrNote] = note
	}
	return plaudit.Event{Source: plaudit.SourcePlaudit, ExternalID: "adopt-" + string(fb.Source) + "-" + fb.ExternalID, Kind: plaudit.KindDecision,
		Actor: author, Target: fb.Key(), Time: at.UTC(), Attrs: attrs}, nil
}
