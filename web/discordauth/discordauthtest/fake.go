// Package discordauthtest is a fake of Discord's OAuth 2.0 and the REST reads of "Sign in with Discord",
// an httptest server speaking Discord's real JSON and headers: the authorization page (which approves at
// once as the user set with SignInAs), the token endpoint (client credentials as HTTP Basic, PKCE S256
// checked, every code used once), GET /api/v10/users/@me and GET /api/v10/users/@me/guilds/{id}/member
// (bearer token and scope checked, Discord's 404 {"message": "Unknown Guild", "code": 10004} for a
// server the user is not in). Tests of package discordauth, web and web/portal sign in through it.
package discordauthtest

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/plaudit/plaudit/web/discordauth"
)

// User is a Discord account of the fake: its id, username and role ids per server it is in.
type User struct {
	ID       string
	Username string
	Guilds   map[string][]string
}

type grant struct {
	user      User
	client    string
	redirect  string
	challenge string
	scopes    []string
}

// Fake is the fake Discord. Its client id and secret are ClientID and ClientSecret.
type Fake struct {
	Server       *httptest.Server
	ClientID     string
	ClientSecret string

	mu     sync.Mutex
	user   *User
	codes  map[string]*grant
	tokens map[string]*grant
	// Exchanged counts the successful token exchanges.
	Exchanged int
}

// New starts a fake, stopped when t ends.
func New(t testing.TB) *Fake {
	f := &Fake{ClientID: "1100000000000000001", ClientSecret: "fake-client-secret-" + random(),
		codes: map[string]*grant{}, tokens: map[string]*grant{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /oauth2/authorize", f.authorize)
	mux.HandleFunc("POST /api/oauth2/token", f.token)
	mux.HandleFunc("GET /api/v10/users/@me", f.me)
	mux.HandleFunc("GET /api/v10/users/@me/guilds/{guild}/member", f.member)
	f.Server = httptest.NewServer(mux)
	t.Cleanup(f.Server.Close)
	return f
}

// SignInAs makes the authorization page approve as u from now on; nil makes it answer access_denied.
func (f *Fake) SignInAs(u *User) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.user = u
}

// Config is a discordauth.Config of the fake for redirect and scopes.
func (f *Fake) Config(redirect string, scopes ...string) discordauth.Config {
	return discordauth.Config{ClientID: f.ClientID, ClientSecret: f.ClientSecret, RedirectURL: redirect, Scopes: scopes,
		AuthorizeURL: f.Server.URL + "/oauth2/authorize", TokenURL: f.Server.URL + "/api/oauth2/token",
		APIURL: f.Server.URL + "/api/v10", HTTPClient: f.Server.Client()}
}

func random() string {
	var b [18]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func jsonError(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// authorize is https://discord.com/oauth2/authorize: the user approves at once.
func (f *Fake) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || redirect.Scheme == "" || q.Get("client_id") != f.ClientID || q.Get("response_type") != "code" {
		http.Error(w, "Invalid OAuth2 redirect_uri, client_id or response_type", http.StatusBadRequest)
		return
	}
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" {
		http.Error(w, "Invalid code_challenge", http.StatusBadRequest)
		return
	}
	back := redirect.Query()
	back.Set("state", q.Get("state"))
	f.mu.Lock()
	u := f.user
	if u == nil {
		back.Set("error", "access_denied")
		back.Set("error_description", "The resource owner or authorization server denied the request")
	} else {
		code := random()
		f.codes[code] = &grant{user: *u, client: f.ClientID, redirect: q.Get("redirect_uri"), challenge: q.Get("code_challenge"),
			scopes: strings.Fields(q.Get("scope"))}
		back.Set("code", code)
	}
	f.mu.Unlock()
	redirect.RawQuery = back.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

// token is https://discord.com/api/oauth2/token for grant_type=authorization_code.
func (f *Fake) token(w http.ResponseWriter, r *http.Request) {
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.FormValue("client_id"), r.FormValue("client_secret")
	}
	if id != f.ClientID || secret != f.ClientSecret {
		jsonError(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return
	}
	if r.FormValue("grant_type") != "authorization_code" {
		jsonError(w, http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type"})
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	code := r.FormValue("code")
	g := f.codes[code]
	delete(f.codes, code) // a code is used once, even when the exchange fails
	if g == nil || g.redirect != r.FormValue("redirect_uri") {
		jsonError(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant", "error_description": "Invalid \"code\" in request."})
		return
	}
	sum := sha256.Sum256([]byte(r.FormValue("code_verifier")))
	if base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
		jsonError(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant", "error_description": "Invalid \"code_verifier\""})
		return
	}
	tok := random()
	f.tokens[tok] = g
	f.Exchanged++
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"token_type": "Bearer", "access_token": tok, "expires_in": 604800,
		"refresh_token": random(), "scope": strings.Join(g.scopes, " ")})
}

func (f *Fake) grantOf(w http.ResponseWriter, r *http.Request, scope string) *grant {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	f.mu.Lock()
	g := f.tokens[tok]
	f.mu.Unlock()
	if !ok || g == nil {
		jsonError(w, http.StatusUnauthorized, map[string]any{"message": "401: Unauthorized", "code": 0})
		return nil
	}
	for _, s := range g.scopes {
		if s == scope {
			return g
		}
	}
	jsonError(w, http.StatusForbidden, map[string]any{"message": "Missing Access", "code": 50001})
	return nil
}

func userJSON(u User) map[string]any {
	return map[string]any{"id": u.ID, "username": u.Username, "discriminator": "0", "global_name": u.Username,
		"avatar": nil, "public_flags": 0, "flags": 0, "mfa_enabled": false, "locale": "en-US", "premium_type": 0}
}

// me is GET /users/@me (scope identify).
func (f *Fake) me(w http.ResponseWriter, r *http.Request) {
	g := f.grantOf(w, r, "identify")
	if g == nil {
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(userJSON(g.user))
}

// member is GET /users/@me/guilds/{guild.id}/member (scope guilds.members.read).
func (f *Fake) member(w http.ResponseWriter, r *http.Request) {
	g := f.grantOf(w, r, "guilds.members.read")
	if g == nil {
		return
	}
	roles, in := g.user.Guilds[r.PathValue("guild")]
	if !in {
		jsonError(w, http.StatusNotFound, map[string]any{"message": "Unknown Guild", "code": 10004})
		return
	}
	if roles == nil {
		roles = []string{}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"user": userJSON(g.user), "nick": nil, "avatar": nil, "roles": roles,
		"joined_at": "2024-04-26T06:26:56.936000+00:00", "premium_since": nil, "deaf": false, "mute": false, "flags": 0,
		"pending": false, "communication_disabled_until": nil})
}
