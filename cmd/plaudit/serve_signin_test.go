package main

import (
	"crypto/ed25519"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeDiscordSignIn: with discord.oauth_client_secret and panel_roles, serve's panel and portal offer
// "Sign in with Discord" and send the browser to the configured authorization endpoint with the
// application id, PUBLIC_URL's callbacks, PKCE and the scopes each needs.
func TestServeDiscordSignIn(t *testing.T) {
	t.Setenv("PLAUDIT_API_TOKENS", "")
	t.Setenv("PLAUDIT_TEST_TOKEN", "tok-discord")
	t.Setenv("PLAUDIT_TEST_DISCORD_TOKEN", "bot-token")
	t.Setenv("PLAUDIT_TEST_DISCORD_SECRET", "client-secret-value")
	pub, _, _ := ed25519.GenerateKey(nil)
	api, _ := fakeDiscordAPI(t)
	addr := freeAddr(t)
	doc := "public_url: http://" + addr + "\n" + discordDoc(filepath.Join(t.TempDir(), "p.db"), addr, api.URL, pub) +
		"  oauth_client_secret: env:PLAUDIT_TEST_DISCORD_SECRET\n  oauth_authorize_url: https://discord.example/oauth2/authorize\n" +
		"  panel_roles: {admin: [\"111\"], viewer: [\"113\"]}\n"
	startNeynarServe(t, doc, addr)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string) (*http.Response, string) {
		resp, err := client.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	if _, body := get("/admin/login"); !strings.Contains(body, `href="/admin/login/discord"`) {
		t.Fatalf("panel login without the Discord button:\n%.1500s", body)
	}
	if _, body := get("/claim"); !strings.Contains(body, `href="/claim/discord"`) {
		t.Fatalf("portal sign-in without the Discord button:\n%.1500s", body)
	}
	for path, want := range map[string][2]string{
		"/admin/login/discord": {"/admin/login/discord/callback", "identify guilds.members.read"},
		"/claim/discord":       {"/claim/discord/callback", "identify"},
	} {
		resp, body := get(path)
		loc, err := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusFound || err != nil || loc.Host != "discord.example" {
			t.Fatalf("%s: %d to %q\n%.500s", path, resp.StatusCode, resp.Header.Get("Location"), body)
		}
		q := loc.Query()
		if q.Get("client_id") != "1234567890" || q.Get("redirect_uri") != "http://"+addr+want[0] || q.Get("scope") != want[1] ||
			q.Get("code_challenge_method") != "S256" || q.Get("state") == "" || q.Get("response_type") != "code" {
			t.Errorf("%s: authorization query %v", path, q)
		}
		if strings.Contains(resp.Header.Get("Location"), "client-secret-value") {
			t.Errorf("%s: the secret is in the redirect", path)
		}
	}
}
