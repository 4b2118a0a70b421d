package loadtest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// TestOpenLoop: requests start on schedule even when the server is slower than the interval between them,
// so the rate holds and the server's slowness shows as latency; failures are counted by status.
func TestOpenLoop(t *testing.T) {
	var seen atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if seen.Add(1)%10 == 0 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		time.Sleep(50 * time.Millisecond) // five times the interval between requests
	}))
	defer srv.Close()
	res, err := Run(context.Background(), Config{Rate: 100, Duration: time.Second, Client: srv.Client(),
		NewRequest: func(int) (*http.Request, error) { return http.NewRequest(http.MethodGet, srv.URL, nil) }})
	if err != nil {
		t.Fatal(err)
	}
	if res.Sent != 100 || res.OK+res.Failed != 100 || res.Failed != 10 || res.Statuses[http.StatusServiceUnavailable] != 10 {
		t.Fatalf("sent %d, ok %d, failed %d, statuses %v: want 100 sent, 10 failed with 503", res.Sent, res.OK, res.Failed, res.Statuses)
	}
	if res.Elapsed > 1500*time.Millisecond {
		t.Fatalf("100 requests at 100/s to a server taking 50 ms each took %s: the driver waited for answers", res.Elapsed)
	}
	if q := res.Quantile(0.5); q < 50*time.Millisecond {
		t.Fatalf("median latency %s, below the server's 50 ms", q)
	}
}
