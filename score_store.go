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
	Document    string    `json:"document,omitempty"` // the YAML text (left out of lists of versions)
	ActivatedAt time.Time `json:"activated_at,omitzero"`
	ActivatedBy string    `json:"activated_by,omitempty"`
}

// ScoreFilter selects stored scores. PolicyHash is required; zero values of the others select everything.
type ScoreFilter struct {
	PolicyHash string
	Member     string    // one member's scores
	Since      time.Time // inclusive, by score time (the event's time)
	Until      time.Time // exclusive
	ThroughSeq int64     // only scores of events with seq ≤ ThroughSeq; 0 for no limit
}

// ScoreState says how far a policy's stored scores reach in the event log. Settlement needs whole-history
// scores (score.Run) of exactly the log it settles from; streamed scores (one event at a time, as events
// arrive) keep leaderboards current in between.
type ScoreState struct {
	PolicyHash string    `json:"policy_hash"`
	FullSeq    int64     `json:"full_seq"`            // a whole-history run over the events with seq ≤ FullSeq wrote their scores; -1 while a rewrite is under way
	ScoredSeq  int64     `json:"scored_seq"`          // every event with seq ≤ ScoredSeq has its scores, whole-history or streamed
	FirstTime  time.Time `json:"first_time,omitzero"` // the earliest event time among the whole-history run's scores: where a program's first epoch begins
	UpdatedAt  time.Time `json:"updated_at,omitzero"`
}

// LiveState is what the live leaderboards are computed from, short of the scores themselves: when it is
// unchanged, so are they.
type LiveState struct {
	ScoreState       // of the active policy
	NewestRun  int64 // the id of the newest integrity run under the active policy; 0 for none
	Runs       int   // integrity runs under the active policy
}

// ScoreStore keeps scores and the policies that made them.
type ScoreStore interface {
	// SaveScores stores streamed scores made by the policy with hash policyHash, replacing in one
	// transaction every score that policy had for the events the given scores are for. Scores of events a
	// whole-history run already covers (seq ≤ the state's FullSeq) are left as they are. through > 0 says
	// that every event up to that seq is now scored: the state's ScoredSeq moves up to it. Saving the same
	// scores twice changes nothing.
	SaveScores(ctx context.Context, policyHash string, through int64, scores []Score) error

	// ReplaceScores replaces every score of the policy with hash policyHash of the events with seq ≤ through
	// by the given ones (sorted by seq), which a whole-history run over exactly those events made, and
	// records FullSeq = through. It writes in bounded transactions, so that appends and other writers are
	// not kept waiting for long; while it runs FullSeq is -1, and a concurrent rewrite of the same policy
	// makes the older one fail with ECONFLICT. through 0 replaces every score of the policy and records no
	// state (for scores made outside the log).
	ReplaceScores(ctx context.Context, policyHash string, through int64, scores []Score) error

	// RewriteScores starts a whole-history rewrite of the scores of the policy with hash policyHash for the
	// events with seq ≤ through (> 0): ReplaceScores fed as the run makes the scores instead of all at once,
	// so that neither the run nor the store holds them all. It records FullSeq = -1 at once; the scores
	// handed to the rewriter's Add replace the old ones in bounded transactions as they come (PostgreSQL),
	// or are staged as they come and replace the old ones in larger bounded transactions in Commit (SQLite,
	// where a small transaction's inserts into the scores' randomly keyed indexes write far more than the
	// scores), and Commit records FullSeq = through. A concurrent rewrite of the same policy makes the older one fail with
	// ECONFLICT. A rewrite that fails or is abandoned leaves FullSeq at -1 (scores of a run that did not
	// finish), until another rewrite of the policy commits.
	RewriteScores(ctx context.Context, policyHash string, through int64) (ScoreRewriter, error)

	// ScoreState returns how far the policy's scores reach; a policy never scored has the zero state.
	ScoreState(ctx context.Context, policyHash string) (*ScoreState, error)

	// PolicyActivations lists every activation of a policy, newest first: the policy's hash, name and version
	// with when and by whom it was activated (Document left empty: read it with PolicyByHash). A policy
	// activated twice is listed twice.
	PolicyActivations(ctx context.Context) ([]PolicyRecord, error)

	// LiveState reads in one query what the live leaderboard depends on: the active policy's hash, its
	// score state, and its integrity runs (the newest id and how many). No active policy is ENOTFOUND.
	LiveState(ctx context.Context) (*LiveState, error)

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

// ScoreRewriter is a whole-history rewrite under way (ScoreStore.RewriteScores). It is used by one goroutine.
type ScoreRewriter interface {
	// Add stores the next scores of the run: each one's seq at least that of the score before it (in this
	// call or an earlier one) and at most the rewrite's through, with the rewrite's policy hash, an event and
	// a member; a score that is not is EINVALID and fails the rewrite. Scores may be written before Commit;
	// the scores of one event are written together. The scores are copied (their Lines are not).
	Add(ctx context.Context, scores []Score) error
	// Commit writes the scores not yet written, removes the old scores of the events that got none, and
	// records FullSeq = through, ScoredSeq at least through, and FirstTime, the earliest time of the scores.
	Commit(ctx context.Context) error
}

// ScoreScanner is a ScoreStore that can also stream scores without their explanations. An epoch close
// counts millions of scores and needs of each only its event, member, points and time: streaming them
// keeps its memory bounded. Stores that do not offer it are read with ScoreStore.Scores instead.
type ScoreScanner interface {
	// ScanScorePoints calls fn for each score f selects, ordered as Scores orders them, with Lines left
	// empty, stopping at the first error fn returns. The Score passed to fn is reused: copy what is kept.
	ScanScorePoints(ctx context.Context, f ScoreFilter, fn func(*Score) error) error
}
