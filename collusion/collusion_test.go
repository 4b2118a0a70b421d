package collusion

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/gen"
	"github.com/plaudit/plaudit/graph"
)

// background adds n honest nodes h000… with sparse, mostly one-way engagement.
func background(t *testing.T, b *graph.Builder, n int, rng *rand.Rand) {
	t.Helper()
	for i := 0; i < n; i++ {
		for k := 0; k < 4; k++ {
			j := rng.IntN(n)
			if err := b.AddEdge(fmt.Sprintf("h%03d", i), fmt.Sprintf("h%03d", j), 1); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestDetectPlantedRing(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	b := graph.NewBuilder()
	background(t, b, 300, rng)
	ring := []string{"r1", "r2", "r3", "r4", "r5", "r6"}
	for _, x := range ring {
		for _, y := range ring {
			if x != y {
				for range 5 {
					_ = b.AddEdge(x, y, 1)
				}
			}
		}
		// a little cover outside
		_ = b.AddEdge(x, fmt.Sprintf("h%03d", rng.IntN(300)), 1)
		_ = b.AddEdge(fmt.Sprintf("h%03d", rng.IntN(300)), x, 1)
	}
	g := b.Build()
	rings := Detect(g, Params{})
	if len(rings) != 1 {
		t.Fatalf("found %d rings, want 1: %+v", len(rings), rings)
	}
	r := rings[0]
	if !reflect.DeepEqual(r.Members, ring) {
		t.Fatalf("ring %v, want %v", r.Members, ring)
	}
	// Each member: 25 interactions inside (5 with each of 5 others), 1 outside.
	ev := r.Evidence[0]
	if ev.Member != "r1" || ev.Inside != 25 || ev.Interactions != 26 || len(ev.Partners) != 5 || ev.Partners[0].Count != 5 {
		t.Errorf("evidence %+v", ev)
	}
	if r.Reciprocity != 1 || r.Density != 1 || r.Inward < 0.95 {
		t.Errorf("measures %+v", r)
	}
	reason := r.Reason(0)
	if reason.Check != "collusion_ring" || reason.Multiplier != 200_000 || !strings.Contains(reason.Detail, "ring of 6 members") {
		t.Errorf("reason %+v", reason)
	}
	if !reflect.DeepEqual(Detect(g, Params{}), rings) {
		t.Error("second run differs")
	}
}

func TestDetectNothingInHonestGraph(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	b := graph.NewBuilder()
	background(t, b, 500, rng)
	if rings := Detect(b.Build(), Params{}); len(rings) != 0 {
		t.Errorf("found rings in a random graph: %+v", rings[0])
	}
	if Detect(graph.NewBuilder().Build(), Params{}) != nil {
		t.Error("rings in an empty graph")
	}
}

// generated returns a generated community with planted attackers and its labels by member handle.
func generated(t testing.TB, cfg gen.Config) ([]plaudit.Event, map[string]gen.Label) {
	events, res, err := gen.Events(cfg)
	if err != nil {
		t.Fatal(err)
	}
	labels := map[string]gen.Label{}
	for _, l := range res.Labels {
		labels[l.Member] = l.Label
	}
	return events, labels
}

// TestDetectGeneratedLikeRings checks detection against the like rings planted in generated communities
// (gen: groups of 5–12 that engage reciprocally, mostly with each other, with a little cover outside).
func TestDetectGeneratedLikeRings(t *testing.T) {
	for _, cfg := range []gen.Config{{Members: 2000, Days: 14, Seed: 1}, {Members: 2000, Days: 14, Seed: 2}, {Members: 3000, Days: 7, Seed: 3}, {Members: 2000, Days: 14, Seed: 4}, {Members: 5000, Days: 7, Seed: 5}} {
		t.Run(fmt.Sprintf("members=%d,days=%d,seed=%d", cfg.Members, cfg.Days, cfg.Seed), func(t *testing.T) {
			detectGenerated(t, cfg)
		})
	}
}

func detectGenerated(t *testing.T, cfg gen.Config) {
	events, labels := generated(t, cfg)
	dir := plaudit.BuildDirectory(events)
	g, err := graph.FromEvents(events, dir, graph.EventOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rings := Detect(g, Params{})
	flagged := map[string]bool{}
	tp, fp := 0, 0
	byLabel := map[gen.Label]int{}
	for _, r := range rings {
		for _, m := range r.Members {
			flagged[m] = true
			byLabel[labels[m]]++
			if labels[m] == gen.LikeRing {
				tp++
			} else {
				fp++
			}
		}
		t.Logf("ring %v inward %.2f recv %.2f recip %.2f density %.2f ratio %.0f", r.Members, r.Inward, r.Received, r.Reciprocity, r.Density, r.DensityRatio)
	}
	// A planted member who never engaged with anyone in the period cannot show in any graph: recall counts
	// the active ones.
	planted, active := 0, 0
	for i, id := range g.IDs {
		if labels[id] == gen.LikeRing {
			planted++
			if g.Off[i+1] > g.Off[i] {
				active++
			}
		}
	}
	precision := float64(tp) / float64(max(tp+fp, 1))
	recall := float64(tp) / float64(max(active, 1))
	t.Logf("%d members, %d edges; %d rings; like_ring: %d planted, %d active, %d found, %d false (precision %.2f, recall of active %.2f); flagged by label %v",
		g.Len(), g.Edges(), len(rings), planted, active, tp, fp, precision, recall, byLabel)
	if precision < 0.95 || recall < 0.9 {
		t.Errorf("precision %.2f, recall %.2f: want at least 0.95 and 0.9", precision, recall)
	}
}

// smallCommunity is a 40-member community as small projects have: everyone engages with the project
// account "proj", which answers its most active members (a1–a3, who also answer each other), and a like ring
// of five (r1–r5) engages nearly only with itself. The graph is dense: 20 × its density is above 1.
func smallCommunity(t *testing.T) *graph.Graph {
	t.Helper()
	rng := rand.New(rand.NewPCG(11, 11))
	b := graph.NewBuilder()
	add := func(x, y string, n int) {
		for range n {
			if err := b.AddEdge(x, y, 1); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i := 0; i < 32; i++ {
		h := fmt.Sprintf("h%02d", i)
		add(h, "proj", 3)
		for range 3 {
			add(h, fmt.Sprintf("h%02d", rng.IntN(32)), 1)
		}
	}
	core := []string{"proj", "a1", "a2", "a3"}
	for _, x := range core {
		for _, y := range core {
			if x != y {
				add(x, y, 6)
			}
		}
	}
	ring := []string{"r1", "r2", "r3", "r4", "r5"}
	for _, x := range ring {
		for _, y := range ring {
			if x != y {
				add(x, y, 4)
			}
		}
		add(x, "proj", 1)
	}
	return b.Build()
}

// In a small community the project and its most active members are the core, not a ring; and a real ring is
// found even though 20 × the graph's density exceeds what any group can reach.
func TestSmallCommunityRings(t *testing.T) {
	g := smallCommunity(t)
	if d := float64(g.Edges()) / float64(g.Len()*(g.Len()-1)); 20*d <= 1 {
		t.Fatalf("fixture not dense enough to test the cap: density %.3f", d)
	}
	rings := Detect(g, Params{Trusted: map[string]bool{"proj": true}})
	if len(rings) != 1 || !reflect.DeepEqual(rings[0].Members, []string{"r1", "r2", "r3", "r4", "r5"}) {
		t.Fatalf("rings %+v, want exactly r1–r5", rings)
	}
	if rings[0].DensityRatio >= 20 {
		t.Errorf("density ratio %.1f: the fixture should need the cap", rings[0].DensityRatio)
	}
	// Without the project marked trusted its core is a "ring" too: what Trusted prevents.
	var core bool
	for _, r := range Detect(g, Params{}) {
		if slices.Contains(r.Members, "proj") {
			core = true
		}
	}
	if !core {
		t.Error("fixture: without Trusted the project's core should look like a ring")
	}
}

// A member with a handful of interactions, half of them with a ring, is not counted in it; a ring member
// with dozens nearly all inside is.
func TestWilsonLower(t *testing.T) {
	if l := wilsonLower(10, 19); l >= 0.4 {
		t.Errorf("10 of 19: %.3f, want below 0.4", l)
	}
	if l := wilsonLower(45, 49); l < 0.8 {
		t.Errorf("45 of 49: %.3f, want ≥ 0.8", l)
	}
	if wilsonLower(0, 0) != 0 || wilsonLower(0, 5) != 0 {
		t.Error("no data or no successes: 0")
	}
}
