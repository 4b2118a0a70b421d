package service_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/score"
	"github.com/plaudit/plaudit/service"
)

// tiedTarget picks the event of [from, to) whose own and tied scores (score.TieKey) give the most points
// under the stored scores: the best test of an invalidation.
func tiedTarget(t *testing.T, svc *service.Service, st plaudit.Store, from, to time.Time) string {
	t.Helper()
	ctx := context.Background()
	pol, err := svc.ActivePolicy(ctx)
	if err != nil {
		t.Fatal(err)
	}
	scores, err := st.Scores(ctx, plaudit.ScoreFilter{PolicyHash: pol.Hash()})
	if err != nil {
		t.Fatal(err)
	}
	pts := map[string]plaudit.Points{}
	for _, s := range scores {
		pts[s.Event] += s.Points
	}
	inWindow := map[string]bool{}
	tied := map[string]plaudit.Points{}
	err = st.ScanEvents(ctx, plaudit.EventFilter{}, func(e *plaudit.Event) error {
		if !e.Time.Before(from) && e.Time.Before(to) && e.Source != plaudit.SourcePlaudit && !e.Kind.IsIdentity() {
			inWindow[e.Key()] = true
		}
		if k := score.TieKey(e); k != "" {
			tied[k] += pts[e.Key()]
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	best, bestPts := "", plaudit.Points(0)
	for k := range inWindow {
		if p := pts[k] + tied[k]; p > bestPts || (p == bestPts && k < best) {
			best, bestPts = k, p
		}
	}
	if bestPts <= 0 || tied[best] <= 0 {
		t.Fatalf("no event of [%s, %s) with tied points", from, to)
	}
	return best
}

// TestInvalidateEvent: an operator invalidates a post in an open epoch: the preview shows its points and
// those of the engagement on it, per member; after it the points are withdrawn from the scores and the
// leaderboard, explained with the reason; the next close settles without them and verifies, as do the epochs
// closed before; a whole-history rescore leaves the same scores; twice is ECONFLICT, unknown ENOTFOUND; an
// event of a closed epoch names that epoch, which verifies unchanged.
func TestInvalidateEvent(t *testing.T) {
	ctx := context.Background()
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		svc := setUp(t, st)
		if _, err := svc.CloseEpochs(ctx, service.CloseRequest{Through: at("2026-01-12")}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
		key := tiedTarget(t, svc, st, at("2026-01-19"), at("2026-01-26"))
		board := func() map[string]plaudit.Points {
			b, err := svc.Leaderboard(ctx, service.LeaderboardRequest{})
			if err != nil {
				t.Fatal(err)
			}
			out := map[string]plaudit.Points{}
			for _, e := range b.Entries {
				out[e.Member] = e.Raw
			}
			return out
		}
		boardBefore := board()
		membersBefore, err := svc.Members(ctx, "")
		if err != nil {
			t.Fatal(err)
		}

		pre, err := svc.InvalidationPreview(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if pre.Total <= 0 || len(pre.Members) == 0 || pre.Invalidated != nil || len(pre.ClosedEpochs) != 0 {
			t.Fatalf("preview of %s: %+v", key, pre)
		}
		res, err := svc.InvalidateEvent(ctx, service.InvalidateRequest{Event: key, By: "ops", Reason: "a bought-likes post"})
		if err != nil {
			t.Fatal(err)
		}
		if res.Before.Total != pre.Total || res.After.Total != 0 || res.After.Invalidated == nil {
			t.Fatalf("invalidate %s: before %s after %s (%+v)", key, res.Before.Total, res.After.Total, res.After.Invalidated)
		}
		for _, c := range res.After.Contributions {
			if c.Points != 0 || !strings.Contains(c.Note, "a bought-likes post") {
				t.Fatalf("after: %+v, want 0 points explained by the reason", c)
			}
		}
		boardAfter := board()
		if membersAfter, err := svc.Members(ctx, ""); err != nil || len(membersAfter) != len(membersBefore) {
			t.Fatalf("members %d after the invalidation, %d before (%v): the decision must name no new member", len(membersAfter), len(membersBefore), err)
		}
		for _, m := range pre.Members {
			if got, want := boardAfter[m.Member], boardBefore[m.Member]-m.Points; got != want {
				t.Errorf("leaderboard %s: %s, want %s - %s", m.Member, got, boardBefore[m.Member], m.Points)
			}
		}

		// Refusals change nothing.
		if _, err := svc.InvalidateEvent(ctx, service.InvalidateRequest{Event: key, By: "ops", Reason: "again"}); plaudit.ErrorCode(err) != plaudit.ECONFLICT ||
			!strings.Contains(plaudit.ErrorMessage(err), "invalidated already by ops") {
			t.Fatalf("twice: %v", err)
		}
		if _, err := svc.InvalidateEvent(ctx, service.InvalidateRequest{Event: "x/nope", By: "ops", Reason: "r"}); plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
			t.Fatalf("unknown: %v", err)
		}
		if _, err := svc.InvalidateEvent(ctx, service.InvalidateRequest{Event: "nope", By: "ops", Reason: "r"}); plaudit.ErrorCode(err) != plaudit.EINVALID {
			t.Fatalf("malformed: %v", err)
		}

		// A whole-history rescore replays the decision and leaves the same scores.
		if _, err := svc.Rescore(ctx, nil); err != nil {
			t.Fatal(err)
		}
		if again, err := svc.InvalidationPreview(ctx, key); err != nil || again.Total != 0 || len(again.Contributions) != len(res.After.Contributions) {
			t.Fatalf("after a rescore: %+v %v, want %+v", again, err, res.After)
		}

		// An event of a closed epoch: the epoch is named and stays as it was paid.
		old := tiedTarget(t, svc, st, at("2026-01-05"), at("2026-01-12"))
		res, err = svc.InvalidateEvent(ctx, service.InvalidateRequest{Event: old, By: "ops", Reason: "late finding"})
		if err != nil || len(res.Before.ClosedEpochs) == 0 || res.Before.ClosedEpochs[0] != "acme@2026-01-05T00:00:00Z" {
			t.Fatalf("invalidate %s of a closed epoch: %+v %v", old, res, err)
		}

		// The next close settles without the withdrawn points, and every epoch verifies from the log.
		if _, err := svc.CloseEpochs(ctx, service.CloseRequest{Through: at("2026-01-19")}); err != nil {
			t.Fatal(err)
		}
		log, err := svc.ReadLog(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{"acme@2026-01-05T00:00:00Z", "acme@2026-01-12T00:00:00Z", "acme@2026-01-19T00:00:00Z"} {
			v, err := svc.Verify(ctx, id, nil, log)
			if err != nil || !v.OK {
				t.Fatalf("verify %s: %+v %v", id, v, err)
			}
		}
	})
}
