package service

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/reputation"
	"github.com/plaudit/plaudit/score"
)

// SearchMembers returns the current members, sorted by handle, of kind when kind is not "" and, when query
// is not "", only those whose handle, an account key or a wallet contains it (case-insensitive).
func (s *Service) SearchMembers(ctx context.Context, query string, kind plaudit.MemberKind) ([]*plaudit.Member, error) {
	all, err := s.Members(ctx, kind)
	if err != nil {
		return nil, err
	}
	if query == "" {
		return all, nil
	}
	q := strings.ToLower(query)
	var out []*plaudit.Member
	for _, m := range all {
		if memberMatches(m, q) {
			out = append(out, m)
		}
	}
	return out, nil
}

func memberMatches(m *plaudit.Member, q string) bool {
	if strings.Contains(strings.ToLower(m.Handle), q) {
		return true
	}
	for _, list := range [][]string{m.Accounts, m.Wallets} {
		for _, v := range list {
			if strings.Contains(strings.ToLower(v), q) {
				return true
			}
		}
	}
	return false
}

// MemberProfile is one member with everything an operator (or the member) looks at: the identity (linked
// accounts, wallets, tier, history), the points under the active policy by rule, and the integrity layer's
// verdicts and flags.
type MemberProfile struct {
	Detail *MemberDetail
	// Policy is the active policy's hash; "" when no policy is active (then Total is nil).
	Policy string
	// Total is the member's stored points under the active policy after integrity verdicts (as the
	// leaderboard counts them), by rule; nil without scores. Raw is the points before verdicts.
	Total *score.MemberTotal
	Raw   plaudit.Points
	// Rank is the member's place on the all-time leaderboard (1 first); 0 without points.
	Rank int
	// Reputation is the weight the member's likes carry in the epoch in progress (0–1; the median member
	// 0.5), as scoring reads it: EigenTrust as of the epoch's start. Nil without an active policy.
	Reputation *MemberReputationWeight
	// Epochs are the member's allocations in the closed epochs, in epoch order: points after verdicts,
	// payout and ENG by epoch.
	Epochs []plaudit.Allocation
	// Integrity is every stored integrity run's verdict on the member and the flags against them.
	Integrity *SubjectIntegrity
}

// MemberProfile returns the member named by key (a handle, or an account key such as x:1001, or a wallet
// address) with its points under the active policy and its verdicts. An unknown one is ENOTFOUND.
func (s *Service) MemberProfile(ctx context.Context, key string) (*MemberProfile, error) {
	handle, err := s.ResolveMember(ctx, key)
	if err != nil {
		return nil, err
	}
	d, err := s.Member(ctx, handle)
	if err != nil {
		return nil, err
	}
	p := &MemberProfile{Detail: d}
	rec, err := s.store.ActivePolicy(ctx)
	switch {
	case plaudit.ErrorCode(err) == plaudit.ENOTFOUND:
	case err != nil:
		return nil, fmt.Errorf("member %s: active policy: %w", d.Handle, err)
	default:
		p.Policy = rec.Hash
		scores, err := s.store.ScoresByMember(ctx, rec.Hash, d.Handle)
		if err != nil {
			return nil, fmt.Errorf("member %s: scores: %w", d.Handle, err)
		}
		runs, err := s.policyRuns(ctx, rec.Hash)
		if err != nil {
			return nil, fmt.Errorf("member %s: %w", d.Handle, err)
		}
		adjusted, _, _, err := s.applyRunVerdicts(ctx, scores, runs)
		if err != nil {
			return nil, fmt.Errorf("member %s: %w", d.Handle, err)
		}
		if totals := score.Totals(adjusted); len(totals) > 0 {
			p.Total = &totals[0]
		}
		for _, sc := range scores {
			p.Raw += sc.Points
		}
		if p.Total != nil {
			b, err := s.liveBoard(ctx, 0, 0)
			if err != nil {
				return nil, fmt.Errorf("member %s: rank: %w", d.Handle, err)
			}
			for i := range b.Entries {
				if b.Entries[i].Member == d.Handle {
					p.Rank = i + 1
					break
				}
			}
		}
	}
	if p.Epochs, err = s.store.MemberAllocations(ctx, d.Handle); err != nil {
		return nil, err
	}
	if rec != nil && err == nil && p.Policy != "" {
		if p.Reputation, err = s.memberReputation(ctx, rec, d.Handle); err != nil {
			return nil, fmt.Errorf("member %s: reputation: %w", d.Handle, err)
		}
	}
	if p.Integrity, err = s.SubjectIntegrity(ctx, plaudit.MemberSubject(d.Handle)); err != nil {
		return nil, err
	}
	return p, nil
}

// ResolveMember returns the handle of the member key names: a handle (a merged handle follows the member it
// was merged into), an account key such as x:1001, or a wallet address (0x and 40 hex digits, any case). An
// unknown one is ENOTFOUND.
func (s *Service) ResolveMember(ctx context.Context, key string) (string, error) {
	dir, err := s.directory(ctx)
	if err != nil {
		return "", err
	}
	if ValidWallet(key) {
		for _, m := range dir.Members() {
			for _, w := range m.Wallets {
				if strings.EqualFold(w, key) {
					return m.Handle, nil
				}
			}
		}
		return "", plaudit.Errorf(plaudit.ENOTFOUND, "no member has the wallet %s", key)
	}
	m, err := findMember(dir, key)
	if err != nil {
		return "", err
	}
	return m.Handle, nil
}

// MemberVerdicts returns, for each of handles that has one, the verdict of the newest stored integrity run
// on the member (member:HANDLE): what a leaderboard shows beside the points.
func (s *Service) MemberVerdicts(ctx context.Context, handles []string) (map[string]plaudit.RunVerdict, error) {
	out := map[string]plaudit.RunVerdict{}
	for _, h := range handles {
		vs, err := s.store.SubjectVerdicts(ctx, plaudit.MemberSubject(h))
		if err != nil {
			return nil, fmt.Errorf("verdicts on member %s: %w", h, err)
		}
		if len(vs) > 0 {
			out[h] = vs[0]
		}
	}
	return out, nil
}

// MemberReputationWeight is a member's reputation in one epoch: the weight and what it rests on.
type MemberReputationWeight struct {
	Weight plaudit.Ratio
	// Basis is "eigentrust", "pretrust" (no interaction before the epoch yet) or "neutral" (nobody could be
	// pre-trusted).
	Basis string
	// Start and End bound the epoch; the weight reads the log strictly before Start.
	Start, End time.Time
}

// repCache keeps the reputation snapshot of the epoch in progress while the store's scores are unchanged:
// a member page must not read the whole log each time it is shown.
type repCache struct {
	mu     sync.Mutex
	key    string
	snap   *reputation.Snapshot
	bounds [2]time.Time
}

// memberReputation is the member's weight in the epoch in progress under the active policy.
func (s *Service) memberReputation(ctx context.Context, rec *plaudit.PolicyRecord, handle string) (*MemberReputationWeight, error) {
	st, err := s.liveState(ctx)
	if err != nil {
		return nil, err
	}
	pol, err := PolicyFromRecord(rec)
	if err != nil {
		return nil, err
	}
	c := &s.rep
	c.mu.Lock()
	defer c.mu.Unlock()
	now := s.now()
	key := fmt.Sprintf("%s/%d/%d", rec.Hash, st.ScoredSeq, st.FullSeq)
	if c.snap == nil || c.key != key || now.Before(c.bounds[0]) || !now.Before(c.bounds[1]) {
		log, err := s.ReadLog(ctx, nil)
		if err != nil {
			return nil, err
		}
		er, err := score.NewEpochReputation(pol, log.Events)
		if err != nil {
			return nil, err
		}
		start, end, err := er.Epoch(now)
		if err != nil {
			return nil, err
		}
		snap, err := er.Snapshot(start, end)
		if err != nil {
			return nil, err
		}
		c.key, c.snap, c.bounds = key, snap, [2]time.Time{start, end}
	}
	return &MemberReputationWeight{Weight: c.snap.Weight(handle, score.DefaultReputation), Basis: string(c.snap.Basis),
		Start: c.bounds[0], End: c.bounds[1]}, nil
}
