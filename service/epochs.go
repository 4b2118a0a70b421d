package service

import (
	"context"
	"fmt"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/settle"
)

// StoredEpoch is a closed epoch as stored: its totals and every member's allocation, by member handle.
type StoredEpoch struct {
	Epoch       *plaudit.Epoch
	Allocations []plaudit.Allocation
}

// Epoch returns the closed epoch id with its allocations, or ENOTFOUND: what `plaudit epoch show` and
// `epoch export` print and what a member's statement is read from.
func (s *Service) Epoch(ctx context.Context, id string) (*StoredEpoch, error) {
	ep, err := s.store.Epoch(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("epoch %s: %w", id, err)
	}
	allocs, err := s.allocations(ctx, ep.ID)
	if err != nil {
		return nil, err
	}
	return &StoredEpoch{Epoch: ep, Allocations: allocs}, nil
}

// allocations reads an epoch's allocations, by member handle.
func (s *Service) allocations(ctx context.Context, id string) ([]plaudit.Allocation, error) {
	var out []plaudit.Allocation
	err := s.store.ScanAllocations(ctx, id, func(a *plaudit.Allocation) error { out = append(out, *a); return nil })
	if err != nil {
		return nil, fmt.Errorf("read the allocations of epoch %s: %w", id, err)
	}
	return out, nil
}

// Epochs lists the closed epochs of program ("" for every program), oldest first.
func (s *Service) Epochs(ctx context.Context, program string) ([]*plaudit.Epoch, error) {
	eps, err := s.store.Epochs(ctx, program)
	if err != nil {
		return nil, fmt.Errorf("list epochs: %w", err)
	}
	return eps, nil
}

// EpochExplanation is why a member was paid what they were in a closed epoch: the epoch, the member's
// allocation, and every scored event of theirs in the epoch's window with its points, the verdict
// multiplier applied and whether it counted (by event id).
type EpochExplanation struct {
	Epoch      *plaudit.Epoch
	Allocation plaudit.Allocation
	Lines      []settle.EventLine
}

// EpochExplain explains member's allocation in closed epoch id: it applies verdicts — the verdicts the
// epoch recorded at its close when verdicts is nil, the given ones (for "what if") otherwise — to the
// member's scores under the epoch's policy, with the epoch's program as that policy defines it. A member
// with no allocation in the epoch is ENOTFOUND.
func (s *Service) EpochExplain(ctx context.Context, id, member string, verdicts []plaudit.Verdict) (*EpochExplanation, error) {
	ce, err := s.Epoch(ctx, id)
	if err != nil {
		return nil, err
	}
	ep := ce.Epoch
	x := &EpochExplanation{Epoch: ep}
	found := false
	for _, a := range ce.Allocations {
		if a.Member == member {
			x.Allocation, found = a, true
			break
		}
	}
	if !found {
		return nil, plaudit.Errorf(plaudit.ENOTFOUND, "member %s has no allocation in epoch %s", member, ep.ID)
	}
	rec, err := s.store.PolicyByHash(ctx, ep.PolicyHash)
	if err != nil {
		return nil, fmt.Errorf("explain epoch %s: policy %s: %w", ep.ID, ep.PolicyHash, err)
	}
	pol, err := PolicyFromRecord(rec)
	if err != nil {
		return nil, err
	}
	prog, err := ProgramOf(pol, ep.Program)
	if err != nil {
		return nil, err
	}
	scores, err := s.store.ScoresByMember(ctx, ep.PolicyHash, member)
	if err != nil {
		return nil, fmt.Errorf("explain epoch %s: scores of %s: %w", ep.ID, member, err)
	}
	if verdicts == nil {
		if verdicts, err = s.store.EpochVerdicts(ctx, ep.ID); err != nil {
			return nil, fmt.Errorf("explain epoch %s: recorded verdicts: %w", ep.ID, err)
		}
	}
	x.Lines = settle.Explain(prog, settle.Window{ID: ep.ID, Start: ep.Start, End: ep.End}, member, scores, verdicts)
	return x, nil
}
