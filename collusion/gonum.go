package collusion

import (
	"sort"

	gg "gonum.org/v1/gonum/graph"
	"gonum.org/v1/gonum/graph/iterator"
	"gonum.org/v1/gonum/graph/simple"

	"github.com/plaudit/plaudit/graph"
)

// undirected adapts a symmetric CSR graph (graph.Graph.Undirected) to gonum's graph.WeightedUndirected.
// Node IDs are CSR indices. Every iterator it returns is ordered by ID, which, with a fixed random source,
// makes gonum's Louvain deterministic: its reductions and tie-breaks then never see map order.
type undirected struct{ g *graph.Graph }

var _ gg.WeightedUndirected = undirected{}

func (u undirected) has(id int64) bool { return id >= 0 && id < int64(u.g.Len()) }

func (u undirected) Node(id int64) gg.Node {
	if !u.has(id) {
		return nil
	}
	return simple.Node(id)
}

func (u undirected) Nodes() gg.Nodes {
	nodes := make([]gg.Node, u.g.Len())
	for i := range nodes {
		nodes[i] = simple.Node(i)
	}
	return iterator.NewOrderedNodes(nodes)
}

func (u undirected) From(id int64) gg.Nodes {
	if !u.has(id) {
		return gg.Empty
	}
	dst, _ := u.g.Out(int32(id))
	nodes := make([]gg.Node, len(dst))
	for k, j := range dst {
		nodes[k] = simple.Node(j)
	}
	return iterator.NewOrderedNodes(nodes)
}

func (u undirected) Weight(xid, yid int64) (float64, bool) {
	if !u.has(xid) || !u.has(yid) {
		return 0, false
	}
	if xid == yid {
		return 0, true // no self-loops in the graph
	}
	return u.g.Weight(int32(xid), int32(yid))
}

func (u undirected) HasEdgeBetween(xid, yid int64) bool {
	_, ok := u.Weight(xid, yid)
	return ok && xid != yid
}

func (u undirected) WeightedEdgeBetween(xid, yid int64) gg.WeightedEdge {
	if xid == yid {
		return nil
	}
	w, ok := u.Weight(xid, yid)
	if !ok {
		return nil
	}
	return simple.WeightedEdge{F: simple.Node(xid), T: simple.Node(yid), W: w}
}

func (u undirected) WeightedEdge(uid, vid int64) gg.WeightedEdge {
	return u.WeightedEdgeBetween(uid, vid)
}
func (u undirected) Edge(uid, vid int64) gg.Edge {
	if e := u.WeightedEdgeBetween(uid, vid); e != nil {
		return e
	}
	return nil
}
func (u undirected) EdgeBetween(xid, yid int64) gg.Edge { return u.Edge(xid, yid) }

// ids returns the sorted CSR indices of a gonum community.
func ids(nodes []gg.Node) []int32 {
	out := make([]int32, len(nodes))
	for i, n := range nodes {
		out[i] = int32(n.ID())
	}
	sort.Slice(out, func(a, b int) bool { return out[a] < out[b] })
	return out
}
