package plaudit

import (
	"strings"
	"testing"
	"time"
)

// TestKeyEvents: key events are validated (a did:key of an Ed25519 key, a boolean revoke), replayed by the
// Directory into the member's keys (sorted, once), follow a merge and are removed by a revoke, with history.
func TestKeyEvents(t *testing.T) {
	const k1 = "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"
	const k2 = "did:key:z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG"
	at := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	key := func(id, actor, did string, revoke any) Event {
		e := Event{Source: SourcePlaudit, ExternalID: id, Kind: KindKey, Actor: actor, Time: at, Attrs: map[string]any{"did": did}}
		if revoke != nil {
			e.Attrs["revoke"] = revoke
		}
		return e
	}
	for _, c := range []struct {
		e     Event
		field string
	}{
		{key("k", "alice", "did:key:z6Mk", nil), "attrs.did"},
		{key("k", "alice", "", nil), "attrs.did"},
		{key("k", "alice", k1, "yes"), "attrs.revoke"},
		{Event{Source: SourceAPI, ExternalID: "k", Kind: KindKey, Actor: "alice", Time: at, Attrs: map[string]any{"did": k1}}, "kind"},
	} {
		errs := c.e.Validate()
		if len(errs) == 0 || errs[0].Field != c.field {
			t.Errorf("%+v: errors %v, want one on %s", c.e, errs, c.field)
		}
	}
	if errs := ptr(key("k", "alice", k1, true)).Validate(); len(errs) != 0 {
		t.Fatalf("a valid revoke: %v", errs)
	}
	events := []Event{
		{Source: SourcePlaudit, ExternalID: "l1", Kind: KindLink, Actor: "api:alice", Time: at, Attrs: map[string]any{"member": "alice"}},
		{Source: SourcePlaudit, ExternalID: "l2", Kind: KindLink, Actor: "api:al", Time: at, Attrs: map[string]any{"member": "al"}},
		key("k1", "alice", k2, nil),
		key("k2", "al", k1, nil),
		key("k3", "alice", k2, nil),
		{Source: SourcePlaudit, ExternalID: "m", Kind: KindMerge, Actor: "ops", Time: at, Attrs: map[string]any{"from": "al", "into": "alice"}},
	}
	d := BuildDirectory(events)
	m, _ := d.Member("alice")
	if strings.Join(m.Keys, ",") != k1+","+k2 || !m.HasKey(k1) {
		t.Fatalf("alice's keys after the merge: %v", m.Keys)
	}
	if al, _ := d.Member("al"); al != m {
		t.Fatal("al does not follow alice")
	}
	d.Apply(ptr(key("k4", "alice", k1, true)))
	if m.HasKey(k1) || !m.HasKey(k2) {
		t.Fatalf("after revoking %s: %v", k1, m.Keys)
	}
	if h := d.History[len(d.History)-1]; h.Kind != KindKey || h.Detail != "revoke "+k1 || h.Member != "alice" {
		t.Fatalf("history: %+v", h)
	}
}

func ptr(e Event) *Event { return &e }
