package reputation

import (
	"slices"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/collusion"
	"github.com/plaudit/plaudit/graph"
)

// Basis says where a Snapshot's weights came from.
type Basis string

// The bases of a Snapshot.
const (
	// BasisEigenTrust: EigenTrust over the interactions before the snapshot's moment, from the pre-trust.
	BasisEigenTrust Basis = "eigentrust"
	// BasisPretrust: there were no interactions yet (the first epoch): the pre-trusted members weigh up to
	// 1, everyone else the neutral weight.
	BasisPretrust Basis = "pretrust"
	// BasisNeutral: nobody could be pre-trusted (no project member, no long-standing member known before
	// the moment), so trust cannot be told apart: every member has the neutral weight.
	BasisNeutral Basis = "neutral"
)

// Snapshot is the members' reputation for one period [At, End), as weights from 0 to 1 by member handle.
type Snapshot struct {
	At, End time.Time
	Basis   Basis
	Weights map[string]plaudit.Ratio // by member handle; nil for BasisNeutral
	Members int                      // members known

	ring map[string]int // member → 1 + index of the collusion ring found before At
}

// SameRing reports whether members a and b were found in one collusion ring before At: a like between them
// is the ring's mutual engagement, which says nothing about merit.
func (s *Snapshot) SameRing(a, b string) bool {
	if len(s.ring) == 0 {
		return false
	}
	ra := s.ring[a]
	return ra != 0 && ra == s.ring[b]
}

// Weight returns member's weight: the snapshot's, 0 for a member EigenTrust's trust does not reach, or
// neutral for every member of a neutral snapshot. Before any interaction (BasisPretrust) the pre-trusted
// members weigh up to 1 and everyone else neutral: with no history yet nobody can be told apart, and a
// community's first week must not cost its honest newcomers their points.
func (s *Snapshot) Weight(member string, neutral plaudit.Ratio) plaudit.Ratio {
	switch s.Basis {
	case BasisNeutral:
		return neutral
	case BasisPretrust:
		if w, ok := s.Weights[member]; ok {
			return max(w, neutral)
		}
		return neutral
	}
	return s.Weights[member]
}

// IsMembership reports whether events of kind k say who is a member (link, unlink, merge): the only events
// of a period that its Snapshot reads.
func IsMembership(k plaudit.Kind) bool {
	return k == plaudit.KindLink || k == plaudit.KindUnlink || k == plaudit.KindMerge
}

// AsOf returns the members' reputation for the period [at, end) (an epoch): EigenTrust over the
// interaction graph of the events strictly before at (by event time), started from the pre-trust
// DerivePretrust gives at that moment (project members, and members whose accounts are long-standing).
// Who is a member — link, unlink and merge events — is read up to end, so that the members who join as the
// first epoch opens are known and the first epoch has its pre-trust; no engagement at or after at is read,
// so nobody can raise their own weight for the period, and membership is the operator's and the
// platforms' say, not a member's. Each weight is the member's global trust relative to the most trusted
// member of median trust (medianWeights: the median weighs 0.5, twice it or more 1), a fixed-point Ratio safe
// to use in settled points. With no interactions yet the pre-trusted members weigh up to 1 and the others the
// neutral weight (Weight); with nobody to pre-trust the snapshot is neutral.
func AsOf(events []plaudit.Event, at, end time.Time, params Params) (*Snapshot, error) {
	known := make([]plaudit.Event, 0, len(events))
	for i := range events {
		if t := events[i].Time; t.Before(at) || (IsMembership(events[i].Kind) && t.Before(end)) {
			known = append(known, events[i])
		}
	}
	dir := plaudit.BuildDirectory(known)
	snap := &Snapshot{At: at, End: end, Members: len(dir.Members())}
	seeds := DerivePretrust(known, dir, PretrustParams{At: at})
	if len(seeds) == 0 {
		snap.Basis = BasisNeutral
		return snap, nil
	}
	g, err := graph.FromEvents(known, dir, graph.EventOptions{Until: at})
	if err != nil {
		return nil, err
	}
	if g.Edges() == 0 {
		top := 0.0
		for _, w := range seeds {
			top = max(top, w)
		}
		snap.Basis, snap.Weights = BasisPretrust, make(map[string]plaudit.Ratio, len(seeds))
		for id, w := range seeds {
			snap.Weights[id] = relative(w, top)
		}
		return snap, nil
	}
	// A collusion ring's mutual engagement says nothing about merit: its edges are dropped (Discount), and
	// its members lose the pre-trust their accounts' age gave them (a project member keeps theirs).
	var rings [][]string
	for k, r := range collusion.Detect(g, collusion.Params{}) {
		rings = append(rings, r.Members)
		for _, m := range r.Members {
			if snap.ring == nil {
				snap.ring = map[string]int{}
			}
			snap.ring[m] = k + 1
			if mm, ok := dir.Member(m); !ok || mm.Kind != plaudit.MemberProject {
				delete(seeds, m)
			}
		}
	}
	if len(seeds) == 0 {
		snap.Basis = BasisNeutral
		return snap, nil
	}
	dg := Discount(g, rings, nil)
	p, err := Pretrust(dg, seeds)
	if err != nil {
		return nil, err
	}
	r, err := EigenTrust(dg, p, params)
	if err != nil {
		return nil, err
	}
	snap.Basis, snap.Weights = BasisEigenTrust, medianWeights(r.IDs, r.Scores)
	return snap, nil
}

// medianWeights scales scores so that the median of the positive ones weighs DefaultWeight (what every
// like weighed before reputation: a typical member's like keeps its value), twice the median or more weighs
// 1, and no trust weighs 0. Scaling to the most trusted member instead would make a typical honest like
// worth a small fraction of a pre-trusted one and cut honest members harder than the rings it is meant to
// weaken; against the median, what falls is what trust does not reach.
func medianWeights(ids []string, scores []float64) map[string]plaudit.Ratio {
	pos := make([]float64, 0, len(scores))
	for _, s := range scores {
		if s > 0 {
			pos = append(pos, s)
		}
	}
	out := make(map[string]plaudit.Ratio, len(ids))
	if len(pos) == 0 {
		for _, id := range ids {
			out[id] = 0
		}
		return out
	}
	slices.Sort(pos)
	median := pos[len(pos)/2]
	if len(pos)%2 == 0 {
		median = (pos[len(pos)/2-1] + pos[len(pos)/2]) / 2
	}
	for i, id := range ids {
		out[id] = relative(float64(DefaultWeight)/float64(plaudit.One)*scores[i], median)
	}
	return out
}

// DefaultWeight is the weight of a member of median trust: the 0.5 every like weighed before reputation.
const DefaultWeight plaudit.Ratio = 500_000
