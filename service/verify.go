package service

import (
	"context"
	"fmt"
	"math/big"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/reputation"
	"github.com/plaudit/plaudit/score"
	"github.com/plaudit/plaudit/settle"
)

// VerifyResult is the outcome of rebuilding a closed epoch: "verified ID ROOT", or the first difference.
type VerifyResult struct {
	Epoch *plaudit.Epoch
	OK    bool
	Line  string // what to tell the user
	// The first difference, when there is one: the member whose line differs ("" for a total, the digest or
	// the root), what differs ("paid", "points", "pool", "root", …), and the stored and rebuilt values.
	Member, Field, Stored, Rebuilt string
	// Rebuilt is the epoch as rebuilt (nil when it could not be).
	RebuiltEpoch *plaudit.Epoch
}

// EpochInputs is everything a closed epoch is rebuilt from: its record, its stored allocations (the members'
// kinds, wallets and carries in, and the lines the rebuild is compared with), the verdicts it was settled
// with, the policy it recorded, and the events it was settled from (seq ≤ its LogSeq, in seq order). Verify
// reads them from the store; a witness fetches them from the operator's API (GET
// /v1/witness/epochs/{id}/inputs) and rebuilds with RebuildEpoch, the same code.
type EpochInputs struct {
	Epoch       *plaudit.Epoch        `json:"epoch"`
	Allocations []plaudit.Allocation  `json:"allocations"`
	Verdicts    []plaudit.Verdict     `json:"verdicts"`
	Policy      *plaudit.PolicyRecord `json:"policy"`
	Events      []plaudit.Event       `json:"-"` // written and read by WriteJSON and ReadEpochInputs
	// Reputation is the reputation vector the epoch committed to (Epoch.ReputationHash), by member id;
	// empty when it committed to none. The rebuild checks it instead of recomputing EigenTrust.
	Reputation []plaudit.TrustValue `json:"reputation,omitempty"`

	local bool // read from this service's store: the first difference may name stored scores
}

// Verify rebuilds closed epoch id from the event log as it stood at its close (the events with seq ≤ its
// LogSeq; the whole log for an epoch closed before that was recorded) and the policy it recorded: it scores
// those events with the whole-history engine, settles the epoch again with the verdicts (the recorded ones
// when verdicts is nil), the carries and the member wallets the epoch recorded, and compares every member's
// line, the totals and the Merkle root. A difference returns the line that explains it and an ECONFLICT
// error. log may be nil (it is read) or a log read already, for verifying many epochs.
func (s *Service) Verify(ctx context.Context, id string, verdicts []plaudit.Verdict, log *Log) (*VerifyResult, error) {
	in, err := s.epochInputs(ctx, id, verdicts, log)
	if err != nil {
		return nil, err
	}
	return s.RebuildEpoch(ctx, in)
}

// EpochInputs reads what closed epoch id is rebuilt from, as a witness is given it.
func (s *Service) EpochInputs(ctx context.Context, id string) (*EpochInputs, error) {
	in, err := s.epochInputs(ctx, id, nil, nil)
	if err != nil {
		return nil, err
	}
	in.local = false
	return in, nil
}

func (s *Service) epochInputs(ctx context.Context, id string, verdicts []plaudit.Verdict, log *Log) (*EpochInputs, error) {
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
	if log == nil {
		if log, err = s.readLogThrough(ctx, ep.LogSeq); err != nil {
			return nil, err
		}
	}
	if ep.LogSeq > log.Seq {
		return nil, plaudit.Errorf(plaudit.ECONFLICT, "verify %s: it was closed from the log through seq %d, but the log read holds only %d", ep.ID, ep.LogSeq, log.Seq)
	}
	var trust []plaudit.TrustValue
	if ep.ReputationHash != "" {
		rs, ok := s.store.(plaudit.EpochReputationStore)
		if !ok {
			return nil, plaudit.Errorf(plaudit.EINTERNAL, "verify %s: it committed to a reputation vector, but this store (%T) keeps none", ep.ID, s.store)
		}
		if trust, err = rs.EpochReputation(ctx, ep.ID); err != nil {
			return nil, fmt.Errorf("verify %s: %w", ep.ID, err)
		}
	}
	return &EpochInputs{Epoch: ep, Allocations: stored, Verdicts: verdicts, Policy: rec, Events: log.Through(ep.LogSeq), Reputation: trust, local: true}, nil
}

// RebuildEpoch rebuilds the epoch of in from its events and policy and compares it with in's record and
// allocations: the one implementation behind `plaudit verify` and every witness. A difference returns the
// first one (the member and both amounts when it is a member's line) and an ECONFLICT error.
func (s *Service) RebuildEpoch(ctx context.Context, in *EpochInputs) (*VerifyResult, error) {
	ep, stored, verdicts := in.Epoch, in.Allocations, in.Verdicts
	if ep == nil || in.Policy == nil {
		return nil, plaudit.Errorf(plaudit.EINVALID, "rebuild: the inputs lack the epoch or its policy")
	}
	for i := 1; i < len(in.Events); i++ {
		if in.Events[i].Seq <= in.Events[i-1].Seq {
			return nil, plaudit.Errorf(plaudit.EINVALID, "rebuild %s: event %s (seq %d) is out of seq order", ep.ID, in.Events[i].Key(), in.Events[i].Seq)
		}
	}
	if n := len(in.Events); n > 0 && ep.LogSeq > 0 && in.Events[n-1].Seq > ep.LogSeq {
		return nil, plaudit.Errorf(plaudit.EINVALID, "rebuild %s: event %s (seq %d) is past the epoch's log position %d", ep.ID, in.Events[n-1].Key(), in.Events[n-1].Seq, ep.LogSeq)
	}
	pol, err := PolicyFromRecord(in.Policy)
	if err != nil {
		return nil, err
	}
	res := &VerifyResult{Epoch: ep}
	differs := func(d diff) (*VerifyResult, error) {
		res.Line, res.Member, res.Field, res.Stored, res.Rebuilt = d.line, d.member, d.field, d.stored, d.rebuilt
		return res, plaudit.Errorf(plaudit.ECONFLICT, "epoch %s does not verify", ep.ID)
	}
	if pol.Hash() != ep.PolicyHash {
		return differs(diff{line: fmt.Sprintf("epoch %s: the stored policy document hashes to %s, not the recorded %s", ep.ID, pol.Hash(), ep.PolicyHash),
			field: "policy", stored: ep.PolicyHash, rebuilt: pol.Hash()})
	}
	prog, err := ProgramOf(pol, ep.Program)
	if err != nil {
		return nil, err
	}
	if d := nativeSignatureDifference(pol.Program.Witnesses, ep, in.Events); d.line != "" {
		return differs(d)
	}
	var scores []plaudit.Score
	if ep.ReputationHash != "" || len(in.Reputation) > 0 {
		// The epoch committed to its reputation vector: check it (hash, then one EigenTrust iteration)
		// and score with it instead of recomputing EigenTrust for this epoch.
		snap, d := checkReputation(ep, in)
		if d.line != "" {
			return differs(d)
		}
		scores, err = score.RunPreset(pol, in.Events, ep.Start, snap)
	} else {
		scores, _, err = score.Run(pol, in.Events, nil)
	}
	if err != nil {
		return nil, fmt.Errorf("verify %s: rescore: %w", ep.ID, err)
	}
	members := map[string]settle.MemberInfo{}
	carries := map[string]*big.Int{}
	for _, a := range stored {
		members[a.Member] = settle.MemberInfo{Kind: a.Kind, Wallet: a.Wallet}
		if a.CarryIn != nil && a.CarryIn.Sign() > 0 {
			carries[a.Member] = a.CarryIn
		}
	}
	win := settle.Window{ID: ep.ID, Start: ep.Start, End: ep.End}
	rebuilt, err := s.Settle(ctx, &SettleRequest{Policy: pol, Program: prog, Window: win, Members: members, Verdicts: verdicts,
		Scores: scores, PoolIn: ep.PoolCarryIn, CarryIn: carries, NoLedger: true})
	if err != nil {
		return nil, fmt.Errorf("verify %s: %w", ep.ID, err)
	}
	got := rebuilt.Epoch
	res.RebuiltEpoch = got
	if d := s.firstDifference(ctx, ep, stored, rebuilt.Allocations, scores, in.local); d.line != "" {
		return differs(d)
	}
	for _, c := range []struct {
		name string
		a, b *big.Int
	}{{"pool", ep.Pool, got.Pool}, {"paid", ep.Paid, got.Paid}, {"fees", ep.Fees, got.Fees}, {"carried", ep.CarriedOut, got.CarriedOut}, {"unspent", ep.Unspent, got.Unspent}, {"ENG", ep.ENG, got.ENG}} {
		if c.a.Cmp(c.b) != 0 {
			return differs(diff{line: fmt.Sprintf("epoch %s: %s differs: stored %s, rebuilt %s", ep.ID, c.name, c.a, c.b), field: c.name, stored: c.a.String(), rebuilt: c.b.String()})
		}
	}
	if got.Digest != ep.Digest {
		return differs(diff{line: fmt.Sprintf("epoch %s: digest differs: stored %s, rebuilt %s (counts or policy differ)", ep.ID, ep.Digest, got.Digest), field: "digest", stored: ep.Digest, rebuilt: got.Digest})
	}
	if got.Root != ep.Root {
		return differs(diff{line: fmt.Sprintf("epoch %s: Merkle root differs: stored %s, rebuilt %s", ep.ID, ep.Root, got.Root), field: "root", stored: ep.Root, rebuilt: got.Root})
	}
	root := got.Root
	if root == "" {
		root = "(no payouts)"
	}
	res.OK, res.Line = true, fmt.Sprintf("verified %s %s", ep.ID, root)
	return res, nil
}

// checkReputation checks the reputation vector in commits to: that it hashes to the epoch's
// ReputationHash, and that one EigenTrust iteration from it, over the trust graph and pre-trust of the
// epoch's events, changes it by less than the tolerance EigenTrust stops at (reputation.AsOfCommitted). It
// returns the snapshot to score the epoch with, or the difference, which names "reputation" (and the L1
// change when the vector is not a fixed point).
func checkReputation(ep *plaudit.Epoch, in *EpochInputs) (*reputation.Snapshot, diff) {
	h := plaudit.ReputationHash(in.Reputation)
	if h != ep.ReputationHash {
		return nil, diff{line: fmt.Sprintf("epoch %s: reputation: the committed vector (%d members) hashes to %s, not the epoch's reputation hash %q", ep.ID, len(in.Reputation), h, ep.ReputationHash),
			field: "reputation", stored: ep.ReputationHash, rebuilt: h}
	}
	c, err := reputation.AsOfCommitted(in.Events, ep.Start, ep.End, reputation.Params{}, in.Reputation)
	if err != nil {
		return nil, diff{line: fmt.Sprintf("epoch %s: reputation: cannot rebuild the trust graph: %s", ep.ID, plaudit.ErrorMessage(err)), field: "reputation", stored: ep.ReputationHash, rebuilt: "error"}
	}
	if !c.OK {
		return nil, diff{line: fmt.Sprintf("epoch %s: reputation: the committed vector is not EigenTrust's fixed point: L1 distance %.3g after one iteration (tolerance %.3g): %s", ep.ID, c.L1, c.Tolerance, c.Reason),
			field: "reputation", stored: ep.ReputationHash, rebuilt: fmt.Sprintf("L1 %.3g", c.L1)}
	}
	return c.Snapshot, diff{}
}

// diff is the first difference between a stored epoch and its rebuild.
type diff struct{ line, member, field, stored, rebuilt string }

// firstDifference walks the stored and rebuilt allocations in handle order and explains the first member
// whose line differs, or returns "".
func (s *Service) firstDifference(ctx context.Context, ep *plaudit.Epoch, stored, rebuilt []plaudit.Allocation, scores []plaudit.Score, local bool) diff {
	i, j := 0, 0
	for i < len(stored) || j < len(rebuilt) {
		switch {
		case j == len(rebuilt) || (i < len(stored) && stored[i].Member < rebuilt[j].Member):
			a := &stored[i]
			return diff{line: fmt.Sprintf("member %s: stored paid %s, rebuilt nothing: the log and policy give them no eligible points", a.Member, a.Paid),
				member: a.Member, field: "paid", stored: a.Paid.String(), rebuilt: "0"}
		case i == len(stored) || rebuilt[j].Member < stored[i].Member:
			b := &rebuilt[j]
			return diff{line: fmt.Sprintf("member %s: rebuilt share %s from %s points, but the stored epoch has no line for them", b.Member, b.Share, b.Points),
				member: b.Member, field: "paid", stored: "0", rebuilt: b.Paid.String()}
		}
		a, b := &stored[i], &rebuilt[j]
		i++
		j++
		if a.Points != b.Points || a.Events != b.Events {
			why := "the events' points differ"
			if local {
				why = s.eventDifference(ctx, ep, a.Member, scores)
			}
			return diff{line: fmt.Sprintf("member %s: stored %s points from %d events, rebuilt %s from %d: %s", a.Member, a.Points, a.Events, b.Points, b.Events, why),
				member: a.Member, field: "paid", stored: a.Paid.String(), rebuilt: b.Paid.String()}
		}
		for _, f := range []struct {
			name string
			x, y *big.Int
		}{{"share", a.Share, b.Share}, {"fee", a.Fee, b.Fee}, {"paid", a.Paid, b.Paid}, {"carry out", a.CarryOut, b.CarryOut}, {"ENG", a.ENG, b.ENG}} {
			if f.x.Cmp(f.y) != 0 {
				return diff{line: fmt.Sprintf("member %s: stored %s %s, rebuilt %s with the same points: the pool, the carries or the program's rules differ", a.Member, f.name, f.x, f.y),
					member: a.Member, field: f.name, stored: f.x.String(), rebuilt: f.y.String()}
			}
		}
	}
	return diff{}
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
