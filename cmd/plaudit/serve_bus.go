package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"sync"

	"github.com/plaudit/plaudit/bus"
	"github.com/plaudit/plaudit/config"
	"github.com/plaudit/plaudit/service"
)

// The roles of plaudit serve (--role), service.ServeRole's: which components one process runs, so that
// receivers, workers and job runners can be separate processes on one PostgreSQL.
const (
	roleAll      = string(service.RoleAll)
	roleReceiver = string(service.RoleReceiver)
	roleWorker   = string(service.RoleWorker)
	roleJobs     = string(service.RoleJobs)
)

// openServeBus connects to the config's bus, when it has one (nil otherwise).
func openServeBus(ctx context.Context, cfg *config.Config, role string) (*bus.Bus, error) {
	if cfg.Bus == nil {
		return nil, nil
	}
	host, _ := os.Hostname()
	b, err := bus.Connect(ctx, bus.Config{URL: cfg.Bus.URL, Stream: cfg.Bus.Stream, MaxBytes: cfg.Bus.MaxBytes, Batch: cfg.Bus.Batch,
		AckWait: cfg.Bus.AckWait,
		Name:    fmt.Sprintf("plaudit %s %s:%d", role, host, os.Getpid())})
	if err != nil {
		return nil, fmt.Errorf("bus: %w", err)
	}
	return b, nil
}

// busPublisher is what the service publishes accepted events to: the bus in the roles that receive, nil
// (store at once) otherwise.
func busPublisher(b *bus.Bus, role service.ServeRole) service.Publisher {
	if b == nil || !role.Receives() {
		return nil
	}
	return b
}

// roleHandler is the HTTP handler of a role: the whole API for the roles that receive, and only
// /healthz, /readyz and /metrics for workers and job runners.
func roleHandler(role service.ServeRole, api http.Handler) http.Handler {
	if role.Receives() {
		return api
	}
	mux := http.NewServeMux()
	for _, p := range []string{"GET /healthz", "GET /readyz", "GET /metrics"} {
		mux.Handle(p, api)
	}
	return mux
}

// With a bus, the bus-worker component stores and scores what the stream holds (service.StoreEvents:
// appends notify the scheduler, which scores them).
func init() {
	addServeComponent("bus-worker", func(_ context.Context, env *serveEnv) (serveComponent, error) {
		if env.Bus == nil {
			return idleComponent{}, nil
		}
		return &busWorker{b: env.Bus, svc: env.Service}, nil
	})
}

// busWorker runs bus.Work in the background until stopped.
type busWorker struct {
	b      *bus.Bus
	svc    *service.Service
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func (w *busWorker) Start(ctx context.Context) error {
	wctx, cancel := context.WithCancel(ctx)
	w.cancel = cancel
	w.wg.Go(func() { _ = w.b.Work(wctx, w.svc) })
	return nil
}

// Stop ends the fetch loop after the batch in hand is stored and acknowledged (or, past ctx, leaves
// it to be redelivered).
func (w *busWorker) Stop(ctx context.Context) error {
	w.cancel()
	done := make(chan struct{})
	go func() { w.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (w *busWorker) Ready(ctx context.Context) error { return w.b.Ready(ctx) }
