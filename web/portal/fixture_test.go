package portal_test

import (
	"context"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/api"
	"github.com/plaudit/plaudit/chain"
	"github.com/plaudit/plaudit/chain/chaintest"
	"github.com/plaudit/plaudit/gen"
	"github.com/plaudit/plaudit/internal/testenv"
	"github.com/plaudit/plaudit/payout"
	"github.com/plaudit/plaudit/policy"
	"github.com/plaudit/plaudit/service"
	"github.com/plaudit/plaudit/sqlstore"
	"github.com/plaudit/plaudit/web/portal"
)

// testSignerKey is Hardhat's first development key, never a real one.
const testSignerKey = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"

const program = `program:
  name: acme
  period: weekly
  pool: {token: "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48", decimals: 6, amount: 1000000000}
  cap: 0.1
  min_payout: 1000000
  fee_rate: 0.05
  treasury: "0x00000000000000000000000000000000000d4a0e"
`

// clock is the fixture's adjustable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// fixture is the portal mounted on a real API server over a real store (a generated community, two weekly
// epochs closed), with a member key of a member paid in both epochs, an admin key, a payout signer and a
// fake chain node on which that member's claims are funded.
type fixture struct {
	t         testing.TB
	svc       *service.Service
	url       string
	member    string
	wallet    payout.Address
	memberKey string
	adminKey  string
	otherKey  string // a member key of another member
	other     string
	node      *chaintest.Node
	clock     *clock
	claims    []*service.PortalClaim
	key       *service.ClaimKey
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newFixture(t testing.TB, dsn string) *fixture {
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
	clk := &clock{t: time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)}
	svc := service.New(st, service.Options{Now: clk.now, Logger: quiet()})
	if _, err := svc.AppendEvents(ctx, events); err != nil {
		t.Fatal(err)
	}
	src, err := policy.PresetSource("default")
	if err != nil {
		t.Fatal(err)
	}
	pol := regexp.MustCompile(`(?m)^program:\n(?:[ \t].*\n)*`).ReplaceAllString(string(src), program)
	if _, err := svc.ActivatePolicy(ctx, []byte(pol), "fixture.yml", "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CloseEpochs(ctx, service.CloseRequest{Through: time.Date(2026, 1, 18, 0, 0, 0, 0, time.UTC), Operator: "test"}); err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, svc: svc, clock: clk}
	f.key = &service.ClaimKey{Key: payout.SignerConfig{Key: testSignerKey}, Domain: payout.Domain{ChainID: 100, Permit2: payout.CanonicalPermit2}}
	f.member, f.wallet, f.other = paidTwice(t, svc)
	mk, err := svc.CreateKey(ctx, service.NewKey{Name: "portal test", Role: plaudit.RoleMember, Member: f.member, By: "test"})
	if err != nil {
		t.Fatal(err)
	}
	ok, err := svc.CreateKey(ctx, service.NewKey{Name: "other member", Role: plaudit.RoleMember, Member: f.other, By: "test"})
	if err != nil {
		t.Fatal(err)
	}
	ak, err := svc.CreateKey(ctx, service.NewKey{Name: "admin", Role: plaudit.RoleAdmin, By: "test"})
	if err != nil {
		t.Fatal(err)
	}
	f.memberKey, f.otherKey, f.adminKey = mk.Secret, ok.Secret, ak.Secret

	mes, err := svc.MemberPayouts(ctx, f.key, f.member)
	if err != nil {
		t.Fatal(err)
	}
	for _, me := range mes {
		f.claims = append(f.claims, me.Payout.Claim)
	}
	f.node = chaintest.New(t, payout.CanonicalPermit2)
	owner, token := f.claims[0].Owner, f.claims[0].Permit.Token
	f.node.SetBalance(token, owner, big.NewInt(1_000_000_000_000))
	f.node.SetAllowance(token, owner, payout.CanonicalPermit2, big.NewInt(1_000_000_000_000))
	rpc, err := chain.New(f.node.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err := portal.New(portal.Options{Service: svc, Claims: f.key, Chain: service.ChainView{Reader: rpc, LogsFromBlock: 1}, Logger: quiet(), Now: clk.now, SessionTTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	srv := api.NewServer(st, api.Options{Service: svc, Logger: quiet()})
	p.Mount(srv.HandlePublic)
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	f.url = hs.URL
	return f
}

// paidTwice returns a member paid to a valid wallet in both epochs (the first by handle), its wallet, and
// another member with an allocation.
func paidTwice(t testing.TB, svc *service.Service) (string, payout.Address, string) {
	t.Helper()
	ctx := context.Background()
	eps, err := svc.PortalEpochs(ctx)
	if err != nil || len(eps) != 2 {
		t.Fatalf("epochs %v %v", eps, err)
	}
	count := map[string]int{}
	for _, ep := range eps {
		ce, err := svc.Epoch(ctx, ep.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range ce.Allocations {
			if a.Paid != nil && a.Paid.Sign() > 0 && service.ValidWallet(a.Wallet) {
				count[a.Member]++
			}
		}
	}
	var best, other string
	for m, n := range count {
		if n == 2 && (best == "" || m < best) {
			best = m
		}
	}
	for m := range count {
		if m != best && (other == "" || m < other) {
			other = m
		}
	}
	if best == "" || other == "" {
		t.Fatal("the fixture needs a member paid twice and another")
	}
	mes, err := svc.MemberPayouts(ctx, nil, best)
	if err != nil {
		t.Fatal(err)
	}
	return best, mes[0].Payout.Wallet, other
}

// client is a browser-like client: a cookie jar, no redirects followed.
func (f *fixture) client() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// get sends GET path with c and returns the status, body and response.
func (f *fixture) get(c *http.Client, path string) (int, string, *http.Response) {
	f.t.Helper()
	resp, err := c.Get(f.url + path)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp
}

// post posts form to path with c.
func (f *fixture) post(c *http.Client, path string, form url.Values) (int, string, *http.Response) {
	f.t.Helper()
	resp, err := c.PostForm(f.url+path, form)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrfOf returns the CSRF token of the first form in body.
func (f *fixture) csrfOf(body string) string {
	f.t.Helper()
	m := csrfInput.FindStringSubmatch(body)
	if m == nil {
		f.t.Fatalf("no CSRF field in:\n%s", body)
	}
	return m[1]
}

// signIn signs c in with key and returns the member page's body.
func (f *fixture) signIn(c *http.Client, key string) string {
	f.t.Helper()
	_, body, _ := f.get(c, "/claim")
	code, _, resp := f.post(c, "/claim/login", url.Values{"csrf": {f.csrfOf(body)}, "key": {key}})
	if code != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/m/") {
		f.t.Fatalf("sign in: %d %s", code, resp.Header.Get("Location"))
	}
	code, body, _ = f.get(c, resp.Header.Get("Location"))
	if code != http.StatusOK {
		f.t.Fatalf("member page: %d\n%s", code, body)
	}
	return body
}

// postgresDSN returns a fresh PostgreSQL schema's DSN (skipping, or failing in CI, without the server).
func postgresDSN(t *testing.T) string { return testenv.Postgres(t) }

// chainLog is the ERC-20 Transfer log of claim c paying amount in transaction tx.
func chainLog(c *service.PortalClaim, amount []byte, tx payout.Hash) chain.Log {
	return chain.Log{Address: c.Permit.Token, Topics: []payout.Hash{chain.TopicTransfer, chain.AddressTopic(c.Owner), chain.AddressTopic(c.Permit.Spender)},
		Data: amount, BlockNumber: 990, TxHash: tx}
}
