// Package collusion finds collusion rings in the interaction graph: small groups whose engagement is mostly
// with each other and returned in kind — like rings, reply circles, mutual-boost clubs.
//
// Candidate groups are the communities of every level of a Louvain modularity clustering (gonum's
// community.Modularize on the undirected graph, with a fixed random source so that the same graph always
// gives the same groups). A candidate is a ring when, after dropping members who mostly engage outside it,
// it is small, its members' engagement mostly stays inside (inward share), most of its internal edges are
// returned (reciprocity), and it is far denser than the graph as a whole (density ratio). Each ring carries
// the evidence per member: with whom they engaged inside, how often, and what share of all their engagement
// that is.
package collusion

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"

	"gonum.org/v1/gonum/graph/community"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/graph"
)

// Params tunes ring detection. Zero fields take the defaults in brackets.
type Params struct {
	Resolution      float64       // Louvain resolution γ [1]
	Seed            uint64        // seed of Louvain's random node order [1]
	MinSize         int           // smallest ring [3]
	MaxSize         int           // largest ring [40]
	MinInward       float64       // share of the ring's given engagement (weight) that stays inside [0.75]
	MinReciprocity  float64       // share of internal edges that are returned [0.5]
	MinDensity      float64       // internal edges / k(k−1) [0.3]
	MinDensityRatio float64       // internal density / density of the whole graph [20], capped at halfway to complete (see Detect)
	MinMemberShare  float64       // a member whose own inward share (interactions) is below this is not a ring member [0.4]
	Multiplier      plaudit.Ratio // suggested multiplier for a ring member's points [0.2]
	// Trusted are members who are never ring members, and engagement with whom is not ring engagement: the
	// project's own accounts (the SybilRank seeds). In a small community they are the hub that most members
	// engage with and that answers them, so the project and its few most active members form a dense,
	// reciprocal, inward-looking group that is the community's core, not a ring.
	Trusted map[string]bool
}

func (p Params) withDefaults() Params {
	def := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		}
	}
	def(&p.Resolution, 1)
	def(&p.MinInward, 0.75)
	def(&p.MinReciprocity, 0.5)
	def(&p.MinDensity, 0.3)
	def(&p.MinDensityRatio, 20)
	def(&p.MinMemberShare, 0.4)
	if p.Seed == 0 {
		p.Seed = 1
	}
	if p.MinSize == 0 {
		p.MinSize = 3
	}
	if p.MaxSize == 0 {
		p.MaxSize = 40
	}
	if p.Multiplier == 0 {
		p.Multiplier = 200_000
	}
	return p
}

// Ring is a group flagged as colluding, with its measures and the evidence per member.
type Ring struct {
	Members      []string         // handles, sorted
	Inward       float64          // share of members' given engagement weight that goes to other members
	Received     float64          // share of members' received engagement weight that comes from other members
	Reciprocity  float64          // share of internal directed edges i→j whose j→i also exists
	Density      float64          // internal directed edges / k(k−1)
	DensityRatio float64          // Density / density of the whole graph
	Interactions int              // interactions between members
	Evidence     []MemberEvidence // one per member, in Members order
	Multiplier   plaudit.Ratio    // suggested multiplier for members' points
}

// MemberEvidence is one ring member's share in the ring.
type MemberEvidence struct {
	Member       string
	Partners     []Partner // ring members they engaged with, most interactions first
	Inside       int       // their interactions with ring members
	Interactions int       // all their interactions
	Share        float64   // Inside / Interactions
}

// Partner is one ring member another engaged with: how often and with what weight.
type Partner struct {
	Member string
	Count  int
	Weight float64
}

// Detect returns the collusion rings of g (a member interaction graph: weights and counts per directed
// pair), ordered by their first member. The same graph and params always give the same rings.
func Detect(g *graph.Graph, p Params) []Ring {
	p = p.withDefaults()
	n := g.Len()
	if n < p.MinSize || g.Edges() == 0 {
		return nil
	}
	t := g.Transpose()
	graphDensity := float64(g.Edges()) / (float64(n) * float64(n-1))
	// A ring must be MinDensityRatio times as dense as the graph, but no group is denser than complete: in a
	// small community, where members reach a larger share of each other, MinDensityRatio × the graph's density
	// can exceed 1 and no ring could ever qualify. The bar is then halfway from the graph's density to
	// complete, so it scales with the community and still asks for far more than the graph's own density.
	needDensity := min(p.MinDensityRatio*graphDensity, (1+graphDensity)/2)

	// Communities of mutual engagement: one-way attention (many people liking a popular post) does not bind
	// a group, engagement returned does.
	mutual := g.Mutual()
	if mutual.Edges() == 0 {
		return nil
	}
	reduced := community.Modularize(undirected{mutual}, p.Resolution, rand.NewPCG(p.Seed, 0x5eed))
	// Candidates from the coarsest level down: a ring found whole at a coarse level is preferred to its
	// fragments below.
	var candidates [][]int32
	for lvl := reduced; !isNil(lvl); lvl = lvl.Expanded() {
		for _, c := range lvl.Communities() {
			if len(c) >= p.MinSize {
				candidates = append(candidates, ids(c))
			}
		}
	}
	taken := make([]bool, n)
	for id := range p.Trusted {
		if i, ok := g.Index(id); ok {
			taken[i] = true
		}
	}
	seen := map[string]bool{}
	var rings []Ring
	for _, c := range candidates {
		c = slices.DeleteFunc(slices.Clone(c), func(i int32) bool { return taken[i] })
		c = prune(g, mutual, c, p.MinMemberShare)
		if len(c) < p.MinSize || len(c) > p.MaxSize {
			continue
		}
		key := fmt.Sprint(c)
		if seen[key] {
			continue
		}
		seen[key] = true
		r := measure(g, t, c)
		r.DensityRatio = r.Density / graphDensity
		if r.Inward < p.MinInward || r.Reciprocity < p.MinReciprocity || r.Density < p.MinDensity || r.Density < needDensity {
			continue
		}
		r.Multiplier = p.Multiplier
		for _, i := range c {
			taken[i] = true
		}
		rings = append(rings, r)
	}
	sort.Slice(rings, func(a, b int) bool { return rings[a].Members[0] < rings[b].Members[0] })
	return rings
}

// isNil reports whether a level is absent: Expanded returns a typed nil pointer below the lowest level.
func isNil(r community.ReducedGraph) bool {
	u, ok := r.(*community.ReducedUndirected)
	return r == nil || (ok && u == nil)
}

// prune drops, repeatedly, the members of c whose own interactions mostly go outside c, or who have fewer
// than two members in c with whom engagement goes both ways. A member's inside share is judged by its lower
// 95% confidence bound (wilsonLower), so that it scales with how much they did: in a small community an
// honest member with a handful of interactions, half of which happen to be with a ring's prolific posters,
// is not counted in the ring, while a ring member with dozens of interactions nearly all inside still is.
func prune(g, mutual *graph.Graph, c []int32, minShare float64) []int32 {
	for {
		in := make(map[int32]bool, len(c))
		for _, i := range c {
			in[i] = true
		}
		kept := c[:0:0]
		for _, i := range c {
			mates := 0
			md, _ := mutual.Out(i)
			for _, j := range md {
				if in[j] {
					mates++
				}
			}
			if mates < 2 {
				continue
			}
			dst, _ := g.Out(i)
			cnt := g.OutCounts(i)
			var inside, total int
			for k, j := range dst {
				total += int(cnt[k])
				if in[j] {
					inside += int(cnt[k])
				}
			}
			if total > 0 && wilsonLower(inside, total) >= minShare {
				kept = append(kept, i)
			}
		}
		if len(kept) == len(c) {
			return c
		}
		c = kept
		if len(c) == 0 {
			return c
		}
	}
}

// measure computes a group's ring measures and per-member evidence. c is sorted.
func measure(g, t *graph.Graph, c []int32) Ring {
	in := make(map[int32]bool, len(c))
	for _, i := range c {
		in[i] = true
	}
	r := Ring{}
	var givenIn, given, recvIn, recv float64
	var internal, returned int
	for _, i := range c {
		ev := MemberEvidence{Member: g.IDs[i]}
		dst, w := g.Out(i)
		cnt := g.OutCounts(i)
		for k, j := range dst {
			given += w[k]
			ev.Interactions += int(cnt[k])
			if !in[j] {
				continue
			}
			givenIn += w[k]
			ev.Inside += int(cnt[k])
			internal++
			if _, ok := g.Weight(j, i); ok {
				returned++
			}
			ev.Partners = append(ev.Partners, Partner{Member: g.IDs[j], Count: int(cnt[k]), Weight: w[k]})
		}
		src, tw := t.Out(i)
		for k, j := range src {
			recv += tw[k]
			if in[j] {
				recvIn += tw[k]
			}
		}
		if ev.Interactions > 0 {
			ev.Share = float64(ev.Inside) / float64(ev.Interactions)
		}
		sort.SliceStable(ev.Partners, func(a, b int) bool { return ev.Partners[a].Count > ev.Partners[b].Count })
		r.Interactions += ev.Inside
		r.Members = append(r.Members, ev.Member)
		r.Evidence = append(r.Evidence, ev)
	}
	if given > 0 {
		r.Inward = givenIn / given
	}
	if recv > 0 {
		r.Received = recvIn / recv
	}
	if internal > 0 {
		r.Reciprocity = float64(returned) / float64(internal)
	}
	k := float64(len(c))
	r.Density = float64(internal) / (k * (k - 1))
	return r
}

// Reason returns the integrity finding for ring member i (an index into Members): the ring's measures and
// the member's partners as evidence.
func (r *Ring) Reason(i int) plaudit.Reason {
	ev := r.Evidence[i]
	inputs := []plaudit.Input{
		{Name: "ring_size", Value: strconv.Itoa(len(r.Members))},
		{Name: "ring_inward_share", Value: pct(r.Inward)},
		{Name: "ring_reciprocity", Value: pct(r.Reciprocity)},
		{Name: "ring_density", Value: pct(r.Density)},
		{Name: "member_inside", Value: fmt.Sprintf("%d of %d interactions", ev.Inside, ev.Interactions)},
		{Name: "member_share", Value: pct(ev.Share)},
	}
	for k, pt := range ev.Partners {
		if k == 10 {
			inputs = append(inputs, plaudit.Input{Name: "partners_more", Value: strconv.Itoa(len(ev.Partners) - 10)})
			break
		}
		inputs = append(inputs, plaudit.Input{Name: "partner:" + pt.Member, Value: strconv.Itoa(pt.Count) + " interactions"})
	}
	return plaudit.Reason{
		Check: "collusion_ring",
		Detail: fmt.Sprintf("one of a ring of %d members: %s of their engagement is with each other (%s of %s's), %s of it returned",
			len(r.Members), pct(r.Inward), pct(ev.Share), ev.Member, pct(r.Reciprocity)),
		Multiplier: r.Multiplier,
		Evidence:   inputs,
	}
}

func pct(x float64) string { return strconv.FormatFloat(100*x, 'f', 0, 64) + "%" }

// wilsonLower is the lower bound of the Wilson score interval at 95% confidence (z = 1.96) for k successes
// in n trials: the smallest share the data make plausible.
func wilsonLower(k, n int) float64 {
	if n <= 0 {
		return 0
	}
	const z = 1.96
	p, nf := float64(k)/float64(n), float64(n)
	d := 1 + z*z/nf
	c := p + z*z/(2*nf)
	m := z * math.Sqrt(p*(1-p)/nf+z*z/(4*nf*nf))
	return (c - m) / d
}
