package api_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"github.com/plaudit/plaudit/api"
	"github.com/plaudit/plaudit/loadtest"
	"github.com/plaudit/plaudit/service"
)

// BenchmarkPostEvents posts batches of 500 new events to a server on a real loopback TCP socket, backed by a
// SQLite store, one request at a time, and reports the events stored per second.
func BenchmarkPostEvents(b *testing.B) {
	const batch = 500
	db := openSQLite(b)
	srv := httptest.NewServer(api.NewServer(db, api.Options{Logger: quietLogger()}))
	defer srv.Close()
	client := srv.Client()
	var body bytes.Buffer
	n := 0
	b.ReportAllocs()
	cpu0 := cpuTime()
	for b.Loop() {
		body.Reset()
		body.WriteString(`{"events":[`)
		for i := range batch {
			if i > 0 {
				body.WriteByte(',')
			}
			fmt.Fprintf(&body, `{"source":"api","id":"ev-%d","kind":"like","actor":"user%d","target":"post%d","target_author":"user%d","time":"2024-05-01T12:%02d:%02dZ","attrs":{"follower_count":%d,"account_created":"2021-03-04T05:06:07Z"}}`,
				n, n%5000, n%900, n%77, n/60%60, n%60, n%10000)
			n++
		}
		body.WriteString(`]}`)
		resp, err := client.Post(srv.URL+"/v1/events", "application/json", &body)
		if err != nil {
			b.Fatal(err)
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !bytes.Contains(out, []byte(fmt.Sprintf(`"accepted":%d,`, batch))) {
			b.Fatalf("%d %.300s", resp.StatusCode, out)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
	// Per CPU-second of the whole process, client included: a figure that other work on a shared machine
	// does not distort as it does wall time.
	b.ReportMetric(float64(n)/(cpuTime()-cpu0).Seconds(), "events/cpu-s")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkLeaderboardPage asks for the first page of the all-time board of 100,000 scored members through
// the server's handler (no network), once the board is kept: the CPU one request costs the server.
func BenchmarkLeaderboardPage(b *testing.B) {
	ctx := b.Context()
	db := openSQLite(b)
	svc := service.New(db, service.Options{Logger: quietLogger(), Streaming: true})
	if err := loadtest.SeedBoard(ctx, svc, 100_000); err != nil {
		b.Fatal(err)
	}
	if _, err := svc.Rescore(ctx, nil); err != nil {
		b.Fatal(err)
	}
	h := api.NewServer(db, api.Options{Logger: quietLogger(), Service: svc, RateLimit: api.RateLimit{PerSecond: 1e9, Burst: 1e9}})
	get := func() *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, "/v1/leaderboard?limit=50", nil)
		r.RemoteAddr = "127.0.0.1:1234"
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	if w := get(); w.Code != http.StatusOK {
		b.Fatalf("%d %.300s", w.Code, w.Body.String())
	}
	b.ReportAllocs()
	for b.Loop() {
		if w := get(); w.Code != http.StatusOK {
			b.Fatal(w.Code)
		}
	}
}
