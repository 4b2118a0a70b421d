package plaudit

import (
	"context"
	"time"
)

// FlagStatus is where a flag stands: open until a moderator confirms or rejects it.
type FlagStatus string

// The statuses of a flag.
const (
	FlagOpen      FlagStatus = "open"
	FlagConfirmed FlagStatus = "confirmed"
	FlagRejected  FlagStatus = "rejected"
	// FlagOverturned is a confirmed flag whose appeal succeeded: its effects and its reward are lifted.
	FlagOverturned FlagStatus = "overturned"
)

// AppealOutcome is a moderator's decision on an appeal: upheld keeps the flag's effects, overturned lifts
// them.
type AppealOutcome string

// The outcomes of an appeal.
const (
	AppealUpheld     AppealOutcome = "upheld"
	AppealOverturned AppealOutcome = "overturned"
)

// Decision records who decided something about a flag, when, and why.
type Decision struct {
	By   string    `json:"by"`
	At   time.Time `json:"at"`
	Note string    `json:"note,omitempty"`
}

// Appeal is the flagged member's one appeal against a confirmed flag, and its outcome once decided.
type Appeal struct {
	Reason   string        `json:"reason"`
	At       time.Time     `json:"at"`
	Outcome  AppealOutcome `json:"outcome,omitempty"` // "" while pending
	Decision *Decision     `json:"decision,omitempty"`
}

// FlagEffects is what a confirmed flag does, fixed when it is confirmed so that a later change of
// configuration never rewrites a past decision. Windows are half-open [From, Until), aligned to the epochs
// of the program in force at the confirmation; From is the start of the epoch then in progress.
type FlagEffects struct {
	EventMultiplier Ratio     `json:"event_multiplier"` // what a flagged event keeps (flags on events only)
	Penalty         Ratio     `json:"penalty"`          // the member's multiplier until PenaltyUntil
	From            time.Time `json:"from"`
	PenaltyUntil    time.Time `json:"penalty_until"`
	ExcludeEpochs   int       `json:"exclude_epochs"`          // epochs the member is excluded for (multiplier 0)
	ExcludedUntil   time.Time `json:"excluded_until,omitzero"` // zero when ExcludeEpochs is 0
}

// Flag is a report of abuse on an event or a member and everything decided about it. Package moderation
// holds the rules of its life; stores keep it and the history of every action on it.
type Flag struct {
	ID      int64      `json:"id"`      // store-assigned; 0 until stored
	Subject string     `json:"subject"` // event key "source/id", or "member:" + handle
	Member  string     `json:"member"`  // the member it is against: the handle, or the flagged event's author
	By      string     `json:"by"`      // the member who raised it
	Reason  string     `json:"reason"`
	At      time.Time  `json:"at"`
	Status  FlagStatus `json:"status"`
	Event   string     `json:"event,omitempty"` // the log's flag event that raised it, if one did

	Decision *Decision    `json:"decision,omitempty"` // the confirmation or rejection
	Effects  *FlagEffects `json:"effects,omitempty"`  // set when confirmed
	Appeal   *Appeal      `json:"appeal,omitempty"`
}

// FlagAction is one entry of a flag's append-only history: who did what, when, and their note.
type FlagAction struct {
	Flag   int64     `json:"flag"`
	Seq    int64     `json:"seq"`    // store-assigned, increasing across all flags
	Action string    `json:"action"` // raise, confirm, reject, appeal, uphold, overturn
	By     string    `json:"by"`
	At     time.Time `json:"at"`
	Note   string    `json:"note,omitempty"`
}

// ModeratorChange is one grant or revocation of the moderator role, kept forever.
type ModeratorChange struct {
	Member string    `json:"member"`
	Grant  bool      `json:"grant"` // false: revoked
	By     string    `json:"by"`
	At     time.Time `json:"at"`
	Note   string    `json:"note,omitempty"`
}

// Exclusion is a member's exclusion from rewards by a confirmed flag, and its lifting by an appeal.
type Exclusion struct {
	Flag     int64     `json:"flag"`
	Member   string    `json:"member"`
	Epochs   int       `json:"epochs"`
	From     time.Time `json:"from"`
	Until    time.Time `json:"until"`
	By       string    `json:"by"` // the moderator who confirmed the flag
	At       time.Time `json:"at"`
	LiftedBy string    `json:"lifted_by,omitempty"`
	LiftedAt time.Time `json:"lifted_at,omitzero"`
}

// AuditStatus is where an audit entry stands: pending until a moderator passes or fails it.
type AuditStatus string

// The statuses of an audit entry.
const (
	AuditPending AuditStatus = "pending"
	AuditPassed  AuditStatus = "passed"
	AuditFailed  AuditStatus = "failed"
)

// AuditEntry is one rewarded event drawn into an epoch's audit queue.
type AuditEntry struct {
	Epoch    string      `json:"epoch"`
	Event    string      `json:"event"` // event key "source/id"
	Rank     int         `json:"rank"`  // position in the draw, 0-based
	Status   AuditStatus `json:"status"`
	DrawnBy  string      `json:"drawn_by"`
	DrawnAt  time.Time   `json:"drawn_at"`
	Reviewer string      `json:"reviewer,omitempty"`
	Note     string      `json:"note,omitempty"`
	At       time.Time   `json:"at,omitzero"` // when it was reviewed
}

// VerdictRun is one stored run of the integrity checks: when, over which window of the log, under which
// policy, and the verdicts it gave.
type VerdictRun struct {
	ID         int64     `json:"id"` // store-assigned
	PolicyHash string    `json:"policy_hash"`
	Since      time.Time `json:"since,omitzero"`        // zero: the start of the log
	Until      time.Time `json:"until,omitzero"`        // zero: the end of the log
	Events     int       `json:"events"`                // events checked
	ThroughSeq int64     `json:"through_seq,omitempty"` // the highest event seq the run read (0: not recorded)
	By         string    `json:"by"`
	At         time.Time `json:"at"`
	Verdicts   []Verdict `json:"verdicts,omitempty"`
}

// Covers reports whether the run checked the whole of [start, end).
func (r *VerdictRun) Covers(start, end time.Time) bool {
	return (r.Since.IsZero() || !r.Since.After(start)) && (r.Until.IsZero() || !r.Until.Before(end))
}

// FlagFilter selects flags; zero values select everything.
type FlagFilter struct {
	Status  FlagStatus
	Member  string // flags against this member
	Subject string
}

// IntegrityStore keeps the integrity layer's records: flags and their history, moderators, exclusions, the
// audit queue, and the verdicts of integrity runs and of closed epochs. Every change is recorded with who
// made it and when; nothing is ever deleted.
type IntegrityStore interface {
	// AddFlag stores a new open flag and its "raise" history entry, and returns it with its id. The flagged
	// event must be in the log (ENOTFOUND); the same member may not have two open flags on one subject
	// (ECONFLICT). Checking that the members exist is the caller's business (it needs the directory).
	AddFlag(ctx context.Context, f *Flag) (*Flag, error)

	// UpdateFlag changes flag id in one transaction: it reads the flag, calls fn with it and whether actor
	// is a moderator now, and stores the changed flag with the history entry fn returns. When fn returns an
	// error nothing is written. Exclusions follow the flag: a standing confirmed flag with exclusion epochs
	// records one, an overturned appeal lifts it.
	UpdateFlag(ctx context.Context, id int64, actor string, fn func(f *Flag, moderator bool) (FlagAction, error)) (*Flag, error)

	// Flag returns flag id, or ENOTFOUND.
	Flag(ctx context.Context, id int64) (*Flag, error)

	// Flags returns the flags f selects, by id.
	Flags(ctx context.Context, f FlagFilter) ([]Flag, error)

	// FlagHistory returns the history of flag id (every flag when id is 0), in order.
	FlagHistory(ctx context.Context, id int64) ([]FlagAction, error)

	// SetModerator grants (or revokes) the moderator role; granting a moderator or revoking a non-moderator
	// is ECONFLICT.
	SetModerator(ctx context.Context, c ModeratorChange) error

	// Moderators returns the current moderators, sorted.
	Moderators(ctx context.Context) ([]string, error)

	// ModeratorHistory returns every grant and revocation, in order.
	ModeratorHistory(ctx context.Context) ([]ModeratorChange, error)

	// Exclusions returns the exclusions of member (every member when ""), lifted ones included, by flag.
	Exclusions(ctx context.Context, member string) ([]Exclusion, error)

	// DrawAudit stores an epoch's audit sample (entries in rank order, pending). Drawing the same sample
	// again changes nothing; a different one for a drawn epoch is ECONFLICT.
	DrawAudit(ctx context.Context, epoch string, events []string, by string, at time.Time) error

	// AuditEntries returns an epoch's audit queue (every epoch when ""), optionally of one status, by epoch
	// and rank.
	AuditEntries(ctx context.Context, epoch string, status AuditStatus) ([]AuditEntry, error)

	// ReviewAudit passes or fails a pending audit entry. The reviewer must be a moderator (EFORBIDDEN); an
	// entry reviewed already is ECONFLICT; an unknown one ENOTFOUND.
	ReviewAudit(ctx context.Context, epoch, event string, status AuditStatus, reviewer, note string, at time.Time) error

	// SaveVerdictRun stores an integrity run and its verdicts and returns the run's id.
	SaveVerdictRun(ctx context.Context, r *VerdictRun) (int64, error)

	// VerdictRuns returns the stored runs without their verdicts, newest first.
	VerdictRuns(ctx context.Context) ([]VerdictRun, error)

	// VerdictRunByID returns a run with its verdicts, or ENOTFOUND.
	VerdictRunByID(ctx context.Context, id int64) (*VerdictRun, error)

	// SubjectVerdicts returns the verdict on subject of every run that gave one, newest run first.
	SubjectVerdicts(ctx context.Context, subject string) ([]RunVerdict, error)

	// SaveEpochVerdicts records the verdicts an epoch was settled with, exactly as settlement was given them
	// (in order, a subject possibly more than once). Saving the same verdicts again changes nothing;
	// different ones for a recorded epoch are ECONFLICT.
	SaveEpochVerdicts(ctx context.Context, epoch string, vs []Verdict) error

	// EpochVerdicts returns the verdicts recorded for an epoch (nil, no error, when none were).
	EpochVerdicts(ctx context.Context, epoch string) ([]Verdict, error)
}

// RunVerdict is one run's verdict on one subject.
type RunVerdict struct {
	Run        int64     `json:"run"`
	PolicyHash string    `json:"policy_hash"`
	At         time.Time `json:"at"`
	Verdict    Verdict   `json:"verdict"`
}
