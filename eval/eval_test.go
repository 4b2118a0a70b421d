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

// TestIntegrityInSmallCommunities holds the integrity layer on the communities most projects are, with the
// issue's bars: 100, 200 and 500 members, seeds 1–5, precision ≥ 0.95, recall ≥ 0.9, attackers ≤ 5% of the
// pool and honest members losing ≤ 2% of their payouts. Before issue 11 SybilRank flagged every mutually
// engaged member when the project's accounts sat outside the community's core of returned engagement, and
// the project with its most active members made a "collusion ring" (precision 0.29–0.79 on several of these
// seeds, honest members losing up to 40%). After reputation weighting was merged, seed 2 still lost 7.7% at
// 100 members, 4.7% at 200 and 4.9% at 500: diminishing returns counted a core contributor's GitHub
// comments on the project's issues together with her Discord replies to the team, so every answer she gave
// on Discord was a 20th–40th "repeat" priced to nothing; repeats now count per source and kind.
func TestIntegrityInSmallCommunities(t *testing.T) {
	for _, members := range []int{100, 200, 500} {
		for seed := int64(1); seed <= 5; seed++ {
			r, err := Run(Config{Members: members, Days: 14, Seed: seed}, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("members %d seed %d: %s (TP %d FP %d FN %d)", members, seed, r.Line(), r.TP, r.FP, r.FN)
			if r.Precision < 0.95 || r.AttackersShare > 0.05 || r.Recall < 0.9 || r.HonestChange > 0.02 {
				t.Errorf("members %d seed %d: want precision ≥ 0.95, attackers_share ≤ 0.05, recall ≥ 0.90, honest_change ≤ 0.02; got %s",
					members, seed, r.Line())
			}
		}
	}
}
