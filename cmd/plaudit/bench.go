package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/api"
	"github.com/plaudit/plaudit/loadtest"
	"github.com/plaudit/plaudit/service"
	"github.com/plaudit/plaudit/sqlstore"
)

func init() {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure Plaudit's throughput and latency (by hand; figures in docs/performance.md)",
	}
	var rate float64
	var batch int
	var duration time.Duration
	var p99 time.Duration
	apiCmd := &cobra.Command{
		Use:   "api",
		Short: "Load POST /v1/events over loopback on a fresh embedded store and report throughput and latency",
		Long: `api starts the REST API on a loopback port over a fresh SQLite store in a temporary folder, then posts
--rate events a second in batches of --batch (one request every batch/rate seconds, open-loop: requests start on
schedule whether or not earlier ones have answered) for --duration, and reports the achieved rate and the
latency quantiles of the answers, and whether they meet the target (--p99). It exits 1 when the target is
missed or any request failed.`,
		Example: "  plaudit bench api --rate 10000 --batch 500 --duration 60s",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if rate <= 0 || batch <= 0 || batch > plaudit.MaxBatch || duration <= 0 {
				return plaudit.Errorf(plaudit.EINVALID, "--rate, --batch (1–%d) and --duration must be positive", plaudit.MaxBatch)
			}
			return benchAPI(cmd.Context(), cmd, rate, batch, duration, p99)
		},
	}
	apiCmd.Flags().Float64Var(&rate, "rate", 10000, "events a second")
	apiCmd.Flags().IntVar(&batch, "batch", 500, "events a request")
	apiCmd.Flags().DurationVar(&duration, "duration", 60*time.Second, "how long to send")
	apiCmd.Flags().DurationVar(&p99, "p99", 100*time.Millisecond, "the 99th-percentile latency the run must stay under")
	var members int
	var lbRate float64
	var lbDuration, lbP99 time.Duration
	lbCmd := &cobra.Command{
		Use:   "leaderboard",
		Short: "Load GET /v1/leaderboard over loopback on a fresh embedded store of --members scored members",
		Long: `leaderboard fills a fresh SQLite store in a temporary folder with --members members, each submitting an X
post, liking one and replying to another (three events a member), scores them under preset:default, then
asks GET /v1/leaderboard (the first page of 50) --rate times a second for --duration, open-loop, and reports
the achieved rate and the latency quantiles against --p99. It exits 1 when the target is missed or any request
failed.`,
		Example: "  plaudit bench leaderboard --members 100000 --rate 2000 --duration 60s",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if members < 2 || members > 10_000_000 || lbRate <= 0 || lbDuration <= 0 {
				return plaudit.Errorf(plaudit.EINVALID, "--members (2–10,000,000), --rate and --duration must be positive")
			}
			return benchLeaderboard(cmd.Context(), cmd, members, lbRate, lbDuration, lbP99)
		},
	}
	lbCmd.Flags().IntVar(&members, "members", 100000, "members in the store")
	lbCmd.Flags().Float64Var(&lbRate, "rate", 2000, "requests a second")
	lbCmd.Flags().DurationVar(&lbDuration, "duration", 60*time.Second, "how long to send")
	lbCmd.Flags().DurationVar(&lbP99, "p99", 20*time.Millisecond, "the 99th-percentile latency the run must stay under")
	cmd.AddCommand(apiCmd, lbCmd, stagesCommand())
	rootCmd.AddCommand(cmd)
}

// benchToken is the admin token of the benchmarks' servers.
const benchToken = "bench-token"

// benchStore opens a fresh SQLite store in a temporary folder; done closes and removes it.
func benchStore(ctx context.Context) (st *sqlstore.DB, done func(), err error) {
	dir, err := os.MkdirTemp("", "plaudit-bench-")
	if err != nil {
		return nil, nil, err
	}
	st, err = sqlstore.Open(ctx, filepath.Join(dir, "bench.db"))
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	return st, func() { st.Close(); os.RemoveAll(dir) }, nil
}

// benchServer serves the REST API over st on a loopback port with svc (built as `plaudit serve` builds it,
// streaming) and the benchmark key's rate limit, and returns its base URL; stop shuts it down.
func benchServer(ctx context.Context, st *sqlstore.DB, svc *service.Service, limit api.RateLimit) (base string, stop func(), err error) {
	srv := &http.Server{Handler: api.NewServer(st, api.Options{Tokens: []string{benchToken}, Logger: discardLogger(), Service: svc, RateLimit: limit}),
		ReadHeaderTimeout: 10 * time.Second}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	go srv.Serve(ln) //nolint:errcheck // ends with Shutdown
	return "http://" + ln.Addr().String(), func() { srv.Shutdown(context.WithoutCancel(ctx)) }, nil
}

func benchAPI(ctx context.Context, cmd *cobra.Command, rate float64, batch int, duration, p99 time.Duration) error {
	st, done, err := benchStore(ctx)
	if err != nil {
		return err
	}
	defer done()
	const token = benchToken
	base0, stop, err := benchServer(ctx, st, service.New(st, service.Options{Logger: discardLogger(), Streaming: true}), api.RateLimit{})
	if err != nil {
		return err
	}
	defer stop()
	url := base0 + "/v1/events"
	base := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	// Bodies are made before the run, so that making them costs the measured run nothing.
	n := int(rate / float64(batch) * duration.Seconds())
	bodies := make([][]byte, n)
	for i := range bodies {
		evs := make([]map[string]any, batch)
		for j := range evs {
			k := i*batch + j
			evs[j] = map[string]any{"source": "api", "id": fmt.Sprintf("b%d", k), "kind": "post", "actor": fmt.Sprintf("m%d", k%100000),
				"content": "a post of the benchmark, long enough to look like one", "time": base.Add(time.Duration(k) * time.Second).Format(time.RFC3339)}
		}
		if bodies[i], err = json.Marshal(map[string]any{"events": evs}); err != nil {
			return err
		}
	}
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "POST /v1/events: %.0f events/s in batches of %d for %s over loopback, fresh SQLite store\n", rate, batch, duration)
	res, err := loadtest.Run(ctx, loadtest.Config{Rate: rate / float64(batch), Duration: duration, Client: &http.Client{Timeout: time.Minute},
		NewRequest: func(i int) (*http.Request, error) {
			req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(bodies[i%len(bodies)]))
			if err == nil {
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+token)
			}
			return req, err
		}})
	if err != nil {
		return err
	}
	stats, err := st.EventStats(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, res)
	events := float64(res.OK*batch) / res.Elapsed.Seconds()
	fmt.Fprintf(out, "stored %d events: %.0f events/s\n", stats.Total, events)
	met := res.Failed == 0 && res.Dropped == 0 && res.Quantile(0.99) < p99 && events >= 0.98*rate
	verdict := "met"
	if !met {
		verdict = "NOT met"
	}
	fmt.Fprintf(out, "target %.0f events/s with p99 under %s: %s\n", rate, p99, verdict)
	if !met {
		return errors.New("bench api: target not met")
	}
	return nil
}

// discardLogger drops every record: the benchmark's server would otherwise log each request.
func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func benchLeaderboard(ctx context.Context, cmd *cobra.Command, members int, rate float64, duration, p99 time.Duration) error {
	st, done, err := benchStore(ctx)
	if err != nil {
		return err
	}
	defer done()
	out := cmd.OutOrStdout()
	svc := service.New(st, service.Options{Logger: discardLogger(), Streaming: true})
	began := time.Now()
	if err := loadtest.SeedBoard(ctx, svc, members); err != nil {
		return err
	}
	res, err := svc.Rescore(ctx, nil)
	if err != nil {
		return err
	}
	b, err := svc.Leaderboard(ctx, service.LeaderboardRequest{Limit: 1})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "seeded %d events of %d members and scored them (%d scores, %d members on the board) in %s\n",
		res.Events, members, res.Count, b.Members, time.Since(began).Round(time.Millisecond))
	// One key sends the whole load, as many panels and bots would between them: its limit is the load's.
	base, stop, err := benchServer(ctx, st, svc, api.RateLimit{PerSecond: 2 * rate, Burst: int(2 * rate)})
	if err != nil {
		return err
	}
	defer stop()
	url := base + "/v1/leaderboard?limit=50"
	fmt.Fprintf(out, "GET /v1/leaderboard?limit=50: %.0f requests/s for %s over loopback, SQLite store\n", rate, duration)
	r, err := loadtest.Run(ctx, loadtest.Config{Rate: rate, Duration: duration, Client: &http.Client{Timeout: time.Minute},
		NewRequest: func(int) (*http.Request, error) {
			req, err := http.NewRequest(http.MethodGet, url, nil)
			if err == nil {
				req.Header.Set("Authorization", "Bearer "+benchToken)
			}
			return req, err
		}})
	if err != nil {
		return err
	}
	fmt.Fprintln(out, r)
	if r.FirstError != "" {
		fmt.Fprintln(out, "first error:", r.FirstError)
	}
	achieved := float64(r.OK) / r.Elapsed.Seconds()
	met := r.Failed == 0 && r.Dropped == 0 && r.Quantile(0.99) < p99 && achieved >= 0.98*rate
	verdict := "met"
	if !met {
		verdict = "NOT met"
	}
	fmt.Fprintf(out, "target %.0f requests/s with p99 under %s on %d members: %s\n", rate, p99, b.Members, verdict)
	if !met {
		return errors.New("bench leaderboard: target not met")
	}
	return nil
}
