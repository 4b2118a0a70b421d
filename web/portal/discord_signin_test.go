package portal_test

import (
	"context"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plaudit/plaudit/service"
	"github.com/plaudit/plaudit/web/discordauth"
	"github.com/plaudit/plaudit/web/discordauth/discordauthtest"
	"github.com/plaudit/plaudit/web/portal"
)

// discordPortal serves the fixture's service through portals with "Sign in with Discord" by the fake;
// restart replaces the portal with a new one on the same store, as a new process would be.
type discordPortal struct {
	*fixture
	fake    *discordauthtest.Fake
	current atomic.Pointer[http.ServeMux]
}

func newDiscordPortal(t *testing.T, dsn string) *discordPortal {
	t.Helper()
	d := &discordPortal{fixture: newFixture(t, dsn), fake: discordauthtest.New(t)}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { d.current.Load().ServeHTTP(w, r) }))
	t.Cleanup(hs.Close)
	d.url = hs.URL
	d.restart()
	return d
}

func (d *discordPortal) restart() {
	d.t.Helper()
	c, err := discordauth.New(d.fake.Config(d.url+portal.DiscordCallbackPath, discordauth.ScopeIdentify))
	if err != nil {
		d.t.Fatal(err)
	}
	p, err := portal.New(portal.Options{Service: d.svc, Claims: d.key, Logger: quiet(), Now: d.clock.now, SessionTTL: time.Hour, Discord: c})
	if err != nil {
		d.t.Fatal(err)
	}
	mux := http.NewServeMux()
	p.Mount(mux.Handle)
	d.current.Store(mux)
}

// signInDiscord follows a Discord sign-in from /claim/discord through the fake and returns the callback's
// status, Location and body, and the callback URL.
func (d *discordPortal) signInDiscord(c *http.Client) (int, string, string, string) {
	d.t.Helper()
	code, _, resp := d.get(c, portal.DiscordLoginPath)
	if code != http.StatusFound {
		d.t.Fatalf("start: %d", code)
	}
	r2, err := c.Get(resp.Header.Get("Location"))
	if err != nil {
		d.t.Fatal(err)
	}
	r2.Body.Close()
	cb := r2.Header.Get("Location")
	if !strings.HasPrefix(cb, d.url+portal.DiscordCallbackPath+"?") {
		d.t.Fatalf("Discord sent the browser to %q", cb)
	}
	code, body, resp := d.get(c, strings.TrimPrefix(cb, d.url))
	loc := resp.Header.Get("Location")
	if m := continueLink.FindStringSubmatch(body); code == http.StatusOK && m != nil {
		loc = html.UnescapeString(m[1]) // the signed-in page's link on
	}
	return code, loc, body, cb
}

// continueLink finds the link on of the page a successful callback answers (discordauth.Continue).
var continueLink = regexp.MustCompile(`id="continue" href="([^"]+)"`)

func TestPortalDiscordSignIn(t *testing.T) {
	d := newDiscordPortal(t, "")
	ctx := context.Background()
	if _, body, _ := d.get(d.client(), "/claim"); !strings.Contains(body, `href="/claim/discord"`) {
		t.Fatalf("no Discord button:\n%.2000s", body)
	}
	// Not linked: a page saying to use /connect, and no session.
	d.fake.SignInAs(&discordauthtest.User{ID: "4242", Username: "nelly"})
	c := d.client()
	if code, _, body, _ := d.signInDiscord(c); code != http.StatusForbidden || !strings.Contains(body, "/connect") {
		t.Fatalf("unlinked: %d\n%.1500s", code, body)
	}
	// Linked by the bot's /connect: signed in as the link's member.
	l, err := d.svc.ConnectDiscord(ctx, service.DiscordConnect{User: "4242", UserName: "nelly", XID: "77001", XUsername: "nelly_x"})
	if err != nil {
		t.Fatal(err)
	}
	code, loc, body, callback := d.signInDiscord(c)
	if code != http.StatusOK || loc != "/m/"+url.PathEscape(l.Member) {
		t.Fatalf("linked: %d to %q\n%.1500s", code, loc, body)
	}
	memberPath := loc
	code, page, _ := d.get(c, memberPath)
	if code != http.StatusOK {
		t.Fatalf("member page: %d", code)
	}
	// The replayed callback (with the state cookie an attacker copied) is refused: the state was used.
	u, _ := url.Parse(callback)
	attacker := d.client()
	su, _ := url.Parse(d.url + portal.DiscordLoginPath)
	attacker.Jar.SetCookies(su, []*http.Cookie{{Name: "plaudit_portal_discord", Value: u.Query().Get("state"), Path: portal.DiscordLoginPath}})
	if code, body, _ := d.get(attacker, strings.TrimPrefix(callback, d.url)); code != http.StatusUnauthorized || !strings.Contains(body, "used already") {
		t.Fatalf("replayed callback: %d\n%.1000s", code, body)
	}
	// A callback in a browser that did not start the sign-in: state mismatch.
	if code, body, _ := d.get(d.client(), strings.TrimPrefix(callback, d.url)); code != http.StatusUnauthorized || !strings.Contains(body, "state mismatch") {
		t.Fatalf("callback elsewhere: %d\n%.1000s", code, body)
	}

	// A restart keeps the Discord session and a member-key session.
	kc := d.client()
	d.signIn(kc, d.memberKey)
	d.restart()
	if code, _, _ := d.get(c, memberPath); code != http.StatusOK {
		t.Fatalf("Discord session after a restart: %d", code)
	}
	if code, _, _ := d.get(kc, "/m/"+url.PathEscape(d.member)); code != http.StatusOK {
		t.Fatalf("key session after a restart: %d", code)
	}

	// Logout revokes the session in the store: a copy of the cookie is refused.
	copied := d.client()
	pu, _ := url.Parse(d.url)
	copied.Jar.SetCookies(pu, c.Jar.Cookies(pu))
	if code, _, _ := d.post(c, "/claim/logout", url.Values{"csrf": {d.csrfOf(page)}}); code != http.StatusSeeOther {
		t.Fatalf("logout: %d", code)
	}
	if code, _, r := d.get(copied, memberPath); code != http.StatusSeeOther || r.Header.Get("Location") != "/claim" {
		t.Fatalf("copied cookie after logout: %d", code)
	}

	// Sessions expire by the clock.
	c2 := d.client()
	if code, _, _, _ := d.signInDiscord(c2); code != http.StatusOK {
		t.Fatalf("second sign-in: %d", code)
	}
	d.clock.add(time.Hour + time.Second)
	if code, _, _ := d.get(c2, memberPath); code != http.StatusSeeOther {
		t.Fatalf("expired Discord session: %d", code)
	}
}

// TestPortalDiscordPostgres: the same sign-in and restart on PostgreSQL (migration 00170).
func TestPortalDiscordPostgres(t *testing.T) {
	d := newDiscordPortal(t, postgresDSN(t))
	d.fake.SignInAs(&discordauthtest.User{ID: "4343", Username: "pgnelly"})
	l, err := d.svc.ConnectDiscord(context.Background(), service.DiscordConnect{User: "4343", UserName: "pgnelly", XID: "77002", XUsername: "pgnelly"})
	if err != nil {
		t.Fatal(err)
	}
	c := d.client()
	if code, loc, _, _ := d.signInDiscord(c); code != http.StatusOK || loc != "/m/"+url.PathEscape(l.Member) {
		t.Fatalf("sign-in: %d to %q", code, loc)
	}
	d.restart()
	if code, _, _ := d.get(c, "/m/"+url.PathEscape(l.Member)); code != http.StatusOK {
		t.Fatalf("after a restart: %d", code)
	}
}
