package api

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/plaudit/plaudit"
)

// DefaultReadyTimeout bounds each readiness check of GET /readyz unless Options.ReadyTimeout says
// otherwise: short, since probes come every few seconds and a store that takes longer to answer a ping is
// not ready.
const DefaultReadyTimeout = 2 * time.Second

// ReadyCheck is one condition GET /readyz requires: Check returns nil when the named part of the process
// can do its work now (the scheduler is running, a source is connected). Checks run concurrently, each with
// a context that ends after Options.ReadyTimeout, and must not change anything.
type ReadyCheck struct {
	Name  string
	Check func(ctx context.Context) error
}

// readyStore is what the store offers for readiness: sqlstore.DB pings the database and checks that its
// migrations are all applied.
type readyStore interface {
	Ready(ctx context.Context) error
}

// AddReadyCheck adds a readiness check to GET /readyz, for components set up after NewServer.
func (s *Server) AddReadyCheck(name string, check func(ctx context.Context) error) {
	s.readyMu.Lock()
	defer s.readyMu.Unlock()
	s.ready = append(s.ready, ReadyCheck{Name: name, Check: check})
}

// CheckResult is the outcome of one readiness check in a GET /readyz answer.
type CheckResult struct {
	Name   string `json:"name"`
	Status string `json:"status"`          // ok or failed
	Error  string `json:"error,omitempty"` // why it failed, without internal details (those are logged)
}

// ReadyResponse is the body of a GET /readyz answer: status ready (200) or unavailable (503).
type ReadyResponse struct {
	Status string        `json:"status"`
	Checks []CheckResult `json:"checks"`
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz runs every readiness check (the store's first) and answers 200 when all pass, else 503 naming the
// ones that failed.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	var checks []ReadyCheck
	if rs, ok := s.Store.(readyStore); ok {
		checks = append(checks, ReadyCheck{Name: "store", Check: rs.Ready})
	}
	s.readyMu.Lock()
	checks = append(checks, s.ready...)
	s.readyMu.Unlock()

	resp := ReadyResponse{Status: "ready", Checks: make([]CheckResult, len(checks))}
	var wg sync.WaitGroup
	for i, c := range checks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(r.Context(), s.readyTimeout)
			defer cancel()
			err := c.Check(ctx)
			if err == nil && ctx.Err() != nil {
				err = ctx.Err()
			}
			resp.Checks[i] = CheckResult{Name: c.Name, Status: "ok"}
			if err != nil {
				msg := plaudit.ErrorMessage(err)
				if errors.Is(err, context.DeadlineExceeded) {
					msg = "timed out after " + s.readyTimeout.String()
				}
				resp.Checks[i].Status, resp.Checks[i].Error = "failed", msg
				if r.Context().Err() == nil {
					s.Logger.Warn("api: readiness check failed", "check", c.Name, "err", err)
				}
			}
		}()
	}
	wg.Wait()
	status := http.StatusOK
	for _, c := range resp.Checks {
		if c.Status != "ok" {
			resp.Status, status = "unavailable", http.StatusServiceUnavailable
		}
	}
	WriteJSON(w, status, resp)
}
