package moderation

import (
	"time"

	"github.com/plaudit/plaudit"
)

// EventLookup finds an event by source and external id, returning an ENOTFOUND error when there is none:
// plaudit.EventStore.EventByKey with a context bound.
type EventLookup func(src plaudit.Source, id string) (*plaudit.Event, error)

// Raise checks a flag as a user gives it — subject, who raises it, why — against the log and returns the
// new open flag to store: the flagged event must exist (ENOTFOUND), the flagged member and the member
// raising it must be in dir, the directory built from the log (ENOTFOUND). Members may be named by handle
// or by an account key ("x:123") of an account they hold; the flag records handles, and a member subject is
// rewritten to the handle ("member:x:123" → "member:alice"). A flag on an event is against its author.
func Raise(dir *plaudit.Directory, lookup EventLookup, subject, by, reason string, at time.Time) (*Flag, error) {
	handle, src, id, err := ParseSubject(subject)
	if err != nil {
		return nil, err
	}
	var member string
	if handle != "" {
		if member, err = KnownMember(dir, "flag "+subject, handle); err != nil {
			return nil, err
		}
		subject = plaudit.MemberSubject(member)
	} else {
		e, err := lookup(src, id)
		if plaudit.ErrorCode(err) == plaudit.ENOTFOUND {
			return nil, plaudit.Errorf(plaudit.ENOTFOUND, "flag %s: no such event in the log (an event is source/id as imported)", subject)
		} else if err != nil {
			return nil, err
		}
		member = dir.MemberOfActor(e)
	}
	if by, err = KnownMember(dir, "flag "+subject+": --by", by); err != nil {
		return nil, err
	}
	return New(subject, member, by, reason, at)
}

// KnownMember resolves s — a member handle, or the key of an account a member holds — to a current member
// handle of dir. what prefixes the error: an empty s is EINVALID, an unknown one ENOTFOUND.
func KnownMember(dir *plaudit.Directory, what, s string) (string, error) {
	if s == "" {
		return "", plaudit.Errorf(plaudit.EINVALID, "%s: missing member", what)
	}
	if m, ok := dir.Member(s); ok {
		return m.Handle, nil
	}
	if h := dir.MemberOf(s); h != "" {
		return h, nil
	}
	return "", plaudit.Errorf(plaudit.ENOTFOUND, "%s: unknown member %q (no such member or account in the event log)", what, truncate(s, 80))
}
