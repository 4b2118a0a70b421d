package main

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/plaudit/plaudit/service"
)

// TestEpochReviewCommands: `plaudit epoch reviews EPOCH` lists the payout lines above review_above and
// the second-look draw with its seed; `plaudit epoch review EPOCH ITEM` approves or rejects one with a
// reason and says where the epoch stands; bad arguments exit non-zero and decide nothing.
func TestEpochReviewCommands(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.db")
	f := newWitnessFixture(t, path, "    review_above: 100000000\n    second_look: 0.05\n")
	id := f.ids[0]
	q, err := f.svc.EpochReviews(context.Background(), id)
	if err != nil || len(q.Items) < 2 {
		t.Fatalf("queue: %+v %v", q, err)
	}
	f.st.Close()

	out, code, err := execute(t, "--db", path, "epoch", "reviews", id)
	if code != 0 || err != nil || !strings.Contains(out, "seed "+q.Draw.Seed) || !regexp.MustCompile(`(?m)^1 +payout `).MatchString(out) || !strings.Contains(out, " sample ") {
		t.Fatalf("reviews: %d %v\n%s", code, err, out)
	}
	for _, bad := range [][]string{
		{"epoch", "review", id, "1", "--approve"},                              // no reason
		{"epoch", "review", id, "1", "--reason", "x"},                          // no decision
		{"epoch", "review", id, "1", "--approve", "--reject", "--reason", "x"}, // both
		{"epoch", "review", id, "one", "--approve", "--reason", "x"},           // not a number
		{"epoch", "review", f.ids[1], "1", "--approve", "--reason", "x"},       // another epoch's item
	} {
		if out, code, _ := execute(t, append([]string{"--db", path}, bad...)...); code == 0 {
			t.Fatalf("%v: exit 0\n%s", bad, out)
		}
	}
	out, code, err = execute(t, "--db", path, "epoch", "review", id, "1", "--reject", "--reason", "the thread was deleted", "--operator", "dana")
	if code != 0 || err != nil || !strings.Contains(out, "review item 1 of "+id+" rejected by dana: the thread was deleted") || !strings.Contains(out, "is "+service.EpochDisputed) {
		t.Fatalf("review: %d %v\n%s", code, err, out)
	}
	out, _, _ = execute(t, "--db", path, "epoch", "reviews", id, "--json")
	if !strings.Contains(out, `"status": "rejected"`) && !strings.Contains(out, `"status":"rejected"`) {
		t.Fatalf("reviews --json after the rejection:\n%s", out)
	}
}
