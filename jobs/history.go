package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/plaudit/plaudit"
)

// Status is where a run stands, as the history shows it.
type Status string

// The statuses of a run. River's states map onto them: available, pending and scheduled are queued;
// retryable (an attempt failed, or its worker died and the leader rescued it, and another attempt is due)
// is retrying; completed is succeeded; discarded (out of attempts) is failed; cancelled is cancelled.
const (
	StatusQueued    Status = "queued"
	StatusRunning   Status = "running"
	StatusRetrying  Status = "retrying"
	StatusSucceeded Status = "succeeded"
	StatusFailed    Status = "failed"
	StatusCancelled Status = "cancelled"
)

// Run is one job in the history: what kind, when, how it ended and what it did. A job that is retried
// stays one Run whose Attempt counts up; Attempts holds the errors of the attempts that failed.
type Run struct {
	ID          int64           `json:"id"`
	Kind        string          `json:"kind"`
	Status      Status          `json:"status"`
	Args        json.RawMessage `json:"args,omitempty"`
	Attempt     int             `json:"attempt"`      // attempts begun so far
	MaxAttempts int             `json:"max_attempts"` // attempts allowed
	Queued      time.Time       `json:"queued"`       // when the job was inserted
	Started     *time.Time      `json:"started,omitempty"`
	Finished    *time.Time      `json:"finished,omitempty"`
	NextAttempt *time.Time      `json:"next_attempt,omitempty"` // for queued and retrying runs
	Items       int64           `json:"items"`
	Awards      int64           `json:"awards"`
	Note        string          `json:"note,omitempty"`
	Error       string          `json:"error,omitempty"` // the last attempt's error
	Attempts    []AttemptError  `json:"attempt_errors,omitempty"`
	Workers     []string        `json:"workers,omitempty"` // the processes that attempted it, in order
}

// AttemptError is the error of one failed attempt.
type AttemptError struct {
	Attempt int       `json:"attempt"`
	At      time.Time `json:"at"`
	Error   string    `json:"error"`
}

// Duration is how long the last attempt ran: until it finished, or until now while it runs; zero before
// it starts.
func (r *Run) Duration() time.Duration {
	switch {
	case r.Started == nil:
		return 0
	case r.Finished != nil:
		return r.Finished.Sub(*r.Started)
	case r.Status == StatusRunning:
		return time.Since(*r.Started)
	}
	return 0
}

func statusOf(s rivertype.JobState) Status {
	switch s {
	case rivertype.JobStateRunning:
		return StatusRunning
	case rivertype.JobStateRetryable:
		return StatusRetrying
	case rivertype.JobStateCompleted:
		return StatusSucceeded
	case rivertype.JobStateDiscarded:
		return StatusFailed
	case rivertype.JobStateCancelled:
		return StatusCancelled
	}
	return StatusQueued
}

func runFromRow(j *rivertype.JobRow) *Run {
	r := &Run{ID: j.ID, Kind: j.Kind, Status: statusOf(j.State), Attempt: j.Attempt, MaxAttempts: j.MaxAttempts,
		Queued: j.CreatedAt, Started: j.AttemptedAt, Finished: j.FinalizedAt, Workers: j.AttemptedBy}
	if len(j.EncodedArgs) > 0 && string(j.EncodedArgs) != "{}" {
		r.Args = json.RawMessage(j.EncodedArgs)
	}
	if r.Status == StatusQueued || r.Status == StatusRetrying {
		at := j.ScheduledAt
		r.NextAttempt = &at
	}
	if out := j.Output(); len(out) > 0 {
		var o Outcome
		if json.Unmarshal(out, &o) == nil {
			r.Items, r.Awards, r.Note = o.Items, o.Awards, o.Note
		}
	}
	for _, e := range j.Errors {
		r.Attempts = append(r.Attempts, AttemptError{Attempt: e.Attempt, At: e.At, Error: e.Error})
	}
	if n := len(j.Errors); n > 0 && r.Status != StatusSucceeded {
		r.Error = j.Errors[n-1].Error
	}
	return r
}

// Filter selects runs from the history.
type Filter struct {
	Kind  string // only this kind ("" for all)
	Limit int    // at most this many, newest first (0 for 50)
}

// List returns the runs that f selects, newest first.
func (s *Scheduler) List(ctx context.Context, f Filter) ([]*Run, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	p := river.NewJobListParams().First(limit).OrderBy(river.JobListOrderByID, river.SortOrderDesc)
	if f.Kind != "" {
		p = p.Kinds(f.Kind)
	}
	res, err := s.client.JobList(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("jobs: list: %w", err)
	}
	out := make([]*Run, 0, len(res.Jobs))
	for _, j := range res.Jobs {
		out = append(out, runFromRow(j))
	}
	return out, nil
}

// Get returns the run with id, or an ENOTFOUND error.
func (s *Scheduler) Get(ctx context.Context, id int64) (*Run, error) {
	j, err := s.client.JobGet(ctx, id)
	if errors.Is(err, river.ErrNotFound) {
		return nil, plaudit.Errorf(plaudit.ENOTFOUND, "job %d not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("jobs: get %d: %w", id, err)
	}
	return runFromRow(j), nil
}
