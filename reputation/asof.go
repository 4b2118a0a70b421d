package reputation

import (
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/graph"
)

// Basis says where a Snapshot's weights came from.
type Basis string

// The bases of a Snapshot.
const (
	// BasisEigenTrust: EigenTrust over the interactions before the snapshot's moment, from the pre-trust.
	BasisEigenTrust Basis = "eigentrust"
	// BasisPretrust: there were no interactions yet (the first epoch): the pre-trust alone.
	BasisPretrust Basis = "pretrust"
	// BasisNeutral: nobody could be pre-trusted (no project member, no long-standing member known before
	// the moment), so trust cannot be told apart: every member has the neutral weight.
	BasisNeutral Basis = "neutral"
)

// Snapshot is the members' reputation at one moment, as weights from 0 to 1 by member handle.
type Snapshot struct {
	At      time.Time
	Basis   Basis
	Weights map[string]plaudit.Ratio // by member handle; nil for BasisNeutral
	Members int                      // members known before At
}

// Weight returns member's weight: the snapshot's, 0 for a member it does not know (nobody trusted them
// before At), or neutral for every member of a neutral snapshot.
func (s *Snapshot) Weight(member string, neutral plaudit.Ratio) plaudit.Ratio {
	if s.Basis == BasisNeutral {
		return neutral
	}
	return s.Weights[member]
}

// AsOf returns the members' reputation at the moment at, computed only from the events strictly before it
// (by event time): the directory of those events, the pre-trust DerivePretrust gives at that moment
// (project members and long-standing members), and EigenTrust over the interaction graph of those events.
// Each weight is the member's global trust relative to the most trusted member (Result.Relative), so it is
// a fixed-point Ratio safe to use in settled points. With no interactions yet the weights are the
// pre-trust, relative to the largest; with nobody to pre-trust the snapshot is neutral. Because nothing at
// or after at is read, nobody can raise their own weight for the period that starts at at.
func AsOf(events []plaudit.Event, at time.Time, params Params) (*Snapshot, error) {
	before := make([]plaudit.Event, 0, len(events))
	for i := range events {
		if events[i].Time.Before(at) {
			before = append(before, events[i])
		}
	}
	dir := plaudit.BuildDirectory(before)
	snap := &Snapshot{At: at, Members: len(dir.Members())}
	seeds := DerivePretrust(before, dir, PretrustParams{At: at})
	if len(seeds) == 0 {
		snap.Basis = BasisNeutral
		return snap, nil
	}
	g, err := graph.FromEvents(before, dir, graph.EventOptions{Until: at})
	if err != nil {
		return nil, err
	}
	if g.Edges() == 0 {
		snap.Basis, snap.Weights = BasisPretrust, pretrustWeights(seeds)
		return snap, nil
	}
	p, err := Pretrust(g, seeds)
	if err != nil {
		return nil, err
	}
	r, err := EigenTrust(g, p, params)
	if err != nil {
		return nil, err
	}
	snap.Basis, snap.Weights = BasisEigenTrust, r.Weights()
	return snap, nil
}

// pretrustWeights returns each pre-trusted member's weight relative to the largest pre-trust.
func pretrustWeights(seeds map[string]float64) map[string]plaudit.Ratio {
	top := 0.0
	for _, w := range seeds {
		if w > top {
			top = w
		}
	}
	out := make(map[string]plaudit.Ratio, len(seeds))
	for id, w := range seeds {
		out[id] = relative(w, top)
	}
	return out
}
