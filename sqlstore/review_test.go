package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/sqlstore"
)

// TestReviewStore: a review queue is drawn once per epoch (a second draw writes nothing), an item is
// decided once and only in its own epoch, and resolving marks only the rejected, unresolved items; on both
// databases.
func TestReviewStore(t *testing.T) {
	for _, b := range []struct {
		name string
		open func(*testing.T) *sqlstore.DB
	}{{"sqlite", openSQLite}, {"postgres", openPostgres}} {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			db := b.open(t)
			at := time.Date(2026, 2, 1, 12, 0, 0, 0, time.UTC)
			d := &plaudit.ReviewDraw{Epoch: "e@1", Seed: "0xab", ReviewAbove: "5", SecondLook: 20_000, Rewarded: 9, Sampled: 1, Payouts: 2, DrawnAt: at}
			items := []plaudit.ReviewItem{
				{Epoch: "e@1", Kind: plaudit.ReviewPayout, Member: "ann", Points: 12_000_000, Amount: "9", Why: "above", Created: at},
				{Epoch: "e@1", Kind: plaudit.ReviewPayout, Member: "bob", Amount: "7", Why: "above", Created: at},
				{Epoch: "e@1", Kind: plaudit.ReviewSample, Member: "ann", Event: "api/1", Points: 3_000_000, Why: "drawn", Created: at},
			}
			if added, err := db.AddReviewDraw(ctx, d, items); err != nil || !added || items[0].ID == 0 || items[2].ID <= items[1].ID {
				t.Fatalf("draw: %v %v %+v", added, err, items)
			}
			again := []plaudit.ReviewItem{{Epoch: "e@1", Kind: plaudit.ReviewPayout, Member: "zed", Amount: "1", Why: "x", Created: at}}
			if added, err := db.AddReviewDraw(ctx, &plaudit.ReviewDraw{Epoch: "e@1", DrawnAt: at.Add(time.Hour)}, again); err != nil || added {
				t.Fatalf("second draw: %v %v", added, err)
			}
			got, err := db.ReviewDraw(ctx, "e@1")
			if err != nil || got == nil || *got != *d {
				t.Fatalf("draw read back %+v %v, want %+v", got, err, d)
			}
			if none, err := db.ReviewDraw(ctx, "e@2"); none != nil || err != nil {
				t.Fatalf("undrawn epoch: %+v %v", none, err)
			}
			all, err := db.ReviewItems(ctx, "e@1", "")
			if err != nil || len(all) != 3 || all[0].Member != "ann" || all[0].Points != 12_000_000 || all[2].Event != "api/1" || all[0].Status != plaudit.ReviewPending || !all[0].Created.Equal(at) {
				t.Fatalf("items %+v %v", all, err)
			}
			if _, err := db.DecideReview(ctx, "e@2", items[0].ID, plaudit.ReviewApproved, at, "cy", "ok"); plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
				t.Fatalf("item of another epoch: %v", err)
			}
			if _, err := db.DecideReview(ctx, "e@1", items[0].ID, "maybe", at, "cy", "ok"); plaudit.ErrorCode(err) != plaudit.EINVALID {
				t.Fatalf("bad status: %v", err)
			}
			it, err := db.DecideReview(ctx, "e@1", items[0].ID, plaudit.ReviewRejected, at, "cy", "spam")
			if err != nil || it.Status != plaudit.ReviewRejected || it.DecidedBy != "cy" || it.Reason != "spam" || !it.DecidedAt.Equal(at) {
				t.Fatalf("reject: %+v %v", it, err)
			}
			if _, err := db.DecideReview(ctx, "e@1", items[0].ID, plaudit.ReviewApproved, at, "cy", "ok"); plaudit.ErrorCode(err) != plaudit.ECONFLICT {
				t.Fatalf("deciding twice: %v", err)
			}
			if _, err := db.DecideReview(ctx, "e@1", items[1].ID, plaudit.ReviewApproved, at, "cy", "fine"); err != nil {
				t.Fatal(err)
			}
			if p, err := db.ReviewItems(ctx, "", plaudit.ReviewPending); err != nil || len(p) != 1 || p[0].ID != items[2].ID {
				t.Fatalf("pending %+v %v", p, err)
			}
			if n, err := db.ResolveReviews(ctx, "e@1", at, "dee", "overruled", "fine after all"); err != nil || n != 1 {
				t.Fatalf("resolve: %d %v", n, err)
			}
			if n, err := db.ResolveReviews(ctx, "e@1", at, "dee", "overruled", "again"); err != nil || n != 0 {
				t.Fatalf("resolve again: %d %v", n, err)
			}
			all, _ = db.ReviewItems(ctx, "e@1", plaudit.ReviewRejected)
			if len(all) != 1 || all[0].Resolution != "overruled" || all[0].ResolvedBy != "dee" || all[0].ResolveReason != "fine after all" || !all[0].ResolvedAt.Equal(at) {
				t.Fatalf("resolved %+v", all)
			}
		})
	}
}
