package service

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/moderation"
)

// Members are not a table of their own: they are replayed from the identity events of the log (link,
// unlink, merge, tier, wallet; see docs/events.md). These use cases read the directory and record an
// operator's changes to it as events of source plaudit with attrs.by, so that history is kept and every
// derived number can be rebuilt.

// Members returns the current members, sorted by handle; only those of kind when kind is not "". An unknown
// kind is EINVALID.
func (s *Service) Members(ctx context.Context, kind plaudit.MemberKind) ([]*plaudit.Member, error) {
	if kind != "" && !ValidMemberKind(kind) {
		return nil, plaudit.Errorf(plaudit.EINVALID, "member kind %q: want project or community", kind)
	}
	dir, err := s.directory(ctx)
	if err != nil {
		return nil, err
	}
	var out []*plaudit.Member
	for _, m := range dir.Members() {
		if kind == "" || m.Kind == kind {
			out = append(out, m)
		}
	}
	return out, nil
}

// MemberDetail is a member and the history of its identity, oldest first.
type MemberDetail struct {
	*plaudit.Member
	History []plaudit.IdentityChange `json:"history"`
}

// Member returns the member named by key — a handle (merged handles follow the member they were merged
// into) or an account key such as x:1001 — with its identity history. An unknown one is ENOTFOUND.
func (s *Service) Member(ctx context.Context, key string) (*MemberDetail, error) {
	dir, err := s.directory(ctx)
	if err != nil {
		return nil, err
	}
	m, err := findMember(dir, key)
	if err != nil {
		return nil, err
	}
	d := &MemberDetail{Member: m}
	for _, h := range dir.History {
		if h.Member == m.Handle {
			d.History = append(d.History, h)
		}
	}
	return d, nil
}

// findMember resolves a handle or an account key ("x:1001") to its member, as moderation does.
func findMember(dir *plaudit.Directory, key string) (*plaudit.Member, error) {
	h, err := moderation.KnownMember(dir, "member", key)
	if err != nil {
		return nil, plaudit.Errorf(plaudit.ENOTFOUND, "no member or account %q (a member handle, or an account key such as x:1001)", key)
	}
	m, _ := dir.Member(h)
	return m, nil
}

// IdentityChange is what recording an operator's identity change did: the event appended to the log and
// the member it changed, as the directory now has it.
type IdentityChange struct {
	Event  plaudit.Event
	Member *plaudit.Member
}

// LinkAccount links the platform account (SOURCE:ID) to the member handle, creating the member when new;
// kind, when not "", sets the member's kind. by is the operator, for the record.
func (s *Service) LinkAccount(ctx context.Context, account, handle string, kind plaudit.MemberKind, by string) (*IdentityChange, error) {
	key, err := accountKey(account)
	if err != nil {
		return nil, err
	}
	if err := plaudit.CheckHandle(handle); err != nil {
		return nil, err
	}
	attrs := map[string]any{"member": handle}
	if kind != "" {
		attrs["member_kind"] = string(kind)
	}
	return s.recordIdentity(ctx, plaudit.Event{Kind: plaudit.KindLink, Actor: key, Attrs: attrs}, by, handle)
}

// UnlinkAccount detaches the platform account (SOURCE:ID) from its member: it stands alone again, as a
// member whose handle is the account key. An account never seen is ENOTFOUND.
func (s *Service) UnlinkAccount(ctx context.Context, account, by string) (*IdentityChange, error) {
	key, err := accountKey(account)
	if err != nil {
		return nil, err
	}
	return s.recordIdentity(ctx, plaudit.Event{Kind: plaudit.KindUnlink, Actor: key}, by, key)
}

// MergeMembers merges member from into member into: accounts, wallets and tier history move, and from's
// handle follows into from then on. Unknown members are ENOTFOUND; a member merged into itself, EINVALID.
func (s *Service) MergeMembers(ctx context.Context, from, into, by string) (*IdentityChange, error) {
	e := plaudit.Event{Kind: plaudit.KindMerge, Actor: operator(by), Attrs: map[string]any{"from": from, "into": into}}
	return s.recordIdentity(ctx, e, by, into)
}

// SetTier sets member's tier, 1 to 100, from now on: the tiered policy prices each engagement by the tier
// at its time.
func (s *Service) SetTier(ctx context.Context, member string, tier int, by string) (*IdentityChange, error) {
	if !ValidTier(tier) {
		return nil, plaudit.Errorf(plaudit.EINVALID, "tier %d: want a whole number from %d to %d", tier, MinTier, MaxTier)
	}
	return s.recordIdentity(ctx, tierEvent(member, tier), by, member)
}

// MinTier and MaxTier bound a member's tier, which the tiered policy prices each engagement by.
const (
	MinTier = 1
	MaxTier = 100
)

// ValidTier reports whether n is a tier a member can be given (MinTier to MaxTier), so that every way in
// (the CLI, the panel) refuses the same values, and the CLI before it opens a store.
func ValidTier(n int) bool { return n >= MinTier && n <= MaxTier }

// ValidMemberKind reports whether kind is a kind of member (project or community), so that a filter that
// would select nothing is refused the same way everywhere, and by the CLI before it opens a store.
func ValidMemberKind(kind plaudit.MemberKind) bool {
	return kind == plaudit.MemberProject || kind == plaudit.MemberCommunity
}

// tierEvent is the identity event that sets member's tier; the caller adds attrs such as a reason.
func tierEvent(member string, tier int) plaudit.Event {
	return plaudit.Event{Kind: plaudit.KindTier, Actor: member, Attrs: map[string]any{"tier": json.Number(strconv.Itoa(tier))}}
}

// ValidWallet reports whether address is a wallet address Plaudit pays: the rule of plaudit.CheckAddress
// (0x and 40 hex digits; mixed case only with a valid EIP-55 checksum), which every way in shares.
func ValidWallet(address string) bool { return plaudit.CheckAddress(address) == nil }

// AddWallet adds the wallet address (0x and 40 hex digits, mixed case only with a valid EIP-55 checksum;
// stored lower-case) to member: payouts go to its newest wallet.
func (s *Service) AddWallet(ctx context.Context, member, address, by string) (*IdentityChange, error) {
	if err := plaudit.CheckAddress(address); err != nil {
		return nil, err
	}
	e := plaudit.Event{Kind: plaudit.KindWallet, Actor: member, Attrs: map[string]any{"address": strings.ToLower(address)}}
	return s.recordIdentity(ctx, e, by, member)
}

// accountKey checks an account key "source:id" of a platform source and returns it.
func accountKey(s string) (string, error) {
	src, id, ok := strings.Cut(s, ":")
	if !ok || id == "" || !plaudit.Source(src).Valid() || plaudit.Source(src) == plaudit.SourcePlaudit {
		return "", plaudit.Errorf(plaudit.EINVALID, "account %q: want SOURCE:ID with a platform source (x, discord, github, farcaster, api, file)", s)
	}
	return s, nil
}

// recordIdentity validates an operator's identity event e, checks it against the directory so that a typo
// never creates a member, appends it to the log and returns it with the member named show as it now
// stands. The event is of source plaudit, at the service's clock, with attrs.by the operator; its id is
// "op-" and the time in nanoseconds, so two changes never collide (one that does is ECONFLICT: try again).
func (s *Service) recordIdentity(ctx context.Context, e plaudit.Event, by, show string) (*IdentityChange, error) {
	now := s.actionTime()
	e.Source = plaudit.SourcePlaudit
	e.ExternalID = "op-" + strconv.FormatInt(now.UnixNano(), 10)
	e.Time = now
	if e.Attrs == nil {
		e.Attrs = map[string]any{}
	}
	e.Attrs["by"] = operator(by)
	if errs := e.Validate(); len(errs) > 0 {
		return nil, &plaudit.ValidationError{Input: string(e.Kind), Errors: errs}
	}
	dir, err := s.directory(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkIdentityChange(dir, &e); err != nil {
		return nil, err
	}
	res, err := s.store.AppendEvents(ctx, []plaudit.Event{e})
	if err != nil {
		return nil, fmt.Errorf("record %s: %w", e.Kind, err)
	}
	switch r := res[0]; r.Status {
	case plaudit.Duplicate:
		return nil, plaudit.Errorf(plaudit.ECONFLICT, "record %s: event %s is already in the log: try again", e.Kind, e.Key())
	case plaudit.Rejected:
		return nil, &plaudit.ValidationError{Input: string(e.Kind), Errors: []*plaudit.FieldError{r.Error}}
	default:
		e.Seq = r.Seq
	}
	if s.notify != nil {
		s.notify.EventsAppended(1)
	}
	dir.Apply(&e)
	m, err := findMember(dir, show)
	if err != nil {
		return nil, err
	}
	return &IdentityChange{Event: e, Member: m}, nil
}

// checkIdentityChange refuses changes that name what the log does not know, so that a typo never creates a
// member.
func checkIdentityChange(dir *plaudit.Directory, e *plaudit.Event) error {
	switch e.Kind {
	case plaudit.KindUnlink:
		if dir.MemberOf(e.Actor) == "" {
			return plaudit.Errorf(plaudit.ENOTFOUND, "unlink: account %s has never been seen", e.Actor)
		}
	case plaudit.KindMerge:
		for _, k := range []string{"from", "into"} {
			h, _ := e.AttrString(k)
			if _, ok := dir.Member(h); !ok {
				return plaudit.Errorf(plaudit.ENOTFOUND, "merge: no member %q (%s)", h, k)
			}
		}
		from, _ := e.AttrString("from")
		into, _ := e.AttrString("into")
		if a, _ := dir.Member(from); a != nil {
			if b, _ := dir.Member(into); b != nil && a.Handle == b.Handle {
				return plaudit.Errorf(plaudit.EINVALID, "merge: %q and %q are already the same member", from, into)
			}
		}
	case plaudit.KindTier, plaudit.KindWallet, plaudit.KindKey:
		if _, ok := dir.Member(e.Actor); !ok {
			return plaudit.Errorf(plaudit.ENOTFOUND, "%s: no member %q", e.Kind, e.Actor)
		}
	}
	return nil
}
