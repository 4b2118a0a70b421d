package plaudit

import (
	"context"
	"time"
)

// The kinds of review items (docs/witness.md, "Review queue").
const (
	// ReviewPayout is a member's allocation line whose payout exceeds the policy's
	// program.witnesses.review_above (tiered validation).
	ReviewPayout = "payout"
	// ReviewSample is a rewarded event drawn for a second look (program.witnesses.second_look).
	ReviewSample = "sample"
)

// The statuses of a review item. A pending item holds its epoch's publication; a rejected one holds it
// like a witness's dispute until an admin resolves it (ResolveReviews).
const (
	ReviewPending  = "pending"
	ReviewApproved = "approved"
	ReviewRejected = "rejected"
)

// ReviewDraw records that a closed epoch's review queue was drawn: the seed of its second-look sample
// (hex SHA-256 of the epoch's Merkle root and input digest), how many events earned points in the epoch
// (Rewarded) and how many were sampled, with the settings used. It is written once, with the items.
type ReviewDraw struct {
	Epoch       string    `json:"epoch"`
	Seed        string    `json:"seed,omitempty"`         // "" when the policy asks for no second look
	ReviewAbove string    `json:"review_above,omitempty"` // base units; "" when no payout needs a review
	SecondLook  Ratio     `json:"second_look"`            // the share sampled, 0 for none
	Rewarded    int       `json:"rewarded"`               // the epoch's rewarded events
	Sampled     int       `json:"sampled"`                // of them drawn for a second look
	Payouts     int       `json:"payouts"`                // lines above review_above
	DrawnAt     time.Time `json:"drawn_at"`
}

// ReviewItem is one thing a person must look at before a closed epoch publishes: a payout line above the
// policy's review threshold (Kind ReviewPayout: Member and Amount) or a sampled rewarded event (Kind
// ReviewSample: Event, its Member and Points). An admin or core approves or rejects it with a reason.
type ReviewItem struct {
	ID      int64     `json:"id"`
	Epoch   string    `json:"epoch"`
	Kind    string    `json:"kind"`             // ReviewPayout or ReviewSample
	Member  string    `json:"member"`           // the member paid, or who earned the event's points
	Event   string    `json:"event,omitempty"`  // a sample's event key "source/id"
	Points  Points    `json:"points"`           // the event's points, or the member's eligible points
	Amount  string    `json:"amount,omitempty"` // a payout line's paid amount, base units
	Why     string    `json:"why"`              // why it is in the queue
	Created time.Time `json:"created"`

	Status    string    `json:"status"` // ReviewPending, ReviewApproved or ReviewRejected
	DecidedAt time.Time `json:"decided_at,omitzero"`
	DecidedBy string    `json:"decided_by,omitempty"`
	Reason    string    `json:"reason,omitempty"`

	// Resolution of a rejected item (through the witness dispute resolution): when, by whom, how
	// ("fixed" or "overruled") and why.
	ResolvedAt    time.Time `json:"resolved_at,omitzero"`
	ResolvedBy    string    `json:"resolved_by,omitempty"`
	Resolution    string    `json:"resolution,omitempty"`
	ResolveReason string    `json:"resolve_reason,omitempty"`
}

// ReviewStore keeps the closed epochs' review queues.
type ReviewStore interface {
	// AddReviewDraw stores an epoch's draw and its items in one transaction, setting the items' IDs. An
	// epoch is drawn once: when a draw of it is stored already nothing is written and added is false.
	AddReviewDraw(ctx context.Context, d *ReviewDraw, items []ReviewItem) (added bool, err error)

	// ReviewDraw returns the draw of epoch, or nil when it was not drawn.
	ReviewDraw(ctx context.Context, epoch string) (*ReviewDraw, error)

	// ReviewItems returns the items of epoch ("" for every epoch) with status ("" for any), by id.
	ReviewItems(ctx context.Context, epoch, status string) ([]ReviewItem, error)

	// DecideReview approves or rejects (status) pending item id of epoch. An item of another epoch or none
	// is ENOTFOUND; an item decided already is ECONFLICT and changes nothing.
	DecideReview(ctx context.Context, epoch string, id int64, status string, at time.Time, by, reason string) (*ReviewItem, error)

	// ResolveReviews marks the rejected, unresolved items of epoch resolved and returns how many.
	ResolveReviews(ctx context.Context, epoch string, at time.Time, by, resolution, reason string) (int, error)
}
