package jobs_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/internal/testenv"
	"github.com/plaudit/plaudit/jobs"
	"github.com/plaudit/plaudit/sqlstore"
)

// storeWork is a jobs.Work that does real, idempotent writes to the store, as the service layer will:
// every piece of work is an event with a fixed key, checked before it is written, and written in one
// transaction with a marker event of a random key, so that work done twice leaves two markers.
type storeWork struct {
	st     *sqlstore.DB
	prefix string        // names this run's epochs, so that runs of a test do not meet
	epochs int           // how many "epochs" CloseEpochs closes
	slow   time.Duration // sleep before each close, to be killed in the middle
	onWork func()        // called when CloseEpochs begins (the crash child prints a line)

	failRescore error

	integrityGate chan struct{} // Integrity waits for it (or ctx) when set
	running       atomic.Int32  // integrity runs in progress, in this process
	maxRunning    atomic.Int32
}

var testTime = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)

func (w *storeWork) event(id string) plaudit.Event {
	return plaudit.Event{Source: plaudit.SourcePlaudit, ExternalID: id, Kind: plaudit.KindPost, Actor: "jobs-test", Time: testTime}
}

// do writes the event key (and a marker) unless key is already in the log; it reports whether it wrote.
func (w *storeWork) do(ctx context.Context, key string) (bool, error) {
	if _, err := w.st.EventByKey(ctx, plaudit.SourcePlaudit, key); err == nil {
		return false, nil
	} else if plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
		return false, err
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	res, err := w.st.AppendEvents(ctx, []plaudit.Event{w.event(key), w.event(key + "#" + hex.EncodeToString(b[:]))})
	if err != nil {
		return false, err
	}
	for _, r := range res {
		if r.Status != plaudit.Accepted {
			return false, fmt.Errorf("append %s: %s %v", key, r.Status, r.Error)
		}
	}
	return true, nil
}

func (w *storeWork) Score(ctx context.Context) (jobs.Outcome, error) {
	var out jobs.Outcome
	for i := 0; i < 3; i++ {
		wrote, err := w.do(ctx, fmt.Sprintf("%s-score-%d", w.prefix, i))
		if err != nil {
			return out, err
		}
		out.Items++
		if wrote {
			out.Awards++
		}
	}
	return out, nil
}

func (w *storeWork) Rescore(ctx context.Context) (jobs.Outcome, error) {
	if w.failRescore != nil {
		return jobs.Outcome{}, w.failRescore
	}
	return w.Score(ctx)
}

func (w *storeWork) Integrity(ctx context.Context) (jobs.Outcome, error) {
	n := w.running.Add(1)
	defer w.running.Add(-1)
	for {
		m := w.maxRunning.Load()
		if n <= m || w.maxRunning.CompareAndSwap(m, n) {
			break
		}
	}
	if w.integrityGate != nil {
		select {
		case <-w.integrityGate:
		case <-ctx.Done():
			return jobs.Outcome{}, ctx.Err()
		}
	}
	return jobs.Outcome{Items: 1, Note: "checked"}, nil
}

func (w *storeWork) CloseEpochs(ctx context.Context, grace time.Duration) (jobs.Outcome, error) {
	if w.onWork != nil {
		w.onWork()
	}
	var out jobs.Outcome
	for i := 0; i < w.epochs; i++ {
		if w.slow > 0 {
			select {
			case <-time.After(w.slow):
			case <-ctx.Done():
				return out, ctx.Err()
			}
		}
		wrote, err := w.do(ctx, fmt.Sprintf("%s-epoch-%d", w.prefix, i))
		if err != nil {
			return out, err
		}
		if wrote {
			out.Items++
			out.Awards += 10
		}
	}
	return out, nil
}

// markers counts, per key with prefix, the marker events: work done once has exactly one.
func markers(t testing.TB, st *sqlstore.DB, prefix string) map[string]int {
	t.Helper()
	out := map[string]int{}
	err := st.ScanEvents(context.Background(), plaudit.EventFilter{Sources: []plaudit.Source{plaudit.SourcePlaudit}}, func(e *plaudit.Event) error {
		if key, _, ok := strings.Cut(e.ExternalID, "#"); ok && strings.HasPrefix(key, prefix) {
			out[key]++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// backends runs fn on a fresh SQLite file and a fresh PostgreSQL schema.
func backends(t *testing.T, fn func(t *testing.T, dsn string)) {
	for _, b := range []string{"sqlite", "postgres"} {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			dsn := filepath.Join(t.TempDir(), "plaudit.db")
			if b == "postgres" {
				dsn = testenv.Postgres(t)
			}
			fn(t, dsn)
		})
	}
}

func openStore(t testing.TB, dsn string) *sqlstore.DB {
	t.Helper()
	st, err := sqlstore.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func testLogger(t testing.TB) *slog.Logger {
	if os.Getenv("PLAUDIT_JOBS_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
}

// testConfig polls fast and notices dead workers quickly.
func testConfig() jobs.Config {
	return jobs.Config{PollInterval: 20 * time.Millisecond, JobTimeout: 5 * time.Second, RescueAfter: 6 * time.Second,
		NoPeriodic: true, TestOnly: true, RetryDelay: 10 * time.Millisecond}
}

func newScheduler(t testing.TB, st *sqlstore.DB, w jobs.Work, cfg jobs.Config, start bool) *jobs.Scheduler {
	t.Helper()
	ctx := context.Background()
	s, err := jobs.New(ctx, st, w, cfg, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	if start {
		if err := s.Start(ctx); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.Stop(ctx)
	})
	return s
}

// waitRun waits until the run id is finished (or, with orRetrying, waiting for a retry) and returns it.
func waitRun(t testing.TB, s *jobs.Scheduler, id int64, orRetrying bool, within time.Duration) *jobs.Run {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		r, err := s.Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if r.Finished != nil || orRetrying && r.Status == jobs.StatusRetrying {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %d still %s after %s", id, r.Status, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestHistoryOutcomes(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		st := openStore(t, dsn)
		w := &storeWork{st: st, prefix: "h", epochs: 2, failRescore: errors.New("no active policy")}
		cfg := testConfig()
		cfg.MaxAttempts = 1
		s := newScheduler(t, st, w, cfg, true)
		reg := prometheus.NewPedanticRegistry()
		for _, c := range s.Collectors() {
			reg.MustRegister(c)
		}
		if err := s.Ready(ctx); err != nil {
			t.Fatalf("ready: %v", err)
		}

		// Success, with items and awards; the second run finds the work done.
		id, already, err := s.Trigger(ctx, jobs.KindScore, nil)
		if err != nil || already {
			t.Fatalf("trigger: %d %v %v", id, already, err)
		}
		r := waitRun(t, s, id, false, 10*time.Second)
		if r.Status != jobs.StatusSucceeded || r.Items != 3 || r.Awards != 3 || r.Started == nil || r.Attempt != 1 || r.Error != "" {
			t.Fatalf("first score run: %+v", r)
		}
		id2, _, err := s.Trigger(ctx, jobs.KindScore, nil)
		if err != nil || id2 == id {
			t.Fatalf("second trigger: %d %v", id2, err)
		}
		if r := waitRun(t, s, id2, false, 10*time.Second); r.Status != jobs.StatusSucceeded || r.Items != 3 || r.Awards != 0 {
			t.Fatalf("second score run: %+v", r)
		}

		// Failure, with the error.
		id, _, err = s.Trigger(ctx, jobs.KindRescore, nil)
		if err != nil {
			t.Fatal(err)
		}
		r = waitRun(t, s, id, false, 10*time.Second)
		if r.Status != jobs.StatusFailed || !strings.Contains(r.Error, "no active policy") || len(r.Attempts) != 1 {
			t.Fatalf("rescore run: %+v", r)
		}

		// RunNow returns the outcome; arguments reach the work.
		run, err := s.RunNow(ctx, jobs.KindEpochClose, json.RawMessage(`{"grace":"1h"}`))
		if err != nil || run.Status != jobs.StatusSucceeded || run.Items != 2 || run.Awards != 20 {
			t.Fatalf("run now: %+v %v", run, err)
		}
		if _, err := s.RunNow(ctx, jobs.KindEpochClose, json.RawMessage(`{"grace":"soon"}`)); err != nil {
			t.Fatal(err)
		}

		// The history, newest first, by kind.
		all, err := s.List(ctx, jobs.Filter{})
		if err != nil || len(all) != 5 || all[0].Kind != jobs.KindEpochClose || all[0].Status != jobs.StatusFailed || !strings.Contains(all[0].Error, "not a duration") {
			t.Fatalf("list: %v %+v", err, all)
		}
		scores, err := s.List(ctx, jobs.Filter{Kind: jobs.KindScore, Limit: 1})
		if err != nil || len(scores) != 1 || scores[0].ID != id2 {
			t.Fatalf("list score: %v %+v", err, scores)
		}
		if _, err := s.Get(ctx, 99999); plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
			t.Fatalf("get missing: %v", err)
		}
		if _, _, err := s.Trigger(ctx, "nope", nil); !errors.Is(err, jobs.ErrUnknownKind) {
			t.Fatalf("unknown kind: %v", err)
		}
		if m := markers(t, st, "h-"); len(m) != 5 {
			t.Fatalf("markers: %v", m)
		}
		if got := testutil.ToFloat64(s.Collectors()[0].(*prometheus.CounterVec).WithLabelValues(jobs.KindScore, "succeeded")); got != 2 {
			t.Fatalf("runs_total{score,succeeded} = %v", got)
		}
		if got := testutil.ToFloat64(s.Collectors()[2].(*prometheus.CounterVec).WithLabelValues(jobs.KindRescore)); got != 1 {
			t.Fatalf("failures_total{rescore} = %v", got)
		}
		if n, err := testutil.GatherAndCount(reg, "plaudit_job_duration_seconds"); err != nil || n != 3 {
			t.Fatalf("duration series: %d %v", n, err)
		}
	})
}

func TestTriggerAlreadyRunningAndStopCancels(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		st := openStore(t, dsn)
		w := &storeWork{st: st, prefix: "c", integrityGate: make(chan struct{})}
		s, err := jobs.New(ctx, st, w, testConfig(), testLogger(t))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Start(ctx); err != nil {
			t.Fatal(err)
		}
		id, already, err := s.Trigger(ctx, jobs.KindIntegrity, nil)
		if err != nil || already {
			t.Fatal(id, already, err)
		}
		for w.running.Load() == 0 {
			time.Sleep(10 * time.Millisecond)
		}
		id2, already, err := s.Trigger(ctx, jobs.KindIntegrity, nil)
		if err != nil || !already || id2 != id {
			t.Fatalf("second trigger while running: id %d (first %d) already=%v err=%v", id2, id, already, err)
		}
		r, err := s.RunNow(ctx, jobs.KindIntegrity, nil)
		if !errors.Is(err, jobs.ErrAlreadyRunning) || r == nil || r.ID != id || r.Status != jobs.StatusRunning {
			t.Fatalf("run now while running: %+v %v", r, err)
		}

		// Stop waits for the job until its ctx ends, then cancels it.
		stopCtx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		start := time.Now()
		if err := s.Stop(stopCtx); err != nil {
			t.Fatalf("stop: %v", err)
		}
		cancel()
		if took := time.Since(start); took < 200*time.Millisecond || took > 5*time.Second {
			t.Fatalf("stop took %s", took)
		}
		if err := s.Ready(ctx); err == nil {
			t.Fatal("ready after stop")
		}
		// The job cut off by the stop is queued again, unattempted, and the next scheduler runs it.
		next := newScheduler(t, st, w, testConfig(), false)
		r, err = next.Get(ctx, id)
		if err != nil || r.Status != jobs.StatusQueued || r.Finished != nil {
			t.Fatalf("after stop: %+v %v", r, err)
		}
		close(w.integrityGate)
		if err := next.Start(ctx); err != nil {
			t.Fatal(err)
		}
		if r := waitRun(t, next, id, false, 10*time.Second); r.Status != jobs.StatusSucceeded || r.Items != 1 {
			t.Fatalf("resumed after stop: %+v", r)
		}

		// Cancel: a running job is cancelled in the process that runs it.
		w.integrityGate = make(chan struct{})
		id, _, err = next.Trigger(ctx, jobs.KindIntegrity, nil)
		if err != nil {
			t.Fatal(err)
		}
		for w.running.Load() == 0 {
			time.Sleep(10 * time.Millisecond)
		}
		if _, err := next.Cancel(ctx, id); err != nil {
			t.Fatal(err)
		}
		if r := waitRun(t, next, id, false, 10*time.Second); r.Status != jobs.StatusCancelled || r.Finished == nil {
			t.Fatalf("cancelled: %+v", r)
		}
	})
}

// TestUniqueAcrossSchedulers runs two schedulers on one database and triggers the same kind from both many
// times: a kind never runs twice at once, and every trigger is either a new job or the live one.
func TestUniqueAcrossSchedulers(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		st := openStore(t, dsn)
		w := &storeWork{st: st, prefix: "u", integrityGate: make(chan struct{})}
		a := newScheduler(t, st, w, testConfig(), true)
		b := newScheduler(t, st, w, testConfig(), true)
		var wg sync.WaitGroup
		ids := make(chan int64, 40)
		for i := 0; i < 20; i++ {
			for _, s := range []*jobs.Scheduler{a, b} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					id, _, err := s.Trigger(ctx, jobs.KindIntegrity, nil)
					if err != nil {
						t.Error(err)
					}
					ids <- id
				}()
			}
		}
		wg.Wait()
		close(ids)
		distinct := map[int64]bool{}
		for id := range ids {
			distinct[id] = true
		}
		if len(distinct) != 1 {
			t.Fatalf("40 concurrent triggers made %d jobs", len(distinct))
		}
		time.Sleep(300 * time.Millisecond) // both schedulers poll meanwhile
		close(w.integrityGate)
		var id int64
		for k := range distinct {
			id = k
		}
		if r := waitRun(t, a, id, false, 10*time.Second); r.Status != jobs.StatusSucceeded {
			t.Fatalf("run: %+v", r)
		}
		if m := w.maxRunning.Load(); m != 1 {
			t.Fatalf("integrity ran %d at once", m)
		}
	})
}

// TestPeriodic checks that the leader enqueues the periodic kinds and that they run again on schedule.
func TestPeriodic(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		st := openStore(t, dsn)
		w := &storeWork{st: st, prefix: "p", epochs: 1}
		cfg := testConfig()
		cfg.NoPeriodic = false
		cfg.ScoreEvery = 300 * time.Millisecond
		cfg.IntegrityEvery = time.Hour
		cfg.EpochCloseGrace = time.Hour
		cfg.EpochCloseEvery = time.Hour
		s := newScheduler(t, st, w, cfg, true)
		deadline := time.Now().Add(20 * time.Second)
		for {
			runs, err := s.List(ctx, jobs.Filter{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			done := map[string]int{}
			for _, r := range runs {
				if r.Status == jobs.StatusSucceeded {
					done[r.Kind]++
				}
			}
			if done[jobs.KindScore] >= 3 && done[jobs.KindIntegrity] == 1 && done[jobs.KindEpochClose] == 1 {
				if done[jobs.KindRescore] != 0 {
					t.Fatalf("rescore is on demand only: %v", done)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("periodic runs after 20 s: %v", done)
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
}

func TestConfigValidation(t *testing.T) {
	st := openStore(t, filepath.Join(t.TempDir(), "p.db"))
	_, err := jobs.New(context.Background(), st, nil, jobs.Config{JobTimeout: time.Hour, RescueAfter: time.Minute}, nil)
	if err == nil || !strings.Contains(err.Error(), "rescue_after") {
		t.Fatalf("rescue shorter than timeout: %v", err)
	}
	_, err = jobs.New(context.Background(), st, nil, jobs.Config{Kinds: []jobs.Kind{{Name: "Bad Kind!", Run: func(context.Context, json.RawMessage) (jobs.Outcome, error) { return jobs.Outcome{}, nil }}}}, nil)
	if err == nil {
		t.Fatal("invalid kind name accepted")
	}
}

func openStoreErr(ctx context.Context, dsn string) (*sqlstore.DB, error) {
	return sqlstore.Open(ctx, dsn)
}
