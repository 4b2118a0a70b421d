package reputation_test

import (
	"maps"
	"math"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/gen"
	"github.com/plaudit/plaudit/reputation"
)

// TestAsOfCommitted: on a generated community, the vector AsOf computed is accepted by one iteration and
// gives the same weights; a vector with 1% of a member's trust moved to another, or a member missing, is
// refused with a reason; and the commitment hash changes with any one trust value's bits.
func TestAsOfCommitted(t *testing.T) {
	events, res := generated(t, gen.Config{Members: 300, Days: 14, Seed: 3})
	start := res.Start.AddDate(0, 0, 7)
	end := start.AddDate(0, 0, 7)
	snap, err := reputation.AsOf(events, start, end, reputation.Params{})
	if err != nil {
		t.Fatal(err)
	}
	vec := snap.Trust()
	if snap.Basis != reputation.BasisEigenTrust || len(vec) < 10 {
		t.Fatalf("basis %s, %d trust values", snap.Basis, len(vec))
	}
	c, err := reputation.AsOfCommitted(events, start, end, reputation.Params{}, vec)
	if err != nil {
		t.Fatal(err)
	}
	if !c.OK || c.L1 >= c.Tolerance || !maps.Equal(c.Snapshot.Weights, snap.Weights) {
		t.Fatalf("the computed vector is not accepted as it is: ok %v L1 %g reason %q", c.OK, c.L1, c.Reason)
	}
	hash := plaudit.ReputationHash(vec)

	bad := append([]plaudit.TrustValue(nil), vec...)
	a, b := math.Float64frombits(bad[0].Bits), math.Float64frombits(bad[1].Bits)
	bad[0].Bits, bad[1].Bits = math.Float64bits(a-a/100), math.Float64bits(b+a/100)
	if plaudit.ReputationHash(bad) == hash {
		t.Fatal("the hash does not change with the trust values")
	}
	c, err = reputation.AsOfCommitted(events, start, end, reputation.Params{}, bad)
	if err != nil {
		t.Fatal(err)
	}
	if c.OK || c.Snapshot != nil || c.L1 < c.Tolerance || !strings.Contains(c.Reason, "L1") {
		t.Fatalf("a perturbed vector: ok %v L1 %g reason %q", c.OK, c.L1, c.Reason)
	}

	c, err = reputation.AsOfCommitted(events, start, end, reputation.Params{}, vec[1:])
	if err != nil {
		t.Fatal(err)
	}
	if c.OK || !strings.Contains(c.Reason, vec[0].Member) {
		t.Fatalf("a vector missing %s: ok %v reason %q", vec[0].Member, c.OK, c.Reason)
	}
}
