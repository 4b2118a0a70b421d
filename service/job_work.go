package service

import (
	"context"
	"fmt"
	"time"

	"github.com/plaudit/plaudit"
)

// The jobs return the service's errors as they are, unwrapped: the scheduler records each under its job's
// kind and id, and `plaudit job` prints it as recorded.

// JobOutcome is what one run of a scheduled job did, as the scheduler records it: the things it processed,
// the awards it made and one line for a person. The scheduler (package jobs) keeps it as its Outcome.
type JobOutcome struct {
	Items  int64  // things processed: events scored, epochs closed, events checked
	Awards int64  // awards made: scores written, allocations paid, verdicts given
	Note   string // one line for a person, e.g. "closed 1 epochs [default@2026-01-05T00:00:00Z]"
	// Scored is the scoring run of a score or rescore job (nil for the others, or when nothing ran), for
	// the caller's metrics.
	Scored *ScoreResult
}

// nothingToDo reports the errors that mean a job has nothing to work on yet: no active policy, or a program
// without scored events. A job that meets one succeeds, with the reason as its note.
func nothingToDo(err error) bool { return plaudit.ErrorCode(err) == plaudit.ENOTFOUND }

// ScoreJob is the scheduled score job: it catches up on the events that arrived since the last run
// (CatchUp), a streamed run when it can, a whole-history one otherwise.
func (s *Service) ScoreJob(ctx context.Context) (JobOutcome, error) {
	res, err := s.CatchUp(ctx)
	if nothingToDo(err) {
		return JobOutcome{Note: plaudit.ErrorMessage(err), Scored: res}, nil
	} else if err != nil {
		return JobOutcome{Scored: res}, err
	}
	how := "streamed"
	if res.Full {
		how = "whole-history run"
	}
	return JobOutcome{Items: int64(res.Events), Awards: int64(res.Count), Scored: res,
		Note: fmt.Sprintf("scores of %s reach event %d (%s)", res.Policy.Hash(), res.Through, how)}, nil
}

// RescoreJob is the scheduled rescore job (run when a policy is activated): it scores the whole log again
// under the active policy, streaming it (RescoreStreamed).
func (s *Service) RescoreJob(ctx context.Context) (JobOutcome, error) {
	res, err := s.RescoreStreamed(ctx, nil, 0)
	if nothingToDo(err) {
		return JobOutcome{Note: plaudit.ErrorMessage(err), Scored: res}, nil
	} else if err != nil {
		return JobOutcome{Scored: res}, err
	}
	return JobOutcome{Items: int64(res.Events), Awards: int64(res.Count), Scored: res,
		Note: fmt.Sprintf("rescored the log through event %d under %s", res.Through, res.Policy.Hash())}, nil
}

// integrityJobEpochs is how many pending epochs one integrity job brings up to date, oldest first.
const integrityJobEpochs = 8

// IntegrityJob is the scheduled integrity job: it keeps the integrity runs of the open and pending epochs
// current (EpochIntegrity), so that a close finds its run ready.
func (s *Service) IntegrityJob(ctx context.Context) (JobOutcome, error) {
	res, err := s.EpochIntegrity(ctx, "job:integrity", integrityJobEpochs)
	if err != nil {
		return JobOutcome{}, err
	}
	var out JobOutcome
	ran := 0
	for _, r := range res {
		out.Items += int64(r.Run.Events)
		out.Awards += int64(len(r.Run.Verdicts))
		if r.Ran {
			ran++
		}
	}
	out.Note = fmt.Sprintf("%d epochs checked, %d runs made, %d still current", len(res), ran, len(res)-ran)
	return out, nil
}

// CloseEpochsJob is the scheduled epoch-close job: it closes, in order, every epoch of the active program
// that ended at least grace ago (CloseEpochs), recorded as done by job:epoch-close. What it closed before
// an error is counted in the outcome returned with the error.
func (s *Service) CloseEpochsJob(ctx context.Context, grace time.Duration) (JobOutcome, error) {
	res, err := s.CloseEpochs(ctx, CloseRequest{Through: s.now().UTC(), Grace: grace, Operator: "job:epoch-close"})
	if nothingToDo(err) {
		return JobOutcome{Note: plaudit.ErrorMessage(err)}, nil
	}
	var out JobOutcome
	if res != nil {
		var ids []string
		for _, ce := range res.Epochs {
			if ce.Already {
				continue
			}
			out.Items++
			ids = append(ids, ce.Window.ID)
			for _, a := range ce.Result.Allocations {
				if a.Paid.Sign() > 0 {
					out.Awards++
				}
			}
		}
		out.Note = fmt.Sprintf("closed %d epochs %v", len(ids), ids)
		if res.Rescored {
			out.Note += " after rescoring stale scores"
		}
	}
	return out, err
}
