package service

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/plaudit/plaudit"
)

// MaxReasonLen is the longest reason an operator may give for an identity change, in characters.
const MaxReasonLen = 500

// ReasonedChange is an identity change made with a reason, as the panel makes them: set a tier, link an
// account, or merge a member into another. The reason is recorded on the identity event (attrs.reason),
// so the log says why as well as who.
type ReasonedChange struct {
	Op      string // "tier", "link" or "merge"
	Member  string // the member changed (for merge, the one merged away)
	Tier    int    // tier: 1 to 100
	Account string // link: SOURCE:ID
	Into    string // merge: the member kept
	By      string // the operator
	Reason  string // why; required
}

// ChangeIdentity records c with its reason: the rules are SetTier's, LinkAccount's and MergeMembers'. A
// missing or overlong reason, or an unknown operation, is EINVALID.
func (s *Service) ChangeIdentity(ctx context.Context, c ReasonedChange) (*IdentityChange, error) {
	reason := strings.TrimSpace(c.Reason)
	if reason == "" || utf8.RuneCountInString(reason) > MaxReasonLen || !utf8.ValidString(reason) {
		return nil, plaudit.Errorf(plaudit.EINVALID, "reason: want 1 to %d characters saying why", MaxReasonLen)
	}
	var e plaudit.Event
	show := c.Member
	switch c.Op {
	case "tier":
		if !ValidTier(c.Tier) {
			return nil, plaudit.Errorf(plaudit.EINVALID, "tier %d: want a whole number from %d to %d", c.Tier, MinTier, MaxTier)
		}
		e = tierEvent(c.Member, c.Tier)
	case "link":
		key, err := accountKey(c.Account)
		if err != nil {
			return nil, err
		}
		if err := plaudit.CheckHandle(c.Member); err != nil {
			return nil, err
		}
		e = plaudit.Event{Kind: plaudit.KindLink, Actor: key, Attrs: map[string]any{"member": c.Member}}
	case "merge":
		e = plaudit.Event{Kind: plaudit.KindMerge, Actor: operator(c.By), Attrs: map[string]any{"from": c.Member, "into": c.Into}}
		show = c.Into
	default:
		return nil, plaudit.Errorf(plaudit.EINVALID, "identity change %q: want tier, link or merge", c.Op)
	}
	e.Attrs["reason"] = reason
	return s.recordIdentity(ctx, e, c.By, show)
}
