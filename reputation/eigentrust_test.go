package reputation

import (
	"errors"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/graph"
)

func edges(t *testing.T, s string) *graph.Graph {
	t.Helper()
	g, err := graph.ReadEdges(strings.NewReader(s), "test")
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func pre(t *testing.T, g *graph.Graph, w map[string]float64) []float64 {
	t.Helper()
	p, err := Pretrust(g, w)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Each case's expected trust solves t = ½·Cᵀt + ½·p by hand (see the comments).
func TestEigenTrustHandComputed(t *testing.T) {
	cases := []struct {
		name  string
		edges string
		pre   map[string]float64
		want  map[string]float64
	}{{
		// t_a = ½t_b + ½, t_b = ½t_a  ⇒  t_a = 2/3, t_b = 1/3.
		name: "two-cycle", edges: "a b 1\nb a 1\n", pre: map[string]float64{"a": 1},
		want: map[string]float64{"a": 2.0 / 3, "b": 1.0 / 3},
	}, {
		// The self-loop is dropped, so this is the two-cycle again.
		name: "self-loop", edges: "a a 5\na b 1\nb a 1\nb b 7\n", pre: map[string]float64{"a": 1},
		want: map[string]float64{"a": 2.0 / 3, "b": 1.0 / 3},
	}, {
		// b trusts no one: its row becomes p = (1, 0), so b sends everything to a: the two-cycle again.
		name: "dangling to pre-trust", edges: "a b 1\n", pre: map[string]float64{"a": 1},
		want: map[string]float64{"a": 2.0 / 3, "b": 1.0 / 3},
	}, {
		// p = (½, ½); b's row is p. t_a = ½·½t_b + ¼, t_b = ½(t_a + ½t_b) + ¼  ⇒  t_a = 0.4, t_b = 0.6.
		name: "dangling, uniform pre-trust", edges: "a b 1\n", pre: map[string]float64{"a": 1, "b": 1},
		want: map[string]float64{"a": 0.4, "b": 0.6},
	}, {
		// Two components, one pre-trusted node in each (p = ½, ½): t_a = ½t_b + ¼, t_b = ½t_a  ⇒  1/3, 1/6,
		// and the same for c, d.
		name: "disconnected", edges: "a b 1\nb a 1\nc d 1\nd c 1\n", pre: map[string]float64{"a": 1, "c": 1},
		want: map[string]float64{"a": 1.0 / 3, "b": 1.0 / 6, "c": 1.0 / 3, "d": 1.0 / 6},
	}, {
		// A component that no pre-trust reaches gets nothing.
		name: "unreachable component", edges: "a b 1\nb a 1\nc d 1\nd c 1\n", pre: map[string]float64{"a": 3},
		want: map[string]float64{"a": 2.0 / 3, "b": 1.0 / 3, "c": 0, "d": 0},
	}, {
		// C: a→b ¼, a→c ¾, b→c 1, c→a 1.  t_b = ⅛t_a, t_c = ½(¾t_a + t_b) = 7/16·t_a, t_a = ½t_c + ½
		// ⇒ t_a = 0.5/(1 − 7/32) = 0.64, t_b = 0.08, t_c = 0.28.
		name: "weighted", edges: "i,j,v\na,b,1\na,c,3\nb,c,1\nc,a,1\n", pre: map[string]float64{"a": 1},
		want: map[string]float64{"a": 0.64, "b": 0.08, "c": 0.28},
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := edges(t, c.edges)
			r, err := EigenTrust(g, pre(t, g, c.pre), Params{Tolerance: 1e-13})
			if err != nil {
				t.Fatal(err)
			}
			if r.Delta >= 1e-13 || r.Iterations < 2 {
				t.Errorf("delta %g after %d iterations", r.Delta, r.Iterations)
			}
			for id, want := range c.want {
				if got := r.Score(id); math.Abs(got-want) > 1e-12 {
					t.Errorf("t[%s] = %.15f, want %.15f", id, got, want)
				}
			}
		})
	}
}

func TestEigenTrustAlpha(t *testing.T) {
	g := edges(t, "a b 1\nb a 1\n")
	p := pre(t, g, map[string]float64{"a": 1})
	// a = 1: trust is the pre-trust.
	r, err := EigenTrust(g, p, Params{Alpha: 1})
	if err != nil || r.Score("a") != 1 || r.Score("b") != 0 {
		t.Fatalf("alpha 1: %+v, %v", r, err)
	}
	// a = 0.2: t_a = 0.8t_b + 0.2, t_b = 0.8t_a  ⇒  t_a = 0.2/0.36 = 5/9.
	r, err = EigenTrust(g, p, Params{Alpha: 0.2, Tolerance: 1e-13})
	if err != nil || math.Abs(r.Score("a")-5.0/9) > 1e-12 {
		t.Fatalf("alpha 0.2: %v, %v", r.Score("a"), err)
	}
	// a = 0 on a two-cycle started at (1, 0) oscillates forever.
	_, err = EigenTrust(g, p, Params{AlphaSet: true, MaxIter: 50})
	if !errors.Is(err, ErrNotConverged) {
		t.Fatalf("alpha 0: got %v, want ErrNotConverged", err)
	}
}

func TestEigenTrustBadInput(t *testing.T) {
	g := edges(t, "a b 1\nb c 1\n")
	cases := map[string]struct {
		p      []float64
		params Params
		want   string
	}{
		"all-zero pre-trust": {[]float64{0, 0, 0}, Params{}, "pre-trust is all zero"},
		"negative":           {[]float64{1, -1, 0}, Params{}, `pre-trust of "b" is -1`},
		"NaN":                {[]float64{1, math.NaN(), 0}, Params{}, `pre-trust of "b" is NaN`},
		"short":              {[]float64{1}, Params{}, "1 entries for 3 nodes"},
		"alpha":              {[]float64{1, 0, 0}, Params{Alpha: 1.5}, "alpha 1.5 out of range"},
		"tolerance":          {[]float64{1, 0, 0}, Params{Tolerance: -1}, "tolerance -1"},
	}
	for name, c := range cases {
		_, err := EigenTrust(g, c.p, c.params)
		if err == nil || !strings.Contains(err.Error(), c.want) || plaudit.ErrorCode(err) != plaudit.EINVALID {
			t.Errorf("%s: got %v, want an invalid error containing %q", name, err, c.want)
		}
	}
	if _, err := Pretrust(g, map[string]float64{"zz": 1}); err == nil || !strings.Contains(err.Error(), `"zz" is not a node`) {
		t.Errorf("unknown pre-trusted id: %v", err)
	}
	if _, err := EigenTrust(&graph.Graph{Off: []int64{0}}, nil, Params{}); err == nil {
		t.Error("empty graph accepted")
	}
}

// randomGraph returns a deterministic random graph with some dangling nodes.
func randomGraph(n, m int, seed uint64) (*graph.Graph, []float64) {
	rng := rand.New(rand.NewPCG(seed, 1))
	ids := make([]string, n)
	for i := range ids {
		ids[i] = string(rune('A'+i/26/26%26)) + string(rune('A'+i/26%26)) + string(rune('A'+i%26))
	}
	src, dst, w := make([]int32, m), make([]int32, m), make([]float64, m)
	for k := range src {
		src[k] = int32(rng.IntN(n * 9 / 10)) // the last tenth trusts no one
		dst[k] = int32(rng.IntN(n))
		w[k] = rng.Float64() * 10
	}
	g, err := graph.FromCOO(ids, src, dst, w, nil)
	if err != nil {
		panic(err)
	}
	p := make([]float64, n)
	for i := 0; i < n; i += 7 {
		p[i] = rng.Float64()
	}
	return g, p
}

// reference is a plain, sequential, edge-list EigenTrust following go-eigentrust step by step.
func reference(g *graph.Graph, p []float64, a, tol float64) []float64 {
	n := g.Len()
	var ps float64
	for _, v := range p {
		ps += v
	}
	pn := make([]float64, n)
	for i := range p {
		pn[i] = p[i] / ps
	}
	t := append([]float64(nil), pn...)
	for {
		next := make([]float64, n)
		for i := 0; i < n; i++ {
			dst, w := g.Out(int32(i))
			if len(dst) == 0 {
				for j := range next {
					next[j] += pn[j] * t[i]
				}
				continue
			}
			s := g.OutWeight(int32(i))
			for k := range dst {
				next[dst[k]] += w[k] / s * t[i]
			}
		}
		var d float64
		for j := range next {
			next[j] = (1-a)*next[j] + a*pn[j]
			d += math.Abs(next[j] - t[j])
		}
		t = next
		if d < tol {
			return t
		}
	}
}

func TestEigenTrustMatchesReference(t *testing.T) {
	g, p := randomGraph(2000, 20000, 1)
	for _, a := range []float64{0.5, 0.15, 0.9} {
		r, err := EigenTrust(g, p, Params{Alpha: a, Tolerance: 1e-12})
		if err != nil {
			t.Fatal(err)
		}
		want := reference(g, p, a, 1e-13)
		var d, sum float64
		for i := range want {
			d += math.Abs(r.Scores[i] - want[i])
			sum += r.Scores[i]
			if r.Scores[i] < 0 {
				t.Fatalf("negative score %v", r.Scores[i])
			}
		}
		if d > 1e-10 {
			t.Errorf("alpha %v: L1 distance to the reference %g", a, d)
		}
		if math.Abs(sum-1) > 1e-12 {
			t.Errorf("alpha %v: scores sum to %.17g", a, sum)
		}
	}
}

func TestEigenTrustSameBits(t *testing.T) {
	g, p := randomGraph(5000, 60000, 2)
	run := func() []float64 {
		r, err := EigenTrust(g, p, Params{})
		if err != nil {
			t.Fatal(err)
		}
		return r.Scores
	}
	a := run()
	b := run()
	old := runtime.GOMAXPROCS(1)
	c := run()
	runtime.GOMAXPROCS(4)
	d := run()
	runtime.GOMAXPROCS(old)
	for i := range a {
		x := math.Float64bits(a[i])
		if x != math.Float64bits(b[i]) || x != math.Float64bits(c[i]) || x != math.Float64bits(d[i]) {
			t.Fatalf("node %d: bits differ between runs: %x %x %x %x", i, x, math.Float64bits(b[i]), math.Float64bits(c[i]), math.Float64bits(d[i]))
		}
	}
}

func TestRankingAndProfiles(t *testing.T) {
	r := &Result{IDs: []string{"a", "b", "c", "d"}, Scores: []float64{0.1, 0.4, 0.1, 0.4}}
	rk := r.Ranking()
	order := []string{rk[0].ID, rk[1].ID, rk[2].ID, rk[3].ID}
	if strings.Join(order, "") != "bdac" || rk[0].Rank != 1 || rk[3].Rank != 4 {
		t.Fatalf("ranking %v", rk)
	}
	p, ok := r.Profile("d")
	if !ok || p.Rank != 2 || p.Percentile != 50 || p.Of != 4 || p.Relative != plaudit.One {
		t.Errorf("profile d: %+v", p)
	}
	p, _ = r.Profile("a")
	if p.Rank != 3 || p.Percentile != 0 || p.Relative != 250_000 {
		t.Errorf("profile a: %+v", p)
	}
	if r.Relative("c") != 250_000 || r.Relative("zz") != 0 || r.Weights()["b"] != plaudit.One {
		t.Error("relative weights")
	}
}
