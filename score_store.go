package plaudit

import (
	"context"
	"time"
)

// PolicyRecord is a policy as the store keeps it: the document as written, and the content hash of its
// effective form (package policy computes it). Scores name the hash that made them.
type PolicyRecord struct {
	Hash        string    `json:"hash"` // "sha256:…"
	Name        string    `json:"name"`
	Version     int       `json:"version"`
	Document    string    `json:"document"` // the YAML text
	ActivatedAt time.Time `json:"activated_at,omitzero"`
	ActivatedBy string    `json:"activated_by,omitempty"`
}

// ScoreFilter selects stored scores. PolicyHash is required; zero values of the others select everything.
type ScoreFilter struct {
	PolicyHash string
	Member     string    // one member's scores
	Since      time.Time // inclusive, by score time (the event's time)
	Until      time.Time // exclusive
}

// ScoreStore keeps scores and the policies that made them.
type ScoreStore interface {
	// SaveScores stores scores made by the policy with hash policyHash, replacing in one transaction every
	// score that policy had for the events the given scores are for. Saving the same scores twice changes
	// nothing.
	SaveScores(ctx context.Context, policyHash string, scores []Score) error

	// ReplaceScores replaces every score of the policy with hash policyHash by the given ones, in one
	// transaction: what rescoring the whole log under a policy saves.
	ReplaceScores(ctx context.Context, policyHash string, scores []Score) error

	// Scores returns the scores f selects, ordered by event sequence, event key and position.
	Scores(ctx context.Context, f ScoreFilter) ([]Score, error)

	// ScoresByMember returns a member's scores under a policy, in event order.
	ScoresByMember(ctx context.Context, policyHash, member string) ([]Score, error)

	// ScoresByEvent returns the scores of one event (key "source/id") under a policy.
	ScoresByEvent(ctx context.Context, policyHash, event string) ([]Score, error)

	// SetActivePolicy stores the policy document (once per hash) and makes it the active policy from
	// rec.ActivatedAt on. Earlier activations stay in the history.
	SetActivePolicy(ctx context.Context, rec *PolicyRecord) error

	// ActivePolicy returns the most recently activated policy, or an ENOTFOUND error when none was.
	ActivePolicy(ctx context.Context) (*PolicyRecord, error)

	// PolicyByHash returns a stored policy document by hash, or an ENOTFOUND error.
	PolicyByHash(ctx context.Context, hash string) (*PolicyRecord, error)
}
