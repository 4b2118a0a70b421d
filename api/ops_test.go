package api_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit/api"
	"github.com/plaudit/plaudit/internal/testenv"
	"github.com/plaudit/plaudit/sqlstore"
)

// TestReadyz checks that /readyz passes with a working store and every check passing, and otherwise
// answers 503 naming the checks that failed: one returning an error, one too slow, a closed store.
func TestReadyz(t *testing.T) {
	db := openSQLite(t)
	s := api.NewServer(db, api.Options{Tokens: []string{"t"}, Logger: quietLogger(), ReadyTimeout: 100 * time.Millisecond,
		Ready: []api.ReadyCheck{{Name: "always", Check: func(context.Context) error { return nil }}}})
	srv := httptest.NewServer(s)
	defer srv.Close()
	c := &client{t: t, url: srv.URL} // no token: both checks are public
	if status, body := c.do("GET", "/healthz", "", ""); status != 200 {
		t.Fatalf("healthz: %d %s", status, body)
	}
	if status, body := c.do("GET", "/readyz", "", ""); status != 200 ||
		body != `{"status":"ready","checks":[{"name":"store","status":"ok"},{"name":"always","status":"ok"}]}`+"\n" {
		t.Fatalf("readyz: %d %s", status, body)
	}

	s.AddReadyCheck("scheduler", func(context.Context) error { return errors.New("not started: secret detail") })
	s.AddReadyCheck("slow", func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() })
	status, body := c.do("GET", "/readyz", "", "")
	var resp api.ReadyResponse
	if err := json.Unmarshal([]byte(body), &resp); err != nil || status != 503 || resp.Status != "unavailable" {
		t.Fatalf("readyz with failing checks: %d %s", status, body)
	}
	want := map[string]string{"store": "", "always": "", "scheduler": "internal error", "slow": "timed out after 100ms"}
	for _, r := range resp.Checks {
		if msg, ok := want[r.Name]; !ok || r.Error != msg || (r.Status == "ok") != (msg == "") {
			t.Errorf("check %+v", r)
		}
		delete(want, r.Name)
	}
	if len(want) != 0 || strings.Contains(body, "secret detail") {
		t.Fatalf("readyz: %s", body)
	}

	db.Close()
	ready := api.NewServer(db, api.Options{Logger: quietLogger()})
	rec := httptest.NewRecorder()
	ready.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
	if rec.Code != 503 || !strings.Contains(rec.Body.String(), `{"name":"store","status":"failed"`) {
		t.Fatalf("readyz with a closed store: %d %s", rec.Code, rec.Body)
	}
	rec = httptest.NewRecorder()
	ready.ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	if rec.Code != 200 {
		t.Fatalf("healthz with a closed store: %d", rec.Code)
	}
}

// scrape fetches /metrics with token and returns its text.
func scrape(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url+"/metrics", nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestMetrics(t *testing.T) {
	reg := api.NewRegistry()
	s := api.NewServer(openSQLite(t), api.Options{Tokens: []string{"t"}, Logger: quietLogger(), Registry: reg})
	if s.Registry != reg {
		t.Fatal("the server does not use the registry it was given")
	}
	// A second server on the same registry shares the collectors instead of panicking.
	api.NewServer(openSQLite(t), api.Options{Logger: quietLogger(), Registry: reg})
	srv := httptest.NewServer(s)
	defer srv.Close()
	c := &client{t: t, url: srv.URL, token: "t"}
	batch := `[` + event("m1", "post") + `,` + event("m1", "post") + `,` + event("m2", "liek") +
		`,{"source":"nowhere","id":"x","kind":"post","actor":"a","time":"2024-05-01T12:00:00Z"}]`
	if status, body := c.do("POST", "/v1/events", "application/json", batch); status != 200 {
		t.Fatalf("%d %s", status, body)
	}
	c.do("GET", "/v1/events/no/such/thing", "", "")
	c.do("GET", "/v1/stats", "", "")

	if status, _ := scrape(t, srv.URL, ""); status != 401 {
		t.Fatalf("/metrics without a token: %d", status)
	}
	status, text := scrape(t, srv.URL, "t")
	if status != 200 {
		t.Fatalf("/metrics: %d %s", status, text)
	}
	for _, line := range []string{
		`plaudit_http_requests_total{code="200",route="POST /v1/events"} 1`,
		`plaudit_http_requests_total{code="404",route="unmatched"} 1`,
		`plaudit_http_requests_total{code="200",route="GET /v1/stats"} 1`,
		`plaudit_http_request_duration_seconds_count{route="POST /v1/events"} 1`,
		`plaudit_events_appended_total{source="api",status="accepted"} 1`,
		`plaudit_events_appended_total{source="api",status="duplicate"} 1`,
		`plaudit_events_appended_total{source="api",status="rejected"} 1`,
		`plaudit_events_appended_total{source="unknown",status="rejected"} 1`,
		`go_goroutines `,
		`process_resident_memory_bytes `,
	} {
		if !strings.Contains(text, line) {
			t.Errorf("/metrics lacks %q", line)
		}
	}
	if strings.Contains(text, "no/such/thing") {
		t.Error("a raw path reached a label")
	}
}

// TestPostEventsBusySQLite posts while another connection holds SQLite's write lock: the answer is 503 with
// Retry-After, and the same request succeeds once the lock is released.
func TestPostEventsBusySQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "plaudit.db")
	// A short busy timeout (the later pragma wins over the store's 10 s) keeps the test fast.
	db, err := sqlstore.Open(context.Background(), "file:"+path+"?_pragma=busy_timeout(200)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	srv := httptest.NewServer(api.NewServer(db, api.Options{Logger: quietLogger()}))
	defer srv.Close()

	other, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	body := `[` + event("b1", "post") + `]`
	status, retry, text := postRaw(t, srv.URL, body)
	if status != 503 || retry != "1" || !strings.Contains(text, `"code":"unavailable"`) {
		t.Fatalf("busy store: %d Retry-After %q %s", status, retry, text)
	}
	if _, err := conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if status, _, text := postRaw(t, srv.URL, body); status != 200 || !strings.Contains(text, `"accepted":1`) {
		t.Fatalf("after the lock was released: %d %s", status, text)
	}
}

// TestPostEventsStoreTimeoutPostgres posts while another transaction holds a lock on the events table: the
// API gives up after its store timeout and answers 503 with Retry-After.
func TestPostEventsStoreTimeoutPostgres(t *testing.T) {
	db, err := sqlstore.Open(context.Background(), testenv.Postgres(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	srv := httptest.NewServer(api.NewServer(db, api.Options{Logger: quietLogger(), StoreTimeout: 300 * time.Millisecond}))
	defer srv.Close()
	tx, err := db.SQL().BeginTx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec("LOCK TABLE events IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	status, retry, text := postRaw(t, srv.URL, `[`+event("p1", "post")+`]`)
	if status != 503 || retry != "1" || !strings.Contains(text, `"code":"unavailable"`) {
		t.Fatalf("locked store: %d Retry-After %q %s", status, retry, text)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("the answer took %v", d)
	}
	tx.Rollback()
	if status, _, text := postRaw(t, srv.URL, `[`+event("p1", "post")+`]`); status != 200 || !strings.Contains(text, `"accepted":1`) {
		t.Fatalf("after the lock was released: %d %s", status, text)
	}
}

func postRaw(t *testing.T, url, body string) (status int, retryAfter, text string) {
	t.Helper()
	resp, err := http.Post(url+"/v1/events", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Retry-After"), string(b)
}
