package service

import (
	"context"
	"fmt"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/policy"
)

// ValidatePolicy parses and checks the policy document doc (named name in errors) without storing
// anything: a *plaudit.ValidationError lists every problem with its line and field.
func (s *Service) ValidatePolicy(doc []byte, name string) (*policy.Policy, error) {
	return policy.Parse(doc, name)
}

// ActivePolicyRecord returns the active policy as stored (document, hash, who activated it and when), or
// ENOTFOUND when none was activated.
func (s *Service) ActivePolicyRecord(ctx context.Context) (*plaudit.PolicyRecord, error) {
	rec, err := s.store.ActivePolicy(ctx)
	if err != nil {
		return nil, fmt.Errorf("active policy: %w", err)
	}
	return rec, nil
}

// PolicyRecord returns the stored policy with hash ("sha256:…"), or ENOTFOUND.
func (s *Service) PolicyRecord(ctx context.Context, hash string) (*plaudit.PolicyRecord, error) {
	rec, err := s.store.PolicyByHash(ctx, hash)
	if err != nil {
		return nil, fmt.Errorf("policy %s: %w", hash, err)
	}
	return rec, nil
}

// PreviewPolicy parses doc and replays the whole log under it and under the active policy (Replay): who
// gains and who loses if it is activated. Nothing is stored.
func (s *Service) PreviewPolicy(ctx context.Context, doc []byte, name string) (*Replay, error) {
	p, err := policy.Parse(doc, name)
	if err != nil {
		return nil, err
	}
	return s.Replay(ctx, p)
}

// PolicyVersion is one activation in a policy's history: the policy activated, when and by whom, and what
// changed against the policy active before it (nil for the first activation).
type PolicyVersion struct {
	plaudit.PolicyRecord
	// Previous is the hash of the policy active before this activation; "" for the first.
	Previous string `json:"previous,omitempty"`
	// Changes are the field-by-field differences from the previous policy (defaults included).
	Changes []policy.Change `json:"changes"`
}

// PolicyHistory lists every policy activation, newest first, each with its changes against the policy it
// replaced: the rules' version history the panel and `plaudit policy history` show.
func (s *Service) PolicyHistory(ctx context.Context) ([]PolicyVersion, error) {
	acts, err := s.store.PolicyActivations(ctx)
	if err != nil {
		return nil, err
	}
	parsed := map[string]*policy.Policy{}
	load := func(hash string) (*policy.Policy, error) {
		if p, ok := parsed[hash]; ok {
			return p, nil
		}
		rec, err := s.store.PolicyByHash(ctx, hash)
		if err != nil {
			return nil, err
		}
		p, err := PolicyFromRecord(rec)
		if err != nil {
			return nil, err
		}
		parsed[hash] = p
		return p, nil
	}
	out := make([]PolicyVersion, len(acts))
	for i, a := range acts {
		out[i] = PolicyVersion{PolicyRecord: a}
		if i+1 == len(acts) {
			continue
		}
		prev := acts[i+1].Hash
		out[i].Previous = prev
		if prev == a.Hash {
			out[i].Changes = []policy.Change{}
			continue
		}
		if out[i].Changes, err = s.diffPolicies(load, prev, a.Hash); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// PolicyDiff compares two stored policies by hash, field by field: what activating next in place of old
// changes.
func (s *Service) PolicyDiff(ctx context.Context, old, next string) ([]policy.Change, error) {
	load := func(hash string) (*policy.Policy, error) {
		rec, err := s.PolicyRecord(ctx, hash)
		if err != nil {
			return nil, err
		}
		return PolicyFromRecord(rec)
	}
	return s.diffPolicies(load, old, next)
}

func (s *Service) diffPolicies(load func(string) (*policy.Policy, error), old, next string) ([]policy.Change, error) {
	a, err := load(old)
	if err != nil {
		return nil, fmt.Errorf("policy %s: %w", old, err)
	}
	b, err := load(next)
	if err != nil {
		return nil, fmt.Errorf("policy %s: %w", next, err)
	}
	ch := policy.Diff(a, b)
	if ch == nil {
		ch = []policy.Change{}
	}
	return ch, nil
}
