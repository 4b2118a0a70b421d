package service_test

import (
	"bytes"
	"context"
	"encoding/csv"
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
		if err != nil || b.Scores != 0 || !b.Unscored || b.Members != 0 || len(b.Entries) != 0 {
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
		if all.Scores != len(res.Scores) || all.Members != len(all.Entries) || all.Members < 10 || all.Policy.Hash != res.Policy.Hash() || all.Year != 0 {
			t.Fatalf("all-time board: %d scores (rescore made %d), %d members, %d totals, policy %s", all.Scores, len(res.Scores), all.Members, len(all.Entries), all.Policy.Hash)
		}
		for i := 1; i < len(all.Entries); i++ {
			if all.Entries[i].Points > all.Entries[i-1].Points {
				t.Fatalf("board not by points: %s %s before %s %s", all.Entries[i-1].Member, all.Entries[i-1].Points, all.Entries[i].Member, all.Entries[i].Points)
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
			for _, tot := range b.Entries {
				byWeek[tot.Member] += tot.Points
				weeklyScores += tot.Scores
			}
		}
		if weeklyScores != all.Scores {
			t.Fatalf("the weekly boards hold %d scores, the all-time board %d", weeklyScores, all.Scores)
		}
		for _, tot := range all.Entries {
			if byWeek[tot.Member] != tot.Points {
				t.Fatalf("%s: %s points all time, %s over the weeks", tot.Member, tot.Points, byWeek[tot.Member])
			}
		}
		if b, err := svc.Leaderboard(ctx, service.LeaderboardRequest{Year: 2026, Week: 10}); err != nil || b.Members != 0 || b.Scores != 0 || b.Unscored {
			t.Fatalf("a week without events: %+v %v", b, err)
		}
		top, err := svc.Leaderboard(ctx, service.LeaderboardRequest{Limit: 5})
		if err != nil || len(top.Entries) != 5 || top.Members != all.Members || top.Entries[4].Member != all.Entries[4].Member {
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

// TestLeaderboardVerdicts: the live board counts points after the newest integrity run's verdicts and shows
// the member's verdict and the points before; a board kept by the service is recomputed once new scores or
// a new run arrive; epoch and program boards list what the closed epochs settled.
func TestLeaderboardVerdicts(t *testing.T) {
	ctx := context.Background()
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		svc := setUp(t, st)
		if _, err := svc.Rescore(ctx, nil); err != nil {
			t.Fatal(err)
		}
		before, err := svc.Leaderboard(ctx, service.LeaderboardRequest{})
		if err != nil || len(before.Runs) != 0 {
			t.Fatalf("board before integrity: %v %v", before.Runs, err)
		}
		for _, e := range before.Entries {
			if e.Points != e.Raw || e.Verdict != nil || e.Adjusted != 0 {
				t.Fatalf("%s before any integrity run: %+v", e.Member, e)
			}
		}
		res, err := svc.RunIntegrity(ctx, service.IntegrityRequest{By: "test"})
		if err != nil {
			t.Fatal(err)
		}
		mult := map[string]plaudit.Ratio{}
		for _, v := range res.Run.Verdicts {
			if h, ok := plaudit.MemberOfSubject(v.Subject); ok {
				mult[h] = v.Multiplier
			}
		}
		if len(mult) == 0 {
			t.Fatal("the test community's integrity run judged no member")
		}
		after, err := svc.Leaderboard(ctx, service.LeaderboardRequest{})
		if err != nil {
			t.Fatal(err)
		}
		if len(after.Runs) != 1 || after.Runs[0] != res.Run.ID {
			t.Fatalf("runs applied: %v, want [%d]", after.Runs, res.Run.ID)
		}
		raw := map[string]plaudit.Points{}
		for _, e := range before.Entries {
			raw[e.Member] = e.Points
		}
		judged := 0
		for i, e := range after.Entries {
			if i > 0 && e.Points > after.Entries[i-1].Points {
				t.Fatalf("board not by points after verdicts at %d", i)
			}
			if e.Raw != raw[e.Member] {
				t.Fatalf("%s: points before verdicts %s, the board before the run said %s", e.Member, e.Raw, raw[e.Member])
			}
			m, ok := mult[e.Member]
			if !ok {
				continue
			}
			judged++
			if e.Verdict == nil || e.Verdict.Run != res.Run.ID || e.Verdict.Verdict.Multiplier != m {
				t.Fatalf("%s: verdict %+v, want ×%s of run %d", e.Member, e.Verdict, m, res.Run.ID)
			}
			if m < plaudit.One && e.Raw > 0 && e.Points >= e.Raw {
				t.Fatalf("%s: ×%s left %s of %s points", e.Member, m, e.Points, e.Raw)
			}
		}
		if judged == 0 {
			t.Fatal("no judged member is on the board")
		}

		// New events and their scores: the kept board is not served again.
		stored, err := st.Scores(ctx, plaudit.ScoreFilter{PolicyHash: after.Policy.Hash})
		if err != nil || len(stored) == 0 {
			t.Fatal(err)
		}
		keys := map[string]bool{}
		for _, sc := range stored {
			if sc.Points > 0 {
				keys[sc.Event] = true
			}
		}
		var late plaudit.Event
		for _, e := range community(t) {
			if keys[string(e.Source)+"/"+e.ExternalID] && e.Content != "" && e.Target == "" {
				late = e
			}
		}
		late.ExternalID, late.Seq = "late-1", 0
		late.Content = "a late and thoughtful note on the release checklist, the migration guide and the changelog"
		appendAll(t, st, []plaudit.Event{late})
		if _, err := svc.Rescore(ctx, nil); err != nil {
			t.Fatal(err)
		}
		again, err := svc.Leaderboard(ctx, service.LeaderboardRequest{})
		if err != nil {
			t.Fatal(err)
		}
		if again.Scores <= after.Scores {
			t.Fatalf("board after one more scored event: %d scores, before %d", again.Scores, after.Scores)
		}

		// Epoch and program boards.
		closed, err := svc.CloseEpochs(ctx, service.CloseRequest{Through: at("2026-01-12")})
		if err != nil || len(closed.Epochs) != 2 {
			t.Fatalf("close two weeks: %v", err)
		}
		var sum plaudit.Points
		for _, c := range closed.Epochs {
			eb, err := svc.Leaderboard(ctx, service.LeaderboardRequest{Epoch: c.Window.ID})
			if err != nil {
				t.Fatal(err)
			}
			got, err := svc.Epoch(ctx, c.Window.ID)
			if err != nil {
				t.Fatal(err)
			}
			byMember := map[string]plaudit.Allocation{}
			for _, a := range got.Allocations {
				byMember[a.Member] = a
			}
			for _, e := range eb.Entries {
				a := byMember[e.Member]
				if e.Points != a.Points || e.Paid.Cmp(a.Paid) != 0 || e.Wallet != a.Wallet {
					t.Fatalf("epoch %s, %s: board %s points %s paid, allocation %s %s", c.Window.ID, e.Member, e.Points, e.Paid, a.Points, a.Paid)
				}
				sum += e.Points
			}
			if eb.Epoch == nil || eb.Epoch.ID != c.Window.ID || eb.Token != got.Epoch.Token {
				t.Fatalf("epoch board header: %+v", eb)
			}
		}
		// The export shows each member's verdict beside the points it settled.
		for _, c := range closed.Epochs {
			vs, err := svc.EpochVerdicts(ctx, c.Window.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]string{}
			for _, v := range vs {
				if h, ok := plaudit.MemberOfSubject(v.Subject); ok {
					want[h] = v.Multiplier.String()
				}
			}
			var buf bytes.Buffer
			if err := svc.ExportEpoch(ctx, &buf, c.Window.ID, "csv"); err != nil {
				t.Fatal(err)
			}
			rows, err := csv.NewReader(&buf).ReadAll()
			if err != nil || len(rows) < 2 || rows[0][len(rows[0])-2] != "verdict_multiplier" {
				t.Fatalf("export of %s: %v %v", c.Window.ID, rows[:min(1, len(rows))], err)
			}
			shown := 0
			for _, r := range rows[1:] {
				if m, ok := want[r[1]]; ok {
					shown++
					if r[len(r)-2] != m {
						t.Fatalf("export of %s: %s's verdict %q, want %s", c.Window.ID, r[1], r[len(r)-2], m)
					}
				} else if r[len(r)-2] != "" {
					t.Fatalf("export of %s: %s has verdict %q but none was settled", c.Window.ID, r[1], r[len(r)-2])
				}
			}
			if len(want) > 0 && shown == 0 {
				t.Fatalf("export of %s: no member row shows one of the %d member verdicts", c.Window.ID, len(want))
			}
		}

		pb, err := svc.Leaderboard(ctx, service.LeaderboardRequest{Program: closed.Program.Name})
		if err != nil || pb.Epochs != 2 {
			t.Fatalf("program board: %+v %v", pb, err)
		}
		var psum plaudit.Points
		for _, e := range pb.Entries {
			psum += e.Points
		}
		if psum != sum {
			t.Fatalf("program board sums %s points, its epochs %s", psum, sum)
		}
		_, err = svc.Leaderboard(ctx, service.LeaderboardRequest{Program: "nobody"})
		wantCode(t, "a program with no closed epochs", err, plaudit.ENOTFOUND)
		_, err = svc.Leaderboard(ctx, service.LeaderboardRequest{Epoch: "acme@2030-01-06T00:00:00Z"})
		wantCode(t, "an epoch never closed", err, plaudit.ENOTFOUND)
		_, err = svc.Leaderboard(ctx, service.LeaderboardRequest{Epoch: closed.Epochs[0].Window.ID, Year: 2026, Week: 2})
		wantCode(t, "an epoch and a week", err, plaudit.EINVALID)

		// A member's profile: the same points after verdicts, the board's rank, the epochs' allocations.
		board, err := svc.Leaderboard(ctx, service.LeaderboardRequest{})
		if err != nil {
			t.Fatal(err)
		}
		for _, i := range []int{0, len(board.Entries) / 2} {
			e := board.Entries[i]
			p, err := svc.MemberProfile(ctx, e.Member)
			if err != nil {
				t.Fatal(err)
			}
			if r := p.Reputation; r == nil || r.Weight < 0 || r.Weight > plaudit.One || r.Basis != "eigentrust" || !r.Start.Before(r.End) {
				t.Fatalf("profile of %s: reputation %+v", e.Member, r)
			}
			if p.Rank != i+1 || p.Total == nil || p.Total.Points != e.Points || p.Raw != e.Raw {
				t.Fatalf("profile of %s: rank %d points %v raw %s; board: rank %d %s %s", e.Member, p.Rank, p.Total, p.Raw, i+1, e.Points, e.Raw)
			}
			var want []plaudit.Allocation
			for _, c := range closed.Epochs {
				got, err := svc.Epoch(ctx, c.Window.ID)
				if err != nil {
					t.Fatal(err)
				}
				for _, a := range got.Allocations {
					if a.Member == e.Member {
						want = append(want, a)
					}
				}
			}
			if len(p.Epochs) != len(want) {
				t.Fatalf("profile of %s: %d epochs, want %d", e.Member, len(p.Epochs), len(want))
			}
			for k := range want {
				if p.Epochs[k].Epoch != want[k].Epoch || p.Epochs[k].Points != want[k].Points || p.Epochs[k].Paid.Cmp(want[k].Paid) != 0 {
					t.Fatalf("profile of %s, epoch %d: %+v, want %+v", e.Member, k, p.Epochs[k], want[k])
				}
			}
		}
	})
}

// TestPolicyHistory: every activation is listed newest first with the policy it replaced and the fields
// that changed; activating a policy again lists it again; PolicyDiff compares any two stored policies.
func TestPolicyHistory(t *testing.T) {
	ctx := context.Background()
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		svc := newService(st)
		if h, err := svc.PolicyHistory(ctx); err != nil || len(h) != 0 {
			t.Fatalf("history of a new store: %v %v", h, err)
		}
		first := activatePreset(t, svc, "tiered")
		second, err := svc.ActivatePolicy(ctx, []byte(doubledTiered), "next.yml", "ops")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.ActivatePolicy(ctx, mustPresetSource(t, "tiered"), "back.yml", "ops"); err != nil {
			t.Fatal(err)
		}
		h, err := svc.PolicyHistory(ctx)
		if err != nil || len(h) != 3 {
			t.Fatalf("history: %d versions, %v", len(h), err)
		}
		if h[0].Hash != first.Hash() || h[0].Previous != second.Hash() || h[1].Hash != second.Hash() || h[1].Previous != first.Hash() ||
			h[2].Hash != first.Hash() || h[2].Previous != "" || h[2].Changes != nil || h[1].ActivatedBy != "ops" {
			t.Fatalf("history: %+v", h)
		}
		var like bool
		for _, c := range h[1].Changes {
			if strings.HasSuffix(c.Path, ".like") && c.New == "5" {
				like = true
			}
		}
		if !like || len(h[0].Changes) != len(h[1].Changes) {
			t.Fatalf("changes of version 2: %+v; back: %+v", h[1].Changes, h[0].Changes)
		}
		d, err := svc.PolicyDiff(ctx, first.Hash(), second.Hash())
		if err != nil || len(d) != len(h[1].Changes) {
			t.Fatalf("diff: %v %v", d, err)
		}
		_, err = svc.PolicyDiff(ctx, first.Hash(), "sha256:00")
		wantCode(t, "a diff against an unknown policy", err, plaudit.ENOTFOUND)
	})
}

func mustPresetSource(t *testing.T, name string) []byte {
	t.Helper()
	src, err := policy.PresetSource(name)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// TestEventsByActor: the event log filtered by actor holds exactly that account's events, in log order; one
// event is read back by its key.
func TestEventsByActor(t *testing.T) {
	ctx := context.Background()
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		events := community(t)
		appendAll(t, st, events)
		svc := newService(st)
		actor := events[len(events)/2].Actor
		want := 0
		for _, e := range events {
			if e.Actor == actor {
				want++
			}
		}
		var got []*plaudit.Event
		if err := svc.ScanEvents(ctx, plaudit.EventFilter{Actors: []string{actor}}, func(e *plaudit.Event) error { got = append(got, e); return nil }); err != nil {
			t.Fatal(err)
		}
		if len(got) != want {
			t.Fatalf("actor %s: %d events, want %d", actor, len(got), want)
		}
		for i, e := range got {
			if e.Actor != actor || (i > 0 && e.Seq <= got[i-1].Seq) {
				t.Fatalf("event %d: actor %s, seq %d", i, e.Actor, e.Seq)
			}
		}
		one, err := svc.Event(ctx, got[0].Source, got[0].ExternalID)
		if err != nil || one.Seq != got[0].Seq {
			t.Fatalf("event by key: %v %v", one, err)
		}
		_, err = svc.Event(ctx, "nope", "1")
		wantCode(t, "an unknown source", err, plaudit.ENOTFOUND)
	})
}
