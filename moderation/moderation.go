// Package moderation is the human side of the integrity layer: flags that members and moderators raise on
// an event or a member, the moderators' decisions, the one appeal a flagged member may make, the
// exclusions and reputation penalties a confirmed flag brings, and the audit sample drawn each epoch.
//
// It is a pure core. A flag (plaudit.Flag, kept by stores) is a small state machine: Raise checks a new
// flag against the log, and Confirm, Reject, FileAppeal and DecideAppeal check who may do what, returning
// errors with plaudit's codes (EINVALID, ENOTFOUND, EFORBIDDEN, ECONFLICT) and leaving the flag unchanged
// when they refuse. Verdicts turns the flags into the plaudit.Verdicts that settlement applies alongside
// the automatic checks of package integrity, and Sample draws an epoch's audit. Package sqlstore keeps the
// flags and the append-only history of every action (plaudit.IntegrityStore); cmd/plaudit wires them
// together.
//
// A flag moves through these states:
//
//	open ──confirm──► confirmed ──appeal──► confirmed, appealed ──uphold────► confirmed (final)
//	  │                                                        └─overturn──► overturned (effects and reward lifted)
//	  └────reject───► rejected (final)
//
// Nobody flags themselves. Only moderators confirm, reject and decide appeals; nobody decides a flag they
// raised or a flag against themselves, and the moderator who confirmed a flag does not decide its appeal. Only the flagged member
// appeals, once, and only a confirmed flag.
package moderation

import (
	"fmt"
	"strings"
	"time"

	"github.com/plaudit/plaudit"
)

// The types of the flag's record live in the root package, so that stores can keep them; these aliases
// let this package's callers speak of them by their moderation names.
type (
	Status   = plaudit.FlagStatus
	Outcome  = plaudit.AppealOutcome
	Decision = plaudit.Decision
	Appeal   = plaudit.Appeal
	Effects  = plaudit.FlagEffects
	Flag     = plaudit.Flag
)

// The statuses of a flag. A flag is open until a moderator confirms or rejects it.
const (
	Open      = plaudit.FlagOpen
	Confirmed = plaudit.FlagConfirmed
	Rejected  = plaudit.FlagRejected
	// StatusOverturned is a confirmed flag whose appeal was overturned: it no longer stands.
	StatusOverturned = plaudit.FlagOverturned
)

// Statuses lists every status, for validating a filter.
var Statuses = []Status{Open, Confirmed, Rejected, StatusOverturned}

// The outcomes of an appeal: upheld keeps the confirmation and its effects; overturned lifts them.
const (
	Upheld     = plaudit.AppealUpheld
	Overturned = plaudit.AppealOverturned
)

// MaxReason is the longest reason or note accepted, in bytes.
const MaxReason = 2000

// MaxExcludeEpochs is the longest exclusion a moderator may give, in epochs (ten years of weekly epochs).
const MaxExcludeEpochs = 520

// Actor is someone acting on a flag: a member handle, and whether they are a moderator at the time.
type Actor struct {
	Handle    string
	Moderator bool
}

// IsMemberSubject reports whether subject names a member, and returns the handle.
func IsMemberSubject(subject string) (handle string, ok bool) {
	return strings.CutPrefix(subject, "member:")
}

// ParseSubject checks a flag subject: "member:HANDLE" or an event key "source/id" with a known source.
// It returns the handle for a member subject, or the source and external id for an event.
func ParseSubject(subject string) (handle string, src plaudit.Source, id string, err error) {
	if h, ok := IsMemberSubject(subject); ok {
		if strings.TrimSpace(h) == "" {
			return "", "", "", plaudit.Errorf(plaudit.EINVALID, "flag subject %q: empty member handle", subject)
		}
		return h, "", "", nil
	}
	s, id, ok := strings.Cut(subject, "/")
	if !ok || id == "" || !plaudit.Source(s).Valid() {
		return "", "", "", plaudit.Errorf(plaudit.EINVALID, "flag subject %q: want an event key source/id (e.g. x/123) or member:HANDLE", truncate(subject, 80))
	}
	return "", plaudit.Source(s), id, nil
}

// New returns an open flag on subject against member, raised by by at time at. It checks the fields; the
// caller checks that the event and the members exist.
func New(subject, member, by, reason string, at time.Time) (*Flag, error) {
	if _, _, _, err := ParseSubject(subject); err != nil {
		return nil, err
	}
	switch {
	case member == "":
		return nil, plaudit.Errorf(plaudit.EINVALID, "flag %s: no member to flag", subject)
	case by == "":
		return nil, plaudit.Errorf(plaudit.EINVALID, "flag %s: missing --by: who raises the flag", subject)
	case at.IsZero():
		return nil, plaudit.Errorf(plaudit.EINVALID, "flag %s: missing time", subject)
	case by == member:
		return nil, plaudit.Errorf(plaudit.EFORBIDDEN, "flag %s: %s cannot flag themselves (the flag would be against %s)", subject, by, member)
	}
	if err := checkText("flag "+subject, "reason", reason, true); err != nil {
		return nil, err
	}
	return &Flag{Subject: subject, Member: member, By: by, Reason: reason, At: at.UTC(), Status: Open}, nil
}

// Confirm records a moderator's confirmation of f: the flag stands, and eff are its effects.
func Confirm(f *Flag, by Actor, at time.Time, note string, eff Effects) error {
	if err := decide(f, "confirm", by, at, note); err != nil {
		return err
	}
	if eff.ExcludeEpochs < 0 || eff.ExcludeEpochs > MaxExcludeEpochs {
		return plaudit.Errorf(plaudit.EINVALID, "confirm flag %d: exclude epochs: want 0 to %d, got %d", f.ID, MaxExcludeEpochs, eff.ExcludeEpochs)
	}
	if eff.Penalty < 0 || eff.Penalty > plaudit.One || eff.EventMultiplier < 0 || eff.EventMultiplier > plaudit.One {
		return plaudit.Errorf(plaudit.EINVALID, "confirm flag %d: multipliers must lie between 0 and 1", f.ID)
	}
	f.Status = Confirmed
	f.Decision = &Decision{By: by.Handle, At: at.UTC(), Note: note}
	f.Effects = &eff
	return nil
}

// Reject records a moderator's rejection: the flag does not stand and has no effect.
func Reject(f *Flag, by Actor, at time.Time, note string) error {
	if err := decide(f, "reject", by, at, note); err != nil {
		return err
	}
	f.Status = Rejected
	f.Decision = &Decision{By: by.Handle, At: at.UTC(), Note: note}
	return nil
}

// decide checks that by may confirm or reject f now.
func decide(f *Flag, what string, by Actor, at time.Time, note string) error {
	switch {
	case f.Status != Open:
		return plaudit.Errorf(plaudit.ECONFLICT, "%s flag %d: it is %s already (by %s at %s)", what, f.ID, f.Status, f.Decision.By, f.Decision.At.Format(time.RFC3339))
	case by.Handle == "":
		return plaudit.Errorf(plaudit.EINVALID, "%s flag %d: missing --by: which moderator decides", what, f.ID)
	case !by.Moderator:
		return plaudit.Errorf(plaudit.EFORBIDDEN, "%s flag %d: %s is not a moderator", what, f.ID, by.Handle)
	case by.Handle == f.By:
		return plaudit.Errorf(plaudit.EFORBIDDEN, "%s flag %d: %s raised it and cannot decide it", what, f.ID, by.Handle)
	case by.Handle == f.Member:
		return plaudit.Errorf(plaudit.EFORBIDDEN, "%s flag %d: it is against %s, who cannot decide it", what, f.ID, by.Handle)
	case at.Before(f.At):
		return plaudit.Errorf(plaudit.EINVALID, "%s flag %d: decision time %s is before the flag (%s)", what, f.ID, at.Format(time.RFC3339), f.At.Format(time.RFC3339))
	}
	return checkText(fmt.Sprintf("%s flag %d", what, f.ID), "note", note, false)
}

// FileAppeal records the flagged member's appeal. Only the member the flag is against may appeal, once,
// and only a confirmed flag.
func FileAppeal(f *Flag, by string, at time.Time, reason string) error {
	switch {
	case by == "":
		return plaudit.Errorf(plaudit.EINVALID, "appeal flag %d: missing --by: who appeals", f.ID)
	case by != f.Member:
		return plaudit.Errorf(plaudit.EFORBIDDEN, "appeal flag %d: only %s, the flagged member, may appeal it, not %s", f.ID, f.Member, by)
	case f.Status != Confirmed:
		return plaudit.Errorf(plaudit.ECONFLICT, "appeal flag %d: it is %s; only a confirmed flag can be appealed", f.ID, f.Status)
	case f.Appeal != nil:
		return plaudit.Errorf(plaudit.ECONFLICT, "appeal flag %d: already appealed at %s; a flag can be appealed once", f.ID, f.Appeal.At.Format(time.RFC3339))
	case at.Before(f.Decision.At):
		return plaudit.Errorf(plaudit.EINVALID, "appeal flag %d: appeal time is before the confirmation", f.ID)
	}
	if err := checkText(fmt.Sprintf("appeal flag %d", f.ID), "reason", reason, true); err != nil {
		return err
	}
	f.Appeal = &Appeal{Reason: reason, At: at.UTC()}
	return nil
}

// DecideAppeal records a moderator's decision on the pending appeal. A moderator other than the one who
// confirmed the flag decides it.
func DecideAppeal(f *Flag, by Actor, at time.Time, o Outcome, note string) error {
	what := fmt.Sprintf("decide appeal of flag %d", f.ID)
	switch {
	case o != Upheld && o != Overturned:
		return plaudit.Errorf(plaudit.EINVALID, "%s: outcome %q: want uphold or overturn", what, o)
	case f.Appeal == nil:
		return plaudit.Errorf(plaudit.ECONFLICT, "%s: the flag has no appeal", what)
	case f.Appeal.Outcome != "":
		return plaudit.Errorf(plaudit.ECONFLICT, "%s: already %s by %s", what, f.Appeal.Outcome, f.Appeal.Decision.By)
	case by.Handle == "":
		return plaudit.Errorf(plaudit.EINVALID, "%s: missing --by: which moderator decides", what)
	case !by.Moderator:
		return plaudit.Errorf(plaudit.EFORBIDDEN, "%s: %s is not a moderator", what, by.Handle)
	case by.Handle == f.Member || by.Handle == f.By:
		return plaudit.Errorf(plaudit.EFORBIDDEN, "%s: %s is a party to the flag", what, by.Handle)
	case by.Handle == f.Decision.By:
		return plaudit.Errorf(plaudit.EFORBIDDEN, "%s: %s confirmed the flag; another moderator decides the appeal", what, by.Handle)
	case at.Before(f.Appeal.At):
		return plaudit.Errorf(plaudit.EINVALID, "%s: decision time is before the appeal", what)
	}
	if err := checkText(what, "note", note, false); err != nil {
		return err
	}
	f.Appeal.Outcome = o
	f.Appeal.Decision = &Decision{By: by.Handle, At: at.UTC(), Note: note}
	if o == Overturned {
		f.Status = StatusOverturned
	}
	return nil
}

// Standing reports whether the flag's effects apply: confirmed and not overturned on appeal (a flag stored
// before the overturned status existed still reads confirmed with an overturned appeal).
func Standing(f *Flag) bool {
	return f.Status == Confirmed && (f.Appeal == nil || f.Appeal.Outcome != Overturned)
}

func checkText(what, field, s string, required bool) error {
	switch {
	case required && strings.TrimSpace(s) == "":
		return plaudit.Errorf(plaudit.EINVALID, "%s: missing %s", what, field)
	case len(s) > MaxReason:
		return plaudit.Errorf(plaudit.EINVALID, "%s: %s too long: %d bytes, at most %d", what, field, len(s), MaxReason)
	case strings.ContainsRune(s, 0):
		return plaudit.Errorf(plaudit.EINVALID, "%s: %s contains a NUL byte", what, field)
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// The actions of a flag's history, as stores record them.
const (
	ActionRaise    = "raise"
	ActionConfirm  = "confirm"
	ActionReject   = "reject"
	ActionAppeal   = "appeal"
	ActionUphold   = "uphold"
	ActionOverturn = "overturn"
)

// ConfirmAction confirms f and returns the history entry to record: the form plaudit.IntegrityStore's
// UpdateFlag takes.
func ConfirmAction(f *Flag, by Actor, at time.Time, note string, eff Effects) (plaudit.FlagAction, error) {
	if err := Confirm(f, by, at, note, eff); err != nil {
		return plaudit.FlagAction{}, err
	}
	return plaudit.FlagAction{Flag: f.ID, Action: ActionConfirm, By: by.Handle, At: at.UTC(), Note: note}, nil
}

// RejectAction rejects f and returns the history entry to record.
func RejectAction(f *Flag, by Actor, at time.Time, note string) (plaudit.FlagAction, error) {
	if err := Reject(f, by, at, note); err != nil {
		return plaudit.FlagAction{}, err
	}
	return plaudit.FlagAction{Flag: f.ID, Action: ActionReject, By: by.Handle, At: at.UTC(), Note: note}, nil
}

// AppealAction files the flagged member's appeal of f and returns the history entry to record.
func AppealAction(f *Flag, by string, at time.Time, reason string) (plaudit.FlagAction, error) {
	if err := FileAppeal(f, by, at, reason); err != nil {
		return plaudit.FlagAction{}, err
	}
	return plaudit.FlagAction{Flag: f.ID, Action: ActionAppeal, By: by, At: at.UTC(), Note: reason}, nil
}

// DecideAppealAction decides f's appeal and returns the history entry to record ("uphold" or "overturn").
func DecideAppealAction(f *Flag, by Actor, at time.Time, o Outcome, note string) (plaudit.FlagAction, error) {
	if err := DecideAppeal(f, by, at, o, note); err != nil {
		return plaudit.FlagAction{}, err
	}
	action := ActionUphold
	if o == Overturned {
		action = ActionOverturn
	}
	return plaudit.FlagAction{Flag: f.ID, Action: action, By: by.Handle, At: at.UTC(), Note: note}, nil
}
