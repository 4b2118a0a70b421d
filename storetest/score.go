package storetest

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
)

func init() { register(20, "Scores", testScores) }

func testScores(t *testing.T, open Opener) {
	t.Run("SaveAndQuery", func(t *testing.T) { testSaveAndQuery(t, open(t)) })
	t.Run("SaveReplacesPerEvent", func(t *testing.T) { testSaveReplacesPerEvent(t, open(t)) })
	t.Run("ReplaceAll", func(t *testing.T) { testReplaceAll(t, open(t)) })
	t.Run("RejectsBadScores", func(t *testing.T) { testRejectsBadScores(t, open(t)) })
	t.Run("ActivePolicy", func(t *testing.T) { testActivePolicy(t, open(t)) })
	t.Run("State", func(t *testing.T) { testScoreState(t, open(t)) })
	t.Run("Rewrite", func(t *testing.T) { testScoreRewrite(t, open(t)) })
}

// testScoreRewrite checks the streamed whole-history rewrite: scores added in batches of any size (an
// event's scores split across two) replace the old ones exactly, in order, FullSeq is -1 from the start to
// the commit, FirstTime is the earliest score's time wherever it comes, out-of-order and out-of-range scores
// fail the rewrite, and a second rewrite of the policy makes the first fail with ECONFLICT.
func testScoreRewrite(t *testing.T, st plaudit.Store) {
	ctx := context.Background()
	state := func() plaudit.ScoreState {
		t.Helper()
		s, err := st.ScoreState(ctx, hashA)
		if err != nil {
			t.Fatal(err)
		}
		return *s
	}
	var old []plaudit.Score
	for i := int64(1); i <= 50; i++ {
		old = append(old, score(hashA, i, "old", 1))
	}
	if err := st.ReplaceScores(ctx, hashA, 50, old); err != nil {
		t.Fatal(err)
	}
	if _, err := st.RewriteScores(ctx, hashA, 0); plaudit.ErrorCode(err) != plaudit.EINVALID {
		t.Fatalf("a rewrite through 0: %v, want EINVALID", err)
	}
	var run []plaudit.Score
	for i := int64(2); i <= 5000; i++ {
		if i%3 == 0 {
			continue
		}
		run = append(run, score(hashA, i, "new", plaudit.Points(i)))
		if i == 1000 || i == 2501 {
			run = append(run, score(hashA, i, "new2", 2), score(hashA, i, "new3", 3))
		}
	}
	earliest := t0.Add(-time.Hour)
	run[3000].Time = earliest // the earliest score is not the first
	rw, err := st.RewriteScores(ctx, hashA, 5000)
	if err != nil {
		t.Fatal(err)
	}
	if s := state(); s.FullSeq != -1 {
		t.Fatalf("a rewrite under way: state %+v, want FullSeq -1", s)
	}
	rest := run
	for k, size := 0, 1; len(rest) > 0; k, size = k+1, size*3+1 {
		n := min(size, len(rest))
		if k == 4 { // end a batch between the scores of one event
			for n < len(rest) && rest[n].Seq != rest[n-1].Seq {
				n++
			}
			n++
		}
		if err := rw.Add(ctx, rest[:n]); err != nil {
			t.Fatal(err)
		}
		rest = rest[n:]
		if s := state(); s.FullSeq != -1 {
			t.Fatalf("a rewrite under way, %d scores to add: state %+v, want FullSeq -1", len(rest), s)
		}
	}
	if err := rw.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if s := state(); s.FullSeq != 5000 || s.ScoredSeq != 5000 || !s.FirstTime.Equal(earliest) {
		t.Fatalf("after the rewrite: state %+v, want full 5000, scored 5000, first %s", s, earliest)
	}
	all, err := st.Scores(ctx, plaudit.ScoreFilter{PolicyHash: hashA})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(run) {
		t.Fatalf("after the rewrite: %d scores, want the run's %d", len(all), len(run))
	}
	for i := range all {
		g, w := all[i], run[i]
		if g.Event != w.Event || g.Seq != w.Seq || g.Member != w.Member || g.Points != w.Points || !g.Time.Equal(w.Time) || !reflect.DeepEqual(g.Lines, w.Lines) {
			t.Fatalf("score %d after the rewrite: %+v, want %+v", i, g, w)
		}
	}
	if err := rw.Add(ctx, run[:1]); err == nil {
		t.Fatal("a committed rewrite took more scores")
	}

	// Out of order across two Adds, past the end, another policy's: EINVALID, and the rewrite is over.
	for _, bad := range [][]plaudit.Score{
		{score(hashA, 10, "x", 1), score(hashA, 9, "x", 1)},
		{score(hashA, 5001, "x", 1)},
		{score(hashB, 10, "x", 1)},
	} {
		rw, err := st.RewriteScores(ctx, hashA, 5000)
		if err != nil {
			t.Fatal(err)
		}
		err = rw.Add(ctx, bad[:1])
		if len(bad) > 1 && err == nil {
			err = rw.Add(ctx, bad[1:])
		}
		if plaudit.ErrorCode(err) != plaudit.EINVALID {
			t.Fatalf("bad scores %+v: %v, want EINVALID", bad, err)
		}
		if err := rw.Commit(ctx); err == nil {
			t.Fatal("a failed rewrite committed")
		}
		if s := state(); s.FullSeq != -1 {
			t.Fatalf("after a failed rewrite: state %+v, want FullSeq -1 (a run that did not finish)", s)
		}
	}

	// A second rewrite takes over: the first fails when it next writes.
	first, err := st.RewriteScores(ctx, hashA, 5000)
	if err != nil {
		t.Fatal(err)
	}
	second, err := st.RewriteScores(ctx, hashA, 5000)
	if err != nil {
		t.Fatal(err)
	}
	err = first.Add(ctx, run)
	if err == nil {
		err = first.Commit(ctx)
	}
	if plaudit.ErrorCode(err) != plaudit.ECONFLICT {
		t.Fatalf("the rewrite another took over: %v, want ECONFLICT", err)
	}
	if err := second.Add(ctx, run[:10]); err != nil {
		t.Fatal(err)
	}
	if err := second.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if s := state(); s.FullSeq != 5000 {
		t.Fatalf("after the second rewrite: state %+v, want FullSeq 5000", s)
	}
	if all, err := st.Scores(ctx, plaudit.ScoreFilter{PolicyHash: hashA}); err != nil || len(all) != 10 {
		t.Fatalf("after the second rewrite: %d scores (%v), want 10", len(all), err)
	}
}

// testScoreState checks how far scores reach: a whole-history rewrite (in many bounded transactions)
// replaces exactly the scores up to its end and records FullSeq; streamed scores move ScoredSeq and never
// replace a whole-history run's scores; ThroughSeq filters by seq.
func testScoreState(t *testing.T, st plaudit.Store) {
	ctx := context.Background()
	state := func() plaudit.ScoreState {
		t.Helper()
		s, err := st.ScoreState(ctx, hashA)
		if err != nil {
			t.Fatal(err)
		}
		return *s
	}
	if s := state(); s.FullSeq != 0 || s.ScoredSeq != 0 {
		t.Fatalf("a policy never scored: state %+v, want zero", s)
	}
	// Streamed scores of events 1..3, and of 30 (beyond the run below).
	if err := st.SaveScores(ctx, hashA, 3, []plaudit.Score{score(hashA, 1, "old", 1), score(hashA, 3, "old", 3)}); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveScores(ctx, hashA, 30, []plaudit.Score{score(hashA, 30, "streamed", 30)}); err != nil {
		t.Fatal(err)
	}
	if s := state(); s.FullSeq != 0 || s.ScoredSeq != 30 {
		t.Fatalf("after streaming: state %+v, want full 0, scored 30", s)
	}
	// A whole-history run through seq 20_000 with 12,001 scores: several transactions.
	var run []plaudit.Score
	for i := int64(2); i <= 20_000; i++ {
		if i%5 == 0 {
			continue
		}
		run = append(run, score(hashA, i, "new", plaudit.Points(i)))
		if i == 7 { // two scores for one event straddle nothing: they stay in one transaction
			run = append(run, score(hashA, i, "new2", plaudit.Points(i)))
		}
	}
	if err := st.ReplaceScores(ctx, hashA, 20_000, run); err != nil {
		t.Fatal(err)
	}
	if s := state(); s.FullSeq != 20_000 || s.ScoredSeq != 20_000 || !s.FirstTime.Equal(run[0].Time) {
		t.Fatalf("after the rewrite: state %+v, want full 20000, scored 20000, first %s", s, run[0].Time)
	}
	all, err := st.Scores(ctx, plaudit.ScoreFilter{PolicyHash: hashA})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(run) {
		t.Fatalf("after the rewrite: %d scores, want the run's %d (old ones of seq 1 and 3 and the streamed 30 replaced)", len(all), len(run))
	}
	for _, s := range all {
		if s.Member != "new" && s.Member != "new2" {
			t.Fatalf("score of %s by %s survived the rewrite", s.Event, s.Member)
		}
	}
	// Streamed scores of events the run covers are ignored; later ones land.
	if err := st.SaveScores(ctx, hashA, 20_002, []plaudit.Score{score(hashA, 10, "late", 1), score(hashA, 20_001, "streamed", 2)}); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.ScoresByEvent(ctx, hashA, score(hashA, 10, "", 0).Event); len(got) != 0 {
		t.Fatalf("a streamed score replaced nothing-scored event 10 of a whole-history run: %+v", got)
	}
	if got, _ := st.ScoresByEvent(ctx, hashA, score(hashA, 20_001, "", 0).Event); len(got) != 1 || got[0].Member != "streamed" {
		t.Fatalf("streamed score past the run: %+v", got)
	}
	if s := state(); s.FullSeq != 20_000 || s.ScoredSeq != 20_002 {
		t.Fatalf("state %+v, want full 20000, scored 20002", s)
	}
	upTo, err := st.Scores(ctx, plaudit.ScoreFilter{PolicyHash: hashA, ThroughSeq: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range upTo {
		if s.Seq > 100 {
			t.Fatalf("ThroughSeq 100 gave seq %d", s.Seq)
		}
	}
	if len(upTo) != 80 { // 2..100 less the multiples of 5, and event 7 twice
		t.Fatalf("ThroughSeq 100: %d scores, want 80", len(upTo))
	}
	// Unsorted or out-of-range runs are refused and change nothing.
	if err := st.ReplaceScores(ctx, hashA, 5, []plaudit.Score{score(hashA, 3, "x", 1), score(hashA, 2, "x", 1)}); plaudit.ErrorCode(err) != plaudit.EINVALID {
		t.Fatalf("unsorted run: %v, want EINVALID", err)
	}
	if err := st.ReplaceScores(ctx, hashA, 5, []plaudit.Score{score(hashA, 6, "x", 1)}); plaudit.ErrorCode(err) != plaudit.EINVALID {
		t.Fatalf("run past its end: %v, want EINVALID", err)
	}
	if s := state(); s.FullSeq != 20_000 {
		t.Fatalf("a refused run changed the state: %+v", s)
	}
}

const (
	hashA = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	hashB = "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
)

func score(hash string, seq int64, member string, pts plaudit.Points) plaudit.Score {
	return plaudit.Score{
		Event: fmt.Sprintf("x/e%05d", seq), Seq: seq, Member: member, Scorer: "tiered", Points: pts,
		Time: t0.Add(time.Duration(seq) * time.Hour), PolicyHash: hash,
		Lines: []plaudit.Line{{Rule: "tiered.like", Points: pts, Inputs: []plaudit.Input{{Name: "tier", Value: "2"}}, Note: "n"}},
	}
}

func testSaveAndQuery(t *testing.T, st plaudit.Store) {
	ctx := context.Background()
	var in []plaudit.Score
	for i := int64(1); i <= 450; i++ { // more than one INSERT batch
		in = append(in, score(hashA, i, fmt.Sprintf("m%d", i%3), plaudit.Points(i*1_500_000)))
	}
	// A second score for one event, and a score with no lines.
	extra := score(hashA, 7, "m9", plaudit.PointsFromInt(-2))
	extra.Lines = nil
	in = append(in, extra)
	if err := st.SaveScores(ctx, hashA, 0, in); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveScores(ctx, hashB, 0, []plaudit.Score{score(hashB, 1, "m1", 5)}); err != nil {
		t.Fatal(err)
	}
	all, err := st.Scores(ctx, plaudit.ScoreFilter{PolicyHash: hashA})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 451 {
		t.Fatalf("%d scores, want 451", len(all))
	}
	if !reflect.DeepEqual(all[0], in[0]) {
		t.Errorf("round trip:\n got %+v\nwant %+v", all[0], in[0])
	}
	ev, err := st.ScoresByEvent(ctx, hashA, "x/e00007")
	if err != nil {
		t.Fatal(err)
	}
	if len(ev) != 2 || ev[0].Member != "m1" || ev[1].Member != "m9" || ev[1].Lines != nil || ev[1].Points != plaudit.PointsFromInt(-2) {
		t.Errorf("by event: %+v", ev)
	}
	mine, err := st.ScoresByMember(ctx, hashA, "m0")
	if err != nil {
		t.Fatal(err)
	}
	if len(mine) != 150 || mine[0].Seq != 3 || mine[149].Seq != 450 {
		t.Errorf("by member: %d scores, first seq %d", len(mine), mine[0].Seq)
	}
	window, err := st.Scores(ctx, plaudit.ScoreFilter{PolicyHash: hashA, Since: t0.Add(10 * time.Hour), Until: t0.Add(20 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if len(window) != 10 || window[0].Seq != 10 || window[9].Seq != 19 {
		t.Errorf("window: %d scores", len(window))
	}
	other, _ := st.Scores(ctx, plaudit.ScoreFilter{PolicyHash: hashB})
	if len(other) != 1 || other[0].PolicyHash != hashB {
		t.Errorf("policy B: %+v", other)
	}
	if _, err := st.Scores(ctx, plaudit.ScoreFilter{}); plaudit.ErrorCode(err) != plaudit.EINVALID {
		t.Errorf("no hash: %v", err)
	}
}

func testSaveReplacesPerEvent(t *testing.T, st plaudit.Store) {
	ctx := context.Background()
	first := []plaudit.Score{score(hashA, 1, "m1", 10), score(hashA, 1, "m2", 20), score(hashA, 2, "m1", 30)}
	if err := st.SaveScores(ctx, hashA, 0, first); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveScores(ctx, hashA, 0, first); err != nil { // idempotent
		t.Fatal(err)
	}
	all, _ := st.Scores(ctx, plaudit.ScoreFilter{PolicyHash: hashA})
	if len(all) != 3 {
		t.Fatalf("after saving twice: %d scores", len(all))
	}
	// Rescoring event 1 replaces both of its scores and leaves event 2 alone.
	if err := st.SaveScores(ctx, hashA, 0, []plaudit.Score{score(hashA, 1, "m3", 99)}); err != nil {
		t.Fatal(err)
	}
	all, _ = st.Scores(ctx, plaudit.ScoreFilter{PolicyHash: hashA})
	if len(all) != 2 || all[0].Member != "m3" || all[1].Points != 30 {
		t.Errorf("after rescoring: %+v", all)
	}
}

func testReplaceAll(t *testing.T, st plaudit.Store) {
	ctx := context.Background()
	if err := st.SaveScores(ctx, hashA, 0, []plaudit.Score{score(hashA, 1, "m1", 10), score(hashA, 2, "m1", 20)}); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveScores(ctx, hashB, 0, []plaudit.Score{score(hashB, 1, "m1", 10)}); err != nil {
		t.Fatal(err)
	}
	if err := st.ReplaceScores(ctx, hashA, 0, []plaudit.Score{score(hashA, 3, "m2", 5)}); err != nil {
		t.Fatal(err)
	}
	a, _ := st.Scores(ctx, plaudit.ScoreFilter{PolicyHash: hashA})
	b, _ := st.Scores(ctx, plaudit.ScoreFilter{PolicyHash: hashB})
	if len(a) != 1 || a[0].Seq != 3 || len(b) != 1 {
		t.Errorf("after replace: A %+v, B %+v", a, b)
	}
	if err := st.ReplaceScores(ctx, hashA, 0, nil); err != nil {
		t.Fatal(err)
	}
	if a, _ := st.Scores(ctx, plaudit.ScoreFilter{PolicyHash: hashA}); len(a) != 0 {
		t.Errorf("after replacing with none: %+v", a)
	}
}

func testRejectsBadScores(t *testing.T, st plaudit.Store) {
	ctx := context.Background()
	good := score(hashA, 1, "m1", 10)
	wrongHash := score(hashB, 2, "m1", 10)
	noMember := score(hashA, 3, "", 10)
	for name, batch := range map[string][]plaudit.Score{"wrong hash": {good, wrongHash}, "no member": {good, noMember}} {
		if err := st.SaveScores(ctx, hashA, 0, batch); plaudit.ErrorCode(err) != plaudit.EINVALID {
			t.Errorf("%s: %v", name, err)
		}
		if err := st.ReplaceScores(ctx, hashA, 0, batch); plaudit.ErrorCode(err) != plaudit.EINVALID {
			t.Errorf("%s (replace): %v", name, err)
		}
	}
	if all, _ := st.Scores(ctx, plaudit.ScoreFilter{PolicyHash: hashA}); len(all) != 0 {
		t.Errorf("a rejected batch wrote %d scores", len(all))
	}
}

func testActivePolicy(t *testing.T, st plaudit.Store) {
	ctx := context.Background()
	if _, err := st.ActivePolicy(ctx); plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
		t.Fatalf("empty store: %v", err)
	}
	a := &plaudit.PolicyRecord{Hash: hashA, Name: "default", Version: 1, Document: "name: default\n", ActivatedAt: t0, ActivatedBy: "ops"}
	b := &plaudit.PolicyRecord{Hash: hashB, Name: "default", Version: 2, Document: "name: default\nversion: 2\n", ActivatedAt: t0.Add(time.Hour), ActivatedBy: "ops"}
	for _, rec := range []*plaudit.PolicyRecord{a, b} {
		if err := st.SetActivePolicy(ctx, rec); err != nil {
			t.Fatal(err)
		}
	}
	got, err := st.ActivePolicy(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, b) {
		t.Errorf("active %+v, want %+v", got, b)
	}
	// Re-activating A stores no second copy of its document and makes it active again.
	a2 := *a
	a2.ActivatedAt = t0.Add(2 * time.Hour)
	if err := st.SetActivePolicy(ctx, &a2); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.ActivePolicy(ctx); got.Hash != hashA || !got.ActivatedAt.Equal(a2.ActivatedAt) {
		t.Errorf("re-activated %+v", got)
	}
	doc, err := st.PolicyByHash(ctx, hashB)
	if err != nil || doc.Document != b.Document || doc.Version != 2 {
		t.Errorf("by hash: %+v %v", doc, err)
	}
	if _, err := st.PolicyByHash(ctx, "sha256:none"); plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
		t.Errorf("unknown hash: %v", err)
	}
	if err := st.SetActivePolicy(ctx, &plaudit.PolicyRecord{Hash: "md5:x", Document: "x", ActivatedAt: t0}); plaudit.ErrorCode(err) != plaudit.EINVALID {
		t.Errorf("bad hash: %v", err)
	}
}
