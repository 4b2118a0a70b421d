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
