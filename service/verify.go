package service

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/internal/arena"
	"github.com/plaudit/plaudit/policy"
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
// reads them from the store, streaming the events and the allocations instead of holding them; a witness
// fetches them from the operator's API (GET /v1/witness/epochs/{id}/inputs) and rebuilds with RebuildEpoch,
// the same code.
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
	// events, when not nil, streams the events instead of Events (the store's log through the epoch's LogSeq).
	events plaudit.EventStream
	// textless, when set, is events with Content perhaps left empty, for the walks that read no text.
	textless plaudit.EventStream
	// reachLogSeq: the events streamed must reach the epoch's LogSeq (they are the store's log, read now).
	reachLogSeq bool
	// allocations, when not nil, streams the stored allocations in handle order instead of Allocations.
	allocations func(fn func(*plaudit.Allocation) error) error
	progress    Progress
}

// Verify rebuilds closed epoch id from the event log as it stood at its close (the events with seq ≤ its
// LogSeq; the whole log for an epoch closed before that was recorded) and the policy it recorded: it scores
// those events with the whole-history engine, settles the epoch again with the verdicts (the recorded ones
// when verdicts is nil), the carries and the member wallets the epoch recorded, and compares every member's
// line, the totals and the Merkle root. A difference returns the line that explains it and an ECONFLICT
// error. log may be nil (the store's log is streamed, never held) or a log read already, for verifying many
// epochs.
func (s *Service) Verify(ctx context.Context, id string, verdicts []plaudit.Verdict, log *Log) (*VerifyResult, error) {
	return s.verify(ctx, id, verdicts, log, nil)
}

// VerifyProgress is Verify over the store's log, streamed, telling progress how far it has read ("events",
// when a pass checks the events before scoring them) and scored ("scored").
func (s *Service) VerifyProgress(ctx context.Context, id string, verdicts []plaudit.Verdict, progress Progress) (*VerifyResult, error) {
	return s.verify(ctx, id, verdicts, nil, progress)
}

func (s *Service) verify(ctx context.Context, id string, verdicts []plaudit.Verdict, log *Log, progress Progress) (*VerifyResult, error) {
	in, err := s.epochHead(ctx, id, verdicts)
	if err != nil {
		return nil, err
	}
	in.Verdicts = settledVerdicts(in.Verdicts)
	ep := in.Epoch
	if log != nil {
		if ep.LogSeq > log.Seq {
			return nil, errLogShort(ep, log.Seq)
		}
		in.events = plaudit.StreamOf(log.Through(ep.LogSeq))
	} else {
		var unspool func()
		in.events, in.textless, unspool = spooled(ctx, s.logSource(ctx, ep.LogSeq))
		defer unspool()
		in.reachLogSeq = ep.LogSeq > 0
	}
	in.allocations = func(fn func(*plaudit.Allocation) error) error { return s.store.ScanAllocations(ctx, ep.ID, fn) }
	in.progress = progress
	return s.RebuildEpoch(ctx, in)
}

// settledVerdicts returns what settling reads of verdicts: each one's subject and multiplier, and for a
// verdict on a member the names of its checks (the member's line notes them), without the details and
// evidence that explain them, in one array of reasons. A rebuild holds the verdicts while it rescores the
// whole history: at a million members the epoch's 480,000 verdicts were 209 MB of its 1.45 GB live heap,
// some twelve objects each for the collector to mark in every cycle.
func settledVerdicts(vs []plaudit.Verdict) []plaudit.Verdict {
	n := 0
	for i := range vs {
		if strings.HasPrefix(vs[i].Subject, "member:") {
			n += len(vs[i].Reasons)
		}
	}
	out, reasons := make([]plaudit.Verdict, len(vs)), make([]plaudit.Reason, 0, n)
	checks := map[string]string{}
	for i, v := range vs {
		out[i] = plaudit.Verdict{Subject: v.Subject, Multiplier: v.Multiplier}
		if len(v.Reasons) == 0 || !strings.HasPrefix(v.Subject, "member:") {
			continue
		}
		from := len(reasons)
		for _, r := range v.Reasons {
			c, ok := checks[r.Check]
			if !ok {
				c = r.Check
				checks[c] = c
			}
			reasons = append(reasons, plaudit.Reason{Check: c, Multiplier: r.Multiplier})
		}
		out[i].Reasons = reasons[from:len(reasons):len(reasons)]
	}
	return out
}

func errLogShort(ep *plaudit.Epoch, seq int64) error {
	return plaudit.Errorf(plaudit.ECONFLICT, "verify %s: it was closed from the log through seq %d, but the log read holds only %d", ep.ID, ep.LogSeq, seq)
}

// EpochInputs reads what closed epoch id is rebuilt from, as a witness is given it: every allocation and
// event held in memory.
func (s *Service) EpochInputs(ctx context.Context, id string) (*EpochInputs, error) {
	in, err := s.epochHead(ctx, id, nil)
	if err != nil {
		return nil, err
	}
	ep := in.Epoch
	if err := s.store.ScanAllocations(ctx, ep.ID, func(a *plaudit.Allocation) error { in.Allocations = append(in.Allocations, *a); return nil }); err != nil {
		return nil, err
	}
	log, err := s.readLogThrough(ctx, ep.LogSeq)
	if err != nil {
		return nil, err
	}
	if ep.LogSeq > log.Seq {
		return nil, errLogShort(ep, log.Seq)
	}
	in.Events, in.local = log.Through(ep.LogSeq), false
	return in, nil
}

// epochHead reads the small part of what closed epoch id is rebuilt from: its record, verdicts (the
// recorded ones when verdicts is nil), policy and committed reputation vector.
func (s *Service) epochHead(ctx context.Context, id string, verdicts []plaudit.Verdict) (*EpochInputs, error) {
	ep, err := s.store.Epoch(ctx, id)
	if err != nil {
		return nil, err
	}
	if verdicts == nil {
		if verdicts, err = s.store.EpochVerdicts(ctx, ep.ID); err != nil {
			return nil, err
		}
	}
	rec, err := s.store.PolicyByHash(ctx, ep.PolicyHash)
	if err != nil {
		return nil, fmt.Errorf("verify %s: recorded policy: %w", ep.ID, err)
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
	return &EpochInputs{Epoch: ep, Verdicts: verdicts, Policy: rec, Reputation: trust, local: true}, nil
}

// eventStream returns in's events as a stream.
func (in *EpochInputs) eventStream() plaudit.EventStream {
	if in.events != nil {
		return in.events
	}
	return plaudit.StreamOf(in.Events)
}

// scanStored walks in's stored allocations in handle order.
func (in *EpochInputs) scanStored(fn func(*plaudit.Allocation) error) error {
	if in.allocations != nil {
		return in.allocations(fn)
	}
	for i := range in.Allocations {
		if err := fn(&in.Allocations[i]); err != nil {
			return err
		}
	}
	return nil
}

// eventCheck is what one pass over an epoch's events checks before (or while) they are scored: seq order,
// nothing past the epoch's log position, the log reaching it when it must, the native signatures, and the
// events the committed reputation is checked over.
type eventCheck struct {
	ep          *plaudit.Epoch
	reachLogSeq bool

	n, last      int64
	err          error  // the first seq-order error
	pastKey      string // the last event past the epoch's LogSeq
	pastSeq      int64
	sig          *nativeSignatureCheck // nil when the program does not require signed native events
	done         bool                  // the pass saw every event
	total        int64
	progress     Progress
	reportEvents bool
}

// errCheckStop stops a walk whose check found what it reports; it never leaves this file.
var errCheckStop = errors.New("stop: the events' check failed")

func newEventCheck(ep *plaudit.Epoch, w policy.Witnesses, in *EpochInputs) *eventCheck {
	return &eventCheck{ep: ep, sig: newNativeSignatureCheck(w, ep), reachLogSeq: in.reachLogSeq, progress: in.progress, total: ep.LogSeq}
}

// see checks one event; it returns errCheckStop at the first seq-order error.
func (c *eventCheck) see(e *plaudit.Event) error {
	if c.n > 0 && e.Seq <= c.last {
		c.err = plaudit.Errorf(plaudit.EINVALID, "rebuild %s: event %s (seq %d) is out of seq order", c.ep.ID, e.Key(), e.Seq)
		return errCheckStop
	}
	c.n++
	c.last = e.Seq
	if c.ep.LogSeq > 0 && e.Seq > c.ep.LogSeq {
		c.pastKey, c.pastSeq = e.Key(), e.Seq
	}
	if c.sig != nil {
		c.sig.see(e)
	}
	if c.reportEvents && c.n%16384 == 0 {
		c.progress.report("events", c.n, max(c.total, c.n))
	}
	return nil
}

// riding returns src with the check riding on its first walk, so that the log is not walked once for the
// check alone: the scoring run's walks, with report set when the run waits on the check after that walk
// (verify's combined checks: the walk tells progress how far it has read), or stopAtSignature when it
// does not (the walk stops at the first native signature that fails, and nothing is scored). The check's
// seq-order error stops the walk.
func (c *eventCheck) riding(src plaudit.EventStream, report, stopAtSignature bool) plaudit.EventStream {
	walked := false
	return func(yield func(*plaudit.Event) error) error {
		if walked {
			return src(yield)
		}
		walked = true
		c.reportEvents = report && c.progress != nil
		err := src(func(e *plaudit.Event) error {
			if err := c.see(e); err != nil {
				return err
			}
			if stopAtSignature && c.signature().line != "" {
				return errCheckStop
			}
			return yield(e)
		})
		if err == nil {
			c.done = true
			if c.reportEvents {
				c.progress.report("events", c.n, max(c.total, c.n))
			}
		}
		return err
	}
}

// signature returns the first native event whose signature fails, or no difference.
func (c *eventCheck) signature() diff {
	if c.sig == nil {
		return diff{}
	}
	return c.sig.first
}

// walk checks every event of src in one pass.
func (c *eventCheck) walk(src plaudit.EventStream) error {
	c.reportEvents = c.progress != nil
	err := src(c.see)
	if err != nil && !errors.Is(err, errCheckStop) {
		return fmt.Errorf("verify %s: read the events: %w", c.ep.ID, err)
	}
	c.done = true
	if c.reportEvents {
		c.progress.report("events", c.n, max(c.total, c.n))
	}
	return nil
}

// failure returns what the pass found that stops the rebuild before the policy is looked at: a seq-order
// error, an event past the epoch's log position, or a log that does not reach it.
func (c *eventCheck) failure() error {
	if c.reachLogSeq && c.ep.LogSeq > c.last {
		return errLogShort(c.ep, c.last)
	}
	if c.err != nil {
		return c.err
	}
	if c.pastKey != "" {
		return plaudit.Errorf(plaudit.EINVALID, "rebuild %s: event %s (seq %d) is past the epoch's log position %d", c.ep.ID, c.pastKey, c.pastSeq, c.ep.LogSeq)
	}
	return nil
}

// RebuildEpoch rebuilds the epoch of in from its events and policy and compares it with in's record and
// allocations: the one implementation behind `plaudit verify` and every witness. A difference returns the
// first one (the member and both amounts when it is a member's line) and an ECONFLICT error.
//
// The events are walked as a stream and the scores go straight into the settlement's tally, so that neither
// the log nor its scores are held: one pass checks the events (seq order, log position, native signatures),
// and is the scoring's own first walk unless the epoch committed to a reputation vector (which must be
// checked before scoring with it). The stored allocations are walked against the rebuilt ones in handle order.
func (s *Service) RebuildEpoch(ctx context.Context, in *EpochInputs) (*VerifyResult, error) {
	ep, verdicts := in.Epoch, in.Verdicts
	if ep == nil || in.Policy == nil {
		return nil, plaudit.Errorf(plaudit.EINVALID, "rebuild: the inputs lack the epoch or its policy")
	}
	src := in.eventStream()
	// The policy is read first (the signature check needs its program), but its problems are reported
	// after the events' own, as they always were.
	pol, polErr := PolicyFromRecord(in.Policy)
	var prog *settle.Program
	var progErr error
	if polErr == nil && pol.Hash() == ep.PolicyHash {
		prog, progErr = ProgramOf(pol, ep.Program)
	}
	var witnesses policy.Witnesses
	if polErr == nil {
		witnesses = pol.Program.Witnesses
	}
	usesRep := ep.ReputationHash != "" || len(in.Reputation) > 0
	chk := newEventCheck(ep, witnesses, in)
	res := &VerifyResult{Epoch: ep}
	differs := func(d diff) (*VerifyResult, error) {
		res.Line, res.Member, res.Field, res.Stored, res.Rebuilt = d.line, d.member, d.field, d.stored, d.rebuilt
		return res, plaudit.Errorf(plaudit.ECONFLICT, "epoch %s does not verify", ep.ID)
	}
	// before reports, in the order the rebuild has always checked them, what stops it before scoring.
	before := func() (*VerifyResult, error) {
		if err := chk.failure(); err != nil {
			return nil, err
		}
		if polErr != nil {
			return nil, polErr
		}
		if pol.Hash() != ep.PolicyHash {
			return differs(diff{line: fmt.Sprintf("epoch %s: the stored policy document hashes to %s, not the recorded %s", ep.ID, pol.Hash(), ep.PolicyHash),
				field: "policy", stored: ep.PolicyHash, rebuilt: pol.Hash()})
		}
		if progErr != nil {
			return nil, progErr
		}
		if d := chk.signature(); d.line != "" {
			return differs(d)
		}
		return nil, nil
	}
	repSrc := src // the reputation check's walks after its first read no text
	if in.textless != nil {
		repSrc = in.textless
	}
	// The epoch committed to its reputation vector: check it (hash, then one EigenTrust iteration) and
	// score with it instead of recomputing EigenTrust for this epoch. When nothing stops the rebuild before
	// the walk, the check of the events and the reputation's both ride on the scoring run's first walk
	// (combined), and the run takes the snapshot after it (score.StreamOptions.PresetFrom), or stops there.
	var rep *reputation.Snapshot
	var repDiff diff
	var repHash string
	if usesRep {
		repHash = plaudit.ReputationHash(in.Reputation)
	}
	combined := usesRep && polErr == nil && pol.Hash() == ep.PolicyHash && progErr == nil && repHash == ep.ReputationHash
	if !combined && (polErr != nil || pol.Hash() != ep.PolicyHash || progErr != nil || usesRep) {
		// Nothing is scored without the check, or the reputation must be checked first: one pass now.
		if err := chk.walk(src); err != nil {
			return nil, err
		}
	}
	if chk.done || chk.err != nil {
		if r, err := before(); r != nil || err != nil {
			return r, err
		}
	}
	// Only the window's scores are settled: the reputation of the epochs that do not overlap it is not
	// computed (score.StreamOptions.Only).
	opt := score.StreamOptions{WithoutContent: in.textless, Only: score.Span{Start: ep.Start, End: ep.End}}
	if in.progress != nil {
		opt.Progress = func(done int) { in.progress.report("scored", int64(done), max(chk.n, ep.LogSeq, int64(done))) }
	}
	switch {
	case combined:
		repCheck := reputation.NewCommittedCheck(ep.Start, ep.End, reputation.Params{}, in.Reputation)
		opt.FirstWalk, opt.PresetStart = repCheck.See, ep.Start
		opt.PresetFrom = func() (*reputation.Snapshot, error) {
			// What the events' check found stops the rebuild before the reputation is looked at.
			if !chk.done || chk.failure() != nil || chk.signature().line != "" {
				return nil, errCheckStop
			}
			c, err := repCheck.Finish(repSrc)
			if rep, repDiff = committedSnapshot(ep, c, err); repDiff.line != "" {
				return nil, errCheckStop
			}
			return rep, nil
		}
	case usesRep:
		if rep, repDiff = checkReputation(ep, in, repHash, repSrc); repDiff.line != "" {
			return differs(repDiff)
		}
		opt.Preset, opt.PresetStart = rep, ep.Start
	}

	// The stored allocations give the members' kinds, wallets and carries in, kept for the whole rescore:
	// their strings go in an arena rather than one object each for every collection to mark.
	members := map[string]settle.MemberInfo{}
	carries := map[string]*big.Int{}
	var text arena.Strings
	if err := in.scanStored(func(a *plaudit.Allocation) error {
		m := text.Keep(a.Member)
		members[m] = settle.MemberInfo{Kind: plaudit.KnownMemberKind(a.Kind, text.Keep), Wallet: text.Keep(a.Wallet)}
		if a.CarryIn != nil && a.CarryIn.Sign() > 0 {
			carries[m] = new(big.Int).Set(a.CarryIn)
		}
		return nil
	}); err != nil {
		return nil, err
	}

	// The events are scored straight into the tally (only the epoch's window counts); unless it ran
	// already, the check rides on the scoring's first walk (stopping at a failed signature, which is not
	// scored, unless that walk scores nothing: combined, it shows progress and the scoring waits for it).
	scoring := src
	if !chk.done {
		scoring = chk.riding(src, combined, !combined)
	}
	var rescoreErr error
	win := settle.Window{ID: ep.ID, Start: ep.Start, End: ep.End}
	inWindow := func(sc *plaudit.Score) bool { return opt.Only.Holds(sc.Time) }
	rebuilt, err := s.Settle(ctx, &SettleRequest{Policy: pol, Program: prog, Window: win, Members: members, Verdicts: verdicts,
		ScanScores: func(fn func(*plaudit.Score) error) error {
			_, rescoreErr = score.RunStream(pol, scoring, opt, func(sc *plaudit.Score) error {
				if inWindow(sc) {
					return fn(sc)
				}
				return nil
			})
			return rescoreErr
		},
		PoolIn: ep.PoolCarryIn, CarryIn: carries, NoLedger: true})
	if err != nil || !chk.done {
		// What stops the rebuild is reported in the order it always was: the events' check (run in full
		// when the scoring did not finish its first walk), then the rescore, then the settlement.
		if !chk.done {
			chk = newEventCheck(ep, witnesses, in)
			if werr := chk.walk(src); werr != nil {
				return nil, werr
			}
		}
		if r, berr := before(); r != nil || berr != nil {
			return r, berr
		}
		if repDiff.line != "" {
			return differs(repDiff)
		}
		if rescoreErr != nil {
			return nil, fmt.Errorf("verify %s: rescore: %w", ep.ID, rescoreErr)
		}
		if err != nil {
			return nil, fmt.Errorf("verify %s: %w", ep.ID, err)
		}
	}
	if r, berr := before(); r != nil || berr != nil {
		return r, berr
	}
	if combined {
		opt.Preset, opt.PresetFrom, opt.FirstWalk = rep, nil, nil // for firstDifference's rescore
	}
	got := rebuilt.Epoch
	res.RebuiltEpoch = got
	d, err := s.firstDifference(ctx, ep, in, rebuilt.Allocations, pol, src, opt)
	if err != nil {
		return nil, err
	}
	if d.line != "" {
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

// checkReputation checks the reputation vector in commits to: that its hash h (plaudit.ReputationHash, which
// the caller computed) is the epoch's ReputationHash, and that one EigenTrust iteration from it, over the trust graph and pre-trust of the
// epoch's events, changes it by less than the tolerance EigenTrust stops at (reputation.AsOfCommitted). It
// returns the snapshot to score the epoch with, or the difference, which names "reputation" (and the L1
// change when the vector is not a fixed point). events is the epoch's log, walked for what the check reads
// (the members, pre-trust and graph as of the epoch's start) without holding it.
func checkReputation(ep *plaudit.Epoch, in *EpochInputs, h string, events plaudit.EventStream) (*reputation.Snapshot, diff) {
	if h != ep.ReputationHash {
		return nil, diff{line: fmt.Sprintf("epoch %s: reputation: the committed vector (%d members) hashes to %s, not the epoch's reputation hash %q", ep.ID, len(in.Reputation), h, ep.ReputationHash),
			field: "reputation", stored: ep.ReputationHash, rebuilt: h}
	}
	c, err := reputation.AsOfCommittedStream(events, ep.Start, ep.End, reputation.Params{}, in.Reputation)
	return committedSnapshot(ep, c, err)
}

// committedSnapshot is checkReputation's outcome from the check's (reputation.AsOfCommitted's).
func committedSnapshot(ep *plaudit.Epoch, c *reputation.Committed, err error) (*reputation.Snapshot, diff) {
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

// firstDifference walks the stored allocations of in (streamed, in handle order) against the rebuilt ones
// and explains the first member whose line differs, or returns no difference. The rebuilt scores are not
// kept: when a member's points differ and in is the store's, the member's scores are rebuilt again (a
// second run over src with opt, keeping only theirs) to name the event that differs.
func (s *Service) firstDifference(ctx context.Context, ep *plaudit.Epoch, in *EpochInputs, rebuilt []plaudit.Allocation, pol *policy.Policy, src plaudit.EventStream, opt score.StreamOptions) (diff, error) {
	j := 0
	var d diff
	var pointsOf *plaudit.Allocation // the stored line whose points differ, explained after the walk
	var rebuiltOf *plaudit.Allocation
	err := in.scanStored(func(a *plaudit.Allocation) error {
		if j < len(rebuilt) && rebuilt[j].Member < a.Member {
			b := &rebuilt[j]
			d = diff{line: fmt.Sprintf("member %s: rebuilt share %s from %s points, but the stored epoch has no line for them", b.Member, b.Share, b.Points),
				member: b.Member, field: "paid", stored: "0", rebuilt: b.Paid.String()}
			return errStopScan
		}
		if j == len(rebuilt) || a.Member < rebuilt[j].Member {
			d = diff{line: fmt.Sprintf("member %s: stored paid %s, rebuilt nothing: the log and policy give them no eligible points", a.Member, a.Paid),
				member: a.Member, field: "paid", stored: a.Paid.String(), rebuilt: "0"}
			return errStopScan
		}
		b := &rebuilt[j]
		j++
		if a.Points != b.Points || a.Events != b.Events {
			c := *a
			pointsOf, rebuiltOf = &c, b
			return errStopScan
		}
		for _, f := range []struct {
			name string
			x, y *big.Int
		}{{"share", a.Share, b.Share}, {"fee", a.Fee, b.Fee}, {"paid", a.Paid, b.Paid}, {"carry out", a.CarryOut, b.CarryOut}, {"ENG", a.ENG, b.ENG}} {
			if f.x.Cmp(f.y) != 0 {
				d = diff{line: fmt.Sprintf("member %s: stored %s %s, rebuilt %s with the same points: the pool, the carries or the program's rules differ", a.Member, f.name, f.x, f.y),
					member: a.Member, field: f.name, stored: f.x.String(), rebuilt: f.y.String()}
				return errStopScan
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, errStopScan) {
		return diff{}, fmt.Errorf("verify %s: read the stored allocations: %w", ep.ID, err)
	}
	if pointsOf != nil {
		a, b := pointsOf, rebuiltOf
		why := "the events' points differ"
		if in.local {
			why = s.eventDifference(ctx, ep, a.Member, func(fn func(*plaudit.Score)) error {
				_, err := score.RunStream(pol, src, score.StreamOptions{Preset: opt.Preset, PresetStart: opt.PresetStart}, func(sc *plaudit.Score) error {
					if sc.Member == a.Member {
						fn(sc)
					}
					return nil
				})
				return err
			})
		}
		return diff{line: fmt.Sprintf("member %s: stored %s points from %d events, rebuilt %s from %d: %s", a.Member, a.Points, a.Events, b.Points, b.Events, why),
			member: a.Member, field: "paid", stored: a.Paid.String(), rebuilt: b.Paid.String()}, nil
	}
	if d.line == "" && j < len(rebuilt) {
		b := &rebuilt[j]
		d = diff{line: fmt.Sprintf("member %s: rebuilt share %s from %s points, but the stored epoch has no line for them", b.Member, b.Share, b.Points),
			member: b.Member, field: "paid", stored: "0", rebuilt: b.Paid.String()}
	}
	return d, nil
}

// eventDifference finds the first event of member in the epoch whose stored score differs from the
// rebuilt one. rebuild hands fn the rebuilt scores (at least all of member's), in seq order.
func (s *Service) eventDifference(ctx context.Context, ep *plaudit.Epoch, member string, rebuild func(fn func(*plaudit.Score)) error) string {
	in := func(sc *plaudit.Score) bool {
		return sc.Member == member && !sc.Time.Before(ep.Start) && sc.Time.Before(ep.End) && (ep.LogSeq == 0 || sc.Seq <= ep.LogSeq)
	}
	want := map[string]plaudit.Points{}
	var keys []string
	if err := rebuild(func(sc *plaudit.Score) {
		if in(sc) {
			if _, ok := want[sc.Event]; !ok {
				keys = append(keys, sc.Event)
			}
			want[sc.Event] += sc.Points
		}
	}); err != nil {
		return "cannot rescore the member: " + plaudit.ErrorMessage(err)
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
