package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/config"
	"github.com/plaudit/plaudit/jobs"
	"github.com/plaudit/plaudit/service"
	"github.com/prometheus/client_golang/prometheus"
)

// The scheduled jobs' work is the application layer's: scoring, integrity and closing epochs, each a
// service call. serve runs them on its scheduler; `plaudit job run` runs one in its own process.
func init() {
	newJobWork = func(_ context.Context, st plaudit.Store) jobs.Work {
		return serviceWork{svc: newService(st)}
	}
	addServeComponent("jobs", func(ctx context.Context, env *serveEnv) (serveComponent, error) {
		m := newScoringMetrics()
		env.Registry.MustRegister(m.seconds, m.events)
		jc := jobsConfig(env.Config.Jobs)
		if !service.ServeRole(env.Role).RunsPeriodicJobs() {
			// A worker works the jobs its appends trigger (score catch-ups) and leaves the periodic ones,
			// and leadership, to the jobs and all roles.
			jc.NoPeriodic, jc.NoLeader = true, true
		}
		for _, k := range serveJobKinds {
			if kind, ok := k(env); ok {
				jc.Kinds = append(jc.Kinds, kind)
			}
		}
		s, err := jobs.New(ctx, env.Store, serviceWork{svc: env.Service, metrics: m}, jc, env.Logger)
		if err != nil {
			return nil, err
		}
		env.Registry.MustRegister(s.Collectors()...)
		env.Notify.set(s)
		env.API.Jobs = s // /v1/jobs: built before serve listens, so no request sees it change
		return &jobsComponent{s: s, notify: env.Notify}, nil
	})
}

// serveJobKinds add job kinds beside the built-in ones: each says, from serve's environment, whether its
// kind runs in this server (say, only with a github section). Added by addServeJobKind from init functions.
var serveJobKinds []func(env *serveEnv) (jobs.Kind, bool)

// addServeJobKind makes serve's scheduler run the kind k returns, when it returns true.
func addServeJobKind(k func(env *serveEnv) (jobs.Kind, bool)) {
	serveJobKinds = append(serveJobKinds, k)
}

// jobsConfig is the scheduler's configuration from the config file's jobs section.
func jobsConfig(c config.Jobs) jobs.Config {
	return jobs.Config{ScoreEvery: c.ScoreEvery, IntegrityEvery: c.IntegrityEvery, EpochCloseGrace: c.EpochCloseGrace,
		JobTimeout: c.JobTimeout, RescueAfter: c.RescueAfter}
}

// serviceWork is jobs.Work over the service layer's jobs (service.ScoreJob and the others): it turns their
// outcomes into the scheduler's and feeds serve's scoring metrics.
type serviceWork struct {
	svc     *service.Service
	metrics *scoringMetrics // nil outside serve
}

// scoringMetrics are serve's scoring latency and volume: how long each scoring run took and how many events
// it scored, by mode (streamed catch-up or whole-history run).
type scoringMetrics struct {
	seconds *prometheus.HistogramVec
	events  *prometheus.CounterVec
}

func newScoringMetrics() *scoringMetrics {
	return &scoringMetrics{
		seconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "plaudit_scoring_duration_seconds",
			Help:    "How long a scoring run took, by mode: streamed (a catch-up of new events) or full (the whole log).",
			Buckets: []float64{0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300}}, []string{"mode"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "plaudit_scored_events_total",
			Help: "Events scored, by mode: streamed or full."}, []string{"mode"}),
	}
}

// observe records a scoring run that began at start.
func (m *scoringMetrics) observe(start time.Time, res *service.ScoreResult) {
	if m == nil || res == nil {
		return
	}
	mode := "streamed"
	if res.Full {
		mode = "full"
	}
	m.seconds.WithLabelValues(mode).Observe(time.Since(start).Seconds())
	m.events.WithLabelValues(mode).Add(float64(res.Events))
}

// outcome is a service job's outcome as the scheduler records it.
func outcome(o service.JobOutcome) jobs.Outcome {
	return jobs.Outcome{Items: o.Items, Awards: o.Awards, Note: o.Note}
}

// Score runs the score job (service.ScoreJob).
func (w serviceWork) Score(ctx context.Context) (jobs.Outcome, error) {
	start := time.Now()
	o, err := w.svc.ScoreJob(ctx)
	w.metrics.observe(start, o.Scored)
	return outcome(o), err
}

// Rescore runs the rescore job (service.RescoreJob).
func (w serviceWork) Rescore(ctx context.Context) (jobs.Outcome, error) {
	start := time.Now()
	o, err := w.svc.RescoreJob(ctx)
	w.metrics.observe(start, o.Scored)
	return outcome(o), err
}

// Integrity runs the integrity job (service.IntegrityJob).
func (w serviceWork) Integrity(ctx context.Context) (jobs.Outcome, error) {
	o, err := w.svc.IntegrityJob(ctx)
	return outcome(o), err
}

// CloseEpochs runs the epoch-close job (service.CloseEpochsJob).
func (w serviceWork) CloseEpochs(ctx context.Context, grace time.Duration) (jobs.Outcome, error) {
	o, err := w.svc.CloseEpochsJob(ctx, grace)
	return outcome(o), err
}

// jobNotifier tells the scheduler of appended events and activated policies (service.Notifier): a
// rescore at once, and a score catch-up at most once a second, so that a stream of small appends does not
// become a stream of job inserts.
type jobNotifier struct {
	mu      sync.Mutex
	s       *jobs.Scheduler
	kick    chan struct{}
	stopped chan struct{}
}

func newJobNotifier() *jobNotifier {
	return &jobNotifier{kick: make(chan struct{}, 1), stopped: make(chan struct{})}
}

func (n *jobNotifier) set(s *jobs.Scheduler) {
	n.mu.Lock()
	n.s = s
	n.mu.Unlock()
}

func (n *jobNotifier) scheduler() *jobs.Scheduler {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.s
}

// EventsAppended implements service.Notifier.
func (n *jobNotifier) EventsAppended(int) {
	select {
	case n.kick <- struct{}{}:
	default:
	}
}

// PolicyActivated implements service.Notifier.
func (n *jobNotifier) PolicyActivated(string) {
	if s := n.scheduler(); s != nil {
		if _, _, err := s.Trigger(context.Background(), jobs.KindRescore, nil); err != nil {
			slogWarn("trigger a rescore", err)
		}
	}
}

// run triggers a score catch-up after appends, at most once a second, until ctx ends.
func (n *jobNotifier) run(ctx context.Context) {
	defer close(n.stopped)
	for {
		select {
		case <-ctx.Done():
			return
		case <-n.kick:
		}
		if s := n.scheduler(); s != nil {
			if _, _, err := s.Trigger(ctx, jobs.KindScore, nil); err != nil && ctx.Err() == nil {
				slogWarn("trigger a score catch-up", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}

// jobsComponent runs the scheduler and the notifier inside serve.
type jobsComponent struct {
	s      *jobs.Scheduler
	notify *jobNotifier
	cancel context.CancelFunc
}

func (c *jobsComponent) Start(ctx context.Context) error {
	nctx, cancel := context.WithCancel(ctx)
	c.cancel = cancel
	go c.notify.run(nctx)
	return c.s.Start(ctx)
}

func (c *jobsComponent) Stop(ctx context.Context) error {
	if c.cancel != nil {
		c.cancel()
		<-c.notify.stopped
	}
	return c.s.Stop(ctx)
}

func (c *jobsComponent) Ready(ctx context.Context) error { return c.s.Ready(ctx) }

// slogWarn logs a failure that costs nothing but a delay: the periodic job catches up.
func slogWarn(what string, err error) {
	slog.Warn(what, "err", err)
}
