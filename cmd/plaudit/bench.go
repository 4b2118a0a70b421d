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
	cmd.AddCommand(apiCmd)
	rootCmd.AddCommand(cmd)
}

func benchAPI(ctx context.Context, cmd *cobra.Command, rate float64, batch int, duration, p99 time.Duration) error {
	dir, err := os.MkdirTemp("", "plaudit-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	st, err := sqlstore.Open(ctx, filepath.Join(dir, "bench.db"))
	if err != nil {
		return err
	}
	defer st.Close()
	const token = "bench-token"
	srv := &http.Server{Handler: api.NewServer(st, api.Options{Tokens: []string{token}, Logger: discardLogger(),
		Service: service.New(st, service.Options{Logger: discardLogger()})}), ReadHeaderTimeout: 10 * time.Second}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go srv.Serve(ln) //nolint:errcheck // ends with Shutdown below
	defer srv.Shutdown(context.WithoutCancel(ctx))
	url := "http://" + ln.Addr().String() + "/v1/events"
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
