// Package jobs runs Plaudit's scheduled work unattended: catching up on scoring, rescoring after a policy
// change, integrity runs and closing ended epochs, each as a durable job with a recorded history.
//
// It is built on riverqueue/river, which keeps its jobs in the store's own database (PostgreSQL, or the
// embedded SQLite file through river's SQLite driver): jobs survive a restart, periodic jobs are enqueued by
// one elected leader among several `plaudit serve` processes, a kind never has two live jobs at once (unique
// jobs), failures retry with backoff, and a job whose process died is rescued and retried by the next leader.
// The work itself is the application layer's (Work); this package only decides when it runs and records
// how it went. The work must be idempotent: a job killed part-way runs again from the start, and must skip
// what the killed attempt already committed (closing an epoch twice says "already closed").
package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// The kinds of job this package schedules itself. More are added with Config.Kinds.
const (
	KindScore      = "score"       // catch up on unscored events, every Config.ScoreEvery
	KindRescore    = "rescore"     // rescore everything under the active policy, on demand (policy activation)
	KindIntegrity  = "integrity"   // integrity for the open epochs, every Config.IntegrityEvery
	KindEpochClose = "epoch-close" // close each epoch that ended more than Config.EpochCloseGrace ago
)

// Outcome is what one run did, recorded in the job's history.
type Outcome struct {
	Items  int64  `json:"items"`          // things processed: events scored, epochs closed, members checked
	Awards int64  `json:"awards"`         // awards made: scores written, allocations paid
	Note   string `json:"note,omitempty"` // one line for a person, e.g. "closed default@2026-01-05"
}

// Work is the application layer's side of the built-in jobs: each method does one use case once, through
// the store, and must be idempotent and stop at a safe point when ctx is cancelled (a transaction not yet
// committed is rolled back; the next run picks up from what was committed).
type Work interface {
	// Score scores the events not yet scored under the active policy.
	Score(ctx context.Context) (Outcome, error)
	// Rescore scores the whole log again under the active policy.
	Rescore(ctx context.Context) (Outcome, error)
	// Integrity runs the integrity checks for the open epochs.
	Integrity(ctx context.Context) (Outcome, error)
	// CloseEpochs closes, in order, each epoch that ended at least grace ago and is not closed yet.
	CloseEpochs(ctx context.Context, grace time.Duration) (Outcome, error)
}

// Func runs one job of a registered kind with the arguments it was triggered with (JSON, "{}" when none).
type Func func(ctx context.Context, args json.RawMessage) (Outcome, error)

// Kind registers a kind of job beside the built-in ones, for the jobs to come (engagement checks on
// submitted posts, backfills, witness duties).
type Kind struct {
	// Name is the kind's name: lower-case letters, digits, '-' and '_' (river's rule for kinds).
	Name string
	// Run does the work.
	Run Func
	// Every enqueues the kind periodically; zero means only on demand (Trigger, RunNow).
	Every time.Duration
	// Timeout bounds one attempt; zero means Config.JobTimeout.
	Timeout time.Duration
	// UniqueByArgs makes a kind unique per (kind, arguments) instead of per kind: two jobs of the kind may
	// then run at once when their arguments differ (say, checks of two different posts).
	UniqueByArgs bool
}

// Config says when the jobs run and how a dead worker is noticed. Zero fields take the defaults below.
type Config struct {
	ScoreEvery      time.Duration // score catch-up interval (config key score_every); default 1m
	IntegrityEvery  time.Duration // integrity interval (integrity_every); default 6h
	EpochCloseGrace time.Duration // how long after its end an epoch is closed (epoch_close_grace); default 1h
	// EpochCloseEvery is how often epoch-close looks for ended epochs; default min(EpochCloseGrace, 5m).
	EpochCloseEvery time.Duration

	// JobTimeout bounds one attempt of a job (its context is cancelled after it); default 1h.
	JobTimeout time.Duration
	// RescueAfter is how long a job may stay "running" before the leader takes its worker for dead and
	// retries it (or fails it, after MaxAttempts); it must exceed JobTimeout. Default JobTimeout + 15m.
	RescueAfter time.Duration
	// MaxAttempts is how many times a scheduled or triggered job is tried before it is failed for good;
	// default 5. A RunNow job is tried once.
	MaxAttempts int
	// Retention is how long finished runs stay in the history; default 90 days, negative keeps them forever.
	Retention time.Duration
	// PollInterval is how often an idle worker looks for new jobs; default 1s.
	PollInterval time.Duration
	// Workers is how many jobs one process runs at once (of different kinds); default 4.
	Workers int

	// Kinds adds job kinds beside the built-in ones.
	Kinds []Kind

	// ID names this process among the workers (river's client ID); default host name and a random suffix.
	ID string
	// NoLeader keeps this process from being elected leader: it works jobs but never enqueues periodic
	// jobs nor rescues others' jobs. For extra worker processes; the crash tests use it.
	NoLeader bool
	// NoPeriodic leaves the periodic jobs out (a process that only works triggered jobs).
	NoPeriodic bool
	// RetryDelay, when set, replaces river's backoff (attempt⁴ seconds): a failed attempt is retried after
	// this fixed delay. For tests.
	RetryDelay time.Duration
	// TestOnly turns off river's start-up jitter of its maintenance services. For tests.
	TestOnly bool
}

func (c Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&c.ScoreEvery, time.Minute)
	def(&c.IntegrityEvery, 6*time.Hour)
	def(&c.EpochCloseGrace, time.Hour)
	def(&c.EpochCloseEvery, min(c.EpochCloseGrace, 5*time.Minute))
	def(&c.JobTimeout, time.Hour)
	def(&c.RescueAfter, c.JobTimeout+15*time.Minute)
	def(&c.Retention, 90*24*time.Hour)
	def(&c.PollInterval, time.Second)
	if c.MaxAttempts == 0 {
		c.MaxAttempts = 5
	}
	if c.Workers == 0 {
		c.Workers = 4
	}
	return c
}

func (c Config) validate() error {
	if c.RescueAfter <= c.JobTimeout {
		return fmt.Errorf("jobs: rescue_after (%s) must exceed job_timeout (%s)", c.RescueAfter, c.JobTimeout)
	}
	for name, d := range map[string]time.Duration{"score_every": c.ScoreEvery, "integrity_every": c.IntegrityEvery,
		"epoch_close_grace": c.EpochCloseGrace, "epoch_close_every": c.EpochCloseEvery} {
		if d < 0 {
			return fmt.Errorf("jobs: %s is negative (%s)", name, d)
		}
	}
	return nil
}

// builtinKinds returns the four built-in kinds over w.
func builtinKinds(w Work, c Config) []Kind {
	noArgs := func(f func(context.Context) (Outcome, error)) Func {
		return func(ctx context.Context, _ json.RawMessage) (Outcome, error) { return f(ctx) }
	}
	return []Kind{
		{Name: KindScore, Run: noArgs(w.Score), Every: c.ScoreEvery},
		{Name: KindRescore, Run: noArgs(w.Rescore)},
		{Name: KindIntegrity, Run: noArgs(w.Integrity), Every: c.IntegrityEvery},
		{Name: KindEpochClose, Run: func(ctx context.Context, args json.RawMessage) (Outcome, error) {
			grace := c.EpochCloseGrace
			var a struct {
				Grace string `json:"grace"`
			}
			if len(args) > 0 {
				if err := json.Unmarshal(args, &a); err != nil {
					return Outcome{}, fmt.Errorf("epoch-close arguments: %w", err)
				}
			}
			if a.Grace != "" {
				g, err := time.ParseDuration(a.Grace)
				if err != nil || g < 0 {
					return Outcome{}, fmt.Errorf("epoch-close arguments: grace %q is not a duration", a.Grace)
				}
				grace = g
			}
			return w.CloseEpochs(ctx, grace)
		}, Every: c.EpochCloseEvery},
	}
}

// ErrUnknownKind is returned for a kind no one registered.
var ErrUnknownKind = errors.New("unknown job kind")
