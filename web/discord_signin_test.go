package web

import (
	"context"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/internal/testenv"
	"github.com/plaudit/plaudit/service"
	"github.com/plaudit/plaudit/web/discordauth"
	"github.com/plaudit/plaudit/web/discordauth/discordauthtest"
)

const testGuild = "290926798626357999"

// discordFixture is the panel fixture with "Sign in with Discord" through a fake Discord: role 111 maps to
// admin, 112 to core, 113 to viewer.
func discordFixture(t *testing.T, dsn string) (*fixture, *discordauthtest.Fake) {
	t.Helper()
	f := newFixture(t, dsn, false)
	fake := discordauthtest.New(t)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { f.current.Load().ServeHTTP(w, r) }))
	t.Cleanup(hs.Close)
	f.url = hs.URL
	f.newDiscordPanel(t, fake)
	return f, fake
}

// newDiscordPanel builds a panel over the fixture's store as `plaudit serve` does: a restart is a new one.
func (f *fixture) newDiscordPanel(t *testing.T, fake *discordauthtest.Fake) *Panel {
	t.Helper()
	c, err := discordauth.New(fake.Config(f.url+DiscordCallbackPath, discordauth.ScopeIdentify, discordauth.ScopeGuildsMembersRead))
	if err != nil {
		t.Fatal(err)
	}
	p, err := New(Options{Service: f.svc, Logger: quiet(), SessionTTL: time.Hour, Discord: &DiscordSignIn{Client: c, GuildID: testGuild,
		Roles: service.PanelRoleMap{Admin: []string{"111"}, Core: []string{"112"}, Viewer: []string{"113"}}}})
	if err != nil {
		t.Fatal(err)
	}
	f.panel = p
	f.current.Store(p)
	return p
}

// discordSignIn starts a Discord sign-in with c and follows it through the fake to the panel's callback,
// whose answer it returns with the callback's URL.
func (f *fixture) discordSignIn(c *http.Client, start string) (code int, loc, body, callback string) {
	f.t.Helper()
	code, loc, _ = f.get(c, start)
	if code != http.StatusFound || !strings.Contains(loc, "/oauth2/authorize?") || !strings.Contains(loc, "code_challenge_method=S256") {
		f.t.Fatalf("start: %d to %q", code, loc)
	}
	resp, err := c.Get(loc)
	if err != nil {
		f.t.Fatal(err)
	}
	resp.Body.Close()
	callback = resp.Header.Get("Location")
	if !strings.HasPrefix(callback, f.url+DiscordCallbackPath+"?") {
		f.t.Fatalf("Discord sent the browser to %q", callback)
	}
	code, loc, body = f.get(c, strings.TrimPrefix(callback, f.url))
	if m := continueLink.FindStringSubmatch(body); code == http.StatusOK && m != nil {
		loc = html.UnescapeString(m[1]) // the signed-in page's link on
	}
	return code, loc, body, callback
}

// continueLink finds the link on of the page a successful callback answers (discordauth.Continue).
var continueLink = regexp.MustCompile(`id="continue" href="([^"]+)"`)

func TestDiscordSignIn(t *testing.T) {
	f, fake := discordFixture(t, "")
	ctx := context.Background()

	if pub := strings.Join(f.panel.Public(), " "); !strings.Contains(pub, "GET "+DiscordLoginPath) || !strings.Contains(pub, "GET "+DiscordCallbackPath) {
		t.Fatalf("public routes %s", pub)
	}
	// The login page offers Discord only when configured.
	if _, _, body := f.get(f.client(), "/admin/login"); !strings.Contains(body, `href="/admin/login/discord"`) {
		t.Fatalf("no Discord button:\n%.1500s", body)
	}
	plain := newFixture(t, "", false)
	if _, _, body := plain.get(plain.client(), "/admin/login"); strings.Contains(body, "Discord") {
		t.Fatal("a Discord button without Discord configured")
	}
	if code, _, _ := plain.get(plain.client(), DiscordLoginPath); code != http.StatusNotFound {
		t.Fatalf("Discord sign-in without Discord configured: %d", code)
	}

	// Viewer and admin roles: the highest wins, and the session opens the panel as admin.
	nelly := &discordauthtest.User{ID: "80351110224678912", Username: "nelly", Guilds: map[string][]string{testGuild: {"113", "999", "111"}}}
	fake.SignInAs(nelly)
	c := f.client()
	code, loc, body, _ := f.discordSignIn(c, DiscordLoginPath+"?next=/admin/rules")
	if code != http.StatusOK || loc != "/admin/rules" {
		t.Fatalf("callback: %d to %q\n%.1500s", code, loc, body)
	}
	code, _, body = f.get(c, "/admin/")
	if code != http.StatusOK || !strings.Contains(body, "discord:80351110224678912") {
		t.Fatalf("overview after Discord sign-in: %d\n%.1500s", code, body)
	}
	csrf := csrfOf(t, body)
	u, err := f.st.UserByName(ctx, "discord:80351110224678912")
	if err != nil || u.Role != plaudit.RoleAdmin || u.Hash != "" {
		t.Fatalf("panel user %+v, %v", u, err)
	}
	// No password opens an outside identity's user.
	nc := f.client()
	_, _, lb := f.get(nc, "/admin/login")
	if code, _, _ := f.post(nc, "/admin/login", url.Values{"csrf": {csrfOf(t, lb)}, "username": {"discord:80351110224678912"}, "password": {""}}); code != http.StatusUnauthorized {
		t.Fatalf("password sign-in as discord user: %d", code)
	}

	// A restart (a new panel on the same store) keeps the session.
	f.newDiscordPanel(t, fake)
	if code, _, _ := f.get(c, "/admin/leaderboard"); code != http.StatusOK {
		t.Fatalf("after a restart: %d", code)
	}

	// Logout revokes the session on the server: a copy of the cookie no longer works.
	copyJar := f.client()
	pu, _ := url.Parse(f.url)
	copyJar.Jar.SetCookies(pu, c.Jar.Cookies(pu))
	if code, _, _ := f.post(c, "/admin/logout", url.Values{"csrf": {csrf}}); code != http.StatusSeeOther {
		t.Fatalf("logout: %d", code)
	}
	if code, loc, _ := f.get(copyJar, "/admin/leaderboard"); code != http.StatusSeeOther || !strings.HasPrefix(loc, "/admin/login") {
		t.Fatalf("the session's cookie after logout: %d to %q", code, loc)
	}

	// The role is read again at each sign-in: now only viewer, who can change nothing.
	nelly.Guilds[testGuild] = []string{"113"}
	fake.SignInAs(nelly)
	c = f.client()
	if code, _, _, _ := f.discordSignIn(c, DiscordLoginPath); code != http.StatusOK {
		t.Fatalf("second sign-in: %d", code)
	}
	_, _, body = f.get(c, "/admin/")
	if code, _, _ := f.post(c, "/admin/jobs/trigger", url.Values{"csrf": {csrfOf(t, body)}, "kind": {"score"}}); code != http.StatusForbidden {
		t.Fatalf("a Discord viewer triggered a job: %d", code)
	}
}

func TestDiscordSignInRefused(t *testing.T) {
	f, fake := discordFixture(t, "")
	for _, tc := range []struct {
		name string
		user *discordauthtest.User
		code int
		want string
	}{
		{"no mapped role", &discordauthtest.User{ID: "2", Username: "mallory", Guilds: map[string][]string{testGuild: {"999"}}}, http.StatusForbidden, "none of the server&#39;s roles"},
		{"not in the server", &discordauthtest.User{ID: "3", Username: "eve", Guilds: map[string][]string{"1": {"111"}}}, http.StatusForbidden, "not a member of the community"},
		{"cancelled", nil, http.StatusUnauthorized, "cancelled"},
	} {
		fake.SignInAs(tc.user)
		c := f.client()
		code, _, body, _ := f.discordSignIn(c, DiscordLoginPath)
		if code != tc.code || !strings.Contains(body, tc.want) {
			t.Errorf("%s: %d\n%.1500s\nwant %d saying %q", tc.name, code, body, tc.code, tc.want)
		}
		if code, _, _ := f.get(c, "/admin/"); code != http.StatusSeeOther {
			t.Errorf("%s: the panel answered %d without a session", tc.name, code)
		}
		if strings.Contains(body, fake.ClientSecret) {
			t.Errorf("%s: the page shows the client secret", tc.name)
		}
	}
}

// TestDiscordStateAndReplay: a callback in another browser than the one that started (state mismatch),
// with a forged state, or replayed after it was used, opens no session.
func TestDiscordStateAndReplay(t *testing.T) {
	f, fake := discordFixture(t, "")
	fake.SignInAs(&discordauthtest.User{ID: "4", Username: "ada", Guilds: map[string][]string{testGuild: {"111"}}})

	// Started in c, finished in other (a login CSRF): refused, and the code is not exchanged.
	c, other := f.client(), f.client()
	_, loc, _ := f.get(c, DiscordLoginPath)
	resp, err := c.Get(loc)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cb := strings.TrimPrefix(resp.Header.Get("Location"), f.url)
	if code, _, body := f.get(other, cb); code != http.StatusUnauthorized || !strings.Contains(body, "state mismatch") {
		t.Fatalf("callback in another browser: %d\n%.1000s", code, body)
	}
	// A forged state with the right cookie name but another value.
	forged := strings.Replace(cb, "state=", "state=x", 1)
	if code, _, _ := f.get(c, forged); code != http.StatusUnauthorized {
		t.Fatalf("forged state: %d", code)
	}
	if fake.Exchanged != 0 {
		t.Fatalf("%d codes exchanged for refused callbacks", fake.Exchanged)
	}

	// A completed sign-in's callback replayed with its state cookie: the state was used, so it is refused.
	c = f.client()
	code, _, _, callback := f.discordSignIn(c, DiscordLoginPath)
	if code != http.StatusOK {
		t.Fatalf("sign-in: %d", code)
	}
	u, _ := url.Parse(callback)
	attacker := f.client()
	pu, _ := url.Parse(f.url + DiscordLoginPath)
	attacker.Jar.SetCookies(pu, []*http.Cookie{{Name: discordStateCookie, Value: u.Query().Get("state"), Path: DiscordLoginPath}})
	if code, _, body := f.get(attacker, strings.TrimPrefix(callback, f.url)); code != http.StatusUnauthorized || !strings.Contains(body, "used already") {
		t.Fatalf("replayed callback: %d\n%.1000s", code, body)
	}
	if code, _, _ := f.get(attacker, "/admin/"); code != http.StatusSeeOther {
		t.Fatalf("the replay opened a session: %d", code)
	}
}

// TestDiscordSignInPostgres runs a Discord sign-in and a restart on PostgreSQL (migrations 00100 and 00170).
func TestDiscordSignInPostgres(t *testing.T) {
	f, fake := discordFixture(t, testenv.Postgres(t))
	fake.SignInAs(&discordauthtest.User{ID: "5", Username: "cora", Guilds: map[string][]string{testGuild: {"112"}}})
	c := f.client()
	if code, loc, body, _ := f.discordSignIn(c, DiscordLoginPath); code != http.StatusOK || loc != "/admin/" {
		t.Fatalf("sign-in: %d to %q\n%.1000s", code, loc, body)
	}
	f.newDiscordPanel(t, fake)
	if code, _, _ := f.get(c, "/admin/rules"); code != http.StatusOK {
		t.Fatalf("after a restart: %d", code)
	}
}
