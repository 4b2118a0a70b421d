package github

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	gh "github.com/google/go-github/v84/github"

	"github.com/plaudit/plaudit"
)

// Backfill imports a repository's history — issues, pull requests, their comments, reviews and review
// comments — through the REST API, oldest update first. After each conversation it stores a checkpoint
// (the conversation's updated_at), so that a run that is interrupted resumes there; since events are
// stored under GitHub's node ids, what is read twice is stored once.
type Backfill struct {
	Client *Client
	Events Appender
	State  State
	Logger *slog.Logger
	// Progress, when set, hears after each conversation how many were imported (the total is not known
	// in advance: -1).
	Progress func(done, total int64)
}

// BackfillResult is what a backfill did.
type BackfillResult struct {
	Repo       string
	From       time.Time // where it started: --since, or the checkpoint when later
	Threads    int       // conversations read
	Accepted   int       // events stored
	Duplicates int       // events the log already held
	Checkpoint time.Time // the checkpoint stored last
}

// Run backfills repo (owner/name) from since (zero for the beginning), or from the stored checkpoint when
// it is later.
func (b *Backfill) Run(ctx context.Context, repo string, since time.Time) (*BackfillResult, error) {
	owner, name, err := SplitRepo(repo)
	if err != nil {
		return nil, plaudit.Errorf(plaudit.EINVALID, "github backfill: %v", err)
	}
	res := &BackfillResult{Repo: repo, From: since}
	cp, err := b.State.GitHubCheckpoint(ctx, repo)
	if err != nil {
		return nil, err
	}
	if cp != "" {
		t, err := time.Parse(time.RFC3339Nano, cp)
		if err != nil {
			return nil, fmt.Errorf("github backfill %s: stored checkpoint %q is not a time: %w", repo, cp, err)
		}
		if t.After(res.From) {
			res.From = t
		}
	}
	log := b.Logger
	if log == nil {
		log = slog.Default()
	}
	log.Info("github backfill", "repo", repo, "from", res.From)
	err = b.Client.Issues(ctx, owner, name, res.From, func(is *gh.Issue) error {
		t, err := b.Client.Thread(ctx, owner, name, is)
		if err != nil {
			return err
		}
		acc, dup, err := b.store(ctx, t)
		if err != nil {
			return fmt.Errorf("github backfill %s#%d: %w", repo, is.GetNumber(), err)
		}
		res.Threads++
		res.Accepted += acc
		res.Duplicates += dup
		if u := is.GetUpdatedAt().Time; !u.IsZero() {
			if err := b.State.SetGitHubCheckpoint(ctx, repo, u.UTC().Format(time.RFC3339Nano)); err != nil {
				return err
			}
			res.Checkpoint = u.UTC()
		}
		if b.Progress != nil {
			b.Progress(int64(res.Threads), -1)
		}
		return nil
	})
	if err != nil {
		return res, err
	}
	log.Info("github backfill done", "repo", repo, "threads", res.Threads, "accepted", res.Accepted, "duplicates", res.Duplicates)
	return res, nil
}

// store appends a conversation's events, all or none: an event that does not validate is an error naming
// it, before anything is stored.
func (b *Backfill) store(ctx context.Context, t *Thread) (accepted, duplicates int, err error) {
	return StoreThread(ctx, b.Events, t)
}

// StoreThread appends a conversation's events through the service, all or none: an event that does not
// validate is an error naming it, and then nothing is stored.
func StoreThread(ctx context.Context, app Appender, t *Thread) (accepted, duplicates int, err error) {
	events, err := t.Events()
	if err != nil {
		return 0, 0, plaudit.Errorf(plaudit.EINVALID, "%v", err)
	}
	for i := range events {
		if errs := events[i].Validate(); len(errs) > 0 {
			return 0, 0, plaudit.Errorf(plaudit.EINVALID, "event %s: %v", events[i].Key(), errs[0])
		}
	}
	if len(events) == 0 {
		return 0, 0, nil
	}
	res, err := app.AppendEvents(ctx, events)
	if err != nil {
		return 0, 0, err
	}
	for i, r := range res {
		switch r.Status {
		case plaudit.Accepted:
			accepted++
		case plaudit.Duplicate:
			duplicates++
		default:
			return accepted, duplicates, plaudit.Errorf(plaudit.EINVALID, "event %s: %v", events[i].Key(), r.Error)
		}
	}
	return accepted, duplicates, nil
}
