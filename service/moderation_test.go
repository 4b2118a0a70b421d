package service_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/eventio"
	"github.com/plaudit/plaudit/moderation"
	"github.com/plaudit/plaudit/service"
)

// smallLog is a handful of members and events: alice, bob and two future moderators link Discord accounts;
// bob and alice comment; then x accounts engage with an x submission of alice's.
const smallLog = `{"source":"discord","id":"l1","kind":"link","actor":"a1","time":"2026-01-05T10:00:00Z","attrs":{"member":"alice"}}
{"source":"discord","id":"l2","kind":"link","actor":"b1","time":"2026-01-05T10:00:00Z","attrs":{"member":"bob"}}
{"source":"discord","id":"l3","kind":"link","actor":"m1","time":"2026-01-05T10:00:00Z","attrs":{"member":"mod"}}
{"source":"discord","id":"l4","kind":"link","actor":"m2","time":"2026-01-05T10:00:00Z","attrs":{"member":"mod2"}}
{"source":"discord","id":"c1","kind":"comment","actor":"b1","content":"this is a thoughtful comment about the roadmap and the release plan","time":"2026-01-06T10:00:00Z"}
{"source":"discord","id":"c2","kind":"comment","actor":"a1","content":"another thoughtful comment about governance proposals and voting","time":"2026-01-06T11:00:00Z"}
{"source":"x","id":"xl1","kind":"link","actor":"xa","time":"2026-01-05T00:00:00Z","attrs":{"member":"alice"}}
{"source":"x","id":"xl2","kind":"link","actor":"xb","time":"2026-01-05T00:00:00Z","attrs":{"member":"bob"}}
{"source":"x","id":"s1","kind":"submit","actor":"xa","target":"p1","target_author":"xa","time":"2026-01-05T01:00:00Z"}
{"source":"x","id":"e1","kind":"like","actor":"xb","target":"p1","target_author":"xa","time":"2026-01-05T02:00:00Z"}
{"source":"x","id":"e2","kind":"reply","actor":"xb","target":"p1","target_author":"xa","time":"2026-01-05T03:00:00Z","content":"nice"}
`

// decode reads JSON Lines events.
func decode(t testing.TB, jsonl string) []plaudit.Event {
	t.Helper()
	var events []plaudit.Event
	dec := eventio.NewDecoder(strings.NewReader(jsonl), eventio.JSONL)
	for {
		var e plaudit.Event
		err := dec.Decode(&e)
		if errors.Is(err, io.EOF) {
			return events
		}
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, e)
	}
}

// tickingService returns a service over st with a tickingClock.
func tickingService(st plaudit.Store) *service.Service {
	return service.New(st, service.Options{Now: tickingClock()})
}

// tickingClock starts at testNow and moves a second on every reading, so that operator events recorded one
// after another get distinct ids.
func tickingClock() func() time.Time {
	var mu sync.Mutex
	now := testNow
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(time.Second)
		return now
	}
}

// wantCode fails unless err has the plaudit error code want.
func wantCode(t *testing.T, what string, err error, want string) {
	t.Helper()
	if got := plaudit.ErrorCode(err); got != want {
		t.Fatalf("%s: error %v (code %q), want code %s", what, err, got, want)
	}
}

// TestFlagLifecycle raises a flag, has it confirmed with an exclusion, appealed by the flagged member and
// overturned by another moderator, checking who may do what at every step and that refusals write nothing.
func TestFlagLifecycle(t *testing.T) {
	ctx := context.Background()
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		appendAll(t, st, decode(t, smallLog))
		svc := tickingService(st)
		count := func() int {
			t.Helper()
			flags, err := svc.Flags(ctx, plaudit.FlagFilter{})
			if err != nil {
				t.Fatal(err)
			}
			hist, err := st.FlagHistory(ctx, 0)
			if err != nil {
				t.Fatal(err)
			}
			return len(flags)*1000 + len(hist)
		}

		_, err := svc.RaiseFlag(ctx, "discord/nope", "alice", "spam")
		wantCode(t, "flag on an unknown event", err, plaudit.ENOTFOUND)
		_, err = svc.RaiseFlag(ctx, "member:zed", "alice", "spam")
		wantCode(t, "flag on an unknown member", err, plaudit.ENOTFOUND)
		_, err = svc.RaiseFlag(ctx, "discord/c1", "zed", "spam")
		wantCode(t, "flag by an unknown member", err, plaudit.ENOTFOUND)
		_, err = svc.RaiseFlag(ctx, "nosuch/1", "alice", "spam")
		wantCode(t, "flag on a bad subject", err, plaudit.EINVALID)
		if n := count(); n != 0 {
			t.Fatalf("refused flags were stored: %d", n)
		}

		f, err := svc.RaiseFlag(ctx, "discord/c1", "discord:a1", "copied")
		if err != nil {
			t.Fatal(err)
		}
		if f.ID != 1 || f.Member != "bob" || f.By != "alice" || f.Status != plaudit.FlagOpen || !f.At.After(testNow) {
			t.Fatalf("raised %+v: want flag 1 against bob by alice, open, at the service's clock", f)
		}
		_, err = svc.RaiseFlag(ctx, "discord/c1", "alice", "again")
		wantCode(t, "a second open flag", err, plaudit.ECONFLICT)

		before := count()
		_, err = svc.ConfirmFlag(ctx, 1, "mod", "", 0)
		wantCode(t, "confirm by a non-moderator", err, plaudit.EFORBIDDEN)
		_, err = svc.GrantModerator(ctx, "zed", "op", "")
		wantCode(t, "grant to an unknown member", err, plaudit.ENOTFOUND)
		if h, err := svc.GrantModerator(ctx, "discord:m1", "op", "trusted"); err != nil || h != "mod" {
			t.Fatalf("grant by account key: %q %v", h, err)
		}
		_, err = svc.GrantModerator(ctx, "mod", "op", "")
		wantCode(t, "grant twice", err, plaudit.ECONFLICT)
		_, err = svc.ConfirmFlag(ctx, 1, "mod", "", -1)
		wantCode(t, "a negative exclusion", err, plaudit.EINVALID)
		_, err = svc.ConfirmFlag(ctx, 9, "mod", "", 0)
		wantCode(t, "confirm an unknown flag", err, plaudit.ENOTFOUND)
		if count() != before {
			t.Fatal("refused decisions wrote to the flags")
		}

		cf, err := svc.ConfirmFlag(ctx, 1, "mod", "clear copy", 2)
		if err != nil {
			t.Fatal(err)
		}
		f = cf.Flag
		if cf.DecisionEvent != "plaudit/flag-1-confirm" {
			t.Fatalf("confirmation recorded as %q in the log", cf.DecisionEvent)
		}
		if f.Status != plaudit.FlagConfirmed || f.Effects == nil || f.Effects.ExcludeEpochs != 2 || f.Effects.Penalty != plaudit.One/2 || f.Decision.By != "mod" {
			t.Fatalf("confirmed %+v (effects %+v)", f, f.Effects)
		}
		if ex, err := st.Exclusions(ctx, "bob"); err != nil || len(ex) != 1 || ex[0].By != "mod" || !ex[0].LiftedAt.IsZero() {
			t.Fatalf("exclusion after the confirmation: %+v %v", ex, err)
		}
		_, err = svc.RejectFlag(ctx, 1, "mod", "")
		wantCode(t, "reject a confirmed flag", err, plaudit.ECONFLICT)

		_, err = svc.AppealFlag(ctx, 1, "alice", "no")
		wantCode(t, "appeal by another member", err, plaudit.EFORBIDDEN)
		_, err = svc.AppealFlag(ctx, 1, "zed", "no")
		wantCode(t, "appeal by an unknown member", err, plaudit.ENOTFOUND)
		if _, err := svc.AppealFlag(ctx, 1, "discord:b1", "I wrote it"); err != nil {
			t.Fatalf("appeal by the flagged member's account: %v", err)
		}
		_, err = svc.AppealFlag(ctx, 1, "bob", "again")
		wantCode(t, "a second appeal", err, plaudit.ECONFLICT)
		_, err = svc.DecideAppeal(ctx, 1, "mod", plaudit.AppealOverturned, "")
		wantCode(t, "the confirming moderator decides the appeal", err, plaudit.EFORBIDDEN)
		if _, err := svc.GrantModerator(ctx, "mod2", "op", ""); err != nil {
			t.Fatal(err)
		}
		od, err := svc.DecideAppeal(ctx, 1, "mod2", plaudit.AppealOverturned, "original text")
		if err != nil || od.Appeal.Outcome != plaudit.AppealOverturned || od.Status != plaudit.FlagOverturned || od.DecisionEvent != "plaudit/flag-1-overturn" {
			t.Fatalf("overturn: %+v %v", od, err)
		}
		if stored, err := svc.Flag(ctx, 1); err != nil || stored.Flag.Status != plaudit.FlagOverturned {
			t.Fatalf("an overturned flag reads %+v %v, want status overturned", stored, err)
		}
		if over, err := svc.Flags(ctx, plaudit.FlagFilter{Status: plaudit.FlagOverturned}); err != nil || len(over) != 1 {
			t.Fatalf("flags overturned: %+v %v", over, err)
		}
		if ex, err := st.Exclusions(ctx, "bob"); err != nil || len(ex) != 1 || ex[0].LiftedBy != "mod2" || ex[0].LiftedAt.IsZero() {
			t.Fatalf("exclusion after the overturn: %+v %v", ex, err)
		}

		d, err := svc.Flag(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, a := range d.History {
			got = append(got, a.Action+" "+a.By)
		}
		if want := "raise alice,confirm mod,appeal bob,overturn mod2"; strings.Join(got, ",") != want {
			t.Fatalf("history %v, want %s", got, want)
		}
		_, err = svc.Flag(ctx, 7)
		wantCode(t, "an unknown flag", err, plaudit.ENOTFOUND)

		// A second flag, rejected; the filters select by status and member.
		if _, err := svc.RaiseFlag(ctx, "member:alice", "bob", "ring"); err != nil {
			t.Fatal(err)
		}
		if f, err := svc.RejectFlag(ctx, 2, "mod", "no ring"); err != nil || f.Status != plaudit.FlagRejected {
			t.Fatalf("reject: %+v %v", f, err)
		}
		rejected, err := svc.Flags(ctx, plaudit.FlagFilter{Status: plaudit.FlagRejected})
		if err != nil || len(rejected) != 1 || rejected[0].ID != 2 || rejected[0].Member != "alice" {
			t.Fatalf("rejected flags: %+v %v", rejected, err)
		}
		_, err = svc.Flags(ctx, plaudit.FlagFilter{Status: "bogus"})
		wantCode(t, "an unknown status", err, plaudit.EINVALID)

		// The moderator role: revoked, listed, and every change kept.
		if err := svc.RevokeModerator(ctx, "mod", "op", "stepped down"); err != nil {
			t.Fatal(err)
		}
		wantCode(t, "revoke a non-moderator", svc.RevokeModerator(ctx, "mod", "op", ""), plaudit.ECONFLICT)
		mods, err := svc.Moderators(ctx)
		if err != nil || fmt.Sprint(mods) != "[mod2]" {
			t.Fatalf("moderators %v %v", mods, err)
		}
		hist, err := svc.ModeratorHistory(ctx)
		if err != nil || len(hist) != 3 || hist[2].Grant || hist[2].By != "op" || hist[2].Note != "stepped down" {
			t.Fatalf("moderator history %+v %v", hist, err)
		}
	})
}

// TestImportFlagEvents raises the log's flag events as flags, once each, refusing the ones it cannot raise
// and leaving operators' flag events alone.
func TestImportFlagEvents(t *testing.T) {
	ctx := context.Background()
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		appendAll(t, st, decode(t, smallLog+`{"source":"discord","id":"f1","kind":"flag","actor":"a1","target":"c1","time":"2026-01-07T12:00:00Z","attrs":{"reason":"copied"}}
{"source":"discord","id":"f2","kind":"flag","actor":"a1","target":"member:bob","time":"2026-01-07T12:01:00Z","attrs":{"reason":"ring"}}
{"source":"discord","id":"f3","kind":"flag","actor":"a1","target":"discord/nope","time":"2026-01-07T12:02:00Z"}
{"source":"plaudit","id":"op1","kind":"flag","actor":"mod","target":"discord/c1","time":"2026-01-07T13:00:00Z"}
`))
		svc := newService(st)
		n, err := svc.ImportFlagEvents(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n.Raised != 2 || n.Already != 0 || n.Refused != 1 || len(n.Refusals) != 1 || n.Refusals[0].Event != "discord/f3" ||
			plaudit.ErrorCode(n.Refusals[0].Err) != plaudit.ENOTFOUND {
			t.Fatalf("first import: %+v", n)
		}
		if n, err = svc.ImportFlagEvents(ctx); err != nil || n.Raised != 0 || n.Already != 2 || n.Refused != 1 {
			t.Fatalf("second import: %+v %v", n, err)
		}
		flags, err := svc.Flags(ctx, plaudit.FlagFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(flags) != 2 || flags[0].Subject != "discord/c1" || flags[0].Event != "discord/f1" || flags[0].By != "alice" || flags[0].Member != "bob" ||
			flags[1].Subject != "member:bob" || !flags[1].At.Equal(time.Date(2026, 1, 7, 12, 1, 0, 0, time.UTC)) {
			t.Fatalf("flags %+v", flags)
		}
	})
}

// TestAudit draws an epoch's audit sample from its rewarded events, the same before and after the epoch
// closes, refuses a different draw, and lets only moderators review it.
func TestAudit(t *testing.T) {
	ctx := context.Background()
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		svc := setUp(t, st)
		const epoch = "acme@2026-01-05T00:00:00Z"
		_, err := svc.RewardedEvents(ctx, "acme@2026-01-06T00:00:00Z")
		wantCode(t, "an id that is not an epoch", err, plaudit.EINVALID)
		_, err = svc.RewardedEvents(ctx, "nonsense")
		wantCode(t, "a malformed id", err, plaudit.EINVALID)
		if keys, err := svc.RewardedEvents(ctx, epoch); err != nil || len(keys) != 0 {
			t.Fatalf("rewarded events before scoring: %d %v", len(keys), err)
		}
		if _, err := svc.Rescore(ctx, nil); err != nil {
			t.Fatal(err)
		}
		open, err := svc.RewardedEvents(ctx, epoch)
		if err != nil || len(open) < 10 {
			t.Fatalf("rewarded events of the open epoch: %d %v", len(open), err)
		}
		_, err = svc.DrawAudit(ctx, service.AuditDrawRequest{Epoch: epoch, Size: 3, By: "ops"})
		wantCode(t, "a draw before the epoch closes, when its seed does not exist yet", err, plaudit.ECONFLICT)
		if _, err := svc.CloseEpochs(ctx, service.CloseRequest{}); err != nil {
			t.Fatal(err)
		}
		closed, err := svc.RewardedEvents(ctx, epoch)
		if err != nil || fmt.Sprint(closed) != fmt.Sprint(open) {
			t.Fatalf("rewarded events of the closed epoch differ from the open one's: %d %v", len(closed), err)
		}

		_, err = svc.DrawAudit(ctx, service.AuditDrawRequest{Epoch: epoch, Size: -1})
		wantCode(t, "a negative size", err, plaudit.EINVALID)
		d, err := svc.DrawAudit(ctx, service.AuditDrawRequest{Epoch: epoch, Size: 3, By: "ops"})
		if err != nil || len(d.Sample) != 3 || d.Rewarded != len(open) || d.By != "ops" {
			t.Fatalf("draw: %+v %v", d, err)
		}
		// The seed is the closed epoch's Merkle root (its digest when nothing was paid), published with the
		// draw; anyone redraws the sample from it, and the guessable epoch id does not give it.
		ep, err := st.Epoch(ctx, epoch)
		if err != nil {
			t.Fatal(err)
		}
		if wantSeed := ep.Root; (wantSeed != "" && (d.Seed != wantSeed || d.SeedFrom != "root")) || (wantSeed == "" && (d.Seed != ep.Digest || d.SeedFrom != "digest")) {
			t.Fatalf("seed %q from %q; epoch root %q digest %q", d.Seed, d.SeedFrom, ep.Root, ep.Digest)
		}
		if redraw := moderation.Sample(d.Seed, closed, 3); fmt.Sprint(redraw) != fmt.Sprint(d.Sample) {
			t.Fatalf("redraw from the published seed %v, drawn %v", redraw, d.Sample)
		}
		if q, err := svc.Audit(ctx, epoch, ""); err != nil || q.Seed != d.Seed || len(q.Entries) != 3 {
			t.Fatalf("the audit queue does not publish the seed: %+v %v", q, err)
		}
		rate := plaudit.Ratio(plaudit.One / 1000) // rounds up to 1 event: a different sample
		_, err = svc.DrawAudit(ctx, service.AuditDrawRequest{Epoch: epoch, Rate: &rate})
		wantCode(t, "a different draw", err, plaudit.ECONFLICT)
		again, err := svc.DrawAudit(ctx, service.AuditDrawRequest{Epoch: epoch, Size: 3})
		if err != nil || fmt.Sprint(again.Sample) != fmt.Sprint(d.Sample) {
			t.Fatalf("the same draw again: %+v %v", again, err)
		}

		entries, err := svc.AuditEntries(ctx, epoch, plaudit.AuditPending)
		if err != nil || len(entries) != 3 || entries[0].Event != d.Sample[0] || entries[0].DrawnBy != "ops" {
			t.Fatalf("pending entries: %+v %v", entries, err)
		}
		log, err := svc.ReadLog(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		dir := log.Directory(0)
		sampled, err := st.EventByKey(ctx, plaudit.Source(strings.Split(d.Sample[0], "/")[0]), strings.SplitN(d.Sample[0], "/", 2)[1])
		if err != nil {
			t.Fatal(err)
		}
		author, someone := dir.MemberOfActor(sampled), ""
		for _, m := range dir.Members() {
			if m.Handle != author {
				someone = m.Handle
				break
			}
		}
		_, err = svc.ReviewAudit(ctx, epoch, d.Sample[0], plaudit.AuditFailed, someone, "")
		wantCode(t, "a review by a non-moderator", err, plaudit.EFORBIDDEN)
		if _, err := svc.GrantModerator(ctx, someone, "op", ""); err != nil {
			t.Fatal(err)
		}
		if author != "" {
			if _, err := svc.GrantModerator(ctx, author, "op", ""); err != nil {
				t.Fatal(err)
			}
			_, err = svc.ReviewAudit(ctx, epoch, d.Sample[0], plaudit.AuditFailed, author, "")
			wantCode(t, "failing the audit of one's own event", err, plaudit.EFORBIDDEN)
		}
		// A failed audit opens a flag on the event, by the reviewer, for another moderator to decide.
		fl, err := svc.ReviewAudit(ctx, epoch, d.Sample[0], plaudit.AuditFailed, someone, "bought likes")
		if err != nil {
			t.Fatal(err)
		}
		if fl == nil || fl.Subject != d.Sample[0] || fl.By != someone || fl.Member != author || fl.Status != plaudit.FlagOpen || !strings.Contains(fl.Reason, "failed audit of "+epoch+": bought likes") {
			t.Fatalf("the failed audit's flag: %+v", fl)
		}
		if open, err := svc.Flags(ctx, plaudit.FlagFilter{Status: plaudit.FlagOpen, Subject: d.Sample[0]}); err != nil || len(open) != 1 {
			t.Fatalf("open flags on the failed event: %+v %v", open, err)
		}
		_, err = svc.ReviewAudit(ctx, epoch, d.Sample[0], plaudit.AuditPassed, someone, "")
		wantCode(t, "a second review", err, plaudit.ECONFLICT)
		if fl, err := svc.ReviewAudit(ctx, epoch, d.Sample[1], plaudit.AuditPassed, someone, ""); err != nil || fl != nil {
			t.Fatalf("a pass: flag %+v %v, want none", fl, err)
		}
		failed, err := svc.AuditEntries(ctx, "", plaudit.AuditFailed)
		if err != nil || len(failed) != 1 || failed[0].Event != d.Sample[0] || failed[0].Reviewer != someone || failed[0].Note != "bought likes" {
			t.Fatalf("failed entries: %+v %v", failed, err)
		}
		_, err = svc.AuditEntries(ctx, "", "bogus")
		wantCode(t, "an unknown audit status", err, plaudit.EINVALID)
	})
}

// decisionLog is smallLog with flags and feedback whose own events claim what only a decision may grant:
// alice's flag f1 on bob's comment says confirmed, bob's flag f2 on alice's comment says nothing; alice's
// feedback says adopted, bob's says nothing.
const decisionLog = smallLog + `{"source":"discord","id":"f1","kind":"flag","actor":"a1","target":"discord/c1","time":"2026-01-06T10:30:00Z","attrs":{"reason":"copied","confirmed":true}}
{"source":"discord","id":"f2","kind":"flag","actor":"b1","target":"discord/c2","time":"2026-01-06T11:30:00Z","attrs":{"reason":"copied"}}
{"source":"discord","id":"fb1","kind":"feedback","actor":"a1","content":"the export should include fees","time":"2026-01-06T12:00:00Z","attrs":{"adopted":true}}
{"source":"discord","id":"fb2","kind":"feedback","actor":"b1","content":"the leaderboard should page","time":"2026-01-06T12:00:00Z"}
`

// TestFlagAndFeedbackRewardsFromDecisions: a flag earns only once a moderator other than the flagger
// confirmed it, and loses it when overturned; feedback earns only once an operator adopted it; what the
// member's own event claims counts for nothing. The decisions are in the event log, so a rescore, a close
// and plaudit verify all see the same ones.
func TestFlagAndFeedbackRewardsFromDecisions(t *testing.T) {
	ctx := context.Background()
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		appendAll(t, st, decode(t, decisionLog))
		svc := tickingService(st)
		pol, err := svc.ActivatePolicy(ctx, testPolicy(t), "test.yml", "test")
		if err != nil {
			t.Fatal(err)
		}
		points := func() map[string]plaudit.Points {
			t.Helper()
			if _, err := svc.Rescore(ctx, nil); err != nil {
				t.Fatal(err)
			}
			scores, err := st.Scores(ctx, plaudit.ScoreFilter{PolicyHash: pol.Hash()})
			if err != nil {
				t.Fatal(err)
			}
			out := map[string]plaudit.Points{}
			for _, s := range scores {
				out[s.Event] += s.Points
			}
			return out
		}
		if p := points(); p["discord/f1"] != 0 || p["discord/f2"] != 0 || p["discord/fb1"] != 0 || p["discord/fb2"] != 0 {
			t.Fatalf("before any decision, self-asserted claims earned: f1 %s f2 %s fb1 %s fb2 %s", p["discord/f1"], p["discord/f2"], p["discord/fb1"], p["discord/fb2"])
		}

		_, err = svc.RaiseFlag(ctx, "discord/c1", "discord:b1", "my own comment")
		wantCode(t, "flagging oneself", err, plaudit.EFORBIDDEN)
		if n, err := svc.ImportFlagEvents(ctx); err != nil || n.Raised != 2 {
			t.Fatalf("import flag events: %+v %v", n, err)
		}
		for _, m := range []string{"mod", "mod2"} {
			if _, err := svc.GrantModerator(ctx, m, "op", ""); err != nil {
				t.Fatal(err)
			}
		}
		_, err = svc.ConfirmFlag(ctx, 2, "zed", "", 0)
		wantCode(t, "a verdict by an unknown member", err, plaudit.ENOTFOUND)
		before, err := svc.ReadLog(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.ConfirmFlag(ctx, 2, "mod", "clear copy", 0); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.ConfirmFlag(ctx, 1, "mod", "clear copy", 0); err != nil {
			t.Fatal(err)
		}
		after, err := svc.ReadLog(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(after.Events) != len(before.Events)+2 {
			t.Fatalf("two confirmations appended %d events to the log, want 2", len(after.Events)-len(before.Events))
		}
		p := points()
		if p["discord/f2"] <= 0 || p["discord/f1"] <= 0 {
			t.Fatalf("confirmed flags earn nothing: f1 %s f2 %s", p["discord/f1"], p["discord/f2"])
		}

		// bob appeals the flag against him and another moderator overturns it: alice's flag loses its reward.
		if _, err := svc.AppealFlag(ctx, 1, "bob", "I wrote it"); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.DecideAppeal(ctx, 1, "mod2", plaudit.AppealOverturned, "original"); err != nil {
			t.Fatal(err)
		}
		if p := points(); p["discord/f1"] != 0 || p["discord/f2"] <= 0 {
			t.Fatalf("after the overturn: f1 %s (want 0) f2 %s", p["discord/f1"], p["discord/f2"])
		}

		// Feedback: only an operator's adoption counts.
		_, err = svc.AdoptFeedback(ctx, "discord/fb1", "alice", "")
		wantCode(t, "adopting one's own feedback", err, plaudit.EFORBIDDEN)
		_, err = svc.AdoptFeedback(ctx, "discord/c1", "ops", "")
		wantCode(t, "adopting a comment", err, plaudit.EINVALID)
		_, err = svc.AdoptFeedback(ctx, "discord/nope", "ops", "")
		wantCode(t, "adopting an unknown event", err, plaudit.ENOTFOUND)
		a, err := svc.AdoptFeedback(ctx, "discord/fb2", "ops", "shipped")
		if err != nil || a.Author != "bob" || a.Event.Source != plaudit.SourcePlaudit || a.Event.Kind != plaudit.KindDecision {
			t.Fatalf("adopt: %+v %v", a, err)
		}
		_, err = svc.AdoptFeedback(ctx, "discord/fb2", "ops", "")
		wantCode(t, "adopting twice", err, plaudit.ECONFLICT)
		if p := points(); p["discord/fb2"] <= 0 || p["discord/fb1"] != 0 {
			t.Fatalf("feedback: adopted fb2 %s (want > 0), self-asserted fb1 %s (want 0)", p["discord/fb2"], p["discord/fb1"])
		}

		// Close and verify: the close rescores the log with the decisions, and verify rebuilds it the same.
		res, err := svc.CloseEpochs(ctx, service.CloseRequest{})
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range epochIDs(res) {
			if _, err := svc.Verify(ctx, id, nil, nil); err != nil {
				t.Fatalf("verify %s: %v", id, err)
			}
		}

		// A confirmation on an event of a closed epoch says where its penalty lands.
		late, err := svc.RaiseFlag(ctx, "discord/c2", "mod2", "found later")
		if err != nil {
			t.Fatal(err)
		}
		cf, err := svc.ConfirmFlag(ctx, late.ID, "mod", "", 0)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(cf.Notice, "acme@2026-01-05T00:00:00Z, which is closed") || !strings.Contains(cf.Notice, "the penalty lands on the epoch in progress, acme@2026-03-02T00:00:00Z") {
			t.Fatalf("notice %q", cf.Notice)
		}
		// A decision after the close changes nothing in the closed epochs: verify still rebuilds them.
		for _, id := range epochIDs(res) {
			if _, err := svc.Verify(ctx, id, nil, nil); err != nil {
				t.Fatalf("verify %s after a later decision: %v", id, err)
			}
		}
	})
}

// TestDisputeResolutionSwitch: under a policy whose poe scorer lists the kind decision and sets
// dispute.resolved, a moderator's decisions earn; under the default they earn nothing.
func TestDisputeResolutionSwitch(t *testing.T) {
	ctx := context.Background()
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		appendAll(t, st, decode(t, decisionLog))
		svc := tickingService(st)
		if _, err := svc.ImportFlagEvents(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.GrantModerator(ctx, "mod", "op", ""); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.ConfirmFlag(ctx, 2, "mod", "", 0); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.RejectFlag(ctx, 1, "mod", ""); err != nil {
			t.Fatal(err)
		}
		modPoints := func(doc []byte) plaudit.Points {
			t.Helper()
			pol, err := svc.ActivatePolicy(ctx, doc, "test.yml", "test")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Rescore(ctx, nil); err != nil {
				t.Fatal(err)
			}
			scores, err := st.Scores(ctx, plaudit.ScoreFilter{PolicyHash: pol.Hash(), Member: "mod"})
			if err != nil {
				t.Fatal(err)
			}
			var sum plaudit.Points
			for _, s := range scores {
				if strings.HasPrefix(s.Event, "plaudit/flag-") {
					sum += s.Points
				}
			}
			return sum
		}
		def := testPolicy(t)
		if p := modPoints(def); p != 0 {
			t.Fatalf("decisions earned %s under the default policy", p)
		}
		on := strings.Replace(string(def), "  - scorer: poe\n    sources: [discord, api, file]\n    kinds: [comment, reply, quote, repost, flag, curate, feedback]",
			"  - scorer: poe\n    sources: [discord, api, file, plaudit]\n    kinds: [comment, reply, quote, repost, flag, curate, feedback, decision]\n    params: {dispute: {resolved: 10}}", 1)
		if on == string(def) {
			t.Fatal("the default preset's poe scorer moved: update the test")
		}
		if p := modPoints([]byte(on)); p < plaudit.PointsFromInt(20) {
			t.Fatalf("two decisions earned %s with dispute.resolved 10, want at least 20", p)
		}
	})
}

// TestRecordDecisions: a decision stored in the flags table but missing from the log (its append failed, or
// it predates logged decisions) is appended by plaudit flags import, once, as the decision would have.
func TestRecordDecisions(t *testing.T) {
	ctx := context.Background()
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		appendAll(t, st, decode(t, decisionLog))
		svc := tickingService(st)
		if _, err := svc.ImportFlagEvents(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.GrantModerator(ctx, "mod", "op", ""); err != nil {
			t.Fatal(err)
		}
		at := testNow.Add(time.Hour)
		if _, err := st.UpdateFlag(ctx, 2, "mod", func(f *plaudit.Flag, isMod bool) (plaudit.FlagAction, error) {
			eff, err := moderation.DefaultConfig().Effects(func(t time.Time) (time.Time, time.Time, error) { return t, t.Add(time.Hour), nil }, at, 0)
			if err != nil {
				return plaudit.FlagAction{}, err
			}
			return moderation.ConfirmAction(f, moderation.Actor{Handle: "mod", Moderator: isMod}, at, "stored only", eff)
		}); err != nil {
			t.Fatal(err)
		}
		n, err := svc.ImportFlagEvents(ctx)
		if err != nil || n.Recorded != 1 {
			t.Fatalf("import after a decision missing from the log: %+v %v, want 1 recorded", n, err)
		}
		e, err := st.EventByKey(ctx, plaudit.SourcePlaudit, "flag-2-confirm")
		if err != nil || e.Actor != "mod" || !e.Time.Equal(at) || e.Attrs[moderation.AttrEvent] != "discord/f2" {
			t.Fatalf("recorded decision %+v %v", e, err)
		}
		if n, err := svc.ImportFlagEvents(ctx); err != nil || n.Recorded != 0 {
			t.Fatalf("import again: %+v %v, want nothing recorded", n, err)
		}
	})
}

// TestValidAuditStatus checks the one list of audit statuses the edges' filters check against: the three
// statuses, and nothing else (the empty filter, "all", is the caller's to allow).
func TestValidAuditStatus(t *testing.T) {
	for _, st := range []plaudit.AuditStatus{plaudit.AuditPending, plaudit.AuditPassed, plaudit.AuditFailed} {
		if !service.ValidAuditStatus(st) {
			t.Errorf("ValidAuditStatus(%q) = false, want true", st)
		}
	}
	for _, st := range []plaudit.AuditStatus{"", "bogus", "Passed", "open"} {
		if service.ValidAuditStatus(st) {
			t.Errorf("ValidAuditStatus(%q) = true, want false", st)
		}
	}
}
