package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/sqlstore"
)

// TestScanScorePoints: the streamed scan gives exactly the scores Scores gives for the same filter, in the
// same order, without their lines, on both stores; an error from fn stops it and comes back.
func TestScanScorePoints(t *testing.T) {
	for name, open := range map[string]func(*testing.T) *sqlstore.DB{"sqlite": openSQLite, "postgres": openPostgres} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			db := open(t)
			const hash = "sha256:scan"
			base := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
			var scores []plaudit.Score
			for i := range 50 {
				scores = append(scores, plaudit.Score{Event: "api/e" + string(rune('a'+i%26)) + string(rune('a'+i/26)), Seq: int64(i + 1),
					Member: []string{"ann", "bob", "cy"}[i%3], Scorer: "tiered", Points: plaudit.Points(int64(i) * 1_000_000),
					Time: base.Add(time.Duration(i) * 6 * time.Hour), PolicyHash: hash,
					Lines: []plaudit.Line{{Rule: "r", Points: plaudit.Points(int64(i) * 1_000_000)}}})
			}
			if err := db.ReplaceScores(ctx, hash, 50, scores); err != nil {
				t.Fatal(err)
			}
			for _, f := range []plaudit.ScoreFilter{
				{PolicyHash: hash},
				{PolicyHash: hash, Since: base.Add(24 * time.Hour), Until: base.Add(7 * 24 * time.Hour), ThroughSeq: 20},
				{PolicyHash: hash, Member: "bob"},
			} {
				want, err := db.Scores(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				var got []plaudit.Score
				if err := db.ScanScorePoints(ctx, f, func(s *plaudit.Score) error { got = append(got, *s); return nil }); err != nil {
					t.Fatal(err)
				}
				if len(got) != len(want) || len(want) == 0 {
					t.Fatalf("filter %+v: scanned %d scores, Scores gives %d", f, len(got), len(want))
				}
				for i := range want {
					w := want[i]
					w.Lines = nil
					if g := got[i]; g.Event != w.Event || g.Seq != w.Seq || g.Member != w.Member || g.Scorer != w.Scorer || g.Points != w.Points || !g.Time.Equal(w.Time) || g.PolicyHash != w.PolicyHash || g.Lines != nil {
						t.Fatalf("filter %+v, score %d: scanned %+v, want %+v", f, i, g, w)
					}
				}
			}
			stop := plaudit.Errorf(plaudit.EINVALID, "stop")
			n := 0
			if err := db.ScanScorePoints(ctx, plaudit.ScoreFilter{PolicyHash: hash}, func(*plaudit.Score) error { n++; return stop }); err != stop || n != 1 {
				t.Fatalf("a failing fn: %v after %d scores, want the error after 1", err, n)
			}
			if err := db.ScanScorePoints(ctx, plaudit.ScoreFilter{}, func(*plaudit.Score) error { return nil }); plaudit.ErrorCode(err) != plaudit.EINVALID {
				t.Fatalf("no policy hash: %v, want EINVALID", err)
			}
		})
	}
}
