package service

import (
	"context"
	"fmt"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/policy"
)

// ActivatePolicy makes the policy document doc the active one, recorded as activated by by, and asks for a
// full rescore under it (the scheduler's rescore job; an epoch close rescores by itself when it must). The
// document is parsed and validated first: nothing is stored when it is wrong.
func (s *Service) ActivatePolicy(ctx context.Context, doc []byte, name, by string) (*policy.Policy, error) {
	p, err := policy.Parse(doc, name)
	if err != nil {
		return nil, err
	}
	if by == "" {
		by = "plaudit"
	}
	rec := &plaudit.PolicyRecord{Hash: p.Hash(), Name: p.Name, Version: p.Version, Document: string(doc),
		ActivatedAt: s.now().UTC(), ActivatedBy: by}
	err = s.store.SetActivePolicy(ctx, rec)
	s.forgetLiveState()
	if err != nil {
		return nil, fmt.Errorf("activate policy %s: %w", p.Hash(), err)
	}
	s.log.Info("activated policy", "name", p.Name, "version", p.Version, "hash", p.Hash(), "by", by)
	if s.notify != nil {
		s.notify.PolicyActivated(p.Hash())
	}
	return p, nil
}
