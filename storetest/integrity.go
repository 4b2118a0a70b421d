package storetest

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/moderation"
)

func init() { register(40, "Integrity", testIntegrity) }

func testIntegrity(t *testing.T, open Opener) {
	t.Run("FlagLifecycle", func(t *testing.T) { testFlagLifecycle(t, open(t)) })
	t.Run("FlagRefusals", func(t *testing.T) { testFlagRefusals(t, open(t)) })
	t.Run("ConcurrentDecisions", func(t *testing.T) { testConcurrentDecisions(t, open(t)) })
	t.Run("Moderators", func(t *testing.T) { testModerators(t, open(t)) })
	t.Run("Audit", func(t *testing.T) { testAudit(t, open(t)) })
	t.Run("VerdictRuns", func(t *testing.T) { testVerdictRuns(t, open(t)) })
	t.Run("EpochVerdicts", func(t *testing.T) { testEpochVerdicts(t, open(t)) })
}

var modAt = time.Date(2026, 11, 18, 12, 0, 0, 0, time.UTC) // a Wednesday

func weeklyEpochs(t time.Time) (time.Time, time.Time, error) {
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	d = d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
	return d, d.AddDate(0, 0, 7), nil
}

// integritySnapshot is everything the integrity records hold, for checking that a refused change wrote
// nothing.
func integritySnapshot(t *testing.T, s plaudit.Store) string {
	t.Helper()
	ctx := context.Background()
	flags, err := s.Flags(ctx, plaudit.FlagFilter{})
	if err != nil {
		t.Fatal(err)
	}
	hist, err := s.FlagHistory(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	ex, err := s.Exclusions(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	mods, err := s.ModeratorHistory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	audits, err := s.AuditEntries(ctx, "", "")
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%+v\n%+v\n%+v\n%+v\n%+v", flags, hist, ex, mods, audits)
}

func mustFlag(t *testing.T, s plaudit.Store, subject, member, by string) *plaudit.Flag {
	t.Helper()
	f, err := moderation.New(subject, member, by, "spam", modAt)
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.AddFlag(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func grant(t *testing.T, s plaudit.Store, member string) {
	t.Helper()
	if err := s.SetModerator(context.Background(), plaudit.ModeratorChange{Member: member, Grant: true, By: "operator", At: modAt}); err != nil {
		t.Fatal(err)
	}
}

func testFlagLifecycle(t *testing.T, s plaudit.Store) {
	ctx := context.Background()
	if _, err := s.AppendEvents(ctx, events(0, 3)); err != nil {
		t.Fatal(err)
	}
	grant(t, s, "mod")
	grant(t, s, "mod2")
	f := mustFlag(t, s, "x/e00001", "x:u1", "x:u2")
	if f.ID == 0 || f.Status != plaudit.FlagOpen {
		t.Fatalf("added flag %+v", f)
	}
	got, err := s.Flag(ctx, f.ID)
	if err != nil || !reflect.DeepEqual(got, f) {
		t.Fatalf("Flag(%d) = %+v, %v; want %+v", f.ID, got, err, f)
	}

	at := modAt.Add(time.Hour)
	eff, err := moderation.DefaultConfig().Effects(weeklyEpochs, at, 2)
	if err != nil {
		t.Fatal(err)
	}
	confirmed, err := s.UpdateFlag(ctx, f.ID, "mod", func(f *plaudit.Flag, isMod bool) (plaudit.FlagAction, error) {
		return moderation.ConfirmAction(f, moderation.Actor{Handle: "mod", Moderator: isMod}, at, "clear spam", eff)
	})
	if err != nil {
		t.Fatal(err)
	}
	if confirmed.Status != plaudit.FlagConfirmed || confirmed.Decision.By != "mod" {
		t.Fatalf("confirmed %+v", confirmed)
	}
	if got, _ := s.Flag(ctx, f.ID); !reflect.DeepEqual(got, confirmed) {
		t.Errorf("stored confirmed flag %+v\nwant %+v", got, confirmed)
	}
	ex, err := s.Exclusions(ctx, "x:u1")
	if err != nil || len(ex) != 1 || ex[0].Epochs != 2 || ex[0].By != "mod" || !ex[0].At.Equal(at) || !ex[0].Until.Equal(eff.ExcludedUntil) || !ex[0].LiftedAt.IsZero() {
		t.Fatalf("exclusions %+v, %v", ex, err)
	}

	// The flagged member appeals; another moderator overturns; the exclusion is lifted, with who and when.
	if _, err := s.UpdateFlag(ctx, f.ID, "x:u1", func(f *plaudit.Flag, _ bool) (plaudit.FlagAction, error) {
		return moderation.AppealAction(f, "x:u1", at.Add(time.Hour), "it was a quote")
	}); err != nil {
		t.Fatal(err)
	}
	over := at.Add(2 * time.Hour)
	if _, err := s.UpdateFlag(ctx, f.ID, "mod2", func(f *plaudit.Flag, isMod bool) (plaudit.FlagAction, error) {
		return moderation.DecideAppealAction(f, moderation.Actor{Handle: "mod2", Moderator: isMod}, over, moderation.Overturned, "")
	}); err != nil {
		t.Fatal(err)
	}
	ex, _ = s.Exclusions(ctx, "")
	if len(ex) != 1 || ex[0].LiftedBy != "mod2" || !ex[0].LiftedAt.Equal(over) {
		t.Errorf("lifted exclusion %+v", ex)
	}
	hist, err := s.FlagHistory(ctx, f.ID)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, a := range hist {
		lines = append(lines, fmt.Sprintf("%s by %s at %s", a.Action, a.By, a.At.Format("15:04")))
	}
	want := []string{"raise by x:u2 at 12:00", "confirm by mod at 13:00", "appeal by x:u1 at 14:00", "overturn by mod2 at 15:00"}
	if !reflect.DeepEqual(lines, want) {
		t.Errorf("history %q\nwant %q", lines, want)
	}

	// A flag confirmed without exclusion, and one rejected: no exclusion rows.
	plain := mustFlag(t, s, "x/e00002", "x:u2", "x:u1")
	if _, err := s.UpdateFlag(ctx, plain.ID, "mod", func(f *plaudit.Flag, isMod bool) (plaudit.FlagAction, error) {
		e, err := moderation.DefaultConfig().Effects(weeklyEpochs, at, 0)
		if err != nil {
			return plaudit.FlagAction{}, err
		}
		return moderation.ConfirmAction(f, moderation.Actor{Handle: "mod", Moderator: isMod}, at, "", e)
	}); err != nil {
		t.Fatalf("confirm without exclusion: %v", err)
	}
	rejected := mustFlag(t, s, "x/e00000", "x:u0", "x:u1")
	if _, err := s.UpdateFlag(ctx, rejected.ID, "mod", func(f *plaudit.Flag, isMod bool) (plaudit.FlagAction, error) {
		return moderation.RejectAction(f, moderation.Actor{Handle: "mod", Moderator: isMod}, at, "not spam")
	}); err != nil {
		t.Fatalf("reject: %v", err)
	}
	if ex, _ := s.Exclusions(ctx, ""); len(ex) != 1 {
		t.Errorf("exclusions after a plain confirmation and a rejection: %+v", ex)
	}

	// Filters.
	mustFlag(t, s, "member:x:u3", "x:u3", "x:u2")
	for _, c := range []struct {
		f    plaudit.FlagFilter
		want int
	}{{plaudit.FlagFilter{}, 4}, {plaudit.FlagFilter{Status: plaudit.FlagOpen}, 1}, {plaudit.FlagFilter{Status: plaudit.FlagConfirmed}, 1}, {plaudit.FlagFilter{Status: plaudit.FlagOverturned}, 1},
		{plaudit.FlagFilter{Member: "x:u3"}, 1}, {plaudit.FlagFilter{Subject: "x/e00001"}, 1}, {plaudit.FlagFilter{Status: plaudit.FlagRejected}, 1}} {
		if fl, err := s.Flags(ctx, c.f); err != nil || len(fl) != c.want {
			t.Errorf("Flags(%+v): %d, %v; want %d", c.f, len(fl), err, c.want)
		}
	}
}

func testFlagRefusals(t *testing.T, s plaudit.Store) {
	ctx := context.Background()
	if _, err := s.AppendEvents(ctx, events(0, 3)); err != nil {
		t.Fatal(err)
	}
	grant(t, s, "mod")
	f := mustFlag(t, s, "x/e00001", "x:u1", "x:u2")
	byEvent, _ := moderation.New("x/e00002", "x:u2", "x:u0", "spam", modAt)
	byEvent.Event = "x/e00000"
	stored, err := s.AddFlag(ctx, byEvent)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Flag(ctx, stored.ID); got.Event != "x/e00000" {
		t.Errorf("flag event %q", got.Event)
	}
	before := integritySnapshot(t, s)

	// A flag on an event not in the log.
	nf, _ := moderation.New("x/nosuch", "x:u1", "x:u2", "spam", modAt)
	if _, err := s.AddFlag(ctx, nf); plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
		t.Errorf("flag on unknown event: %v, want ENOTFOUND", err)
	}
	// The same member flags the same subject twice while the first is open.
	dup, _ := moderation.New("x/e00001", "x:u1", "x:u2", "again", modAt)
	if _, err := s.AddFlag(ctx, dup); plaudit.ErrorCode(err) != plaudit.ECONFLICT {
		t.Errorf("second open flag: %v, want ECONFLICT", err)
	}
	// A flag raised by a log event is raised once.
	again, _ := moderation.New("member:x:u2", "x:u2", "x:u0", "spam", modAt)
	again.Event = "x/e00000"
	if _, err := s.AddFlag(ctx, again); plaudit.ErrorCode(err) != plaudit.ECONFLICT {
		t.Errorf("a second flag from one event: %v, want ECONFLICT", err)
	}
	// A flag that is not new.
	if _, err := s.AddFlag(ctx, f); plaudit.ErrorCode(err) != plaudit.EINVALID {
		t.Errorf("re-adding a stored flag: %v, want EINVALID", err)
	}
	// A non-moderator confirms; the state machine refuses inside the transaction.
	eff, _ := moderation.DefaultConfig().Effects(weeklyEpochs, modAt, 1)
	if _, err := s.UpdateFlag(ctx, f.ID, "x:u3", func(f *plaudit.Flag, isMod bool) (plaudit.FlagAction, error) {
		return moderation.ConfirmAction(f, moderation.Actor{Handle: "x:u3", Moderator: isMod}, modAt, "", eff)
	}); plaudit.ErrorCode(err) != plaudit.EFORBIDDEN {
		t.Errorf("confirm by non-moderator: %v, want EFORBIDDEN", err)
	}
	// fn changes the flag but fails: nothing is written.
	if _, err := s.UpdateFlag(ctx, f.ID, "mod", func(f *plaudit.Flag, _ bool) (plaudit.FlagAction, error) {
		f.Status = plaudit.FlagRejected
		return plaudit.FlagAction{}, plaudit.Errorf(plaudit.EINVALID, "no")
	}); plaudit.ErrorCode(err) != plaudit.EINVALID {
		t.Errorf("failing fn: %v", err)
	}
	// fn rewrites what may not change.
	if _, err := s.UpdateFlag(ctx, f.ID, "mod", func(f *plaudit.Flag, _ bool) (plaudit.FlagAction, error) {
		f.Member = "someone else"
		return plaudit.FlagAction{Action: "confirm", By: "mod", At: modAt}, nil
	}); plaudit.ErrorCode(err) != plaudit.EINVALID {
		t.Errorf("changing the member: %v, want EINVALID", err)
	}
	if _, err := s.UpdateFlag(ctx, 999, "mod", func(*plaudit.Flag, bool) (plaudit.FlagAction, error) {
		return plaudit.FlagAction{Action: "x", By: "mod", At: modAt}, nil
	}); plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
		t.Errorf("unknown flag: %v, want ENOTFOUND", err)
	}
	if _, err := s.Flag(ctx, 999); plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
		t.Errorf("Flag(999): %v, want ENOTFOUND", err)
	}
	if after := integritySnapshot(t, s); after != before {
		t.Errorf("refused changes wrote something:\nbefore %s\nafter  %s", before, after)
	}
}

func testModerators(t *testing.T, s plaudit.Store) {
	ctx := context.Background()
	grant(t, s, "bob")
	grant(t, s, "alice")
	if err := s.SetModerator(ctx, plaudit.ModeratorChange{Member: "bob", Grant: true, By: "op", At: modAt}); plaudit.ErrorCode(err) != plaudit.ECONFLICT {
		t.Errorf("granting twice: %v, want ECONFLICT", err)
	}
	if err := s.SetModerator(ctx, plaudit.ModeratorChange{Member: "bob", By: "op2", At: modAt.Add(time.Hour), Note: "stepped down"}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetModerator(ctx, plaudit.ModeratorChange{Member: "carol", By: "op", At: modAt}); plaudit.ErrorCode(err) != plaudit.ECONFLICT {
		t.Errorf("revoking a non-moderator: %v, want ECONFLICT", err)
	}
	if err := s.SetModerator(ctx, plaudit.ModeratorChange{Member: "dave", Grant: true, At: modAt}); plaudit.ErrorCode(err) != plaudit.EINVALID {
		t.Errorf("grant without by: %v, want EINVALID", err)
	}
	mods, err := s.Moderators(ctx)
	if err != nil || !reflect.DeepEqual(mods, []string{"alice"}) {
		t.Errorf("moderators %v, %v", mods, err)
	}
	hist, err := s.ModeratorHistory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []plaudit.ModeratorChange{
		{Member: "bob", Grant: true, By: "operator", At: modAt},
		{Member: "alice", Grant: true, By: "operator", At: modAt},
		{Member: "bob", By: "op2", At: modAt.Add(time.Hour), Note: "stepped down"},
	}
	if !reflect.DeepEqual(hist, want) {
		t.Errorf("history %+v\nwant %+v", hist, want)
	}
}

func testAudit(t *testing.T, s plaudit.Store) {
	ctx := context.Background()
	grant(t, s, "mod")
	const ep = "default@2026-11-16T00:00:00Z"
	sample := moderation.Sample(ep, []string{"x/1", "x/2", "x/3", "x/4", "x/5"}, 3)
	if err := s.DrawAudit(ctx, ep, sample, "op", modAt); err != nil {
		t.Fatal(err)
	}
	if err := s.DrawAudit(ctx, ep, sample, "op", modAt.Add(time.Hour)); err != nil {
		t.Errorf("drawing the same sample again: %v", err)
	}
	if err := s.DrawAudit(ctx, ep, sample[:2], "op", modAt); plaudit.ErrorCode(err) != plaudit.ECONFLICT {
		t.Errorf("drawing another sample: %v, want ECONFLICT", err)
	}
	entries, err := s.AuditEntries(ctx, ep, "")
	if err != nil || len(entries) != 3 {
		t.Fatalf("entries %+v, %v", entries, err)
	}
	for i, e := range entries {
		if e.Event != sample[i] || e.Rank != i || e.Status != plaudit.AuditPending || e.DrawnBy != "op" || !e.DrawnAt.Equal(modAt) {
			t.Errorf("entry %d: %+v", i, e)
		}
	}
	if err := s.ReviewAudit(ctx, ep, sample[0], plaudit.AuditPassed, "x:u1", "", modAt); plaudit.ErrorCode(err) != plaudit.EFORBIDDEN {
		t.Errorf("review by non-moderator: %v, want EFORBIDDEN", err)
	}
	if err := s.ReviewAudit(ctx, ep, "x/none", plaudit.AuditPassed, "mod", "", modAt); plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
		t.Errorf("review of an event not drawn: %v, want ENOTFOUND", err)
	}
	if err := s.ReviewAudit(ctx, ep, sample[0], plaudit.AuditPending, "mod", "", modAt); plaudit.ErrorCode(err) != plaudit.EINVALID {
		t.Errorf("review to pending: %v, want EINVALID", err)
	}
	if err := s.ReviewAudit(ctx, ep, sample[1], plaudit.AuditFailed, "mod", "bought likes", modAt.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.ReviewAudit(ctx, ep, sample[1], plaudit.AuditPassed, "mod", "", modAt); plaudit.ErrorCode(err) != plaudit.ECONFLICT {
		t.Errorf("second review: %v, want ECONFLICT", err)
	}
	failed, err := s.AuditEntries(ctx, ep, plaudit.AuditFailed)
	if err != nil || len(failed) != 1 || failed[0].Reviewer != "mod" || failed[0].Note != "bought likes" || !failed[0].At.Equal(modAt.Add(time.Hour)) {
		t.Errorf("failed entries %+v, %v", failed, err)
	}
	if other, _ := s.AuditEntries(ctx, "default@2026-11-23T00:00:00Z", ""); len(other) != 0 {
		t.Errorf("another epoch's queue: %+v", other)
	}
}

func sampleVerdicts() []plaudit.Verdict {
	return []plaudit.Verdict{
		{Subject: "member:x:u1", Multiplier: 0, Reasons: []plaudit.Reason{{Check: "collusion_ring", Detail: "ring of 3", Multiplier: 0,
			Evidence: []plaudit.Input{{Name: "members", Value: "x:u1 x:u2 x:u3"}}}}},
		{Subject: "x/e00001", Multiplier: 250_000, Reasons: []plaudit.Reason{{Check: "velocity", Detail: "7 likes in a minute", Multiplier: 250_000}}},
	}
}

func testVerdictRuns(t *testing.T, s plaudit.Store) {
	ctx := context.Background()
	r1 := &plaudit.VerdictRun{PolicyHash: "sha256:a", Events: 10, By: "op", At: modAt, Verdicts: sampleVerdicts()}
	id1, err := s.SaveVerdictRun(ctx, r1)
	if err != nil {
		t.Fatal(err)
	}
	r2 := &plaudit.VerdictRun{PolicyHash: "sha256:b", Since: modAt.Add(-24 * time.Hour), Until: modAt, Events: 5, By: "op", At: modAt.Add(time.Hour),
		Verdicts: sampleVerdicts()[:1]}
	id2, err := s.SaveVerdictRun(ctx, r2)
	if err != nil {
		t.Fatal(err)
	}
	if id2 <= id1 {
		t.Errorf("run ids %d then %d", id1, id2)
	}
	got, err := s.VerdictRunByID(ctx, id1)
	if err != nil {
		t.Fatal(err)
	}
	r1.ID = id1
	if !reflect.DeepEqual(got, r1) {
		t.Errorf("run round trip:\n got %+v\nwant %+v", got, r1)
	}
	runs, err := s.VerdictRuns(ctx)
	if err != nil || len(runs) != 2 || runs[0].ID != id2 || runs[0].Verdicts != nil || !runs[0].Since.Equal(r2.Since) {
		t.Errorf("runs %+v, %v", runs, err)
	}
	sv, err := s.SubjectVerdicts(ctx, "member:x:u1")
	if err != nil || len(sv) != 2 || sv[0].Run != id2 || sv[1].PolicyHash != "sha256:a" || !reflect.DeepEqual(sv[1].Verdict, sampleVerdicts()[0]) {
		t.Errorf("subject verdicts %+v, %v", sv, err)
	}
	if _, err := s.VerdictRunByID(ctx, 999); plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
		t.Errorf("unknown run: %v", err)
	}
	bad := &plaudit.VerdictRun{By: "op", At: modAt, Verdicts: []plaudit.Verdict{{Subject: "x/1", Multiplier: plaudit.One + 1}}}
	if _, err := s.SaveVerdictRun(ctx, bad); plaudit.ErrorCode(err) != plaudit.EINVALID {
		t.Errorf("multiplier above one: %v, want EINVALID", err)
	}
	if runs, _ := s.VerdictRuns(ctx); len(runs) != 2 {
		t.Errorf("a refused run was stored: %d runs", len(runs))
	}
}

func testEpochVerdicts(t *testing.T, s plaudit.Store) {
	ctx := context.Background()
	const ep = "default@2026-11-16T00:00:00Z"
	if vs, err := s.EpochVerdicts(ctx, ep); err != nil || vs != nil {
		t.Errorf("no verdicts yet: %v, %v", vs, err)
	}
	if err := s.SaveEpochVerdicts(ctx, ep, sampleVerdicts()); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveEpochVerdicts(ctx, ep, sampleVerdicts()); err != nil {
		t.Errorf("saving the same verdicts again: %v", err)
	}
	if err := s.SaveEpochVerdicts(ctx, ep, sampleVerdicts()[:1]); plaudit.ErrorCode(err) != plaudit.ECONFLICT {
		t.Errorf("other verdicts: %v, want ECONFLICT", err)
	}
	vs, err := s.EpochVerdicts(ctx, ep)
	if err != nil || !reflect.DeepEqual(vs, sampleVerdicts()) {
		t.Errorf("epoch verdicts %+v, %v", vs, err)
	}
	// Verdicts are kept as settlement was given them: in order, a subject possibly twice.
	dup := append(sampleVerdicts(), sampleVerdicts()[0])
	if err := s.SaveEpochVerdicts(ctx, "other", dup); err != nil {
		t.Fatal(err)
	}
	if vs, err := s.EpochVerdicts(ctx, "other"); err != nil || !reflect.DeepEqual(vs, dup) {
		t.Errorf("repeated subject: %+v, %v", vs, err)
	}
	bad := []plaudit.Verdict{{Subject: "x/1", Multiplier: -1}}
	if err := s.SaveEpochVerdicts(ctx, "third", bad); plaudit.ErrorCode(err) != plaudit.EINVALID {
		t.Errorf("negative multiplier: %v, want EINVALID", err)
	}
	if vs, _ := s.EpochVerdicts(ctx, "third"); vs != nil {
		t.Errorf("refused verdicts were stored: %+v", vs)
	}
}

// testConcurrentDecisions has several moderators decide one flag at once: exactly one decision wins, the
// others see it and are refused, and the history holds one decision.
func testConcurrentDecisions(t *testing.T, s plaudit.Store) {
	ctx := context.Background()
	if _, err := s.AppendEvents(ctx, events(0, 2)); err != nil {
		t.Fatal(err)
	}
	const n = 6
	for i := range n {
		grant(t, s, fmt.Sprintf("mod%d", i))
	}
	f := mustFlag(t, s, "x/e00001", "x:u1", "x:u2")
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			by := fmt.Sprintf("mod%d", i)
			at := modAt.Add(time.Duration(i+1) * time.Minute)
			_, errs[i] = s.UpdateFlag(ctx, f.ID, by, func(f *plaudit.Flag, isMod bool) (plaudit.FlagAction, error) {
				actor := moderation.Actor{Handle: by, Moderator: isMod}
				if i%2 == 0 {
					return moderation.RejectAction(f, actor, at, "")
				}
				eff, err := moderation.DefaultConfig().Effects(weeklyEpochs, at, 1)
				if err != nil {
					return plaudit.FlagAction{}, err
				}
				return moderation.ConfirmAction(f, actor, at, "", eff)
			})
		}()
	}
	wg.Wait()
	won := 0
	for i, err := range errs {
		switch plaudit.ErrorCode(err) {
		case "":
			won++
		case plaudit.ECONFLICT:
		default:
			t.Errorf("moderator %d: %v", i, err)
		}
	}
	hist, err := s.FlagHistory(ctx, f.ID)
	if err != nil {
		t.Fatal(err)
	}
	if won != 1 || len(hist) != 2 {
		t.Fatalf("%d decisions won, history %+v; want exactly one", won, hist)
	}
	got, _ := s.Flag(ctx, f.ID)
	ex, _ := s.Exclusions(ctx, "")
	if (got.Status == plaudit.FlagConfirmed) != (len(ex) == 1) || got.Decision.By != hist[1].By {
		t.Errorf("flag %+v, exclusions %+v, history %+v", got, ex, hist)
	}
}
