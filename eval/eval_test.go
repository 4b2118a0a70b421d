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
