package moderation

import (
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
)

// FuzzNew feeds arbitrary subjects, members and reasons to New (what `plaudit flag` and the API pass on
// from users): it must never panic, refuse with EINVALID only, and accept only well-formed subjects.
func FuzzNew(f *testing.F) {
	for _, s := range []string{"x/1", "member:bob", "member:", "x/", "/1", "nosuch/1", "github/o/r#1", "member:x:1", "x1", "member: ", "\x00"} {
		f.Add(s, "bob", "alice", "spam")
	}
	f.Add("x/1", "", "alice", "spam")
	f.Add("x/1", "bob", "alice", strings.Repeat("r", MaxReason+1))
	f.Fuzz(func(t *testing.T, subject, member, by, reason string) {
		fl, err := New(subject, member, by, reason, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		if err != nil {
			if plaudit.ErrorCode(err) != plaudit.EINVALID {
				t.Fatalf("New(%q): error code %q, want invalid", subject, plaudit.ErrorCode(err))
			}
			return
		}
		h, src, id, err := ParseSubject(fl.Subject)
		if err != nil {
			t.Fatalf("accepted subject %q does not parse: %v", subject, err)
		}
		if h == "" && (!src.Valid() || id == "" || string(src)+"/"+id != subject) {
			t.Fatalf("accepted event subject %q parses to %q %q", subject, src, id)
		}
		if fl.Status != Open || fl.Member == "" || fl.By == "" || strings.TrimSpace(fl.Reason) == "" || len(fl.Reason) > MaxReason {
			t.Fatalf("accepted a bad flag: %+v", fl)
		}
	})
}

// FuzzInvalidationEvent feeds arbitrary event ids, kinds, operators and reasons (what the panel, the API and
// `plaudit moderate invalidate` pass on) to InvalidationEvent: it must never panic, refuse with EINVALID
// only, and every event it returns must be a valid log event naming the target in attrs.event.
func FuzzInvalidationEvent(f *testing.F) {
	f.Add("1790", "post", "ops", "bought likes")
	f.Add(strings.Repeat("z", plaudit.MaxIDLen), "like", "panel:ada", "r")
	f.Add("1", "link", "ops", "r")
	f.Add("1", "post", "", "r")
	f.Add("1", "post", "ops", " ")
	f.Add("1", "post", "ops", "\x00")
	f.Add("1", "post", strings.Repeat("o", plaudit.MaxIDLen+1), "r")
	f.Fuzz(func(t *testing.T, id, kind, by, reason string) {
		at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		target := plaudit.Event{Source: plaudit.SourceX, ExternalID: id, Kind: plaudit.Kind(kind), Actor: "a1", Time: at}
		e, err := InvalidationEvent(&target, "x:a1", by, reason, at.Add(time.Hour))
		if err != nil {
			if plaudit.ErrorCode(err) != plaudit.EINVALID {
				t.Fatalf("error code %q, want invalid: %v", plaudit.ErrorCode(err), err)
			}
			return
		}
		if e.Attrs[AttrEvent] != target.Key() || e.Attrs[AttrDecision] != DecisionInvalidate || e.ExternalID != InvalidationID(target.Key()) {
			t.Fatalf("event %+v for %s", e, target.Key())
		}
		if errs := target.Validate(); len(errs) == 0 {
			if errs := e.Validate(); len(errs) > 0 {
				t.Fatalf("the decision for a valid event is invalid: %v", errs[0])
			}
		}
	})
}
