package api

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/gen"
	"github.com/plaudit/plaudit/policy"
	"github.com/plaudit/plaudit/service"
	"github.com/plaudit/plaudit/sqlstore"
)

// fixtureNow is the clock of the fixture's service: weeks after the generated community ends.
var fixtureNow = time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)

// fixtureProgram pays 1,000 USDC a week, as the service tests do.
const fixtureProgram = `program:
  name: acme
  period: weekly
  pool: {token: "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48", decimals: 6, amount: 1000000000}
  cap: 0.1
  min_payout: 1000000
  fee_rate: 0.05
  treasury: "0x00000000000000000000000000000000000d4a0e"
`

// fixturePolicy is the default preset with fixtureProgram as its program.
func fixturePolicy(t testing.TB) []byte {
	t.Helper()
	src, err := policy.PresetSource("default")
	if err != nil {
		t.Fatal(err)
	}
	return []byte(regexp.MustCompile(`(?m)^program:\n(?:[ \t].*\n)*`).ReplaceAllString(string(src), fixtureProgram))
}

// fixture is a server over a real store holding a generated community (40 members over two weeks from
// Monday 2026-01-05), scored under fixturePolicy, with both weekly epochs closed.
type fixture struct {
	t   *testing.T
	st  *sqlstore.DB
	svc *service.Service
	srv *Server
	url string
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// newFixture sets up the fixture over dsn (a SQLite file when "").
func newFixture(t *testing.T, dsn string) *fixture {
	t.Helper()
	ctx := context.Background()
	if dsn == "" {
		dsn = filepath.Join(t.TempDir(), "plaudit.db")
	}
	st, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var events []plaudit.Event
	if _, err := gen.Generate(gen.Config{Members: 40, Days: 14, Seed: 3}, func(e *plaudit.Event) error {
		events = append(events, *e)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	svc := service.New(st, service.Options{Now: func() time.Time { return fixtureNow }, Logger: quiet()})
	if _, err := svc.AppendEvents(ctx, events); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ActivatePolicy(ctx, fixturePolicy(t), "fixture.yml", "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CloseEpochs(ctx, service.CloseRequest{Through: time.Date(2026, 1, 19, 0, 0, 0, 0, time.UTC), Operator: "test"}); err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, st: st, svc: svc}
	f.srv = NewServer(st, Options{Service: svc, Logger: quiet()})
	hs := httptest.NewServer(f.srv)
	t.Cleanup(hs.Close)
	f.url = hs.URL
	return f
}

// do sends a request as the server's default caller (loopback, admin) and returns the response with its
// body read.
func (f *fixture) do(method, path, contentType, body string) (*http.Request, *http.Response, string) {
	f.t.Helper()
	req, err := http.NewRequest(method, f.url+path, strings.NewReader(body))
	if err != nil {
		f.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	resp.Body = io.NopCloser(strings.NewReader(string(b)))
	return req, resp, string(b)
}

// as sends a request straight to the routes as caller c (the keys and their enforcement are another
// layer's), and returns the status and body.
func (f *fixture) as(c *Caller, method, path, contentType, body string) (int, string) {
	f.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req = req.WithContext(WithCaller(req.Context(), c))
	rec := httptest.NewRecorder()
	f.srv.mux.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

// openTestStore opens an empty SQLite store.
func openTestStore(t *testing.T) plaudit.Store {
	t.Helper()
	st, err := sqlstore.Open(context.Background(), filepath.Join(t.TempDir(), "plaudit.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// httptestServer serves h over loopback for the test and returns its URL.
func httptestServer(t *testing.T, h http.Handler) string {
	t.Helper()
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts.URL
}
