package service_test

import (
	"context"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/policy"
	"github.com/plaudit/plaudit/score"
	"github.com/plaudit/plaudit/service"
)

// doubledTiered is the tiered preset's shape with a like worth 5 and a reply 3: bob's 4 points become 8.
const doubledTiered = "name: tiered\nversion: 2\nscorers:\n  - scorer: tiered\n    params:\n      tiers: [{tier: 1, like: 5, repost: 2, reply: 3}]\n"

// TestLeaderboardWeeks: the all-time board is the sum of the weekly boards, member by member; a board lists
// the members most points first and Limit cuts it without changing the count; before any scoring the board
// is empty and says so.
func TestLeaderboardWeeks(t *testing.T) {
	ctx := context.Background()
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		_, err := newService(st).Leaderboard(ctx, service.LeaderboardRequest{})
		wantCode(t, "a board with no active policy", err, plaudit.ENOTFOUND)
		svc := setUp(t, st)
		b, err := svc.Leaderboard(ctx, service.LeaderboardRequest{})
		if err != nil || b.Scores != 0 || b.Members != 0 || len(b.Totals) != 0 {
			t.Fatalf("board before scoring: %+v %v", b, err)
		}
		_, err = svc.Leaderboard(ctx, service.LeaderboardRequest{Year: 2026, Week: 54})
		wantCode(t, "week 54", err, plaudit.EINVALID)
		_, err = svc.Leaderboard(ctx, service.LeaderboardRequest{Limit: -1})
		wantCode(t, "a negative limit", err, plaudit.EINVALID)

		res, err := svc.Rescore(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		all, err := svc.Leaderboard(ctx, service.LeaderboardRequest{})
		if err != nil {
			t.Fatal(err)
		}
		if all.Scores != len(res.Scores) || all.Members != len(all.Totals) || all.Members < 10 || all.Policy.Hash != res.Policy.Hash() || all.Year != 0 {
			t.Fatalf("all-time board: %d scores (rescore made %d), %d members, %d totals, policy %s", all.Scores, len(res.Scores), all.Members, len(all.Totals), all.Policy.Hash)
		}
		for i := 1; i < len(all.Totals); i++ {
			if all.Totals[i].Points > all.Totals[i-1].Points {
				t.Fatalf("board not by points: %s %s before %s %s", all.Totals[i-1].Member, all.Totals[i-1].Points, all.Totals[i].Member, all.Totals[i].Points)
			}
		}
		// The community spans ISO weeks 2 to 4 of 2026 (from Monday 2026-01-05 for 21 days).
		byWeek := map[string]plaudit.Points{}
		var weeklyScores int
		for week := 2; week <= 4; week++ {
			b, err := svc.Leaderboard(ctx, service.LeaderboardRequest{Year: 2026, Week: week})
			if err != nil {
				t.Fatal(err)
			}
			if b.Members == 0 || b.Year != 2026 || b.Week != week {
				t.Fatalf("week %d: %d members", week, b.Members)
			}
			for _, tot := range b.Totals {
				byWeek[tot.Member] += tot.Points
				weeklyScores += tot.Scores
			}
		}
		if weeklyScores != all.Scores {
			t.Fatalf("the weekly boards hold %d scores, the all-time board %d", weeklyScores, all.Scores)
		}
		for _, tot := range all.Totals {
			if byWeek[tot.Member] != tot.Points {
				t.Fatalf("%s: %s points all time, %s over the weeks", tot.Member, tot.Points, byWeek[tot.Member])
			}
		}
		if b, err := svc.Leaderboard(ctx, service.LeaderboardRequest{Year: 2026, Week: 10}); err != nil || b.Members != 0 || b.Scores != all.Scores {
			t.Fatalf("a week without events: %+v %v", b, err)
		}
		top, err := svc.Leaderboard(ctx, service.LeaderboardRequest{Limit: 5})
		if err != nil || len(top.Totals) != 5 || top.Members != all.Members || top.Totals[4].Member != all.Totals[4].Member {
			t.Fatalf("top 5: %+v %v", top, err)
		}
	})
}

// TestReplay compares the active policy with a new one over the whole log, member by member, and stores
// nothing.
func TestReplay(t *testing.T) {
	ctx := context.Background()
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		appendAll(t, st, decode(t, smallLog))
		svc := newService(st)
		next, err := policy.Parse([]byte(doubledTiered), "next.yml")
		if err != nil {
			t.Fatal(err)
		}
		_, err = svc.Replay(ctx, next)
		wantCode(t, "replay with no active policy", err, plaudit.ENOTFOUND)
		cur := activatePreset(t, svc, "tiered")
		_, err = svc.Replay(ctx, nil)
		wantCode(t, "replay without a policy", err, plaudit.EINVALID)
		r, err := svc.Replay(ctx, next)
		if err != nil {
			t.Fatal(err)
		}
		if r.Events != len(decode(t, smallLog)) || r.Active.Hash() != cur.Hash() || r.New.Hash() != next.Hash() ||
			r.ActivePoints != plaudit.PointsFromInt(4) || r.NewPoints != plaudit.PointsFromInt(8) {
			t.Fatalf("replay: %d events, active %s %s, new %s %s", r.Events, r.Active.Hash(), r.ActivePoints, r.New.Hash(), r.NewPoints)
		}
		if len(r.Rows) != 1 || r.Rows[0] != (service.ReplayRow{Member: "bob", Active: plaudit.PointsFromInt(4), New: plaudit.PointsFromInt(8), Change: plaudit.PointsFromInt(4)}) {
			t.Fatalf("rows %+v", r.Rows)
		}
		for _, hash := range []string{cur.Hash(), next.Hash()} {
			if state, err := st.ScoreState(ctx, hash); err != nil || state.ScoredSeq != 0 {
				t.Fatalf("replay stored scores under %s: %+v %v", hash, state, err)
			}
		}
	})
}

// TestCompareTotals orders the members by the size of their change, largest first, then by handle; a member
// missing on one side has 0 there.
func TestCompareTotals(t *testing.T) {
	p := plaudit.PointsFromInt
	rows := service.CompareTotals(
		[]score.MemberTotal{{Member: "a", Points: p(10)}, {Member: "b", Points: p(5)}, {Member: "c", Points: p(1)}},
		[]score.MemberTotal{{Member: "a", Points: p(12)}, {Member: "b", Points: p(1)}, {Member: "d", Points: p(4)}},
	)
	var got []string
	for _, r := range rows {
		got = append(got, r.Member+" "+r.Active.String()+" "+r.New.String()+" "+r.Change.String())
	}
	want := []string{"b 5 1 -4", "d 0 4 4", "a 10 12 2", "c 1 0 -1"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("rows %v, want %v", got, want)
	}
}
