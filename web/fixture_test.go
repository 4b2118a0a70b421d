package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/gen"
	"github.com/plaudit/plaudit/jobs"
	"github.com/plaudit/plaudit/policy"
	"github.com/plaudit/plaudit/service"
	"github.com/plaudit/plaudit/sqlstore"
)

// fixtureStart is the service clock of the fixture: the day after the generated community's two weeks
// (from Monday 2026-01-05), so both weekly epochs have ended and are pending.
var fixtureStart = time.Date(2026, 1, 20, 12, 0, 0, 0, time.UTC)

const fixtureProgram = `program:
  name: acme
  period: weekly
  pool: {token: "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48", decimals: 6, amount: 1000000000}
  cap: 0.1
  min_payout: 1000000
  fee_rate: 0.05
  treasury: "0x00000000000000000000000000000000000d4a0e"
`

func fixturePolicy(t testing.TB) string {
	t.Helper()
	src, err := policy.PresetSource("default")
	if err != nil {
		t.Fatal(err)
	}
	return regexp.MustCompile(`(?m)^program:\n(?:[ \t].*\n)*`).ReplaceAllString(string(src), fixtureProgram)
}

// The fixture's panel users, one per operator role; every password is testPassword.
const testPassword = "correct horse battery staple"

// fixture is the panel over a real store holding a generated community scored under fixturePolicy, with
// its epochs pending, a moderator, an open flag, and a real job scheduler, served by an httptest server.
type fixture struct {
	t     *testing.T
	st    *sqlstore.DB
	svc   *service.Service
	panel *Panel
	url   string
	sched *jobs.Scheduler

	mu  sync.Mutex
	now time.Time

	handles []string // members, sorted: [0] moderator, [1] raised the flag, [2] flagged
	flag    int64

	current atomic.Pointer[Panel] // the panel a restartable server serves (discord_signin_test.go)
}

func (f *fixture) clock() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fixture) advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// serviceWork is jobs.Work over the service, as plaudit serve wires it.
type serviceWork struct{ svc *service.Service }

func (w serviceWork) Score(ctx context.Context) (jobs.Outcome, error) {
	res, err := w.svc.CatchUp(ctx)
	if plaudit.ErrorCode(err) == plaudit.ENOTFOUND {
		return jobs.Outcome{Note: plaudit.ErrorMessage(err)}, nil
	} else if err != nil {
		return jobs.Outcome{}, err
	}
	return jobs.Outcome{Items: int64(res.Events), Awards: int64(len(res.Scores))}, nil
}

func (w serviceWork) Rescore(ctx context.Context) (jobs.Outcome, error) {
	res, err := w.svc.Rescore(ctx, nil)
	if err != nil {
		return jobs.Outcome{}, err
	}
	return jobs.Outcome{Items: int64(res.Events), Awards: int64(len(res.Scores))}, nil
}

func (w serviceWork) Integrity(ctx context.Context) (jobs.Outcome, error) {
	rs, err := w.svc.EpochIntegrity(ctx, "job", 4)
	return jobs.Outcome{Items: int64(len(rs))}, err
}

func (w serviceWork) CloseEpochs(ctx context.Context, grace time.Duration) (jobs.Outcome, error) {
	res, err := w.svc.CloseEpochs(ctx, service.CloseRequest{Through: w.svc.Now(), Grace: grace, Operator: "job"})
	if err != nil {
		return jobs.Outcome{Note: plaudit.ErrorMessage(err)}, nil
	}
	return jobs.Outcome{Items: int64(len(res.Epochs))}, nil
}

// newFixture builds the fixture on a SQLite file (dsn "") or the given PostgreSQL DSN.
func newFixture(t *testing.T, dsn string, withJobs bool) *fixture {
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
	f := &fixture{t: t, st: st, now: fixtureStart}
	f.svc = service.New(st, service.Options{Now: f.clock, Logger: quiet()})
	var events []plaudit.Event
	if _, err := gen.Generate(gen.Config{Members: 40, Days: 14, Seed: 3}, func(e *plaudit.Event) error {
		events = append(events, *e)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.AppendEvents(ctx, events); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.ActivatePolicy(ctx, []byte(fixturePolicy(t)), "fixture.yml", "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Rescore(ctx, nil); err != nil {
		t.Fatal(err)
	}
	ms, err := f.svc.Members(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms[:3] {
		f.handles = append(f.handles, m.Handle)
	}
	if _, err := f.svc.GrantModerator(ctx, f.handles[0], "test", "fixture"); err != nil {
		t.Fatal(err)
	}
	fl, err := f.svc.RaiseFlag(ctx, plaudit.MemberSubject(f.handles[2]), f.handles[1], "farming likes with a second account")
	if err != nil {
		t.Fatal(err)
	}
	f.flag = fl.ID
	for _, u := range []service.NewUser{{Name: "ada", Role: plaudit.RoleAdmin}, {Name: "cora", Role: plaudit.RoleCore}, {Name: "vic", Role: plaudit.RoleViewer}} {
		u.Password = testPassword
		if _, err := f.svc.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	opts := Options{Service: f.svc, Logger: quiet(), SessionTTL: time.Hour}
	if withJobs {
		f.sched, err = jobs.New(ctx, st, serviceWork{f.svc}, jobs.Config{ScoreEvery: time.Hour, IntegrityEvery: 24 * time.Hour, EpochCloseGrace: 365 * 24 * time.Hour}, quiet())
		if err != nil {
			t.Fatal(err)
		}
		if err := f.sched.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = f.sched.Stop(sctx)
		})
		opts.Jobs = func() Jobs { return f.sched }
	}
	if f.panel, err = New(opts); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(f.panel)
	t.Cleanup(hs.Close)
	f.url = hs.URL
	return f
}

// client is an HTTP client with its own cookie jar that does not follow redirects.
func (f *fixture) client() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// get fetches path and returns the status, the Location header and the body.
func (f *fixture) get(c *http.Client, path string) (int, string, string) {
	f.t.Helper()
	resp, err := c.Get(f.url + path)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

// post posts form to path.
func (f *fixture) post(c *http.Client, path string, form url.Values) (int, string, string) {
	f.t.Helper()
	resp, err := c.PostForm(f.url+path, form)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

// csrfOf returns the CSRF token of the page's forms.
func csrfOf(t *testing.T, body string) string {
	t.Helper()
	m := csrfRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF token on the page:\n%.2000s", body)
	}
	return m[1]
}

// login signs in as name with a fresh client and returns it with its CSRF token.
func (f *fixture) login(name string) (*http.Client, string) {
	f.t.Helper()
	c := f.client()
	_, _, body := f.get(c, "/admin/login")
	code, loc, body := f.post(c, "/admin/login", url.Values{"csrf": {csrfOf(f.t, body)}, "username": {name}, "password": {testPassword}})
	if code != http.StatusSeeOther || loc != "/admin/" {
		f.t.Fatalf("sign in as %s: %d to %q\n%.2000s", name, code, loc, body)
	}
	_, _, body = f.get(c, "/admin/")
	return c, csrfOf(f.t, body)
}

func (f *fixture) activeHash() string {
	f.t.Helper()
	rec, err := f.svc.ActivePolicyRecord(context.Background())
	if err != nil {
		f.t.Fatal(err)
	}
	return rec.Hash
}

// concrete fills a route pattern's wildcards with values that exist in the fixture.
func (f *fixture) concrete(pattern string) (method, path string) {
	method, path, _ = strings.Cut(pattern, " ")
	r := strings.NewReplacer("{$}", "", "{id}", "1", "{handle}", url.PathEscape(f.handles[2]), "{file}", "export.csv", "{item}", "1")
	return method, r.Replace(path)
}

// editedPolicy is fixturePolicy with a higher minimum payout: a policy with another hash.
func editedPolicy(t testing.TB) string {
	return strings.Replace(fixturePolicy(t), "min_payout: 1000000", "min_payout: 2000000", 1)
}

func leaderboardTop() service.LeaderboardRequest { return service.LeaderboardRequest{Limit: 1} }
