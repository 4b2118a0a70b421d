package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/sqlstore"
)

// The queues: periodic and triggered jobs go to queueDefault; RunNow's to queueManual, which a process that
// only runs one job now (`plaudit job run`) works alone, so that it never picks up someone else's job only to
// cancel it when it exits. A serving Scheduler works both.
const (
	queueDefault = river.QueueDefault
	queueManual  = "manual"
)

// liveStates are the states in which a job counts against its kind's uniqueness: while one job of a kind is
// waiting, running or waiting to retry, no other is inserted.
var liveStates = []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
	rivertype.JobStateRetryable, rivertype.JobStateScheduled,
}

// ErrAlreadyRunning is returned by RunNow when a job of the kind is already queued or running; the Run
// returned beside it is that job.
var ErrAlreadyRunning = errors.New("a job of this kind is already queued or running")

// Scheduler runs Plaudit's jobs on river in the store's database: it enqueues the periodic ones (when this
// process is the elected leader), works jobs of every registered kind, rescues jobs whose process died,
// and reads the history. Create it with New, then Start it to work jobs, or use it without starting for
// Trigger, RunNow and the history. Stop releases it either way.
type Scheduler struct {
	db      *sqlstore.DB
	cfg     Config
	log     *slog.Logger
	kinds   map[string]Kind
	sqldb   *sql.DB
	release func() error
	driver  riverdriver.Driver[*sql.Tx]
	workers *river.Workers
	client  *river.Client[*sql.Tx]
	metrics *metrics

	mu       sync.Mutex
	started  bool
	stopped  bool
	stopping atomic.Bool // set by Stop: a job whose context ends now was cancelled, not failed
}

// New prepares a Scheduler on db: it runs river's migrations (its tables live beside the store's) and
// registers the built-in kinds over work (none when work is nil: the history can still be read) and the
// kinds of cfg.Kinds. Zero fields of cfg take their defaults (see Config). logger may be nil.
func New(ctx context.Context, db *sqlstore.DB, work Work, cfg Config, logger *slog.Logger) (*Scheduler, error) {
	if logger == nil {
		logger = slog.Default()
	}
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	s := &Scheduler{db: db, cfg: cfg, log: logger, kinds: map[string]Kind{}, metrics: newMetrics()}
	var all []Kind
	if work != nil {
		all = builtinKinds(work, cfg)
	}
	all = append(all, cfg.Kinds...)
	s.workers = river.NewWorkers()
	for _, k := range all {
		if k.Name == "" || k.Run == nil {
			return nil, fmt.Errorf("jobs: kind %q has no name or no Run", k.Name)
		}
		if _, dup := s.kinds[k.Name]; dup {
			return nil, fmt.Errorf("jobs: kind %q registered twice", k.Name)
		}
		s.kinds[k.Name] = k
		// AddWorkerArgs, not AddWorker: every kind shares one args type whose kind is a value, so that kinds
		// can be registered at run time by name.
		if err := addWorker(s.workers, k, s); err != nil {
			return nil, fmt.Errorf("jobs: register %q: %w", k.Name, err)
		}
	}

	sqldb, release, err := db.JobQueueDB(ctx)
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	s.sqldb, s.release = sqldb, release
	if db.Dialect() == sqlstore.Postgres {
		s.driver = riverdatabasesql.New(sqldb)
	} else {
		s.driver = riversqlite.New(sqldb)
	}
	if err := s.migrate(ctx); err != nil {
		_ = release()
		return nil, err
	}
	client, err := river.NewClient(s.driver, s.riverConfig(true))
	if err != nil {
		_ = release()
		return nil, fmt.Errorf("jobs: new river client: %w", err)
	}
	s.client = client
	return s, nil
}

func addWorker(ws *river.Workers, k Kind, s *Scheduler) (err error) {
	defer func() {
		if p := recover(); p != nil { // river panics on an invalid kind or a duplicate
			err = fmt.Errorf("%v", p)
		}
	}()
	river.AddWorkerArgs(ws, jobArgs{kind: k.Name}, &worker{s: s, k: k})
	return nil
}

// migrate brings river's tables up to date. On PostgreSQL a session advisory lock keeps two processes
// starting together from migrating at once; on SQLite the migration's write transaction does.
func (s *Scheduler) migrate(ctx context.Context) error {
	m, err := rivermigrate.New(s.driver, &rivermigrate.Config{Logger: s.log})
	if err != nil {
		return fmt.Errorf("jobs: river migrator: %w", err)
	}
	if s.db.Dialect() == sqlstore.Postgres {
		var where string
		if err := s.sqldb.QueryRowContext(ctx, "SELECT current_database() || '.' || coalesce(current_schema(), '')").Scan(&where); err != nil {
			return fmt.Errorf("jobs: migrate river: %w", err)
		}
		h := fnv.New64a()
		h.Write([]byte("plaudit river migrations " + where))
		key := int64(h.Sum64() >> 1)
		conn, err := s.sqldb.Conn(ctx)
		if err != nil {
			return fmt.Errorf("jobs: migrate river: %w", err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", key); err != nil {
			return fmt.Errorf("jobs: migrate river: lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", key) //nolint:errcheck
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("jobs: migrate river: %w", err)
	}
	return nil
}

// riverConfig is the river configuration of the serving client (serving) or of RunNow's client of its
// own, which works the manual queue only, enqueues nothing periodic and is never leader.
func (s *Scheduler) riverConfig(serving bool) *river.Config {
	c := s.cfg
	retention := c.Retention
	if retention < 0 {
		retention = -1
	}
	cfg := &river.Config{
		ID:                          c.ID,
		Logger:                      s.log,
		Workers:                     s.workers,
		JobTimeout:                  c.JobTimeout,
		RescueStuckJobsAfter:        c.RescueAfter,
		MaxAttempts:                 c.MaxAttempts,
		FetchPollInterval:           c.PollInterval,
		FetchCooldown:               min(c.PollInterval, river.FetchCooldownDefault),
		CompletedJobRetentionPeriod: retention,
		CancelledJobRetentionPeriod: retention,
		DiscardedJobRetentionPeriod: retention,
		TestOnly:                    c.TestOnly,
		LeaderElectionDisabled:      c.NoLeader || !serving,
		Queues:                      map[string]river.QueueConfig{queueManual: {MaxWorkers: c.Workers}},
	}
	if cfg.ID == "" {
		cfg.ID = clientID()
	}
	if !serving {
		cfg.ID += "-run"
	}
	if c.RetryDelay > 0 {
		cfg.RetryPolicy = fixedRetry(c.RetryDelay)
	}
	if serving {
		cfg.Queues[queueDefault] = river.QueueConfig{MaxWorkers: c.Workers}
		if !c.NoPeriodic {
			for _, k := range s.sortedKinds() {
				if k.Every <= 0 {
					continue
				}
				cfg.PeriodicJobs = append(cfg.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(k.Every),
					func() (river.JobArgs, *river.InsertOpts) {
						return jobArgs{kind: k.Name}, s.insertOpts(k, queueDefault, 0)
					}, &river.PeriodicJobOpts{ID: k.Name, RunOnStart: true}))
			}
		}
	}
	return cfg
}

// fixedRetry retries a failed job after a fixed delay.
type fixedRetry time.Duration

func (d fixedRetry) NextRetry(*rivertype.JobRow) time.Time { return time.Now().Add(time.Duration(d)) }

// insertOpts are the options of every job of kind k: unique per kind (or per kind and arguments) while a
// job is live, so that a kind never runs twice at once, whichever process inserts it.
func (s *Scheduler) insertOpts(k Kind, queue string, maxAttempts int) *river.InsertOpts {
	return &river.InsertOpts{
		Queue:       queue,
		MaxAttempts: maxAttempts,
		UniqueOpts:  river.UniqueOpts{ByArgs: k.UniqueByArgs, ByState: liveStates},
	}
}

// Kinds returns the registered kinds' names, sorted.
func (s *Scheduler) Kinds() []string {
	var out []string
	for _, k := range s.sortedKinds() {
		out = append(out, k.Name)
	}
	return out
}

func (s *Scheduler) sortedKinds() []Kind {
	out := make([]Kind, 0, len(s.kinds))
	for _, k := range s.kinds {
		out = append(out, k)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Name < out[j-1].Name; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// Start starts working jobs and, while this process is the leader, enqueueing the periodic ones and
// rescuing the jobs of dead workers. It returns once started; Stop stops it.
func (s *Scheduler) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return errors.New("jobs: start: scheduler already stopped")
	}
	if s.started {
		return nil
	}
	if n, err := s.rescueDeadLocal(ctx); err != nil {
		s.log.Warn("jobs: could not rescue the jobs of dead processes now; river's rescuer will", "err", err)
	} else if n > 0 {
		s.log.Info("jobs: rescued jobs of processes that are gone", "jobs", n)
	}
	// The client lives until Stop, not until the caller's ctx ends.
	if err := s.client.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("jobs: start: %w", err)
	}
	s.started = true
	s.log.InfoContext(ctx, "jobs started", "kinds", s.Kinds(), "score_every", s.cfg.ScoreEvery,
		"integrity_every", s.cfg.IntegrityEvery, "epoch_close_grace", s.cfg.EpochCloseGrace)
	return nil
}

// Stop stops the Scheduler gracefully: it stops fetching jobs, lets the running ones finish until ctx is
// done, then cancels them (each stops at its next safe point; river queues it again, unattempted, for the
// next process) and waits for them to return. It releases the database pool the Scheduler opened; call it once, started or not.
func (s *Scheduler) Stop(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return nil
	}
	s.stopped = true
	var err error
	if s.started {
		s.stopping.Store(true)
		if serr := s.client.Stop(ctx); serr != nil {
			s.log.Warn("jobs: running jobs did not finish in time; cancelling them", "err", serr)
			hard, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			err = s.client.StopAndCancel(hard)
			cancel()
			if err != nil {
				err = fmt.Errorf("jobs: stop: %w", err)
			}
		}
	}
	if rerr := s.release(); rerr != nil && err == nil {
		err = fmt.Errorf("jobs: stop: %w", rerr)
	}
	return err
}

// Ready reports whether the Scheduler is running and can reach its database: nil when it is started, not
// stopped, and river's job table answers.
func (s *Scheduler) Ready(ctx context.Context) error {
	s.mu.Lock()
	started, stopped := s.started, s.stopped
	s.mu.Unlock()
	switch {
	case stopped:
		return errors.New("jobs: stopped")
	case !started:
		return errors.New("jobs: not started")
	}
	select {
	case <-s.client.Stopped():
		return errors.New("jobs: river client stopped")
	default:
	}
	if _, err := s.client.JobList(ctx, river.NewJobListParams().First(1)); err != nil {
		return fmt.Errorf("jobs: not ready: %w", err)
	}
	return nil
}

// Trigger enqueues a job of kind with args (JSON, nil for none) for the serving processes to run soon,
// and returns its id. When a job of the kind is already queued or running it inserts nothing and returns
// that job's id with alreadyRunning true; if that job was waiting for a retry, it is made to run now.
func (s *Scheduler) Trigger(ctx context.Context, kind string, args json.RawMessage) (id int64, alreadyRunning bool, err error) {
	res, err := s.insert(ctx, kind, args, queueDefault, 0)
	if err != nil {
		return 0, false, err
	}
	if res.UniqueSkippedAsDuplicate {
		if st := res.Job.State; st == rivertype.JobStateRetryable || st == rivertype.JobStateScheduled {
			if _, err := s.client.JobRetry(ctx, res.Job.ID); err != nil {
				return res.Job.ID, true, fmt.Errorf("jobs: trigger %s: run waiting job %d now: %w", kind, res.Job.ID, err)
			}
		}
		return res.Job.ID, true, nil
	}
	return res.Job.ID, false, nil
}

func (s *Scheduler) insert(ctx context.Context, kind string, args json.RawMessage, queue string, maxAttempts int) (*rivertype.JobInsertResult, error) {
	k, ok := s.kinds[kind]
	if !ok {
		return nil, fmt.Errorf("jobs: %w %q (known: %v)", ErrUnknownKind, kind, s.Kinds())
	}
	if len(args) > 0 && !json.Valid(args) {
		return nil, fmt.Errorf("jobs: %s arguments are not JSON", kind)
	}
	res, err := s.client.Insert(ctx, jobArgs{kind: kind, raw: args}, s.insertOpts(k, queue, maxAttempts))
	if err != nil {
		return nil, fmt.Errorf("jobs: insert %s: %w", kind, err)
	}
	return res, nil
}

// RunNow inserts a job of kind with args and waits until it is finished, working it in this process when
// the Scheduler is not started (as `plaudit job run` does), and returns its run. The job is tried once.
// When a job of the kind is already queued or running it returns that job's run and ErrAlreadyRunning.
// If ctx ends first, the job is cancelled (when this process runs it) and ctx's error returned.
func (s *Scheduler) RunNow(ctx context.Context, kind string, args json.RawMessage) (*Run, error) {
	res, err := s.insert(ctx, kind, args, queueManual, 1)
	if err != nil {
		return nil, err
	}
	if res.UniqueSkippedAsDuplicate {
		return runFromRow(res.Job), ErrAlreadyRunning
	}
	id := res.Job.ID
	s.mu.Lock()
	serving := s.started && !s.stopped
	s.mu.Unlock()
	if !serving {
		local, err := river.NewClient(s.driver, s.riverConfig(false))
		if err != nil {
			return nil, fmt.Errorf("jobs: run %s: %w", kind, err)
		}
		if err := local.Start(context.WithoutCancel(ctx)); err != nil {
			return nil, fmt.Errorf("jobs: run %s: %w", kind, err)
		}
		defer func() {
			stop, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer cancel()
			if ctx.Err() != nil {
				s.stopping.Store(true) // a job cut off by the caller is cancelled, not failed
				_ = local.StopAndCancel(stop)
				return
			}
			_ = local.Stop(stop)
		}()
	}
	tick := time.NewTicker(min(50*time.Millisecond, s.cfg.PollInterval))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("jobs: run %s (job %d): %w", kind, id, ctx.Err())
		case <-tick.C:
		}
		row, err := s.client.JobGet(ctx, id)
		if err != nil {
			if ctx.Err() != nil {
				continue
			}
			return nil, fmt.Errorf("jobs: run %s (job %d): %w", kind, id, err)
		}
		if row.FinalizedAt != nil {
			return runFromRow(row), nil
		}
	}
}

// Cancel cancels the job id: a queued or retrying job is cancelled at once, a running one has its context
// cancelled (in whichever process runs it) and is recorded as cancelled when its work returns. It returns
// the run as it stands after the request.
func (s *Scheduler) Cancel(ctx context.Context, id int64) (*Run, error) {
	row, err := s.client.JobCancel(ctx, id)
	if errors.Is(err, river.ErrNotFound) {
		return nil, plaudit.Errorf(plaudit.ENOTFOUND, "job %d not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("jobs: cancel %d: %w", id, err)
	}
	return runFromRow(row), nil
}

// jobArgs are the arguments of every job: the kind is a value (see AddWorkerArgs in New) and the
// arguments are kept as the JSON they were given in.
type jobArgs struct {
	kind string
	raw  json.RawMessage
}

// Kind implements river.JobArgs.
func (a jobArgs) Kind() string { return a.kind }

// MarshalJSON stores the arguments as given ("{}" for none).
func (a jobArgs) MarshalJSON() ([]byte, error) {
	if len(a.raw) == 0 {
		return []byte("{}"), nil
	}
	return a.raw, nil
}

// UnmarshalJSON keeps the stored arguments as they are.
func (a *jobArgs) UnmarshalJSON(b []byte) error {
	a.raw = append(json.RawMessage(nil), b...)
	return nil
}

// worker runs the jobs of one kind and records their outcome and metrics.
type worker struct {
	river.WorkerDefaults[jobArgs]
	s *Scheduler
	k Kind
}

// Timeout is the kind's own timeout, or the Scheduler's (zero).
func (w *worker) Timeout(*river.Job[jobArgs]) time.Duration { return w.k.Timeout }

// Work runs one attempt. An attempt cut off because the Scheduler is stopping is counted as cancelled in the
// metrics; river puts the job back in the queue as it was (the attempt is not counted), so that the next
// process runs it again and the work resumes from what the cut-off attempt committed.
func (w *worker) Work(ctx context.Context, job *river.Job[jobArgs]) error {
	start := time.Now()
	log := w.s.log.With("kind", w.k.Name, "job", job.ID, "attempt", job.Attempt)
	log.InfoContext(ctx, "job started")
	out, err := w.k.Run(ctx, job.Args.raw)
	if rerr := river.RecordOutput(ctx, out); rerr != nil {
		log.WarnContext(ctx, "job outcome not recorded", "err", rerr)
	}
	took := time.Since(start)
	switch {
	case err == nil:
		w.s.metrics.observe(w.k.Name, StatusSucceeded, took)
		log.InfoContext(ctx, "job succeeded", "items", out.Items, "awards", out.Awards, "took", took)
		return nil
	case ctx.Err() != nil && w.s.stopping.Load():
		w.s.metrics.observe(w.k.Name, StatusCancelled, took)
		log.WarnContext(ctx, "job cut off by stop; queued again", "err", err, "took", took)
		return fmt.Errorf("cut off by stop: %w", err)
	default:
		w.s.metrics.observe(w.k.Name, StatusFailed, took)
		log.WarnContext(ctx, "job failed", "err", err, "took", took)
		return err
	}
}
