package service

import (
	"context"
	"fmt"
	"math/big"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/score"
	"github.com/plaudit/plaudit/settle"
)

// VerifyResult is the outcome of rebuilding a closed epoch: "verified ID ROOT", or the first difference.
type VerifyResult struct {
	Epoch *plaudit.Epoch
	OK    bool
	Line  string // what to tell the user
}

// Verify rebuilds closed epoch id from the event log as it stood at its close (the events with seq ≤ its
// LogSeq; the whole log for an epoch closed before that was recorded) and the policy it recorded: it scores
// those events with the whole-history engine, settles the epoch again with the verdicts (the recorded ones
// when verdicts is nil), the carries and the member wallets the epoch recorded, and compares every member's
// line, the totals and the Merkle root. A difference returns the line that explains it and an ECONFLICT
// error. log may be nil (it is read) or a log read already, for verifying many epochs.
func (s *Service) Verify(ctx context.Context, id string, verdicts []plaudit.Verdict, log *Log) (*VerifyResult, error) {
	ep, err := s.store.Epoch(ctx, id)
	if err != nil {
		return nil, err
	}
	if verdicts == nil {
		if verdicts, err = s.store.EpochVerdicts(ctx, ep.ID); err != nil {
			return nil, err
		}
	}
	var stored []plaudit.Allocation
	if err := s.store.ScanAllocations(ctx, ep.ID, func(a *plaudit.Allocation) error { stored = append(stored, *a); return nil }); err != nil {
		return nil, err
	}
	rec, err := s.store.PolicyByHash(ctx, ep.PolicyHash)
	if err != nil {
		return nil, fmt.Errorf("verify %s: recorded policy: %w", ep.ID, err)
	}
	pol, err := PolicyFromRecord(rec)
	if err != nil {
		return nil, err
	}
	res := &VerifyResult{Epoch: ep}
	differs := func(line string) (*VerifyResult, error) {
		res.Line = line
		return res, plaudit.Errorf(plaudit.ECONFLICT, "epoch %s does not verify", ep.ID)
	}
	if pol.Hash() != ep.PolicyHash {
		return differs(fmt.Sprintf("epoch %s: the stored policy document hashes to %s, not the recorded %s", ep.ID, pol.Hash(), ep.PolicyHash))
	}
	prog, err := ProgramOf(pol, ep.Program)
	if err != nil {
		return nil, err
	}
	if log == nil {
		if log, err = s.readLogThrough(ctx, ep.LogSeq); err != nil {
			return nil, err
		}
	}
	if ep.LogSeq > log.Seq {
		return nil, plaudit.Errorf(plaudit.ECONFLICT, "verify %s: it was closed from the log through seq %d, but the log read holds only %d", ep.ID, ep.LogSeq, log.Seq)
	}
	scores, _, err := score.Run(pol, log.Through(ep.LogSeq), nil)
	if err != nil {
		return nil, fmt.Errorf("verify %s: rescore: %w", ep.ID, err)
	}
	members := map[string]settle.MemberInfo{}
	carries := map[string]*big.Int{}
	for _, a := range stored {
		members[a.Member] = settle.MemberInfo{Kind: a.Kind, Wallet: a.Wallet}
		if a.CarryIn.Sign() > 0 {
			carries[a.Member] = a.CarryIn
		}
	}
	win := settle.Window{ID: ep.ID, Start: ep.Start, End: ep.End}
	rebuilt, err := s.Settle(ctx, &SettleRequest{Policy: pol, Program: prog, Window: win, Members: members, Verdicts: verdicts,
		Scores: scores, PoolIn: ep.PoolCarryIn, CarryIn: carries, NoLedger: true})
	if err != nil {
		return nil, fmt.Errorf("verify %s: %w", ep.ID, err)
	}
	if why := s.firstDifference(ctx, ep, stored, rebuilt.Allocations, scores); why != "" {
		return differs(why)
	}
	got := rebuilt.Epoch
	for _, c := range []struct {
		name string
		a, b *big.Int
	}{{"pool", ep.Pool, got.Pool}, {"paid", ep.Paid, got.Paid}, {"fees", ep.Fees, got.Fees}, {"carried", ep.CarriedOut, got.CarriedOut}, {"unspent", ep.Unspent, got.Unspent}, {"ENG", ep.ENG, got.ENG}} {
		if c.a.Cmp(c.b) != 0 {
			return differs(fmt.Sprintf("epoch %s: %s differs: stored %s, rebuilt %s", ep.ID, c.name, c.a, c.b))
		}
	}
	if got.Digest != ep.Digest {
		return differs(fmt.Sprintf("epoch %s: digest differs: stored %s, rebuilt %s (counts or policy differ)", ep.ID, ep.Digest, got.Digest))
	}
	if got.Root != ep.Root {
		return differs(fmt.Sprintf("epoch %s: Merkle root differs: stored %s, rebuilt %s", ep.ID, ep.Root, got.Root))
	}
	root := got.Root
	if root == "" {
		root = "(no payouts)"
	}
	res.OK, res.Line = true, fmt.Sprintf("verified %s %s", ep.ID, root)
	return res, nil
}

// firstDifference walks the stored and rebuilt allocations in handle order and explains the first member
// whose line differs, or returns "".
func (s *Service) firstDifference(ctx context.Context, ep *plaudit.Epoch, stored, rebuilt []plaudit.Allocation, scores []plaudit.Score) string {
	i, j := 0, 0
	for i < len(stored) || j < len(rebuilt) {
		switch {
		case j == len(rebuilt) || (i < len(stored) && stored[i].Member < rebuilt[j].Member):
			a := &stored[i]
			return fmt.Sprintf("member %s: stored paid %s, rebuilt nothing: the log and policy give them no eligible points", a.Member, a.Paid)
		case i == len(stored) || rebuilt[j].Member < stored[i].Member:
			b := &rebuilt[j]
			return fmt.Sprintf("member %s: rebuilt share %s from %s points, but the stored epoch has no line for them", b.Member, b.Share, b.Points)
		}
		a, b := &stored[i], &rebuilt[j]
		i++
		j++
		if a.Points != b.Points || a.Events != b.Events {
			return fmt.Sprintf("member %s: stored %s points from %d events, rebuilt %s from %d: %s", a.Member, a.Points, a.Events, b.Points, b.Events, s.eventDifference(ctx, ep, a.Member, scores))
		}
		for _, f := range []struct {
			name string
			x, y *big.Int
		}{{"share", a.Share, b.Share}, {"fee", a.Fee, b.Fee}, {"paid", a.Paid, b.Paid}, {"carry out", a.CarryOut, b.CarryOut}, {"ENG", a.ENG, b.ENG}} {
			if f.x.Cmp(f.y) != 0 {
				return fmt.Sprintf("member %s: stored %s %s, rebuilt %s with the same points: the pool, the carries or the program's rules differ", a.Member, f.name, f.x, f.y)
			}
		}
	}
	return ""
}

// eventDifference finds the first event of member in the epoch whose stored score differs from the
// rebuilt one.
func (s *Service) eventDifference(ctx context.Context, ep *plaudit.Epoch, member string, rebuilt []plaudit.Score) string {
	in := func(sc *plaudit.Score) bool {
		return sc.Member == member && !sc.Time.Before(ep.Start) && sc.Time.Before(ep.End) && (ep.LogSeq == 0 || sc.Seq <= ep.LogSeq)
	}
	want := map[string]plaudit.Points{}
	var keys []string
	for i := range rebuilt {
		if sc := &rebuilt[i]; in(sc) {
			if _, ok := want[sc.Event]; !ok {
				keys = append(keys, sc.Event)
			}
			want[sc.Event] += sc.Points
		}
	}
	storedScores, err := s.store.ScoresByMember(ctx, ep.PolicyHash, member)
	if err != nil {
		return "cannot read the stored scores: " + plaudit.ErrorMessage(err)
	}
	have := map[string]plaudit.Points{}
	for i := range storedScores {
		if sc := &storedScores[i]; in(sc) {
			if _, ok := want[sc.Event]; !ok {
				if _, seen := have[sc.Event]; !seen {
					keys = append(keys, sc.Event)
				}
			}
			have[sc.Event] += sc.Points
		}
	}
	for _, k := range keys {
		h, hok := have[k]
		w, wok := want[k]
		switch {
		case !hok:
			return fmt.Sprintf("event %s scores %s from the log but has no stored score", k, w)
		case !wok:
			return fmt.Sprintf("event %s has a stored score of %s but the log and policy give it none", k, h)
		case h != w:
			return fmt.Sprintf("event %s: stored score %s, the log and policy give %s", k, h, w)
		}
	}
	return "every event's score agrees; the verdicts differ (pass the --verdicts the epoch was closed with)"
}
