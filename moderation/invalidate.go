package moderation

import (
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/plaudit/plaudit"
)

// InvalidationID returns the id of the decision event that invalidates the event key ("source/id"):
// "invalidate-SOURCE-ID", or "invalidate-sha256-HEX" of the key when that would be longer than an event id
// may be. One id per target is what makes a second invalidation a duplicate that the service refuses.
func InvalidationID(key string) string {
	if id := "invalidate-" + key; len(id) <= plaudit.MaxIDLen {
		return id
	}
	sum := sha256.Sum256([]byte(key))
	return "invalidate-sha256-" + hex.EncodeToString(sum[:])
}

// InvalidationEvent returns the log event that records operator by invalidating event target, made by
// member author, for reason, at time at: source plaudit, kind decision, attrs.decision "invalidate",
// attrs.event the target's key, attrs.by the operator, attrs.reason; so that the engine (score.Engine)
// withdraws the target's points, and those of the events tied to it, in every replay of the log. Its actor
// is the author, as an adoption's is, so that it names no new member (an operator event's actor is a member
// handle). Operator events and identity events carry no points and are refused (EINVALID), as are a missing
// author, operator or reason and a time before the target.
func InvalidationEvent(target *plaudit.Event, author, by, reason string, at time.Time) (plaudit.Event, error) {
	key := target.Key()
	what := "invalidate " + key
	switch {
	case target.Source == plaudit.SourcePlaudit:
		return plaudit.Event{}, plaudit.Errorf(plaudit.EINVALID, "%s: an operator event (source plaudit) earns no points; nothing to invalidate", what)
	case target.Kind.IsIdentity():
		return plaudit.Event{}, plaudit.Errorf(plaudit.EINVALID, "%s: a %s event is an identity change, not a scored event", what, target.Kind)
	case target.Kind == plaudit.KindDelete:
		return plaudit.Event{}, plaudit.Errorf(plaudit.EINVALID, "%s: a delete event earns no points; nothing to invalidate", what)
	case by == "":
		return plaudit.Event{}, plaudit.Errorf(plaudit.EINVALID, "%s: missing operator (who invalidates it)", what)
	case author == "":
		return plaudit.Event{}, plaudit.Errorf(plaudit.EINVALID, "%s: no member holds the account %s", what, target.AccountKey())
	case at.Before(target.Time):
		return plaudit.Event{}, plaudit.Errorf(plaudit.EINVALID, "%s: time %s is before the event (%s)", what, at.Format(time.RFC3339), target.Time.Format(time.RFC3339))
	}
	if err := checkText(what, "reason", reason, true); err != nil {
		return plaudit.Event{}, err
	}
	attrs := map[string]any{AttrDecision: DecisionInvalidate, AttrEvent: key, AttrBy: by, AttrReason: reason}
	e := plaudit.Event{Source: plaudit.SourcePlaudit, ExternalID: InvalidationID(key), Kind: plaudit.KindDecision,
		Actor: author, Time: at.UTC(), Attrs: attrs}
	if len(key) <= plaudit.MaxIDLen {
		e.Target = key // for readers of the log; attrs.event is what the engine reads
	}
	if errs := e.Validate(); len(errs) > 0 {
		return plaudit.Event{}, plaudit.Errorf(plaudit.EINVALID, "%s: %s: %s", what, errs[0].Field, errs[0].Reason)
	}
	return e, nil
}
