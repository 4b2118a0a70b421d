package service

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/payout"
	"github.com/plaudit/plaudit/policy"
	"github.com/plaudit/plaudit/witness"
)

// The states of a closed epoch under a witness committee (docs/witness.md): closed → attested (M distinct
// valid signatures) → published (the dispute window passed with no open dispute), or disputed while a
// dispute is open. An epoch whose policy lists no witnesses is published as it closes.
const (
	EpochClosed    = "closed"
	EpochAttested  = "attested"
	EpochDisputed  = "disputed"
	EpochPublished = "published"
)

// The resolutions of a dispute.
const (
	ResolveFixed     = "fixed"     // the operator repaired the store; the epoch is checked again
	ResolveOverruled = "overruled" // an admin rules the dispute wrong, with a recorded reason
)

// WitnessAsset is the ledger asset of the witness steps' audit postings: each step (attestation, dispute,
// publication, resolution) is a posting on the epoch's witness account that moves one unit in and out, so
// that the ledger's audit log (`plaudit ledger postings`) records it with its origin, reason and time while
// no balance changes.
const WitnessAsset = "WITNESS"

// WitnessState is where a closed epoch stands with its witnesses.
type WitnessState struct {
	Epoch     string   `json:"epoch"`
	State     string   `json:"state"`     // closed, attested, disputed or published
	Witnesses []string `json:"witnesses"` // the policy's witnesses (none: the epoch was published as it closed)
	Quorum    int      `json:"quorum"`
	Window    string   `json:"dispute_window,omitempty"`
	// Valid counts the distinct listed witnesses whose attestation matches the epoch as stored now.
	Valid        int                     `json:"valid_attestations"`
	AttestedAt   time.Time               `json:"attested_at,omitzero"`  // when the M-th valid attestation came
	PublishAt    time.Time               `json:"publish_at,omitzero"`   // AttestedAt + the window
	PublishedAt  time.Time               `json:"published_at,omitzero"` // when it was published
	Records      []plaudit.WitnessRecord `json:"records"`
	OpenDisputes int                     `json:"open_disputes"`
	// PendingReviews and RejectedReviews count the review items (service/review.go) that hold
	// publication: waiting for a person's decision, and rejected but not resolved yet.
	PendingReviews  int `json:"pending_reviews"`
	RejectedReviews int `json:"rejected_reviews"`
	// Held says why an epoch that is not published waits, for people ("" once published).
	Held string `json:"held,omitempty"`
}

func (s *Service) witnessStore() (plaudit.WitnessStore, error) {
	ws, ok := s.store.(plaudit.WitnessStore)
	if !ok {
		return nil, plaudit.Errorf(plaudit.EINTERNAL, "this store keeps no witness records")
	}
	return ws, nil
}

// epochWitnesses returns closed epoch id and its policy's witness committee.
func (s *Service) epochWitnesses(ctx context.Context, id string) (*plaudit.Epoch, policy.Witnesses, error) {
	ep, err := s.store.Epoch(ctx, id)
	if err != nil {
		return nil, policy.Witnesses{}, fmt.Errorf("epoch %s: %w", id, err)
	}
	rec, err := s.store.PolicyByHash(ctx, ep.PolicyHash)
	if err != nil {
		return nil, policy.Witnesses{}, fmt.Errorf("epoch %s: recorded policy: %w", ep.ID, err)
	}
	pol, err := PolicyFromRecord(rec)
	if err != nil {
		return nil, policy.Witnesses{}, err
	}
	return ep, pol.Program.Witnesses, nil
}

// RecordWitness checks a signed witness message (witness.Parse's JSON) about closed epoch id and records it:
// the signer must be one of the witnesses the epoch's policy lists, the message must name the epoch and its
// program, and an attestation must sign exactly the epoch's Merkle root, policy hash, input digest and total
// paid. A dispute is recorded as sent and holds publication until an admin resolves it. A repeated
// attestation records nothing. Each step is an audit posting. It returns the record and the epoch's state.
func (s *Service) RecordWitness(ctx context.Context, id string, body []byte) (*plaudit.WitnessRecord, *WitnessState, error) {
	ws, err := s.witnessStore()
	if err != nil {
		return nil, nil, err
	}
	signed, att, dis, err := witness.Parse(body)
	if err != nil {
		return nil, nil, err
	}
	ep, wit, err := s.epochWitnesses(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if !wit.Enabled() {
		return nil, nil, plaudit.Errorf(plaudit.ECONFLICT, "epoch %s: its policy lists no witnesses: it was published as it closed", ep.ID)
	}
	if !listed(wit.Addresses, signed.Witness) {
		return nil, nil, plaudit.Errorf(plaudit.EFORBIDDEN, "%s is not a witness of epoch %s (its policy lists %s)", signed.Witness, ep.ID, strings.Join(wit.Addresses, ", "))
	}
	r := &plaudit.WitnessRecord{Epoch: ep.ID, Witness: signed.Witness.String(), Time: s.now().UTC()}
	doc, err := jsonString(signed)
	if err != nil {
		return nil, nil, err
	}
	r.Document = doc
	var why string
	if att != nil {
		if att.Epoch != ep.ID || att.Program != ep.Program {
			return nil, nil, plaudit.Errorf(plaudit.EINVALID, "typed_data.message: the attestation is of %s (program %s), not of epoch %s", att.Epoch, att.Program, ep.ID)
		}
		want, err := s.epochAttestation(ctx, ep)
		if err != nil {
			return nil, nil, err
		}
		if f := attestationDiffers(want, att); f != "" {
			return nil, nil, plaudit.Errorf(plaudit.ECONFLICT, "typed_data.message.%s: the attestation signs %s, but epoch %s has %s", f, attField(att, f), ep.ID, attField(want, f))
		}
		r.Kind, r.Root, r.PolicyHash, r.InputsDigest, r.TotalPaid = plaudit.WitnessAttestation, att.Root.String(), att.PolicyHash.String(), att.InputsDigest.String(), att.TotalPaid.String()
		why = fmt.Sprintf("witness %s attested epoch %s: root %s, total paid %s", r.Witness, ep.ID, r.Root, r.TotalPaid)
	} else {
		if dis.Epoch != ep.ID || dis.Program != ep.Program {
			return nil, nil, plaudit.Errorf(plaudit.EINVALID, "typed_data.message: the dispute is of %s (program %s), not of epoch %s", dis.Epoch, dis.Program, ep.ID)
		}
		r.Kind, r.Member, r.Stored, r.Rebuilt, r.Reason = plaudit.WitnessDispute, dis.Member, dis.Stored, dis.Rebuilt, dis.Reason
		why = fmt.Sprintf("witness %s disputed epoch %s: %s", r.Witness, ep.ID, dis.Reason)
	}
	added, err := ws.AddWitnessRecord(ctx, r)
	if err != nil {
		return nil, nil, err
	}
	if added {
		if err := s.audit(ctx, ep.ID, plaudit.Origin{Kind: plaudit.OriginEpoch, ID: ep.ID}, why); err != nil {
			return nil, nil, err
		}
		s.log.Info("witness", "epoch", ep.ID, "witness", r.Witness, "kind", r.Kind)
	}
	st, err := s.WitnessState(ctx, ep.ID)
	return r, st, err
}

// epochAttestation is the attestation an honest witness makes of ep as stored: its root, policy hash and
// total paid, and the digest of the events it was settled from (read from the log).
func (s *Service) epochAttestation(ctx context.Context, ep *plaudit.Epoch) (*witness.Attestation, error) {
	log, err := s.ReadLog(ctx, nil)
	if err != nil {
		return nil, err
	}
	digest, err := witness.InputsDigest(log.Through(ep.LogSeq))
	if err != nil {
		return nil, fmt.Errorf("epoch %s: input digest: %w", ep.ID, err)
	}
	return witness.ForEpoch(ep, digest)
}

// attestationDiffers names the first message field in which b differs from a, or "".
func attestationDiffers(a, b *witness.Attestation) string {
	switch {
	case a.Root != b.Root:
		return "root"
	case a.PolicyHash != b.PolicyHash:
		return "policyHash"
	case a.InputsDigest != b.InputsDigest:
		return "inputsDigest"
	case a.TotalPaid.Cmp(b.TotalPaid) != 0:
		return "totalPaid"
	}
	return ""
}

func attField(a *witness.Attestation, f string) string {
	switch f {
	case "root":
		return a.Root.String()
	case "policyHash":
		return a.PolicyHash.String()
	case "inputsDigest":
		return a.InputsDigest.String()
	}
	return a.TotalPaid.String()
}

func listed(addrs []string, a payout.Address) bool {
	for _, x := range addrs {
		if strings.EqualFold(x, a.String()) {
			return true
		}
	}
	return false
}

// WitnessState returns where closed epoch id stands with its witnesses, publishing it first when it is due
// (attested by M, its dispute window over, no open dispute).
func (s *Service) WitnessState(ctx context.Context, id string) (*WitnessState, error) {
	ep, wit, err := s.epochWitnesses(ctx, id)
	if err != nil {
		return nil, err
	}
	st := &WitnessState{Epoch: ep.ID, Witnesses: append([]string{}, wit.Addresses...), Quorum: wit.Quorum, Records: []plaudit.WitnessRecord{}}
	if !wit.Enabled() {
		st.State, st.PublishedAt = EpochPublished, ep.ClosedAt
		return st, nil
	}
	st.Window = wit.DisputeWindow.String()
	ws, err := s.witnessStore()
	if err != nil {
		return nil, err
	}
	if st.Records, err = ws.WitnessRecords(ctx, ep.ID); err != nil {
		return nil, err
	}
	if st.Records == nil {
		st.Records = []plaudit.WitnessRecord{}
	}
	want, err := storedAttestation(ep)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, r := range st.Records {
		switch {
		case r.Kind == plaudit.WitnessDispute && r.ResolvedAt.IsZero():
			st.OpenDisputes++
		case r.Kind == plaudit.WitnessAttestation && !seen[r.Witness] && matches(want, &r) && listedString(wit.Addresses, r.Witness):
			seen[r.Witness] = true
			st.Valid++
			if st.Valid == wit.Quorum {
				st.AttestedAt = r.Time
			}
		}
	}
	if st.PublishedAt, err = ws.Published(ctx, ep.ID); err != nil {
		return nil, err
	}
	if st.PublishedAt.IsZero() {
		rc, err := s.epochReviews(ctx, ep, wit)
		if err != nil {
			return nil, err
		}
		st.PendingReviews, st.RejectedReviews = rc.pending, rc.rejected
	}
	if !st.AttestedAt.IsZero() {
		st.PublishAt = st.AttestedAt.Add(wit.DisputeWindow)
	}
	switch {
	case !st.PublishedAt.IsZero():
		st.State = EpochPublished
	case st.OpenDisputes > 0 || st.RejectedReviews > 0:
		st.State = EpochDisputed
	case st.AttestedAt.IsZero():
		st.State = EpochClosed
	case s.now().Before(st.PublishAt) || st.PendingReviews > 0:
		st.State = EpochAttested
	default:
		now := s.now().UTC()
		added, err := ws.Publish(ctx, ep.ID, now)
		if err != nil {
			return nil, err
		}
		if added {
			if err := s.audit(ctx, ep.ID, plaudit.Origin{Kind: plaudit.OriginEpoch, ID: ep.ID},
				fmt.Sprintf("epoch %s published: %d of %d witnesses attested, dispute window %s passed with no open dispute", ep.ID, st.Valid, len(wit.Addresses), wit.DisputeWindow)); err != nil {
				return nil, err
			}
			s.log.Info("epoch published", "epoch", ep.ID, "attestations", st.Valid)
		}
		if st.PublishedAt, err = ws.Published(ctx, ep.ID); err != nil {
			return nil, err
		}
		st.State = EpochPublished
	}
	st.Held = heldReason(st, s.now())
	return st, nil
}

// storedAttestation is what an attestation of ep as stored now signs, but for the input digest (checked
// when it was recorded): a record whose root, policy or total no longer match does not count.
func storedAttestation(ep *plaudit.Epoch) (*witness.Attestation, error) {
	return witness.ForEpoch(ep, payout.Hash{})
}

func matches(want *witness.Attestation, r *plaudit.WitnessRecord) bool {
	return r.Root == want.Root.String() && r.PolicyHash == want.PolicyHash.String() && r.TotalPaid == want.TotalPaid.String()
}

func listedString(addrs []string, a string) bool {
	for _, x := range addrs {
		if strings.EqualFold(x, a) {
			return true
		}
	}
	return false
}

// PublishDue publishes every closed epoch that is due (WitnessState on each) and returns the states of the
// epochs of program ("" for all) that are not published yet.
func (s *Service) PublishDue(ctx context.Context, program string) ([]*WitnessState, error) {
	rep, err := s.PublishRound(ctx, program)
	if err != nil {
		return nil, err
	}
	return rep.Held, nil
}

// ResolveDisputes resolves the open disputes of closed epoch id: "fixed" once the operator has repaired
// the store (`plaudit verify` passes again; attestations that no longer match do not count, and the
// witnesses check again), or "overruled" when an admin rules the disputes wrong. A reason is required;
// the resolution is an audit posting by operator.
func (s *Service) ResolveDisputes(ctx context.Context, id, operator, resolution, reason string) (*WitnessState, error) {
	if resolution != ResolveFixed && resolution != ResolveOverruled {
		return nil, plaudit.Errorf(plaudit.EINVALID, "resolution %q: want %q or %q", resolution, ResolveFixed, ResolveOverruled)
	}
	if strings.TrimSpace(reason) == "" {
		return nil, plaudit.Errorf(plaudit.EINVALID, "reason: required: say why the disputes of %s are %s", id, resolution)
	}
	if strings.TrimSpace(operator) == "" {
		return nil, plaudit.Errorf(plaudit.EINVALID, "operator: required for the audit log")
	}
	ws, err := s.witnessStore()
	if err != nil {
		return nil, err
	}
	ep, _, err := s.epochWitnesses(ctx, id)
	if err != nil {
		return nil, err
	}
	if resolution == ResolveFixed {
		if _, err := s.Verify(ctx, ep.ID, nil, nil); err != nil {
			return nil, plaudit.Errorf(plaudit.ECONFLICT, "epoch %s does not verify yet: fix the store first (plaudit verify %s), or overrule the disputes", ep.ID, ep.ID)
		}
	}
	n, err := ws.ResolveDisputes(ctx, ep.ID, s.now().UTC(), operator, resolution, reason)
	if err != nil {
		return nil, err
	}
	rejected, err := s.resolveRejectedReviews(ctx, ep.ID, operator, resolution, reason)
	if err != nil {
		return nil, err
	}
	if n+rejected == 0 {
		return nil, plaudit.Errorf(plaudit.ENOTFOUND, "epoch %s has no open dispute and no rejected review item", ep.ID)
	}
	what := fmt.Sprintf("%d dispute(s)", n)
	if rejected > 0 {
		what += fmt.Sprintf(" and %d rejected review item(s)", rejected)
	}
	if err := s.audit(ctx, ep.ID, plaudit.Origin{Kind: plaudit.OriginOperator, ID: operator},
		fmt.Sprintf("%s of epoch %s %s: %s", what, ep.ID, resolution, reason)); err != nil {
		return nil, err
	}
	return s.WitnessState(ctx, ep.ID)
}

// Claimable returns nil when closed epoch id may be paid: its policy lists no witnesses (it was published
// as it closed), or it is published. Otherwise an ECONFLICT says where it stands. Proofs and claims call it.
func (s *Service) Claimable(ctx context.Context, id string) error {
	st, err := s.WitnessState(ctx, id)
	if err != nil {
		return err
	}
	switch st.State {
	case EpochPublished:
		return nil
	case EpochDisputed:
		return plaudit.Errorf(plaudit.ECONFLICT, "epoch %s is disputed (%d open witness dispute(s), %d rejected review item(s)): nothing is claimable until an admin resolves it", st.Epoch, st.OpenDisputes, st.RejectedReviews)
	case EpochAttested:
		if st.PendingReviews > 0 && !s.now().Before(st.PublishAt) {
			return plaudit.Errorf(plaudit.ECONFLICT, "epoch %s is attested but %d review item(s) are pending: nothing is claimable until they are decided", st.Epoch, st.PendingReviews)
		}
		return plaudit.Errorf(plaudit.ECONFLICT, "epoch %s is attested and publishes at %s, after its dispute window: nothing is claimable before", st.Epoch, st.PublishAt.Format(time.RFC3339))
	}
	return plaudit.Errorf(plaudit.ECONFLICT, "epoch %s is not published: %d of the %d witness attestations it needs", st.Epoch, st.Valid, st.Quorum)
}

// audit records one witness step in the ledger's audit log: a posting that moves one unit of WitnessAsset
// in and out of the epoch's witness account (no balance changes).
func (s *Service) audit(ctx context.Context, epoch string, o plaudit.Origin, reason string) error {
	acct := "witness:" + epoch
	p := &plaudit.Posting{Origin: o, Reason: reason, Time: s.now().UTC(), Entries: []plaudit.Entry{
		{Account: acct, Asset: WitnessAsset, Amount: big.NewInt(1)},
		{Account: acct, Asset: WitnessAsset, Amount: big.NewInt(-1)},
	}}
	if _, err := s.store.AppendPosting(ctx, p); err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	return nil
}

func jsonString(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode: %w", err)
	}
	return string(b), nil
}
