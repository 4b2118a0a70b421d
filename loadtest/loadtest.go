// Package loadtest drives an HTTP endpoint at a fixed request rate for a fixed time and reports the
// latencies, for `plaudit bench api`. It is open-loop: requests start on schedule whether or not earlier
// ones have answered, so a slow server shows as latency instead of hiding as a lower rate (the coordinated
// omission that a closed loop of workers suffers).
package loadtest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"
)

// Config is one load: Rate requests a second for Duration, each made by NewRequest (given its sequence
// number, from 0) and sent with Client.
type Config struct {
	Rate       float64
	Duration   time.Duration
	NewRequest func(i int) (*http.Request, error)
	Client     *http.Client
	// MaxInFlight bounds the requests outstanding at once (a server that stops answering must not make the
	// driver start unbounded goroutines); 0 means 4096. A request that would exceed it counts as dropped.
	MaxInFlight int
}

// Result is what a load measured.
type Result struct {
	Sent, OK, Failed, Dropped int
	Elapsed                   time.Duration
	Latencies                 []time.Duration // of the answered requests, sorted
	Statuses                  map[int]int     // answers by HTTP status
	FirstError                string
}

// Quantile returns the q-quantile (0–1) of the answered requests' latencies, 0 when none answered.
func (r *Result) Quantile(q float64) time.Duration {
	if len(r.Latencies) == 0 {
		return 0
	}
	i := int(q * float64(len(r.Latencies)-1))
	return r.Latencies[i]
}

// String summarises r in one line.
func (r *Result) String() string {
	return fmt.Sprintf("%d requests in %s (%.0f/s): %d ok, %d failed, %d dropped; latency p50 %s p90 %s p99 %s max %s",
		r.Sent, r.Elapsed.Round(time.Millisecond), float64(r.Sent)/r.Elapsed.Seconds(), r.OK, r.Failed, r.Dropped,
		r.Quantile(0.5).Round(time.Microsecond), r.Quantile(0.9).Round(time.Microsecond), r.Quantile(0.99).Round(time.Microsecond),
		r.Quantile(1).Round(time.Microsecond))
}

// Run sends the load and waits for every request it started to answer (or ctx to end).
func Run(ctx context.Context, c Config) (*Result, error) {
	if c.Rate <= 0 || c.Duration <= 0 || c.NewRequest == nil {
		return nil, fmt.Errorf("loadtest: rate, duration and NewRequest are required")
	}
	client := c.Client
	if client == nil {
		client = http.DefaultClient
	}
	limit := c.MaxInFlight
	if limit <= 0 {
		limit = 4096
	}
	slots := make(chan struct{}, limit)
	res := &Result{Statuses: map[int]int{}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	interval := time.Duration(float64(time.Second) / c.Rate)
	start := time.Now()
	n := int(c.Rate * c.Duration.Seconds())
	for i := 0; i < n; i++ {
		at := start.Add(time.Duration(i) * interval)
		if d := time.Until(at); d > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(d):
			}
			if ctx.Err() != nil {
				break
			}
		}
		req, err := c.NewRequest(i)
		if err != nil {
			return nil, fmt.Errorf("loadtest: request %d: %w", i, err)
		}
		res.Sent++
		select {
		case slots <- struct{}{}:
		default:
			res.Dropped++
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			t0 := time.Now()
			resp, err := client.Do(req.WithContext(ctx))
			if err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			took := time.Since(t0)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				res.Failed++
				if res.FirstError == "" {
					res.FirstError = err.Error()
				}
			case resp.StatusCode >= 300:
				res.Failed++
				res.Statuses[resp.StatusCode]++
				if res.FirstError == "" {
					res.FirstError = resp.Status
				}
			default:
				res.OK++
				res.Statuses[resp.StatusCode]++
				res.Latencies = append(res.Latencies, took)
			}
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	slices.Sort(res.Latencies)
	return res, ctx.Err()
}
