package plaudit

import (
	"slices"

	"github.com/plaudit/plaudit/didkey"
)

// KindKey links an Ed25519 public key to a member, or with attrs.revoke true unlinks it: an operator action
// (source plaudit) whose actor is the member handle and whose attrs.did is the key as a did:key identifier
// (did:key:z6Mk…). Native (api) events may then carry their author's detached signature by one of the
// member's keys (docs/events.md, "Signed native events"). Keys live in the log like every identity change,
// so that a witness replaying the log knows which keys a member held when each event arrived.
const KindKey Kind = "key"

func init() { RegisterKind(SourcePlaudit, KindKey) }

// validateKey checks a key event's attrs: a did:key of an Ed25519 key and an optional boolean revoke.
func (e *Event) validateKey(bad func(field, format string, args ...any)) {
	if s, ok := e.Attrs["did"].(string); !ok || s == "" {
		bad("attrs.did", "missing: kind key needs a string attrs.did (did:key:z6Mk…)")
	} else if _, err := didkey.Parse(s); err != nil {
		bad("attrs.did", "%s: %v", quoteClip(s), err)
	}
	if v, ok := e.Attrs["revoke"]; ok {
		if _, isBool := v.(bool); !isBool {
			bad("attrs.revoke", "want true or false")
		}
	}
}

// applyKey adds attrs.did to the subject's keys, or removes it when attrs.revoke is true, and returns the
// history detail.
func (d *Directory) applyKey(e *Event, m *Member) string {
	did, _ := e.AttrString("did")
	if revoke, _ := e.AttrBool("revoke"); revoke {
		m.Keys = removeSorted(m.Keys, did)
		return "revoke " + did
	}
	if _, found := slices.BinarySearch(m.Keys, did); !found {
		m.Keys = d.insert(m.Keys, d.text.Keep(did))
	}
	return did
}

// HasKey reports whether the member holds the did:key now (after merges).
func (m *Member) HasKey(did string) bool {
	for _, k := range m.Keys {
		if k == did {
			return true
		}
	}
	return false
}
