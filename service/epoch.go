package service

import (
	"context"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/payout"
	"github.com/plaudit/plaudit/policy"
	"github.com/plaudit/plaudit/score"
	"github.com/plaudit/plaudit/settle"
)

// The range of times an operator may name: the same as an event's (plaudit.Event.Validate). Past it lies
// a typo, and a time past 2262 does not even fit the nanosecond clock settlement counts in.
const (
	minYear = 2000
	maxYear = 2200
)

// CheckTime refuses a time outside the years Plaudit works in, naming what it was given as (a flag).
func CheckTime(t time.Time, what string) error {
	if y := t.UTC().Year(); y < minYear || y > maxYear {
		return plaudit.Errorf(plaudit.EINVALID, "%s %s: year %d out of range %d–%d", what, t.UTC().Format(time.RFC3339), y, minYear, maxYear)
	}
	return nil
}

// CloseRequest asks to close epochs of the active policy's program.
type CloseRequest struct {
	// Program names the program; "" takes the active policy's, whatever its name.
	Program string
	// At closes the epoch that contains it. Zero: the next pending epoch (unless Through is set).
	At time.Time
	// Through closes, in order, every pending epoch that starts at or before it and has ended.
	Through time.Time
	// Verdicts, when not nil, are applied instead of an integrity run and the moderators' flags.
	Verdicts []plaudit.Verdict
	// VerdictsFrom names where Verdicts came from (a file path) when they came from outside: the close
	// then first refuses, naming it, verdicts whose subject the event log does not hold
	// (CheckVerdictSubjects).
	VerdictsFrom string
	// Grace is how long after its end an epoch is left open for late events before Through (or the next
	// pending epoch) closes it: the scheduler's epoch_close_grace. An explicit At ignores it.
	Grace time.Duration
	// NoRescore refuses to close from stale scores instead of rescoring first.
	NoRescore bool
	// Operator is who closes, for the record.
	Operator string
	// Progress hears of reading and rescoring the log.
	Progress Progress
}

// ClosedEpoch is what closing one epoch did.
type ClosedEpoch struct {
	Window  settle.Window
	Already bool           // it was closed before: nothing was written
	Epoch   *plaudit.Epoch // the closed epoch (as stored)
	Result  *settle.Result // the settlement, nil when Already
	// Verdicts is how many verdicts the close applied; IntegrityRun is the integrity run they came from
	// (nil when the request gave its own), IntegrityRan whether the close ran it.
	Verdicts     int
	IntegrityRun *plaudit.VerdictRun
	IntegrityRan bool
}

// CloseResult is what a close request did.
type CloseResult struct {
	Program  *settle.Program
	Policy   *policy.Policy
	Rescored bool // the scores were stale and were rebuilt first
	LogSeq   int64
	Epochs   []ClosedEpoch
	// Open is the next epoch, still open, when the request asked for every pending epoch (or the next one)
	// and it had not ended; nil otherwise.
	Open *settle.Window
}

// CloseEpochs closes epochs of the active policy's program, in order: the epoch containing req.At, every
// pending epoch through req.Through, or the next pending epoch. The program's first epoch is the one that
// contains its first scored event; a close refuses an epoch before the last closed one, one with an unclosed
// epoch before it, and one that has not ended.
//
// Each epoch settles from the whole-history scores of the log as read at the start (rescoring first when
// they are stale), with the integrity run over exactly its events (running one when none fits) and the
// moderators' flags, and closes in its own transaction, recording the log position it settled from.
func (s *Service) CloseEpochs(ctx context.Context, req CloseRequest) (*CloseResult, error) {
	for _, c := range []struct {
		t    time.Time
		what string
	}{{req.At, "at"}, {req.Through, "through"}} {
		if !c.t.IsZero() {
			if err := CheckTime(c.t, c.what); err != nil {
				return nil, err
			}
		}
	}
	if !req.At.IsZero() && !req.Through.IsZero() {
		return nil, plaudit.Errorf(plaudit.EINVALID, "close: give at or through, not both")
	}
	if req.VerdictsFrom != "" {
		if err := s.CheckVerdictSubjects(ctx, req.Verdicts, req.VerdictsFrom); err != nil {
			return nil, err
		}
	}
	var err error
	for range 3 {
		var res *CloseResult
		if res, err = s.closeEpochs(ctx, req); err != errLogMoved {
			return res, err
		}
	}
	return nil, err
}

func (s *Service) closeEpochs(ctx context.Context, req CloseRequest) (*CloseResult, error) {
	now := s.now().UTC()
	pol, err := s.ActivePolicy(ctx)
	if err != nil {
		if plaudit.ErrorCode(err) == plaudit.ENOTFOUND {
			return nil, plaudit.Errorf(plaudit.ENOTFOUND, "no active policy: activate one with `plaudit policy activate` first")
		}
		return nil, err
	}
	prog, err := ProgramOf(pol, req.Program)
	if err != nil {
		return nil, err
	}
	res := &CloseResult{Program: prog, Policy: pol}
	if !req.At.IsZero() {
		win, err := prog.EpochAt(req.At)
		if err != nil {
			return nil, err
		}
		if ep, err := s.store.Epoch(ctx, win.ID); err == nil {
			res.Epochs = append(res.Epochs, ClosedEpoch{Window: win, Already: true, Epoch: ep})
			return res, nil
		} else if plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
			return nil, err
		}
		if win.End.After(now) {
			return nil, plaudit.Errorf(plaudit.EINVALID, "epoch %s is still open: it ends at %s", win.ID, win.End.Format(time.RFC3339))
		}
	}
	closed, err := s.store.Epochs(ctx, prog.Name)
	if err != nil {
		return nil, err
	}
	// With epochs closed, the order is known without the scores; check it before any rescoring.
	var next settle.Window
	if len(closed) > 0 {
		if next, err = nextAfter(prog, closed[len(closed)-1]); err != nil {
			return nil, err
		}
		if !req.At.IsZero() {
			if err := s.checkOrder(prog, req.At, next, closed[len(closed)-1], time.Time{}); err != nil {
				return nil, err
			}
		}
	}
	log, err := s.closeLog(ctx, pol, req, res)
	if err != nil {
		return nil, err
	}
	res.LogSeq = log.Seq
	if len(closed) == 0 {
		state, err := s.store.ScoreState(ctx, pol.Hash())
		if err != nil {
			return nil, err
		}
		if state.FirstTime.IsZero() {
			return nil, plaudit.Errorf(plaudit.ENOTFOUND, "program %s has no scored events under policy %s: nothing to close", prog.Name, pol.Hash())
		}
		if next, err = prog.EpochAt(state.FirstTime); err != nil {
			return nil, err
		}
		if !req.At.IsZero() {
			if err := s.checkOrder(prog, req.At, next, nil, state.FirstTime); err != nil {
				return nil, err
			}
		}
	}
	var wins []settle.Window
	switch {
	case !req.At.IsZero():
		wins = []settle.Window{next} // checkOrder made sure it is the epoch At names
	default:
		for w := next; ; {
			if w.End.Add(req.Grace).After(now) {
				if req.Through.IsZero() || !w.Start.After(req.Through) {
					res.Open = &w
				}
				break
			}
			if !req.Through.IsZero() && w.Start.After(req.Through) {
				break
			}
			wins = append(wins, w)
			if req.Through.IsZero() {
				break
			}
			if w, err = prog.EpochAt(w.End); err != nil {
				return nil, err
			}
		}
	}
	members, err := log.memberInfos(ctx)
	if err != nil {
		return nil, err
	}
	for _, win := range wins {
		ce, err := s.closeOne(ctx, pol, prog, log, win, members, req, now)
		if err != nil {
			return res, fmt.Errorf("epoch close %s: %w", win.ID, err)
		}
		res.Epochs = append(res.Epochs, *ce)
	}
	return res, nil
}

// nextAfter returns the epoch of prog that follows the closed epoch last.
func nextAfter(prog *settle.Program, last *plaudit.Epoch) (settle.Window, error) {
	w, err := prog.EpochAt(last.End)
	if err == nil && w.Start.Before(last.End) { // the period changed between policies: never overlap
		w, err = prog.EpochAt(w.End)
	}
	return w, err
}

// checkOrder refuses to close the epoch containing at unless it is next, the first pending epoch. last is
// the last closed epoch (nil when none is); first is the program's first scored event's time.
func (s *Service) checkOrder(prog *settle.Program, at time.Time, next settle.Window, last *plaudit.Epoch, first time.Time) error {
	win, err := prog.EpochAt(at)
	if err != nil {
		return err
	}
	switch {
	case win.Start.Equal(next.Start):
		return nil
	case win.Start.Before(next.Start) && last != nil:
		return plaudit.Errorf(plaudit.EINVALID, "epoch %s is before %s, the last closed epoch of %s: epochs close in order, and one skipped then can no longer be closed", win.ID, last.ID, prog.Name)
	case win.Start.Before(next.Start):
		return plaudit.Errorf(plaudit.EINVALID, "epoch %s is before the first epoch of %s, %s, which holds its first scored event (%s): there is nothing to pay in it", win.ID, prog.Name, next.ID, first.Format(time.RFC3339))
	}
	return plaudit.Errorf(plaudit.EINVALID, "%s is not closed yet: close epochs in order, or run `plaudit epoch close %s --through %s` to close every pending one",
		next.ID, prog.Name, at.UTC().Format("2006-01-02"))
}

// closeOne settles and closes one epoch of log.
func (s *Service) closeOne(ctx context.Context, pol *policy.Policy, prog *settle.Program, log *logView, win settle.Window, members map[string]settle.MemberInfo, req CloseRequest, now time.Time) (*ClosedEpoch, error) {
	ce := &ClosedEpoch{Window: win}
	vs := req.Verdicts
	if vs == nil {
		var err error
		if vs, ce.IntegrityRun, ce.IntegrityRan, err = s.epochIntegrity(ctx, pol, log, win, operator(req.Operator)); err != nil {
			return nil, err
		}
	}
	ce.Verdicts = len(vs)
	// The window's scores are streamed into the tally (without their explanations) when the store can,
	// instead of being held: a million members' week is millions of scores.
	sf := plaudit.ScoreFilter{PolicyHash: pol.Hash(), Since: win.Start, Until: win.End, ThroughSeq: log.Seq}
	sr := &SettleRequest{Policy: pol, Program: prog, Window: win, Members: members, Verdicts: vs, LogSeq: log.Seq}
	if sc, ok := s.store.(plaudit.ScoreScanner); ok {
		sr.ScanScores = func(fn func(*plaudit.Score) error) error { return sc.ScanScorePoints(ctx, sf, fn) }
	} else {
		scores, err := s.store.Scores(ctx, sf)
		if err != nil {
			return nil, fmt.Errorf("read scores: %w", err)
		}
		sr.Scores = scores
	}
	// The scores must still be the whole-history run over exactly log: another process may have rescored.
	// (settleAndClose checks again after reading them.)
	if state, err := s.store.ScoreState(ctx, pol.Hash()); err != nil {
		return nil, err
	} else if state.FullSeq != log.Seq {
		return nil, errLogMoved
	}
	sr.checkScores = func() error {
		if state, err := s.store.ScoreState(ctx, pol.Hash()); err != nil {
			return err
		} else if state.FullSeq != log.Seq {
			return errLogMoved
		}
		return nil
	}
	if score.UsesReputation(pol) {
		rc, err := s.epochReputation(ctx, pol, log, win)
		if err != nil {
			return nil, err
		}
		sr.Reputation = rc
	}
	res, already, err := s.settleAndClose(ctx, sr, operator(req.Operator), now)
	if err != nil {
		return nil, err
	}
	if already {
		ce.Already = true
		ce.Epoch, err = s.store.Epoch(ctx, win.ID)
		return ce, err
	}
	ce.Result, ce.Epoch = res, res.Epoch
	s.log.Info("closed epoch", "epoch", win.ID, "members", res.Epoch.Members, "events", res.Epoch.Events, "verdicts", len(vs), "log_seq", log.Seq)
	return ce, nil
}

// repCommit is an epoch's reputation commitment: the raw trust vector and its hash.
type repCommit struct {
	hash  string
	trust []plaudit.TrustValue
}

// epochReputation computes the reputation vector that win's scores were weighed with — the epoch
// reputation's snapshot of win over the log through log.Seq, as the whole-history scoring computes it — and
// its commitment (plaudit.ReputationHash). A snapshot that ran no EigenTrust (neutral or pre-trust) commits
// to the empty vector.
func (s *Service) epochReputation(ctx context.Context, pol *policy.Policy, log *logView, win settle.Window) (*repCommit, error) {
	// The rescore whose scores these are kept the vector it weighed them with: take it.
	if rs, ok := s.store.(plaudit.ScoreReputationStore); ok {
		trust, through, err := rs.ScoreReputation(ctx, pol.Hash(), win.Start)
		switch {
		case err == nil && through == log.Seq:
			return &repCommit{hash: plaudit.ReputationHash(trust), trust: trust}, nil
		case err != nil && plaudit.ErrorCode(err) != plaudit.ENOTFOUND:
			return nil, err
		}
	}
	var (
		er  *score.EpochReputation
		err error
	)
	if log.log != nil {
		er, err = score.NewEpochReputation(pol, log.log.Through(log.Seq))
	} else {
		// A streamed view holds no events: the snapshot walks the log through log.Seq for what it reads
		// (reputation.AsOfStream), holding none of them.
		er, err = score.NewEpochReputationStream(pol, s.logSource(ctx, log.Seq))
	}
	if err != nil {
		return nil, err
	}
	snap, err := er.Snapshot(win.Start, win.End)
	if err != nil {
		return nil, fmt.Errorf("close %s: %w", win.ID, err)
	}
	trust := snap.Trust()
	return &repCommit{hash: plaudit.ReputationHash(trust), trust: trust}, nil
}

func operator(name string) string {
	if name == "" {
		return "plaudit"
	}
	return name
}

// ProgramOf returns the program of policy p, checking that it is the one named (name "" takes any).
func ProgramOf(p *policy.Policy, name string) (*settle.Program, error) {
	prog, err := settle.FromPolicy(p)
	if err != nil {
		return nil, fmt.Errorf("policy %s: %w", p.Hash(), err)
	}
	if name != "" && prog.Name != name {
		return nil, plaudit.Errorf(plaudit.ENOTFOUND, "program %q: the active policy %s (%s) runs program %q", name, p.Name, p.Hash(), prog.Name)
	}
	return prog, nil
}

// MemberInfos returns every member's kind and payout wallet: the last wallet event of the member (after
// merges) that holds a valid address. A member without one is paid nothing now; their amount carries.
func MemberInfos(d *plaudit.Directory) map[string]settle.MemberInfo {
	out := make(map[string]settle.MemberInfo, d.Len())
	for _, m := range d.Members() {
		out[m.Handle] = settle.MemberInfo{Kind: m.Kind}
	}
	for _, ch := range d.History {
		if ch.Kind != plaudit.KindWallet {
			continue
		}
		m, ok := d.Member(ch.Member)
		if !ok {
			continue
		}
		if _, err := payout.ParseAddress(ch.Detail); err != nil {
			continue
		}
		info := out[m.Handle]
		info.Wallet = strings.ToLower(ch.Detail)
		out[m.Handle] = info
	}
	return out
}

// memberPayouts is MemberInfos(d) as a store keeps it (plaudit.MemberPayoutStore): the members that are not
// community members without a wallet, whom a close takes a member missing from it for.
func memberPayouts(d *plaudit.Directory) []plaudit.MemberPayout {
	var out []plaudit.MemberPayout
	for m, info := range MemberInfos(d) {
		if (info.Kind == "" || info.Kind == plaudit.MemberCommunity) && info.Wallet == "" {
			continue
		}
		out = append(out, plaudit.MemberPayout{Member: m, Kind: info.Kind, Wallet: info.Wallet})
	}
	return out // in no order: EncodeMemberPayouts sorts
}

// ledgerCarries reads what earlier epochs of prog left: the pool's balance and each member's carry.
func ledgerCarries(ctx context.Context, st plaudit.LedgerStore, prog *settle.Program) (*big.Int, map[string]*big.Int, error) {
	pool := new(big.Int)
	bals, err := st.Balances(ctx, plaudit.AccountPool(prog.Name))
	if err != nil {
		return nil, nil, err
	}
	for _, b := range bals {
		if b.Account == plaudit.AccountPool(prog.Name) && b.Asset == prog.Token {
			pool = b.Amount
		}
	}
	prefix := plaudit.AccountCarry(prog.Name, "")
	bals, err = st.Balances(ctx, prefix)
	if err != nil {
		return nil, nil, err
	}
	carries := map[string]*big.Int{}
	for _, b := range bals {
		if b.Asset == prog.Token {
			carries[strings.TrimPrefix(b.Account, prefix)] = b.Amount
		}
	}
	return pool, carries, nil
}

// epochRoot returns the Merkle root (OpenZeppelin StandardMerkleTree over (address, uint256)) of an epoch's
// payouts, or "" when nobody is paid.
func epochRoot(allocs []plaudit.Allocation) (string, error) {
	var leaves []payout.Leaf
	for i := range allocs {
		a := &allocs[i]
		if a.Paid.Sign() == 0 {
			continue
		}
		addr, err := payout.ParseAddress(a.Wallet)
		if err != nil {
			return "", fmt.Errorf("member %s: wallet: %w", a.Member, err)
		}
		leaves = append(leaves, payout.Leaf{Address: addr, Amount: a.Paid})
	}
	if len(leaves) == 0 {
		return "", nil
	}
	root, _, err := payout.Root(leaves)
	if err != nil {
		return "", err
	}
	return root.String(), nil
}

// SettleRequest is one epoch to settle: the policy and its program, the window, the members, verdicts and
// scores, and the log position they come from.
type SettleRequest struct {
	Policy   *policy.Policy
	Program  *settle.Program
	Window   settle.Window
	Members  map[string]settle.MemberInfo
	Verdicts []plaudit.Verdict
	Scores   []plaudit.Score
	LogSeq   int64
	// ScanScores, when not nil, streams the scores instead of Scores (only their event, member, points and
	// time are read).
	ScanScores func(fn func(*plaudit.Score) error) error
	// checkScores, when not nil, is asked after the scores were read whether they are still the ones to
	// settle from.
	checkScores func() error
	// Carries given instead of read from the ledger (verify uses the recorded ones).
	PoolIn   *big.Int
	CarryIn  map[string]*big.Int
	NoLedger bool
	// Reputation, when not nil, is the epoch's reputation commitment (epochReputation), stored with the
	// close.
	Reputation *repCommit
}

// Settle computes an epoch: the split of the given scores with carries from the ledger (or given), and the
// Merkle root. It writes nothing.
func (s *Service) Settle(ctx context.Context, r *SettleRequest) (*settle.Result, error) {
	in := settle.Input{PolicyHash: r.Policy.Hash(), Members: r.Members, PoolCarryIn: r.PoolIn, CarryIn: r.CarryIn}
	if !r.NoLedger {
		var err error
		if in.PoolCarryIn, in.CarryIn, err = ledgerCarries(ctx, s.store, r.Program); err != nil {
			return nil, err
		}
	}
	t, err := settle.NewTally(r.Program, r.Window, r.Verdicts)
	if err != nil {
		return nil, err
	}
	t.Reserve(len(r.Members))
	if err := t.AddAll(r.Scores); err != nil {
		return nil, err
	}
	if r.ScanScores != nil {
		if err := r.ScanScores(t.Add); err != nil {
			return nil, fmt.Errorf("read scores: %w", err)
		}
	}
	if r.checkScores != nil {
		if err := r.checkScores(); err != nil {
			return nil, err
		}
	}
	res, err := t.Settle(in)
	if err != nil {
		return nil, err
	}
	if res.Epoch.Root, err = epochRoot(res.Allocations); err != nil {
		return nil, fmt.Errorf("merkle root of %s: %w", r.Window.ID, err)
	}
	res.Epoch.LogSeq = r.LogSeq
	return res, nil
}

// settleAndClose settles r's epoch and closes it in one transaction. already reports an epoch that was
// closed before (nothing is written then).
func (s *Service) settleAndClose(ctx context.Context, r *SettleRequest, by string, now time.Time) (res *settle.Result, already bool, err error) {
	if _, err := s.store.Epoch(ctx, r.Window.ID); err == nil {
		return nil, true, nil
	} else if plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
		return nil, false, err
	}
	if res, err = s.Settle(ctx, r); err != nil {
		return nil, false, err
	}
	res.Epoch.ClosedAt, res.Epoch.ClosedBy = now.UTC(), by
	var trust []plaudit.TrustValue
	if r.Reputation != nil {
		res.Epoch.ReputationHash, trust = r.Reputation.hash, r.Reputation.trust
	}
	// The verdicts are recorded in the close's own transaction, so that verify finds them.
	err = s.store.CloseEpoch(ctx, &plaudit.EpochClose{Epoch: res.Epoch, Allocations: res.Allocations, Postings: res.Postings, Verdicts: r.Verdicts, Reputation: trust})
	if plaudit.ErrorCode(err) == plaudit.ECONFLICT && strings.HasSuffix(plaudit.ErrorMessage(err), "already closed") {
		return nil, true, nil
	}
	if err != nil {
		return nil, false, err
	}
	return res, false, nil
}

// closeLog reads what a close needs of the log and makes sure the policy's stored scores are the
// whole-history scores of exactly it (rescoring when they are not, and recording that in res). When the
// stored scores are whole-history scores of the log as it ends now, nothing of it is read here (a streamed
// logView reads what the close turns out to need); if they are not, or there are none, the whole log is
// read into memory as the rescore needs it.
func (s *Service) closeLog(ctx context.Context, pol *policy.Policy, req CloseRequest, res *CloseResult) (*logView, error) {
	state, err := s.store.ScoreState(ctx, pol.Hash())
	if err != nil {
		return nil, err
	}
	if state.FullSeq > 0 {
		v, err := s.peekLogView(ctx, req.Progress)
		if err != nil {
			return nil, err
		}
		if v.Seq == state.FullSeq {
			return v, nil
		}
	}
	log, err := s.ReadLog(ctx, req.Progress)
	if err != nil {
		return nil, err
	}
	if res.Rescored, err = s.currentScores(ctx, pol, log, req.NoRescore, req.Progress); err != nil {
		return nil, err
	}
	return log.view(), nil
}
