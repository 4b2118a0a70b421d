package service

import (
	"context"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/graph"
	"github.com/plaudit/plaudit/reputation"
)

// ReputationRequest asks for the members' global trust over the interactions recorded in the event log.
type ReputationRequest struct {
	// Since and Until bound the interactions counted by event time (Since inclusive, Until exclusive); zero
	// for no bound.
	Since, Until time.Time
	// Pretrust names the pre-trusted members and their weights; nil derives them from the log (project
	// members and long-standing members, as of Until).
	Pretrust map[string]float64
	// Params tune EigenTrust (zero values take reputation's defaults).
	Params reputation.Params
}

// MemberReputation is the members' global trust: EigenTrust's result over the member interaction graph,
// the pre-trust it started from, and the size of the graph.
type MemberReputation struct {
	Result   *reputation.Result
	Pretrust map[string]float64
	Members  int // nodes of the interaction graph
	Edges    int // interaction edges
}

// Reputation computes the members' EigenTrust global trust from the whole event log: the interaction graph
// of the members as the directory stands now (reply, quote, review 3; comment, repost 2; like, mention,
// follow 1) within the request's time bounds, pre-trusting the given members or, when none are given,
// project and long-standing members. An empty log, or one with nobody to pre-trust, is EINVALID.
func (s *Service) Reputation(ctx context.Context, r ReputationRequest) (*MemberReputation, error) {
	l, err := s.ReadLog(ctx, nil)
	if err != nil {
		return nil, err
	}
	if len(l.Events) == 0 {
		return nil, plaudit.Errorf(plaudit.EINVALID, "the store has no events: import some first")
	}
	dir := l.Directory(0)
	seeds := r.Pretrust
	if seeds == nil {
		seeds = reputation.DerivePretrust(l.Events, dir, reputation.PretrustParams{At: r.Until})
		if len(seeds) == 0 {
			return nil, plaudit.Errorf(plaudit.EINVALID, "no project members and no long-standing members to pre-trust: name some with --pretrust (handle weight lines)")
		}
	}
	res, g, err := reputation.Members(l.Events, dir, graph.EventOptions{Since: r.Since, Until: r.Until}, seeds, r.Params)
	if err != nil {
		return nil, err
	}
	return &MemberReputation{Result: res, Pretrust: seeds, Members: g.Len(), Edges: g.Edges()}, nil
}
