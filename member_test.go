package plaudit

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

func at(h int) time.Time { return time.Date(2026, 1, 5, h, 0, 0, 0, time.UTC) }

func TestDirectory(t *testing.T) {
	events := []Event{
		{Source: SourceX, ExternalID: "1", Kind: KindPost, Actor: "alice_x", Time: at(0)},
		{Source: SourceDiscord, ExternalID: "2", Kind: "message", Actor: "alice_d", Time: at(1)},
		{Source: SourceX, ExternalID: "3", Kind: KindLink, Actor: "alice_x", Time: at(2), Attrs: map[string]any{"member": "alice"}},
		{Source: SourceDiscord, ExternalID: "4", Kind: KindLink, Actor: "alice_d", Time: at(3), Attrs: map[string]any{"member": "alice", "member_kind": "project"}},
		{Source: SourcePlaudit, ExternalID: "5", Kind: KindTier, Actor: "alice", Time: at(5), Attrs: map[string]any{"tier": json.Number("3")}},
		{Source: SourceX, ExternalID: "6", Kind: KindLike, Actor: "bob_x", Target: "1", TargetAuthor: "alice_x", Time: at(6)},
		{Source: SourceX, ExternalID: "7", Kind: KindWallet, Actor: "bob_x", Time: at(7), Attrs: map[string]any{"address": "0xabc"}},
		{Source: SourcePlaudit, ExternalID: "8", Kind: KindMerge, Actor: "ops", Time: at(8), Attrs: map[string]any{"from": "x:bob_x", "into": "alice"}},
	}
	d := BuildDirectory(events)
	if got := d.MemberOf("x:alice_x"); got != "alice" {
		t.Fatalf("alice_x member = %q", got)
	}
	if got := d.MemberOf("x:bob_x"); got != "alice" {
		t.Fatalf("bob_x after merge = %q", got)
	}
	m, ok := d.Member("x:bob_x")
	if !ok || m.Handle != "alice" || m.Kind != MemberProject {
		t.Fatalf("merged member = %+v", m)
	}
	if want := []string{"discord:alice_d", "x:alice_x", "x:bob_x"}; !reflect.DeepEqual(m.Accounts, want) {
		t.Fatalf("accounts = %v want %v", m.Accounts, want)
	}
	if !reflect.DeepEqual(m.Wallets, []string{"0xabc"}) {
		t.Fatalf("wallets = %v", m.Wallets)
	}
	if d.TierAt("alice", at(4)) != 1 || d.TierAt("alice", at(5)) != 3 {
		t.Fatalf("tier history wrong: %d %d", d.TierAt("alice", at(4)), d.TierAt("alice", at(5)))
	}
	// The merge's actor is the operator, not a member: only alice remains.
	var handles []string
	for _, m := range d.Members() {
		handles = append(handles, m.Handle)
	}
	if want := []string{"alice"}; !reflect.DeepEqual(handles, want) {
		t.Fatalf("members = %v want %v", handles, want)
	}
	if len(d.History) != 5 {
		t.Fatalf("history = %d entries: %+v", len(d.History), d.History)
	}
	// Without history, the same members, accounts, wallets and tiers, and no history.
	lean := NewDirectory().WithoutHistory()
	for i := range events {
		lean.Apply(&events[i])
	}
	if !reflect.DeepEqual(lean.Members(), d.Members()) || lean.TierAt("alice", at(5)) != 3 || len(lean.History) != 0 {
		t.Fatalf("a directory without history differs: %d history entries", len(lean.History))
	}
}

func TestDirectoryUnlink(t *testing.T) {
	d := BuildDirectory([]Event{
		{Source: SourceX, ExternalID: "1", Kind: KindLink, Actor: "a", Time: at(0), Attrs: map[string]any{"member": "m"}},
		{Source: SourceX, ExternalID: "2", Kind: KindUnlink, Actor: "a", Time: at(1)},
	})
	if got := d.MemberOf("x:a"); got != "x:a" {
		t.Fatalf("after unlink = %q", got)
	}
}

func TestDirectoryOperatorLink(t *testing.T) {
	d := BuildDirectory([]Event{
		{Source: SourceX, ExternalID: "1", Kind: KindPost, Actor: "a", Time: at(0)},
		{Source: SourcePlaudit, ExternalID: "op1", Kind: KindLink, Actor: "x:a", Time: at(1), Attrs: map[string]any{"member": "acme", "member_kind": "project"}},
		{Source: SourcePlaudit, ExternalID: "op2", Kind: KindLink, Actor: "discord:b", Time: at(2), Attrs: map[string]any{"member": "acme"}},
		{Source: SourcePlaudit, ExternalID: "op3", Kind: KindLink, Actor: "malformed", Time: at(3), Attrs: map[string]any{"member": "acme"}},
	})
	m, ok := d.Member("acme")
	if !ok || m.Kind != MemberProject || !reflect.DeepEqual(m.Accounts, []string{"discord:b", "x:a"}) {
		t.Fatalf("acme = %+v", m)
	}
	if _, ok := d.Member("malformed"); ok {
		t.Fatal("a malformed operator link must not create a member")
	}
	d.Apply(&Event{Source: SourcePlaudit, ExternalID: "op4", Kind: KindUnlink, Actor: "x:a", Time: at(4)})
	if got := d.MemberOf("x:a"); got != "x:a" {
		t.Fatalf("after operator unlink: %q", got)
	}
}
