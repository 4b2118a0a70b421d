package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
)

// TestRewriteStagesScores checks SQLite's staged rewrite: the scores are not in the scores table until the
// commit, a rewrite abandoned half way leaves its staged rows until the next rewrite of its policy removes
// them, and a move in several transactions (the chunks lowered here) replaces exactly the old scores through
// the rewrite's end, leaves another policy's scores and a streamed score past the end untouched, the
// indexes as they were, nothing staged, and the move's connection back in the pool with its sorts in memory.
func TestRewriteStagesScores(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "plaudit.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	defer func(chunk, move int) { scoreRewriteChunk, scoreMoveChunk = chunk, move }(scoreRewriteChunk, scoreMoveChunk)
	scoreRewriteChunk, scoreMoveChunk = 100, 400 // the 1,500 scores below: staged in 15 transactions, moved in 4

	t0 := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	mk := func(hash string, seq int64, member string, pts plaudit.Points) plaudit.Score {
		return plaudit.Score{Event: fmt.Sprintf("x/%08x", uint32(seq*2654435761)), Seq: seq, Member: member, Scorer: "tiered",
			Points: pts, Time: t0.Add(time.Duration(seq) * time.Minute), PolicyHash: hash,
			Lines: []plaudit.Line{{Rule: "tiered.like", Points: pts, Inputs: []plaudit.Input{{Name: "tier", Value: "2"}}}}}
	}
	const a, b = "sha256:a", "sha256:b"
	count := func(q string, args ...any) int {
		t.Helper()
		var n int
		if err := db.db.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	indexes := func() [][2]string {
		t.Helper()
		rows, err := db.db.QueryContext(ctx, "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'scores' AND sql IS NOT NULL ORDER BY name")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out [][2]string
		for rows.Next() {
			var ix [2]string
			if err := rows.Scan(&ix[0], &ix[1]); err != nil {
				t.Fatal(err)
			}
			out = append(out, ix)
		}
		return out
	}
	before := indexes()
	if len(before) < 3 {
		t.Fatalf("the scores' indexes: %v, want the migrations' three at least", before)
	}

	var old, other []plaudit.Score
	for i := int64(1); i <= 3000; i++ {
		old = append(old, mk(a, i, "old", 1))
		other = append(other, mk(b, i, "other", 2))
	}
	if err := db.ReplaceScores(ctx, a, 3000, old); err != nil {
		t.Fatal(err)
	}
	if err := db.ReplaceScores(ctx, b, 3000, other); err != nil {
		t.Fatal(err)
	}
	// A streamed score past the coming rewrite's end stays.
	if err := db.SaveScores(ctx, a, 3001, []plaudit.Score{mk(a, 3001, "streamed", 3)}); err != nil {
		t.Fatal(err)
	}

	// Abandoned after staging some.
	var run []plaudit.Score
	for i := int64(1); i <= 3000; i += 2 {
		run = append(run, mk(a, i, fmt.Sprintf("m%d", i%37), plaudit.Points(i)))
	}
	rw, err := db.RewriteScores(ctx, a, 3000)
	if err != nil {
		t.Fatal(err)
	}
	if err := rw.Add(ctx, run); err != nil {
		t.Fatal(err)
	}
	if n := count("SELECT COUNT(*) FROM score_staging"); n == 0 {
		t.Fatal("a rewrite past its first chunk staged nothing")
	}
	if n := count("SELECT COUNT(*) FROM scores WHERE policy_hash = ? AND member = 'old'", a); n != 3000 {
		t.Fatalf("during a staged rewrite: %d of the old scores in scores, want all 3000 until the commit", n)
	}

	// The next rewrite removes what the abandoned one staged, and moves its own in.
	rw, err = db.RewriteScores(ctx, a, 3000)
	if err != nil {
		t.Fatal(err)
	}
	if n := count("SELECT COUNT(*) FROM score_staging"); n != 0 {
		t.Fatalf("a new rewrite of the policy left %d rows an abandoned one staged", n)
	}
	if err := rw.Add(ctx, run); err != nil {
		t.Fatal(err)
	}
	if err := rw.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if n := count("SELECT COUNT(*) FROM score_staging"); n != 0 {
		t.Fatalf("after the commit, %d rows still staged", n)
	}
	// The move's connection went back to the pool keeping its sorts in memory again.
	var conns []*sql.Conn
	for range sqliteIdleConns + 1 {
		c, err := db.db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		var ts int
		if err := c.QueryRowContext(ctx, "PRAGMA temp_store").Scan(&ts); err != nil {
			t.Fatal(err)
		}
		if ts != 2 {
			t.Errorf("a pooled connection after the move: temp_store %d, want 2 (memory)", ts)
		}
	}
	for _, c := range conns {
		c.Close()
	}
	if got := indexes(); !reflect.DeepEqual(got, before) {
		t.Fatalf("the scores' indexes after the move:\n%v\nwant\n%v", got, before)
	}
	got, err := db.Scores(ctx, plaudit.ScoreFilter{PolicyHash: a})
	if err != nil {
		t.Fatal(err)
	}
	want := append(append([]plaudit.Score(nil), run...), mk(a, 3001, "streamed", 3))
	if len(got) != len(want) {
		t.Fatalf("after the rewrite: %d scores, want %d (the run's and the streamed one)", len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Event != w.Event || g.Seq != w.Seq || g.Member != w.Member || g.Points != w.Points || !g.Time.Equal(w.Time) || !reflect.DeepEqual(g.Lines, w.Lines) {
			t.Fatalf("score %d: %+v, want %+v", i, g, w)
		}
	}
	o, err := db.Scores(ctx, plaudit.ScoreFilter{PolicyHash: b})
	if err != nil || len(o) != len(other) {
		t.Fatalf("the other policy's scores: %d (%v), want its %d untouched", len(o), err, len(other))
	}
	for i := range o {
		if o[i].Event != other[i].Event || o[i].Member != "other" || o[i].Points != 2 {
			t.Fatalf("the other policy's score %d: %+v, want %+v", i, o[i], other[i])
		}
	}
	// The rebuilt member index answers a member's scores.
	ms, err := db.ScoresByMember(ctx, a, "m5")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, s := range run {
		if s.Member == "m5" {
			n++
		}
	}
	if len(ms) != n || n == 0 {
		t.Fatalf("member m5: %d scores, want %d", len(ms), n)
	}
	if s, err := db.ScoreState(ctx, a); err != nil || s.FullSeq != 3000 || s.ScoredSeq != 3001 {
		t.Fatalf("state after the rewrite: %+v (%v), want full 3000, scored 3001", s, err)
	}
}
