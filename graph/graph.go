// Package graph holds Plaudit's interaction graph: who engaged with whom and how much, as a compact weighted
// digraph in compressed sparse row (CSR) form.
//
// Reputation (EigenTrust), sybil detection (SybilRank) and collusion-ring detection all read the same
// structure. It is built for size and for determinism: node ids are interned to dense int32 indices in sorted
// id order, each node's out-edges are sorted by target, repeated pairs are summed in input order and
// self-loops are dropped, so that the same input always yields the same arrays, bit for bit. A graph of ten
// million edges takes about 160 MB (int32 targets, float64 weights, int32 counts: 16 bytes an edge).
package graph

import (
	"fmt"
	"math"
	"runtime"
	"sort"
	"sync"
)

// Graph is a weighted directed graph in CSR form. Node i's out-edges are Dst[Off[i]:Off[i+1]] with weights
// W[...] and interaction counts Count[...], sorted by target index. Graphs are immutable once built: every
// method only reads.
type Graph struct {
	IDs   []string  // node ids, sorted and unique; a node's index is its position here
	Off   []int64   // row offsets, len(IDs)+1
	Dst   []int32   // edge targets
	W     []float64 // edge weights, > 0
	Count []int32   // how many interactions (input lines, events) were summed into each edge
}

// Len returns the number of nodes.
func (g *Graph) Len() int { return len(g.IDs) }

// Edges returns the number of distinct directed edges.
func (g *Graph) Edges() int { return len(g.Dst) }

// Index returns the index of the node with the given id.
func (g *Graph) Index(id string) (int32, bool) {
	i := sort.SearchStrings(g.IDs, id)
	if i < len(g.IDs) && g.IDs[i] == id {
		return int32(i), true
	}
	return -1, false
}

// Out returns node i's out-edge targets and weights (shared with the graph: do not modify).
func (g *Graph) Out(i int32) ([]int32, []float64) {
	lo, hi := g.Off[i], g.Off[i+1]
	return g.Dst[lo:hi], g.W[lo:hi]
}

// OutCounts returns node i's out-edge interaction counts, parallel to Out.
func (g *Graph) OutCounts(i int32) []int32 {
	return g.Count[g.Off[i]:g.Off[i+1]]
}

// OutWeight returns the sum of node i's out-edge weights, summed in target order.
func (g *Graph) OutWeight(i int32) float64 {
	var s float64
	for _, w := range g.W[g.Off[i]:g.Off[i+1]] {
		s += w
	}
	return s
}

// Weight returns the weight of the edge i→j and whether it exists.
func (g *Graph) Weight(i, j int32) (float64, bool) {
	dst, w := g.Out(i)
	k := sort.Search(len(dst), func(k int) bool { return dst[k] >= j })
	if k < len(dst) && dst[k] == j {
		return w[k], true
	}
	return 0, false
}

// Transpose returns the graph with every edge reversed: row j of the result lists the nodes with an edge to
// j, sorted, with the same weights and counts.
func (g *Graph) Transpose() *Graph {
	n := len(g.IDs)
	m := len(g.Dst)
	t := &Graph{IDs: g.IDs, Off: make([]int64, n+1), Dst: make([]int32, m), W: make([]float64, m), Count: make([]int32, m)}
	for _, j := range g.Dst {
		t.Off[j+1]++
	}
	for j := 0; j < n; j++ {
		t.Off[j+1] += t.Off[j]
	}
	next := make([]int64, n)
	copy(next, t.Off[:n])
	// Scanning sources in increasing order keeps each transposed row sorted by source.
	for i := 0; i < n; i++ {
		for k := g.Off[i]; k < g.Off[i+1]; k++ {
			j := g.Dst[k]
			p := next[j]
			next[j]++
			t.Dst[p] = int32(i)
			t.W[p] = g.W[k]
			t.Count[p] = g.Count[k]
		}
	}
	return t
}

// Undirected returns the symmetric graph in which i–j weighs w(i→j) + w(j→i) and counts both directions'
// interactions. SybilRank and community detection work on it.
func (g *Graph) Undirected() *Graph {
	t := g.Transpose()
	n := len(g.IDs)
	u := &Graph{IDs: g.IDs, Off: make([]int64, n+1)}
	u.Dst = make([]int32, 0, len(g.Dst))
	u.W = make([]float64, 0, len(g.Dst))
	u.Count = make([]int32, 0, len(g.Dst))
	for i := 0; i < n; i++ {
		a, b := g.Off[i], t.Off[i]
		ae, be := g.Off[i+1], t.Off[i+1]
		for a < ae || b < be {
			switch {
			case b == be || (a < ae && g.Dst[a] < t.Dst[b]):
				u.Dst, u.W, u.Count = append(u.Dst, g.Dst[a]), append(u.W, g.W[a]), append(u.Count, g.Count[a])
				a++
			case a == ae || t.Dst[b] < g.Dst[a]:
				u.Dst, u.W, u.Count = append(u.Dst, t.Dst[b]), append(u.W, t.W[b]), append(u.Count, t.Count[b])
				b++
			default:
				u.Dst, u.W, u.Count = append(u.Dst, g.Dst[a]), append(u.W, g.W[a]+t.W[b]), append(u.Count, satAdd(g.Count[a], t.Count[b]))
				a++
				b++
			}
		}
		u.Off[i+1] = int64(len(u.Dst))
	}
	return u
}

// Mutual returns the undirected graph of returned engagement: i–j weighs min(w(i→j), w(j→i)) and counts
// min of both directions' interactions; pairs where only one side engaged are left out. It is the graph of
// consented ties, the kind SybilRank assumes (a friendship needs both sides), and the one in which collusion
// rings stand out (their engagement is returned, while attention to a popular member mostly is not).
func (g *Graph) Mutual() *Graph {
	t := g.Transpose()
	n := g.Len()
	m := &Graph{IDs: g.IDs, Off: make([]int64, n+1)}
	for i := 0; i < n; i++ {
		a, b := g.Off[i], t.Off[i]
		for a < g.Off[i+1] && b < t.Off[i+1] {
			switch {
			case g.Dst[a] < t.Dst[b]:
				a++
			case t.Dst[b] < g.Dst[a]:
				b++
			default:
				m.Dst = append(m.Dst, g.Dst[a])
				m.W = append(m.W, min(g.W[a], t.W[b]))
				m.Count = append(m.Count, min(g.Count[a], t.Count[b]))
				a++
				b++
			}
		}
		m.Off[i+1] = int64(len(m.Dst))
	}
	return m
}

// Filter returns the graph with only the edges i→j for which keep(i, j) is true; nodes stay.
func (g *Graph) Filter(keep func(i, j int32) bool) *Graph {
	n := g.Len()
	f := &Graph{IDs: g.IDs, Off: make([]int64, n+1)}
	for i := int32(0); int(i) < n; i++ {
		for k := g.Off[i]; k < g.Off[i+1]; k++ {
			if keep(i, g.Dst[k]) {
				f.Dst = append(f.Dst, g.Dst[k])
				f.W = append(f.W, g.W[k])
				f.Count = append(f.Count, g.Count[k])
			}
		}
		f.Off[i+1] = int64(len(f.Dst))
	}
	return f
}

// Builder collects nodes and weighted edges by id and builds a Graph. Repeated pairs are summed in the order
// they were added; self-loops and zero weights are dropped at Build.
type Builder struct {
	index map[string]int32
	ids   []string
	src   []int32
	dst   []int32
	w     []float64
	cnt   []int32
}

// NewBuilder returns an empty builder.
func NewBuilder() *Builder { return &Builder{index: map[string]int32{}} }

func (b *Builder) intern(id string) int32 {
	i, ok := b.index[id]
	if !ok {
		i = int32(len(b.ids))
		b.index[id] = i
		b.ids = append(b.ids, id)
	}
	return i
}

// AddNode adds a node without edges (a member who engaged with no one still has a reputation).
func (b *Builder) AddNode(id string) { b.intern(id) }

// AddEdge adds weight w to the edge src→dst, recording one interaction. The weight must be finite and not
// negative.
func (b *Builder) AddEdge(src, dst string, w float64) error {
	return b.AddEdgeCount(src, dst, w, 1)
}

// AddEdgeCount adds weight w to the edge src→dst, recording n interactions.
func (b *Builder) AddEdgeCount(src, dst string, w float64, n int32) error {
	if math.IsNaN(w) || math.IsInf(w, 0) || w < 0 {
		return fmt.Errorf("edge %s→%s: weight %v: must be a finite number ≥ 0", src, dst, w)
	}
	s, d := b.intern(src), b.intern(dst)
	b.src = append(b.src, s)
	b.dst = append(b.dst, d)
	b.w = append(b.w, w)
	b.cnt = append(b.cnt, n)
	return nil
}

// Nodes returns the number of distinct nodes added so far.
func (b *Builder) Nodes() int { return len(b.ids) }

// Build returns the graph. The builder must not be used afterwards.
func (b *Builder) Build() *Graph {
	n := len(b.ids)
	order := make([]int32, n)
	for i := range order {
		order[i] = int32(i)
	}
	sort.Slice(order, func(x, y int) bool { return b.ids[order[x]] < b.ids[order[y]] })
	ids := make([]string, n)
	remap := make([]int32, n)
	for newI, oldI := range order {
		ids[newI] = b.ids[oldI]
		remap[oldI] = int32(newI)
	}
	for k := range b.src {
		b.src[k] = remap[b.src[k]]
		b.dst[k] = remap[b.dst[k]]
	}
	b.index, b.ids = nil, nil
	g, err := FromCOO(ids, b.src, b.dst, b.w, b.cnt)
	if err != nil {
		// Builder checked every weight and produced every index itself.
		panic("graph: builder produced an invalid graph: " + err.Error())
	}
	b.src, b.dst, b.w, b.cnt = nil, nil, nil, nil
	return g
}

// FromCOO builds a graph from edges in coordinate form over already-interned nodes: ids must be sorted and
// unique, src[k]→dst[k] index into ids with weight w[k] and interaction count cnt[k] (cnt may be nil for one
// interaction per edge). Repeated pairs are summed in input order; self-loops and zero weights are dropped.
// The input slices are not kept.
func FromCOO(ids []string, src, dst []int32, w []float64, cnt []int32) (*Graph, error) {
	n := len(ids)
	m := len(src)
	if len(dst) != m || len(w) != m || (cnt != nil && len(cnt) != m) {
		return nil, fmt.Errorf("graph: edge arrays of different lengths")
	}
	for i := 1; i < n; i++ {
		if ids[i-1] >= ids[i] {
			return nil, fmt.Errorf("graph: node ids not sorted and unique at %d: %q, %q", i, ids[i-1], ids[i])
		}
	}
	if n > math.MaxInt32 {
		return nil, fmt.Errorf("graph: %d nodes: more than an int32 index holds", n)
	}
	for k := 0; k < m; k++ {
		if src[k] < 0 || int(src[k]) >= n || dst[k] < 0 || int(dst[k]) >= n {
			return nil, fmt.Errorf("graph: edge %d: node index out of range", k)
		}
		if x := w[k]; math.IsNaN(x) || math.IsInf(x, 0) || x < 0 {
			return nil, fmt.Errorf("graph: edge %d: weight %v: must be a finite number ≥ 0", k, x)
		}
	}
	// One counting sort by source scatters each edge's target, weight and count into its row, in input
	// order; each row is then sorted by target, stably, where it lies (contiguous and small on average),
	// so that repeated pairs stay in input order and are summed in it. Two stable counting sorts over
	// all the edges (by target, then by source) did the same with twice the random access.
	row := make([]int64, n+1)
	for _, s := range src {
		row[s+1]++
	}
	for i := 0; i < n; i++ {
		row[i+1] += row[i]
	}
	es := make([]cooEdge, m)
	next := make([]int64, n)
	copy(next, row[:n])
	for k := range src {
		c := int32(1)
		if cnt != nil {
			c = cnt[k]
		}
		p := next[src[k]]
		next[src[k]] = p + 1
		es[p] = cooEdge{dst: dst[k], w: w[k], cnt: c}
	}
	next = nil
	sortRows(row, es)

	g := &Graph{IDs: ids, Off: make([]int64, n+1)}
	out := 0
	for s := range n {
		for _, e := range es[row[s]:row[s+1]] {
			if e.dst != int32(s) && e.w != 0 {
				out++
			}
		}
	}
	g.Dst = make([]int32, 0, out)
	g.W = make([]float64, 0, out)
	g.Count = make([]int32, 0, out)
	for s := range n {
		prevD := int32(-1)
		for _, e := range es[row[s]:row[s+1]] {
			if e.dst == int32(s) || e.w == 0 {
				continue
			}
			if e.dst == prevD {
				last := len(g.Dst) - 1
				g.W[last] += e.w
				g.Count[last] = satAdd(g.Count[last], e.cnt)
				continue
			}
			g.Dst = append(g.Dst, e.dst)
			g.W = append(g.W, e.w)
			g.Count = append(g.Count, e.cnt)
			prevD = e.dst
		}
		g.Off[s+1] = int64(len(g.Dst))
	}
	return g, nil
}

// cooEdge is an edge in its source's row while FromCOO sorts the rows.
type cooEdge struct {
	dst int32
	cnt int32
	w   float64
}

// sortRows sorts each row es[row[s]:row[s+1]] by target, stably, on every CPU (rows split by edges).
func sortRows(row []int64, es []cooEdge) {
	n := len(row) - 1
	workers := min(runtime.GOMAXPROCS(0), max(1, len(es)/100_000))
	var wg sync.WaitGroup
	lo := 0
	for w := range workers {
		target := int64(len(es)) * int64(w+1) / int64(workers)
		hi := lo
		for hi < n && row[hi+1] <= target {
			hi++
		}
		if w == workers-1 {
			hi = n
		}
		from, to := lo, hi
		wg.Go(func() {
			var buf []cooEdge
			for s := from; s < to; s++ {
				r := es[row[s]:row[s+1]]
				if len(r) <= 64 {
					for i := 1; i < len(r); i++ {
						for j := i; j > 0 && r[j].dst < r[j-1].dst; j-- {
							r[j], r[j-1] = r[j-1], r[j]
						}
					}
					continue
				}
				if cap(buf) < len(r) {
					buf = make([]cooEdge, len(r))
				}
				radixSortByDst(r, buf[:len(r)])
			}
		})
		lo = hi
	}
	wg.Wait()
}

// radixSortByDst sorts r by target, stably, a byte of the target at a time (least significant first),
// with buf (as long as r) as scratch: linear in the row, where a comparison sort of the long rows of a
// power-law graph's hubs was most of FromCOO's time.
func radixSortByDst(r, buf []cooEdge) {
	from, to := r, buf
	for shift := uint(0); shift < 32; shift += 8 {
		var count [257]int
		for _, e := range from {
			count[(uint32(e.dst)>>shift)&0xff+1]++
		}
		if count[(uint32(from[0].dst)>>shift)&0xff+1] == len(from) {
			continue // every target has this byte: the pass would not move anything
		}
		for i := range 256 {
			count[i+1] += count[i]
		}
		for _, e := range from {
			b := (uint32(e.dst) >> shift) & 0xff
			to[count[b]] = e
			count[b]++
		}
		from, to = to, from
	}
	if &from[0] != &r[0] {
		copy(r, from)
	}
}

func satAdd(a, b int32) int32 {
	s := int64(a) + int64(b)
	if s > math.MaxInt32 {
		return math.MaxInt32
	}
	return int32(s)
}
