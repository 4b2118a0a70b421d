package main

import (
	"context"
	"fmt"
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
		if env.Role == roleWorker {
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

// serviceWork is jobs.Work over the service layer.
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

// nothingToDo reports the errors that mean a job has nothing to work on yet: no active policy, or a program
// without scored events.
func nothingToDo(err error) bool { return plaudit.ErrorCode(err) == plaudit.ENOTFOUND }

// Score catches up on the events that arrived since the last run (service.CatchUp).
func (w serviceWork) Score(ctx context.Context) (jobs.Outcome, error) {
	start := time.Now()
	res, err := w.svc.CatchUp(ctx)
	w.metrics.observe(start, res)
	if nothingToDo(err) {
		return jobs.Outcome{Note: plaudit.ErrorMessage(err)}, nil
	} else if err != nil {
		return jobs.Outcome{}, err
	}
	how := "streamed"
	if res.Full {
		how = "whole-history run"
	}
	return jobs.Outcome{Items: int64(res.Events), Awards: int64(res.Count),
		Note: fmt.Sprintf("scores of %s reach event %d (%s)", res.Policy.Hash(), res.Through, how)}, nil
}

// Rescore scores the whole log under the active policy (service.Rescore).
func (w serviceWork) Rescore(ctx context.Context) (jobs.Outcome, error) {
	start := time.Now()
	res, err := w.svc.RescoreStreamed(ctx, nil, 0)
	w.metrics.observe(start, res)
	if nothingToDo(err) {
		return jobs.Outcome{Note: plaudit.ErrorMessage(err)}, nil
	} else if err != nil {
		return jobs.Outcome{}, err
	}
	return jobs.Outcome{Items: int64(res.Events), Awards: int64(res.Count),
		Note: fmt.Sprintf("rescored the log through event %d under %s", res.Through, res.Policy.Hash())}, nil
}

// Integrity keeps the integrity runs of the open and pending epochs current (service.EpochIntegrity).
func (w serviceWork) Integrity(ctx context.Context) (jobs.Outcome, error) {
	res, err := w.svc.EpochIntegrity(ctx, "job:integrity", 8)
	if err != nil {
		return jobs.Outcome{}, err
	}
	var out jobs.Outcome
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

// CloseEpochs closes, in order, every epoch that ended at least grace ago (service.CloseEpochs).
func (w serviceWork) CloseEpochs(ctx context.Context, grace time.Duration) (jobs.Outcome, error) {
	res, err := w.svc.CloseEpochs(ctx, service.CloseRequest{Through: time.Now().UTC(), Grace: grace, Operator: "job:epoch-close"})
	if nothingToDo(err) {
		return jobs.Outcome{Note: plaudit.ErrorMessage(err)}, nil
	}
	var out jobs.Outcome
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
