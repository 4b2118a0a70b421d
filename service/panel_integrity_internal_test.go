package service

import (
	"testing"

	"github.com/plaudit/plaudit"
)

// TestGroupRings joins ring members through the partners their evidence names: two separate rings, the
// larger first, with their interactions as edges, and partners outside any ring left out.
func TestGroupRings(t *testing.T) {
	reason := func(partners ...string) plaudit.Reason {
		r := plaudit.Reason{Check: "collusion_ring", Evidence: []plaudit.Input{{Name: "ring_size", Value: "3"}}}
		for _, p := range partners {
			r.Evidence = append(r.Evidence, plaudit.Input{Name: "partner:" + p, Value: "7 interactions"})
		}
		return r
	}
	rings := groupRings(map[string]plaudit.Reason{
		"a": reason("b"), "b": reason("c", "outsider"), "c": reason("a"),
		"x": reason("y"), "y": reason("x"),
	})
	if len(rings) != 2 {
		t.Fatalf("%d rings; want 2", len(rings))
	}
	if got := rings[0].Members; len(got) != 3 || got[0] != "a" || got[1] != "b" || got[2] != "c" {
		t.Fatalf("first ring %v; want a, b, c", got)
	}
	if got := rings[1].Members; len(got) != 2 || got[0] != "x" {
		t.Fatalf("second ring %v; want x, y", got)
	}
	if len(rings[0].Edges) != 3 || rings[0].Edges[0] != (RingEdge{From: "a", To: "b", Count: 7}) {
		t.Fatalf("edges %+v; want a→b, b→c, c→a with 7 each (no outsider)", rings[0].Edges)
	}
	if len(rings[0].Reasons) != 3 {
		t.Fatalf("reasons %v", rings[0].Reasons)
	}
}
