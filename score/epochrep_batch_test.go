package score_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/gen"
	"github.com/plaudit/plaudit/reputation"
	"github.com/plaudit/plaudit/score"
)

// TestEpochReputationBatches checks that a streamed epoch reputation prepared one epoch at a time (as
// SizeBatch sizes it for a million members) computes the same snapshots as one prepared four at a time,
// walking the log twice an epoch instead of twice in all, and that Prepare leaves nothing for Snapshot to
// compute.
func TestEpochReputationBatches(t *testing.T) {
	p := mustPreset(t, "default")
	events := generated(t, gen.Config{Members: 80, Days: 28, Seed: 9})
	prepare := func(members int) (map[time.Time]*reputation.Snapshot, int, *score.EpochReputation) {
		walks := 0
		src := func(yield func(*plaudit.Event) error) error { walks++; return plaudit.StreamOf(events)(yield) }
		r, err := score.NewEpochReputationStream(p, src)
		if err != nil {
			t.Fatal(err)
		}
		for i := range events {
			r.Note(events[i].Time)
		}
		r.SizeBatch(members)
		if err := r.Prepare(); err != nil {
			t.Fatal(err)
		}
		snaps := map[time.Time]*reputation.Snapshot{}
		for t0 := events[0].Time; !t0.After(events[len(events)-1].Time); t0 = t0.Add(7 * 24 * time.Hour) {
			start, end, err := r.Epoch(t0)
			if err != nil {
				t.Fatal(err)
			}
			s, err := r.Snapshot(start, end)
			if err != nil {
				t.Fatal(err)
			}
			snaps[start] = s
		}
		return snaps, walks, r
	}
	four, walksFour, _ := prepare(1000)
	one, walksOne, _ := prepare(1_000_000)
	if len(four) < 4 {
		t.Fatalf("the fixture spans %d epochs, want at least 4", len(four))
	}
	if !reflect.DeepEqual(one, four) {
		t.Fatal("the snapshots computed one epoch at a time differ from those computed four at a time")
	}
	if walksOne <= walksFour || walksFour > 2*((len(four)+3)/4) {
		t.Fatalf("walks: %d one at a time, %d four at a time over %d epochs", walksOne, walksFour, len(four))
	}
	weighted := 0
	for _, s := range four {
		if s.Basis == reputation.BasisEigenTrust {
			weighted++
		}
	}
	if weighted == 0 {
		t.Fatal("no epoch ran EigenTrust: the comparison proves little")
	}
}
