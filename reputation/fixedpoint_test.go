package reputation

import (
	"testing"
)

// The vector EigenTrust returns passes the one-step check; moving 1% of the mass between two nodes fails it.
func TestCheckFixedPoint(t *testing.T) {
	g, p := randomGraph(2000, 20000, 7)
	for _, a := range []float64{0.5, 0.15} {
		params := Params{Alpha: a}
		r, err := EigenTrust(g, p, params)
		if err != nil {
			t.Fatal(err)
		}
		m := NewMatrix(g)
		l1, ok, err := CheckFixedPoint(m, p, r.Scores, params)
		if err != nil {
			t.Fatal(err)
		}
		if !ok || l1 >= DefaultTolerance {
			t.Fatalf("alpha %v: EigenTrust's own vector fails the check: L1 %g", a, l1)
		}
		// Move 1% of the most trusted node's trust to another node.
		top := 0
		for i, v := range r.Scores {
			if v > r.Scores[top] {
				top = i
			}
		}
		other := (top + 1) % len(r.Scores)
		bad := append([]float64(nil), r.Scores...)
		moved := r.Scores[top] / 100
		bad[top] -= moved
		bad[other] += moved
		l1, ok, err = CheckFixedPoint(m, p, bad, params)
		if err != nil {
			t.Fatal(err)
		}
		if ok || l1 < 1e-6 {
			t.Fatalf("alpha %v: a vector with 1%% of a node's trust moved passes: L1 %g", a, l1)
		}
	}
}

func TestCheckFixedPointBadInput(t *testing.T) {
	g := edges(t, "a b 1\nb a 1\n")
	m := NewMatrix(g)
	p := pre(t, g, map[string]float64{"a": 1})
	for name, vec := range map[string][]float64{"short": {1}, "negative": {1.5, -0.5}} {
		if _, ok, err := CheckFixedPoint(m, p, vec, Params{}); err == nil || ok {
			t.Errorf("%s: accepted (ok %v, err %v)", name, ok, err)
		}
	}
}

// BenchmarkCheckFixedPoint17k compares checking a committed vector by one iteration with recomputing it
// (EigenTrust to the default tolerance) on a random graph of 17,000 nodes and 300,000 edges (randomGraph names at most 26³ nodes).
func BenchmarkCheckFixedPoint17k(b *testing.B) {
	g, p := randomGraph(17_000, 300_000, 5)
	m := NewMatrix(g)
	r, err := m.EigenTrust(p, Params{})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("eigentrust", func(b *testing.B) {
		for b.Loop() {
			if _, err := m.EigenTrust(p, Params{}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(r.Iterations), "iterations")
	})
	b.Run("check", func(b *testing.B) {
		for b.Loop() {
			if _, ok, err := CheckFixedPoint(m, p, r.Scores, Params{}); err != nil || !ok {
				b.Fatal(ok, err)
			}
		}
	})
}
