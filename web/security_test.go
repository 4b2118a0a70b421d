package web

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/internal/testenv"
)

// TestRoutesNeedSession walks every route of the panel without a session: pages redirect to the sign-in
// page and forms answer 401, and none shows its content.
func TestRoutesNeedSession(t *testing.T) {
	f := newFixture(t, "", false)
	c := f.client()
	patterns := sortedPatterns(f.panel.Roles())
	if len(patterns) < 20 {
		t.Fatalf("only %d routes", len(patterns))
	}
	for _, p := range patterns {
		method, path := f.concrete(p)
		var code int
		var loc, body string
		if method == http.MethodGet {
			code, loc, body = f.get(c, path)
			if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/admin/login?next=") {
				t.Errorf("%s without a session: %d to %q; want 303 to the sign-in page", p, code, loc)
			}
		} else {
			code, _, body = f.post(c, path, url.Values{})
			if code != http.StatusUnauthorized {
				t.Errorf("%s without a session: %d; want 401", p, code)
			}
		}
		if strings.Contains(body, "<nav") || strings.Contains(body, "<table") {
			t.Errorf("%s without a session showed content:\n%.500s", p, body)
		}
	}
	// A forged cookie is no session either.
	u, _ := url.Parse(f.url)
	c.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: "forged-token", Path: "/admin/"}})
	if code, loc, _ := f.get(c, "/admin/leaderboard"); code != http.StatusSeeOther || !strings.HasPrefix(loc, "/admin/login") {
		t.Errorf("forged cookie: %d to %q", code, loc)
	}
}

func sortedPatterns(m map[string][]plaudit.Role) []string {
	var out []string
	for p := range m {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// TestRolesWalk signs in as each operator role and walks every route: a role the route does not admit gets
// 403 and changes nothing; a viewer can change nothing at all.
func TestRolesWalk(t *testing.T) {
	f := newFixture(t, "", false)
	ctx := context.Background()
	for _, role := range []struct {
		user string
		role plaudit.Role
	}{{"ada", plaudit.RoleAdmin}, {"cora", plaudit.RoleCore}, {"vic", plaudit.RoleViewer}} {
		c, csrf := f.login(role.user)
		for _, p := range sortedPatterns(f.panel.Roles()) {
			method, path := f.concrete(p)
			if p == "POST /admin/logout" {
				continue // walked by TestLogoutAndExpiry
			}
			admitted := admits(f.panel.Roles()[p], role.role)
			if method == http.MethodPost && role.role == plaudit.RoleViewer && p != "POST /admin/logout" && admitted {
				t.Errorf("%s admits a viewer, who must change nothing", p)
			}
			var code int
			if method == http.MethodGet {
				code, _, _ = f.get(c, path)
			} else if !admitted {
				hash := f.activeHash()
				code, _, _ = f.post(c, path, url.Values{"csrf": {csrf}, "policy": {editedPolicy(t)}, "kind": {"score"},
					"decision": {"confirm"}, "moderator": {f.handles[0]}, "tier": {"7"}, "reason": {"test"}, "all": {"1"}})
				if f.activeHash() != hash {
					t.Fatalf("%s as %s changed the active policy", p, role.role)
				}
			} else {
				continue // the operators' forms are exercised by the browser test
			}
			if admitted && code == http.StatusForbidden {
				t.Errorf("%s as %s: 403, but the route admits the role", p, role.role)
			}
			if !admitted && code != http.StatusForbidden {
				t.Errorf("%s as %s: %d; want 403", p, role.role, code)
			}
		}
	}
	// Nothing a refused form asked for happened.
	eps, err := f.svc.Epochs(ctx, "")
	if err != nil || len(eps) != 0 {
		t.Fatalf("epochs after the viewer's forms: %d, %v; want none closed", len(eps), err)
	}
	fl, err := f.svc.Flag(ctx, f.flag)
	if err != nil || fl.Flag.Status != "open" {
		t.Fatalf("flag after the viewer's forms: %+v, %v; want open", fl, err)
	}
	m, err := f.svc.Member(ctx, f.handles[2])
	if err != nil || m.Tier == 7 {
		t.Fatalf("tier after the viewer's forms: %v, %v", m.Tier, err)
	}
}

// TestCSRF posts the panel's forms without their token, with another session's token and with a wrong one:
// each is refused with 403 and stored data is untouched. The sign-in form needs its token too.
func TestCSRF(t *testing.T) {
	f := newFixture(t, "", false)
	c, csrf := f.login("ada")
	_, other := f.login("cora")
	if other == csrf {
		t.Fatal("two sessions share a CSRF token")
	}
	hash := f.activeHash()
	doc := editedPolicy(t)
	for _, tok := range []string{"", other, csrf + "x"} {
		code, _, body := f.post(c, "/admin/rules/publish", url.Values{"csrf": {tok}, "policy": {doc}})
		if code != http.StatusForbidden || !strings.Contains(body, "CSRF") {
			t.Errorf("publish with token %q: %d; want 403 naming the CSRF token", tok, code)
		}
		if code, _, _ := f.post(c, "/admin/epochs/close", url.Values{"csrf": {tok}}); code != http.StatusForbidden {
			t.Errorf("close with token %q: %d; want 403", tok, code)
		}
	}
	if f.activeHash() != hash {
		t.Fatal("a form without its CSRF token changed the policy")
	}
	if eps, _ := f.svc.Epochs(context.Background(), ""); len(eps) != 0 {
		t.Fatal("a form without its CSRF token closed an epoch")
	}
	// With its token the same form works: the refusals above were the token's.
	if code, loc, body := f.post(c, "/admin/rules/publish", url.Values{"csrf": {csrf}, "policy": {doc}}); code != http.StatusSeeOther || !strings.Contains(loc, "published=") {
		t.Fatalf("publish with the token: %d to %q\n%.1000s", code, loc, body)
	}
	if f.activeHash() == hash {
		t.Fatal("publish with the token changed nothing")
	}
	// The sign-in form.
	nc := f.client()
	f.get(nc, "/admin/login")
	if code, _, _ := f.post(nc, "/admin/login", url.Values{"username": {"ada"}, "password": {testPassword}}); code != http.StatusForbidden {
		t.Errorf("sign-in without its CSRF token: %d; want 403", code)
	}
}

// TestLogoutAndExpiry checks that a session cookie stops working after sign-out (even replayed from a copy)
// and after it expires.
func TestLogoutAndExpiry(t *testing.T) {
	f := newFixture(t, "", false)
	c, csrf := f.login("ada")
	u, _ := url.Parse(f.url)
	saved := c.Jar.Cookies(u)
	if code, _, _ := f.get(c, "/admin/leaderboard"); code != http.StatusOK {
		t.Fatalf("leaderboard signed in: %d", code)
	}
	if code, loc, _ := f.post(c, "/admin/logout", url.Values{"csrf": {csrf}}); code != http.StatusSeeOther || loc != "/admin/login" {
		t.Fatalf("sign out: %d to %q", code, loc)
	}
	replay := f.client()
	replay.Jar.SetCookies(u, saved)
	if code, loc, _ := f.get(replay, "/admin/leaderboard"); code != http.StatusSeeOther || !strings.HasPrefix(loc, "/admin/login") {
		t.Fatalf("the copied cookie after sign-out: %d to %q; want the sign-in page", code, loc)
	}

	c, _ = f.login("ada")
	f.advance(59 * time.Minute)
	if code, _, _ := f.get(c, "/admin/leaderboard"); code != http.StatusOK {
		t.Fatalf("before expiry: %d", code)
	}
	f.advance(time.Minute)
	if code, loc, _ := f.get(c, "/admin/leaderboard"); code != http.StatusSeeOther || !strings.HasPrefix(loc, "/admin/login") {
		t.Fatalf("after the session's hour: %d to %q; want the sign-in page", code, loc)
	}
}

// TestHeadersAndCookie checks the security headers of every answer and the session cookie's attributes.
func TestHeadersAndCookie(t *testing.T) {
	f := newFixture(t, "", false)
	c := f.client()
	resp, err := c.Get(f.url + "/admin/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	h := resp.Header
	csp := h.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "frame-ancestors 'none'", "form-action 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "script-src") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP %q allows script", csp)
	}
	if h.Get("X-Frame-Options") != "DENY" || h.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("headers %v", h)
	}
	_, _, body := f.get(c, "/admin/login")
	resp, err = c.PostForm(f.url+"/admin/login", url.Values{"csrf": {csrfOf(t, body)}, "username": {"ada"}, "password": {testPassword}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var sc *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == sessionCookie {
			sc = ck
		}
	}
	if sc == nil || !sc.HttpOnly || sc.SameSite != http.SameSiteStrictMode || sc.Path != "/admin/" || sc.MaxAge != 3600 {
		t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Strict, path /admin/, an expiry", sc)
	}
	if sc.Secure {
		t.Error("Secure on plain HTTP without SecureCookies: the browser would drop it")
	}
	if strings.Contains(body, "<script") {
		t.Error("the sign-in page holds a script")
	}
	// Secure over TLS.
	rec := &recorder{header: http.Header{}}
	req, _ := http.NewRequest(http.MethodGet, "https://panel.example/admin/login", nil)
	req.TLS = resp.TLS
	p := f.panel
	p.opts.SecureCookies = true
	p.ServeHTTP(rec, req)
	if !strings.Contains(strings.Join(rec.header.Values("Set-Cookie"), ";"), "Secure") {
		t.Errorf("cookies with SecureCookies: %v; want Secure", rec.header.Values("Set-Cookie"))
	}
}

type recorder struct {
	header http.Header
	code   int
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(b []byte) (int, error) { return len(b), nil }
func (r *recorder) WriteHeader(c int)           { r.code = c }

// TestLoginRateLimit fails to sign in until the limit, then is refused with 429 even with the right
// password; another user from another address is not affected.
func TestLoginRateLimit(t *testing.T) {
	f := newFixture(t, "", false)
	c := f.client()
	try := func(name, password string) int {
		_, _, body := f.get(c, "/admin/login")
		code, _, _ := f.post(c, "/admin/login", url.Values{"csrf": {csrfOf(t, body)}, "username": {name}, "password": {password}})
		return code
	}
	for i := 0; i < 5; i++ {
		if code := try("ada", "wrong password"); code != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d; want 401", i+1, code)
		}
	}
	if code := try("ada", testPassword); code != http.StatusTooManyRequests {
		t.Fatalf("after 5 failures: %d; want 429", code)
	}
	if code := try("cora", testPassword); code != http.StatusSeeOther {
		t.Fatalf("another user: %d; want 303", code)
	}
}

// TestPostgres runs the sign-in, a page and sign-out on PostgreSQL (the users and sessions tables of
// migration 00100).
func TestPostgres(t *testing.T) {
	dsn := testenv.Postgres(t)
	f := newFixture(t, dsn, false)
	c, csrf := f.login("vic")
	if code, _, body := f.get(c, "/admin/leaderboard"); code != http.StatusOK || !strings.Contains(body, "board-table") {
		t.Fatalf("leaderboard on PostgreSQL: %d", code)
	}
	if code, _, _ := f.post(c, "/admin/logout", url.Values{"csrf": {csrf}}); code != http.StatusSeeOther {
		t.Fatalf("sign out: %d", code)
	}
	if code, _, _ := f.get(c, "/admin/leaderboard"); code != http.StatusSeeOther {
		t.Fatalf("after sign-out: %d", code)
	}
}
