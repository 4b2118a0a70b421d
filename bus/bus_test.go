package bus_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/bus"
	"github.com/plaudit/plaudit/gen"
	"github.com/plaudit/plaudit/internal/testenv"
	"github.com/plaudit/plaudit/service"
	"github.com/plaudit/plaudit/sqlstore"
)

// community returns a small generated community's events.
func community(t testing.TB, members int) []plaudit.Event {
	t.Helper()
	var evs []plaudit.Event
	if _, err := gen.Generate(gen.Config{Members: members, Days: 7, Seed: 3}, func(e *plaudit.Event) error {
		evs = append(evs, *e)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return evs
}

func openStore(t testing.TB) *sqlstore.DB {
	t.Helper()
	st, err := sqlstore.Open(context.Background(), testenv.PostgresDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func connect(t testing.TB, url string, cfg bus.Config) *bus.Bus {
	t.Helper()
	cfg.URL = url
	cfg.Logger = slog.New(slog.DiscardHandler)
	b, err := bus.Connect(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

// TestExactlyOnceThroughRestart publishes every event twice through a receiver's service while two
// workers store them and the NATS server restarts, and checks that the log holds each event once.
func TestExactlyOnceThroughRestart(t *testing.T) {
	ns := testenv.StartNATS(t)
	st := openStore(t)
	evs := community(t, 300)
	recv := connect(t, ns.URL(), bus.Config{Batch: 100})
	svc := service.New(st, service.Options{Publish: recv})
	worker := service.New(st, service.Options{})

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for i := range 2 {
		w := connect(t, ns.URL(), bus.Config{Batch: 100, AckWait: 2 * time.Second, Name: "worker" + string(rune('0'+i))})
		wg.Go(func() {
			if err := w.Work(ctx, worker); err != nil {
				t.Error(err)
			}
		})
	}
	half := len(evs) / 2
	publish := func(part []plaudit.Event) {
		for i := 0; i < len(part); i += 200 {
			pctx, pcancel := context.WithTimeout(ctx, 30*time.Second)
			res, err := svc.AppendEvents(pctx, part[i:min(i+200, len(part))])
			pcancel()
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range res {
				if r.Status != plaudit.Accepted {
					t.Fatalf("publish: %+v", r)
				}
			}
		}
	}
	publish(evs[:half])
	ns.Restart()
	publish(evs[half:])
	publish(evs[:half]) // a sender's retry: nothing may be stored twice

	waitFor(t, func() bool {
		s, err := st.EventStats(ctx)
		return err == nil && s.Total >= int64(len(evs))
	})
	if n, err := recv.Pending(ctx); err != nil {
		t.Fatal(err)
	} else if n != 0 {
		waitFor(t, func() bool { n, _ := recv.Pending(ctx); return n == 0 })
	}
	cancel()
	wg.Wait()
	seen := map[string]int{}
	if err := st.ScanEvents(context.Background(), plaudit.EventFilter{}, func(e *plaudit.Event) error {
		seen[e.Key()]++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(seen) != len(evs) {
		t.Fatalf("the log holds %d distinct events, want %d", len(seen), len(evs))
	}
	for _, e := range evs {
		if seen[e.Key()] != 1 {
			t.Fatalf("event %s stored %d times", e.Key(), seen[e.Key()])
		}
	}
}

// TestBackpressure fills a small stream with no worker running: the publish past its limit waits and
// then fails at the caller's deadline (nothing dropped, nothing half-stored), and succeeds once a worker
// drains the stream.
func TestBackpressure(t *testing.T) {
	ns := testenv.StartNATS(t)
	st := openStore(t)
	evs := community(t, 300)
	recv := connect(t, ns.URL(), bus.Config{MaxBytes: 64 << 10, Batch: 100})
	svc := service.New(st, service.Options{Publish: recv})
	ctx := context.Background()

	var sent int
	var err error
	for sent = 0; sent < len(evs); sent += 50 {
		pctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
		_, err = svc.AppendEvents(pctx, evs[sent:min(sent+50, len(evs))])
		cancel()
		if err != nil {
			break
		}
	}
	if err == nil {
		t.Fatalf("published %d events into a 64 KiB stream without waiting", len(evs))
	}
	if s, _ := st.EventStats(ctx); s.Total != 0 {
		t.Fatalf("the store holds %d events with no worker running", s.Total)
	}
	wctx, wcancel := context.WithCancel(ctx)
	defer wcancel()
	w := connect(t, ns.URL(), bus.Config{Batch: 100})
	done := make(chan struct{})
	go func() { defer close(done); _ = w.Work(wctx, service.New(st, service.Options{})) }()
	pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for ; sent < len(evs); sent += 50 {
		if _, err := svc.AppendEvents(pctx, evs[sent:min(sent+50, len(evs))]); err != nil {
			t.Fatalf("publish with a worker draining the stream: %v", err)
		}
	}
	waitFor(t, func() bool { s, err := st.EventStats(ctx); return err == nil && s.Total == int64(len(evs)) })
	wcancel()
	<-done
}

// TestBadMessageTerminated: a message on the events subject that is not a valid event is dropped (and
// logged), and the worker goes on with the valid ones.
func TestBadMessageTerminated(t *testing.T) {
	ns := testenv.StartNATS(t)
	st := openStore(t)
	b := connect(t, ns.URL(), bus.Config{})
	if err := bus.PublishRaw(context.Background(), b, "plaudit.events.api", []byte(`{"source":"api","id":""}`)); err != nil {
		t.Fatal(err)
	}
	evs := community(t, 20)[:10]
	if err := b.PublishEvents(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = b.Work(ctx, service.New(st, service.Options{})) }()
	waitFor(t, func() bool { s, err := st.EventStats(ctx); return err == nil && s.Total == int64(len(evs)) })
	waitFor(t, func() bool { n, _ := b.Pending(ctx); return n == 0 })
	cancel()
	<-done
}

func waitFor(t testing.TB, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
