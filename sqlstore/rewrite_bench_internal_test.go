package sqlstore

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
)

// BenchmarkRewriteScoresSQLite rescores a SQLite store that holds 200,000 scores already (a whole-history
// rewrite), with event keys and members in no particular order, as a rescore's are: written straight into
// scores, each chunk deleting the old scores of its seq range and inserting the new (the baseline,
// staged=false), and staged, then moved in by transactions of scoreMoveChunk sorted by key (staged=true). The
// scores' primary key (policy, event, pos) and member index take inserts at random places, so each direct
// transaction writes most of their pages however few scores it holds.
//
//	go test -run '^$' -bench RewriteScoresSQLite -count 6 ./sqlstore/ | benchstat -col /staged -
func BenchmarkRewriteScoresSQLite(b *testing.B) {
	const n = 200_000
	t0 := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	scores := make([]plaudit.Score, n)
	for i := range scores {
		h := uint64(i+1) * 0x9E3779B97F4A7C15 // a bijection: keys in no order, none twice
		scores[i] = plaudit.Score{Event: fmt.Sprintf("x/%016x", h), Seq: int64(i + 1), Member: fmt.Sprintf("m%05d", (h>>20)%50_000),
			Scorer: "tiered", Points: plaudit.Points(1_000_000), Time: t0.Add(time.Duration(i) * time.Second), PolicyHash: "sha256:bench",
			Lines: []plaudit.Line{{Rule: "tiered.like", Inputs: []plaudit.Input{{Name: "tier", Value: "1"}}, Points: plaudit.Points(1_000_000)}}}
	}
	ctx := context.Background()
	rewrite := func(b *testing.B, db *DB) {
		rw, err := db.RewriteScores(ctx, "sha256:bench", n)
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; i < n; i += 1024 {
			if err := rw.Add(ctx, scores[i:min(i+1024, n)]); err != nil {
				b.Fatal(err)
			}
		}
		if err := rw.Commit(ctx); err != nil {
			b.Fatal(err)
		}
	}
	for _, staged := range []bool{false, true} {
		b.Run(fmt.Sprintf("staged=%t", staged), func(b *testing.B) {
			defer func(old bool) { stageSQLiteRewrites = old }(stageSQLiteRewrites)
			stageSQLiteRewrites = staged
			db, err := Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			rewrite(b, db) // the store holds the scores: what follows is a rescore
			for b.Loop() {
				rewrite(b, db)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/score")
		})
	}
}
