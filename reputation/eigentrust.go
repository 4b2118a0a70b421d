// Package reputation computes members' global trust from the interaction graph with EigenTrust, the way
// OpenRank does, and turns it into ranks, percentiles and multipliers that scoring and profiles use.
//
// The computation is
//
//	t₀ = p,   tₖ₊₁ = (1−a)·Cᵀ·tₖ + a·p,   until ‖tₖ₊₁ − tₖ‖₁ < tolerance
//
// where C is the local-trust matrix with each row scaled to sum to 1 (self-trust removed), a row without
// outgoing trust (a dangling node) is replaced by the pre-trust vector p, p is scaled to sum to 1 (an all-zero
// p is an error) and a is the pre-trust weight, 0.5 by default. These are the choices of OpenRank's
// go-eigentrust (CanonicalizeLocalTrust, Compute); the convergence test is on the L1 change, which bounds the
// distance to the fixed point by change·(1−a)/a.
//
// The result is deterministic to the bit: every sum runs in a fixed order. The update is parallel over a fixed
// partition of the nodes (independent of GOMAXPROCS), each node's sum is computed by one goroutine in CSR
// order, and the partition's partial sums are added in partition order. Products are rounded explicitly
// (float64(x*y)) so that no platform fuses them into FMA instructions.
package reputation

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/graph"
)

// Defaults of Params.
const (
	DefaultAlpha     = 0.5
	DefaultTolerance = 1e-9
	DefaultMaxIter   = 1000
)

// Params tunes EigenTrust.
type Params struct {
	Alpha     float64 // weight of pre-trust a, in [0, 1]; 0 means DefaultAlpha unless AlphaSet
	AlphaSet  bool    // Alpha was given explicitly (so that a = 0, pure eigenvector trust, can be asked for)
	Tolerance float64 // stop when the L1 change of an iteration is below this; 0 means DefaultTolerance
	MaxIter   int     // give up after this many iterations; 0 means DefaultMaxIter
}

func (p Params) withDefaults() Params {
	if p.Alpha == 0 && !p.AlphaSet {
		p.Alpha = DefaultAlpha
	}
	if p.Tolerance == 0 {
		p.Tolerance = DefaultTolerance
	}
	if p.MaxIter == 0 {
		p.MaxIter = DefaultMaxIter
	}
	return p
}

// ErrNotConverged is returned (wrapped) when the iteration did not reach the tolerance within MaxIter.
var ErrNotConverged = errors.New("eigentrust did not converge")

// Result is the global trust of every node of a graph.
type Result struct {
	IDs        []string  // node ids, as in the graph
	Scores     []float64 // global trust, ≥ 0, summing to 1 up to rounding
	Iterations int       // iterations run
	Delta      float64   // L1 change of the last iteration
	Alpha      float64
	Tolerance  float64
}

// chunks is the fixed number of partitions of the nodes. It does not depend on the machine, so that the
// order of every floating-point sum, and hence every bit of the result, does not either.
const chunks = 16

// EigenTrust computes global trust over g from pre-trust p (one entry per node of g, ≥ 0, not all zero; it
// is scaled to sum to 1). Edge weights are local trust; each row is scaled to sum to 1.
func EigenTrust(g *graph.Graph, p []float64, params Params) (*Result, error) {
	if g.Len() == 0 {
		return nil, plaudit.Errorf(plaudit.EINVALID, "eigentrust: empty graph")
	}
	return NewMatrix(g).EigenTrust(p, params)
}

// EigenTrust computes global trust from pre-trust p over the graph m was made from. A Matrix can be reused
// for several pre-trust vectors or parameters.
func (m *Matrix) EigenTrust(p []float64, params Params) (*Result, error) {
	params = params.withDefaults()
	n := len(m.dangling)
	switch {
	case n == 0:
		return nil, plaudit.Errorf(plaudit.EINVALID, "eigentrust: empty graph")
	case len(p) != n:
		return nil, plaudit.Errorf(plaudit.EINVALID, "eigentrust: pre-trust has %d entries for %d nodes", len(p), n)
	case !(params.Alpha >= 0 && params.Alpha <= 1):
		return nil, plaudit.Errorf(plaudit.EINVALID, "eigentrust: alpha %v out of range [0, 1]", params.Alpha)
	case !(params.Tolerance > 0):
		return nil, plaudit.Errorf(plaudit.EINVALID, "eigentrust: tolerance %v must be positive", params.Tolerance)
	case params.MaxIter < 0:
		return nil, plaudit.Errorf(plaudit.EINVALID, "eigentrust: max iterations %d must be positive", params.MaxIter)
	}
	pre, err := normalise(m.ids, p)
	if err != nil {
		return nil, err
	}
	a := params.Alpha

	t := make([]float64, n)
	next := make([]float64, n)
	copy(t, pre)
	var dangling float64
	for i, d := range m.dangling {
		if d {
			dangling += t[i]
		}
	}

	parts := m.partition()
	deltas := make([]float64, len(parts))
	danglingParts := make([]float64, len(parts))
	workers := min(runtime.GOMAXPROCS(0), len(parts))

	res := &Result{IDs: m.ids, Alpha: a, Tolerance: params.Tolerance}
	for iter := 1; iter <= params.MaxIter; iter++ {
		var delta float64
		delta, dangling = m.step(next, t, pre, dangling, a, parts, deltas, danglingParts, workers)
		t, next = next, t
		res.Iterations, res.Delta = iter, delta
		if delta < params.Tolerance {
			res.Scores = t
			return res, nil
		}
	}
	return nil, fmt.Errorf("%w: L1 change %.3g after %d iterations, tolerance %.3g (alpha %v)", ErrNotConverged, res.Delta, res.Iterations, params.Tolerance, a)
}

// step runs one EigenTrust iteration: next = (1−a)·(Cᵀ·t + dangling·pre) + a·pre, where dangling is the
// trust t gives to dangling nodes (their rows of C are pre). It returns the L1 change ‖next − t‖₁ and the
// trust next gives to dangling nodes. deltas and danglingParts are scratch space, one entry per part; the
// sums run in the fixed order the package comment describes, so the result does not depend on workers.
func (m *Matrix) step(next, t, pre []float64, dangling, a float64, parts [][2]int, deltas, danglingParts []float64, workers int) (delta, nextDangling float64) {
	b := 1 - a
	d := dangling
	one := func(c int) {
		lo, hi := parts[c][0], parts[c][1]
		var delta, dang float64
		for j := lo; j < hi; j++ {
			var s float64
			cs := m.c[m.off[j]:m.off[j+1]]
			srcs := m.src[m.off[j]:m.off[j+1]]
			srcs = srcs[:len(cs)]
			for k, i := range srcs {
				s += float64(cs[k] * t[i])
			}
			v := float64(b*(s+float64(d*pre[j]))) + float64(a*pre[j])
			next[j] = v
			delta += math.Abs(v - t[j])
			if m.dangling[j] {
				dang += v
			}
		}
		deltas[c], danglingParts[c] = delta, dang
	}
	if workers <= 1 {
		for c := range parts {
			one(c)
		}
	} else {
		var wg sync.WaitGroup
		var nextChunk atomic.Int64
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for c := int(nextChunk.Add(1) - 1); c < len(parts); c = int(nextChunk.Add(1) - 1) {
					one(c)
				}
			}()
		}
		wg.Wait()
	}
	for c := range parts {
		delta += deltas[c]
		nextDangling += danglingParts[c]
	}
	return delta, nextDangling
}

// CheckFixedPoint checks a claimed EigenTrust result t over m from pre-trust p without recomputing it, the
// way OpenRank's verifiers do: it runs one iteration from t and accepts t when the L1 change is below the
// tolerance the iterations stop at (params.Tolerance, DefaultTolerance by default). A vector EigenTrust
// returned passes, since its last iteration changed it by less than that; the distance of an accepted t to
// the true fixed point is then at most l1·(1−a)/a. It returns the L1 change and whether t is accepted; t
// must have one entry per node of m, in m's node order, and bad inputs (lengths, pre-trust, alpha) are
// rejected as EigenTrust rejects them, with ok false.
func CheckFixedPoint(m *Matrix, p, t []float64, params Params) (l1 float64, ok bool, err error) {
	params = params.withDefaults()
	n := len(m.dangling)
	switch {
	case n == 0:
		return 0, false, plaudit.Errorf(plaudit.EINVALID, "eigentrust check: empty graph")
	case len(p) != n:
		return 0, false, plaudit.Errorf(plaudit.EINVALID, "eigentrust check: pre-trust has %d entries for %d nodes", len(p), n)
	case len(t) != n:
		return 0, false, plaudit.Errorf(plaudit.EINVALID, "eigentrust check: the vector has %d entries for %d nodes", len(t), n)
	case !(params.Alpha >= 0 && params.Alpha <= 1):
		return 0, false, plaudit.Errorf(plaudit.EINVALID, "eigentrust check: alpha %v out of range [0, 1]", params.Alpha)
	case !(params.Tolerance > 0):
		return 0, false, plaudit.Errorf(plaudit.EINVALID, "eigentrust check: tolerance %v must be positive", params.Tolerance)
	}
	for i, v := range t {
		if !(v >= 0) || math.IsInf(v, 1) {
			return 0, false, plaudit.Errorf(plaudit.EINVALID, "eigentrust check: trust of %q is %v: must be a finite number ≥ 0", m.ids[i], v)
		}
	}
	pre, err := normalise(m.ids, p)
	if err != nil {
		return 0, false, err
	}
	var dangling float64
	for i, d := range m.dangling {
		if d {
			dangling += t[i]
		}
	}
	parts := m.partition()
	next := make([]float64, n)
	l1, _ = m.step(next, t, pre, dangling, params.Alpha, parts, make([]float64, len(parts)), make([]float64, len(parts)), min(runtime.GOMAXPROCS(0), len(parts)))
	return l1, l1 < params.Tolerance, nil
}

// IDs returns the node ids of m, in the order of its vectors.
func (m *Matrix) IDs() []string { return m.ids }

// normalise checks pre-trust and scales it to sum to 1.
func normalise(ids []string, p []float64) ([]float64, error) {
	var sum float64
	for i, v := range p {
		if !(v >= 0) || math.IsInf(v, 1) {
			return nil, plaudit.Errorf(plaudit.EINVALID, "eigentrust: pre-trust of %q is %v: must be a finite number ≥ 0", ids[i], v)
		}
		sum += v
	}
	if sum == 0 {
		return nil, plaudit.Errorf(plaudit.EINVALID, "eigentrust: pre-trust is all zero: name at least one pre-trusted node with a positive weight")
	}
	if math.IsInf(sum, 1) {
		return nil, plaudit.Errorf(plaudit.EINVALID, "eigentrust: pre-trust weights overflow when summed")
	}
	out := make([]float64, len(p))
	for i, v := range p {
		out[i] = v / sum
	}
	return out, nil
}

// Matrix is the normalised local-trust matrix of a graph, stored as Cᵀ without its dangling rows: for each
// node j, the nodes i that trust it and c_ij, the share of i's outgoing trust that goes to j. Dangling rows
// of C (nodes that trust no one) are flagged instead of stored, since they all equal p.
type Matrix struct {
	ids      []string
	off      []int64
	src      []int32
	c        []float64
	dangling []bool
}

// NewMatrix normalises g's edge weights into local trust.
func NewMatrix(g *graph.Graph) *Matrix {
	n := g.Len()
	rowSum := make([]float64, n)
	m := &Matrix{ids: g.IDs, dangling: make([]bool, n)}
	for i := 0; i < n; i++ {
		rowSum[i] = g.OutWeight(int32(i))
		m.dangling[i] = rowSum[i] == 0
	}
	edges := g.Edges()
	m.off = make([]int64, n+1)
	for _, j := range g.Dst {
		m.off[j+1]++
	}
	for j := 0; j < n; j++ {
		m.off[j+1] += m.off[j]
	}
	m.src = make([]int32, edges)
	m.c = make([]float64, edges)
	fill := make([]int64, n)
	copy(fill, m.off[:n])
	for i := 0; i < n; i++ {
		s := rowSum[i]
		for k := g.Off[i]; k < g.Off[i+1]; k++ {
			j := g.Dst[k]
			q := fill[j]
			fill[j]++
			m.src[q] = int32(i)
			m.c[q] = g.W[k] / s
		}
	}
	return m
}

// partition splits the nodes into at most chunks contiguous ranges of about equal work (edges plus nodes).
func (m *Matrix) partition() [][2]int {
	n := len(m.dangling)
	total := m.off[n] + int64(n)
	var parts [][2]int
	lo := 0
	for c := 1; c <= chunks && lo < n; c++ {
		target := total * int64(c) / chunks
		hi := sort.Search(n+1, func(j int) bool { return m.off[j]+int64(j) >= target })
		if c == chunks || hi > n {
			hi = n
		}
		if hi <= lo {
			continue
		}
		parts = append(parts, [2]int{lo, hi})
		lo = hi
	}
	if lo < n {
		parts = append(parts, [2]int{lo, n})
	}
	return parts
}

// Pretrust returns the pre-trust vector of g from weights by node id. An id that is not a node of g is an
// error naming it; nodes without a weight get 0.
func Pretrust(g *graph.Graph, weights map[string]float64) ([]float64, error) {
	p := make([]float64, g.Len())
	ids := make([]string, 0, len(weights))
	for id := range weights {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		i, ok := g.Index(id)
		if !ok {
			return nil, plaudit.Errorf(plaudit.EINVALID, "pre-trust: %q is not a node of the graph", id)
		}
		p[i] = weights[id]
	}
	return p, nil
}

// Uniform returns the pre-trust vector that trusts every node of g equally: EigenTrust then becomes
// PageRank with damping 1−a.
func Uniform(g *graph.Graph) []float64 {
	p := make([]float64, g.Len())
	for i := range p {
		p[i] = 1
	}
	return p
}
