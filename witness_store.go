package plaudit

import (
	"context"
	"time"
)

// The kinds of witness records.
const (
	WitnessAttestation = "attestation"
	WitnessDispute     = "dispute"
)

// WitnessRecord is one signed statement a witness made about a closed epoch (docs/witness.md): an
// attestation (the epoch rebuilds to this root, policy, input digest and total) or a dispute (the first
// member whose amount differs and both amounts). Document is the signed JSON exactly as checked; the other
// fields are read from it. A dispute stays open until an admin resolves it.
type WitnessRecord struct {
	ID      int64     `json:"id"`
	Epoch   string    `json:"epoch"`
	Witness string    `json:"witness"` // the 0x address the signature recovers to (EIP-55)
	Kind    string    `json:"kind"`    // WitnessAttestation or WitnessDispute
	Time    time.Time `json:"time"`    // when it was recorded

	// Attestations: what was signed.
	Root         string `json:"root,omitempty"`          // 0x bytes32 (zero when the epoch pays no one)
	PolicyHash   string `json:"policy_hash,omitempty"`   // 0x bytes32
	InputsDigest string `json:"inputs_digest,omitempty"` // 0x bytes32
	TotalPaid    string `json:"total_paid,omitempty"`    // base units

	// Disputes: what differs.
	Member  string `json:"member,omitempty"`
	Stored  string `json:"stored,omitempty"`
	Rebuilt string `json:"rebuilt,omitempty"`
	Reason  string `json:"reason,omitempty"`

	Document string `json:"document"` // the signed message, JSON

	// Resolution of a dispute: when, by whom, how ("fixed" or "overruled") and why.
	ResolvedAt    time.Time `json:"resolved_at,omitzero"`
	ResolvedBy    string    `json:"resolved_by,omitempty"`
	Resolution    string    `json:"resolution,omitempty"`
	ResolveReason string    `json:"resolve_reason,omitempty"`
}

// WitnessStore keeps the witnesses' attestations and disputes and the epochs' publication.
type WitnessStore interface {
	// AddWitnessRecord stores r and sets its ID. An attestation by the same witness of the same epoch with
	// the same document is a repeat, and so is the same dispute while it is open: nothing is written and added is false (so a witness that restarts and
	// sends again is harmless); a different one (a second signature of other values) is an ECONFLICT.
	AddWitnessRecord(ctx context.Context, r *WitnessRecord) (added bool, err error)

	// WitnessRecords returns the records of epoch ("" for all), by id.
	WitnessRecords(ctx context.Context, epoch string) ([]WitnessRecord, error)

	// ResolveDisputes marks the open disputes of epoch resolved and returns how many it marked.
	ResolveDisputes(ctx context.Context, epoch string, at time.Time, by, resolution, reason string) (int, error)

	// Published returns when epoch was published (the zero time when it was not).
	Published(ctx context.Context, epoch string) (time.Time, error)

	// Publish records that epoch was published at at; publishing it again changes nothing and returns false.
	Publish(ctx context.Context, epoch string, at time.Time) (bool, error)
}
