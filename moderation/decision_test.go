package moderation

import (
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
)

// TestDecisionEvent: confirm, reject, uphold and overturn become valid log events that name the flag event,
// the flagger and the moderator; raise and appeal change no points and are not logged.
func TestDecisionEvent(t *testing.T) {
	f := newFlag(t)
	f.Event = "discord/f1"
	a, err := ConfirmAction(f, mod, t0.Add(time.Hour), "clear spam", effects(t, 0))
	if err != nil {
		t.Fatal(err)
	}
	e, ok := DecisionEvent(f, a)
	if !ok || e.Source != plaudit.SourcePlaudit || e.Kind != plaudit.KindDecision || e.ExternalID != "flag-7-confirm" || e.Actor != "mod" ||
		e.Target != "x/1" || e.Attrs[AttrEvent] != "discord/f1" || e.Attrs[AttrFlagger] != "alice" || e.Attrs[AttrDecision] != DecisionConfirm || e.Attrs[AttrFlag] != "7" {
		t.Fatalf("decision event %+v", e)
	}
	if errs := e.Validate(); len(errs) != 0 {
		t.Fatalf("invalid decision event: %v", errs[0])
	}
	if _, ok := DecisionEvent(f, plaudit.FlagAction{Action: ActionAppeal, By: "bob", At: t0}); ok {
		t.Fatal("an appeal became a decision event")
	}
}

// TestAdoptionEvent: only a member's feedback is adopted, by someone other than its author.
func TestAdoptionEvent(t *testing.T) {
	fb := plaudit.Event{Source: plaudit.SourceDiscord, ExternalID: "fb1", Kind: plaudit.KindFeedback, Actor: "a1", Time: t0}
	e, err := AdoptionEvent(&fb, "alice", "ops", "shipped in 1.2", t0.Add(time.Hour))
	if err != nil || e.ExternalID != "adopt-discord-fb1" || e.Actor != "alice" || e.Attrs[AttrEvent] != "discord/fb1" || e.Attrs[AttrBy] != "ops" {
		t.Fatalf("adoption %+v %v", e, err)
	}
	if errs := e.Validate(); len(errs) != 0 {
		t.Fatalf("invalid adoption event: %v", errs[0])
	}
	post := fb
	post.Kind = plaudit.KindPost
	for _, c := range []struct {
		e           *plaudit.Event
		author, by  string
		code, inMsg string
	}{
		{&post, "alice", "ops", plaudit.EINVALID, "it is a post event; only feedback is adopted"},
		{&fb, "alice", "alice", plaudit.EFORBIDDEN, "alice wrote it and cannot adopt it"},
		{&fb, "alice", "", plaudit.EINVALID, "missing --by"},
		{&fb, "", "ops", plaudit.ENOTFOUND, "no member holds the account discord:a1"},
	} {
		_, err := AdoptionEvent(c.e, c.author, c.by, "", t0.Add(time.Hour))
		if plaudit.ErrorCode(err) != c.code || !strings.Contains(plaudit.ErrorMessage(err), c.inMsg) {
			t.Errorf("AdoptionEvent(%s, %q, %q): %v, want %s %q", c.e.Key(), c.author, c.by, err, c.code, c.inMsg)
		}
	}
}

// TestAuditSeed: an epoch's audit seed is its Merkle root, or its digest when nothing was paid; an open
// epoch has none; and the seed, not the guessable epoch id, decides the draw.
func TestAuditSeed(t *testing.T) {
	if _, _, err := AuditSeed(nil); plaudit.ErrorCode(err) != plaudit.ECONFLICT {
		t.Fatalf("open epoch: %v", err)
	}
	ep := &plaudit.Epoch{ID: "default@2026-11-16T00:00:00Z", ClosedAt: t0, Root: "0xabc", Digest: "sha256:def"}
	if s, from, err := AuditSeed(ep); err != nil || s != "0xabc" || from != "root" {
		t.Fatalf("seed %q %q %v", s, from, err)
	}
	ep.Root = ""
	if s, from, err := AuditSeed(ep); err != nil || s != "sha256:def" || from != "digest" {
		t.Fatalf("seed without a root %q %q %v", s, from, err)
	}
	keys := make([]string, 100)
	for i := range keys {
		keys[i] = "x/" + string(rune('a'+i%26)) + string(rune('a'+i/26))
	}
	a, b := Sample("0xabc", keys, 5), Sample("0xabd", keys, 5)
	if strings.Join(a, ",") == strings.Join(b, ",") {
		t.Fatalf("two seeds drew the same sample %v", a)
	}
	if strings.Join(Sample(ep.ID, keys, 5), ",") == strings.Join(a, ",") {
		t.Fatal("the epoch id draws the root's sample")
	}
}
