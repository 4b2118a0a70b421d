// Package discordauth is "Sign in with Discord" for the admin panel and the member portal: a small OAuth 2.0
// client of Discord (authorization code with PKCE, as /connect's X OAuth in package discord: the same
// golang.org/x/oauth2 calls and the service's random states) and the sign-in dance both edges share (Flow).
//
// The browser is sent to Discord's authorization page with a one-time state, which the store keeps with its
// PKCE verifier (service.StartOAuthSignIn) and a cookie binds to this browser; Discord sends it back to the
// callback with a code, which is exchanged once, with the verifier, for a token that reads who signed in
// (GET /users/@me) and, for the panel, their roles in the community's server
// (GET /users/@me/guilds/{guild.id}/member, scope guilds.members.read). The token is used for these reads
// and dropped: nothing of it is stored, logged or shown, nor is the client secret.
package discordauth

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/service"
)

// Discord's OAuth 2.0 endpoints and REST API.
const (
	DefaultAuthorizeURL = "https://discord.com/oauth2/authorize"
	DefaultTokenURL     = "https://discord.com/api/oauth2/token"
	DefaultAPIURL       = "https://discord.com/api/v10"
)

// The scopes: identify reads /users/@me; guilds.members.read reads the member's roles in one server.
const (
	ScopeIdentify          = "identify"
	ScopeGuildsMembersRead = "guilds.members.read"
)

// Config configures a Client.
type Config struct {
	ClientID     string // the application's id (discord.application_id)
	ClientSecret string // the application's OAuth2 client secret (discord.oauth_client_secret)
	RedirectURL  string // the callback, as registered in the Developer Portal
	Scopes       []string
	AuthorizeURL string       // DefaultAuthorizeURL when ""
	TokenURL     string       // DefaultTokenURL when ""
	APIURL       string       // DefaultAPIURL when ""
	HTTPClient   *http.Client // http.DefaultClient with a 10 s timeout when nil
}

// Client is Discord's OAuth 2.0 client for one redirect URL.
type Client struct {
	oauth *oauth2.Config
	api   string
	hc    *http.Client
}

// New returns a client of c; the client id, secret and redirect URL are required.
func New(c Config) (*Client, error) {
	if c.ClientID == "" || c.ClientSecret == "" || c.RedirectURL == "" {
		return nil, errors.New("discord sign-in: want a client id, a client secret and a redirect URL")
	}
	if c.AuthorizeURL == "" {
		c.AuthorizeURL = DefaultAuthorizeURL
	}
	if c.TokenURL == "" {
		c.TokenURL = DefaultTokenURL
	}
	if c.APIURL == "" {
		c.APIURL = DefaultAPIURL
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	return &Client{
		oauth: &oauth2.Config{ClientID: c.ClientID, ClientSecret: c.ClientSecret, RedirectURL: c.RedirectURL, Scopes: c.Scopes,
			// Discord takes the client's credentials as HTTP Basic; fixing the style spares the probing
			// request oauth2 would otherwise make.
			Endpoint: oauth2.Endpoint{AuthURL: c.AuthorizeURL, TokenURL: c.TokenURL, AuthStyle: oauth2.AuthStyleInHeader}},
		api: strings.TrimRight(c.APIURL, "/"),
		hc:  c.HTTPClient,
	}, nil
}

// AuthCodeURL is Discord's authorization page for state, with the S256 challenge of verifier.
func (c *Client) AuthCodeURL(state, verifier string) string {
	return c.oauth.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier))
}

// Token is an access token of a signed-in Discord user. It is only ever held in memory.
type Token struct{ t *oauth2.Token }

// Exchange trades a code for a token with the PKCE verifier. A code Discord refuses (used already, expired,
// not this client's) is EUNAUTHORIZED; the error never carries the code, the secret or Discord's answer
// beyond its error code.
func (c *Client) Exchange(ctx context.Context, code, verifier string) (*Token, error) {
	if code == "" || len(code) > 512 {
		return nil, plaudit.Errorf(plaudit.EUNAUTHORIZED, "Discord sent no usable code: sign in again")
	}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, c.hc)
	t, err := c.oauth.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode >= 400 && re.Response.StatusCode < 500 {
			return nil, plaudit.Errorf(plaudit.EUNAUTHORIZED, "Discord refused the sign-in (%s): sign in again", clip(re.ErrorCode, 40))
		} else if re != nil && re.Response != nil {
			return nil, fmt.Errorf("discord token exchange: status %d", re.Response.StatusCode)
		}
		return nil, fmt.Errorf("discord token exchange: %w", scrub(err))
	}
	if !strings.EqualFold(t.TokenType, "bearer") || t.AccessToken == "" {
		return nil, fmt.Errorf("discord token exchange: want a bearer token, got type %q", clip(t.TokenType, 20))
	}
	return &Token{t: t}, nil
}

// scrub keeps a transport error's kind without its URL's query (none of ours carries a secret, but an
// error read by people should not depend on that).
func scrub(err error) error {
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) {
		if inner := ue.Unwrap(); inner != nil {
			return inner
		}
	}
	return err
}

// User is who signed in: Discord's user object, the fields used.
type User struct {
	ID         string `json:"id"`
	Username   string `json:"username"`
	GlobalName string `json:"global_name"`
}

// Member is the signed-in user as a member of one server: their role ids.
type Member struct {
	Roles []string `json:"roles"`
}

var snowflake = regexp.MustCompile(`^[0-9]{1,20}$`)

// ErrNotInGuild is the answer of GuildMember for a user who is not in the server.
var ErrNotInGuild = plaudit.Errorf(plaudit.EFORBIDDEN, "your Discord account is not a member of the community's server")

// Me reads the signed-in user (GET /users/@me).
func (c *Client) Me(ctx context.Context, t *Token) (*User, error) {
	b, status, err := c.get(ctx, t, "/users/@me")
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("discord users/@me: %s", discordError(status, b))
	}
	return DecodeUser(b)
}

// GuildMember reads the signed-in user's membership of guild (GET /users/@me/guilds/{guild}/member);
// ErrNotInGuild when they are not in it.
func (c *Client) GuildMember(ctx context.Context, t *Token, guild string) (*Member, error) {
	if !snowflake.MatchString(guild) {
		return nil, plaudit.Errorf(plaudit.EINVALID, "guild id %q: want digits", clip(guild, 30))
	}
	b, status, err := c.get(ctx, t, "/users/@me/guilds/"+guild+"/member")
	if err != nil {
		return nil, err
	}
	if status == http.StatusNotFound {
		return nil, ErrNotInGuild
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("discord guild member: %s", discordError(status, b))
	}
	return DecodeMember(b)
}

func (c *Client) get(ctx context.Context, t *Token, path string) ([]byte, int, error) {
	if t == nil || t.t == nil {
		return nil, 0, errors.New("discord " + path + ": no token")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.api+path, nil)
	if err != nil {
		return nil, 0, fmt.Errorf("discord %s: %w", path, err)
	}
	req.Header.Set("Authorization", "Bearer "+t.t.AccessToken)
	req.Header.Set("Accept", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("discord %s: %w", path, scrub(err))
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, 0, fmt.Errorf("discord %s: read answer: %w", path, err)
	}
	return b, resp.StatusCode, nil
}

// discordError describes an error answer by its status and Discord's JSON error code and message.
func discordError(status int, b []byte) string {
	var e struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
	if json.Unmarshal(b, &e) == nil && e.Message != "" {
		return fmt.Sprintf("status %d, code %d: %s", status, e.Code, clip(e.Message, 100))
	}
	return fmt.Sprintf("status %d", status)
}

// DecodeUser decodes Discord's user object, checking that the id is a snowflake.
func DecodeUser(b []byte) (*User, error) {
	var u User
	if err := json.Unmarshal(b, &u); err != nil {
		return nil, fmt.Errorf("decode discord user: %w", err)
	}
	if !snowflake.MatchString(u.ID) {
		return nil, fmt.Errorf("decode discord user: id %q is not a Discord id", clip(u.ID, 30))
	}
	if u.Username == "" || len(u.Username) > 64 {
		return nil, fmt.Errorf("decode discord user %s: want a username of 1 to 64 bytes", u.ID)
	}
	return &u, nil
}

// DecodeMember decodes Discord's guild member object, checking that every role is a snowflake.
func DecodeMember(b []byte) (*Member, error) {
	var m Member
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("decode discord guild member: %w", err)
	}
	if len(m.Roles) > 1000 {
		return nil, fmt.Errorf("decode discord guild member: %d roles, more than Discord allows", len(m.Roles))
	}
	for i, r := range m.Roles {
		if !snowflake.MatchString(r) {
			return nil, fmt.Errorf("decode discord guild member: roles[%d] %q is not a Discord id", i, clip(r, 30))
		}
	}
	return &m, nil
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// Flow is the sign-in dance of one edge (the panel or the portal) over a Client and the service.
type Flow struct {
	Client  *Client
	Service *service.Service
	// Purpose is what the sign-in opens: "panel" or "portal" (a state of one is refused by the other).
	Purpose string
	// Cookie names the cookie that binds the state to the browser that started the sign-in, set on Path.
	Cookie, Path string
}

// Start records a one-time state going to next after, binds it to the browser with a cookie and sends the
// browser to Discord.
func (f *Flow) Start(w http.ResponseWriter, r *http.Request, next string, secure bool) error {
	o, err := f.Service.StartOAuthSignIn(r.Context(), f.Purpose, next)
	if err != nil {
		return err
	}
	// SameSite=Lax, not Strict: the callback is a top-level navigation from discord.com, which a Strict
	// cookie would not accompany.
	http.SetCookie(w, &http.Cookie{Name: f.Cookie, Value: o.State, Path: f.Path, MaxAge: int(service.OAuthSignInTTL.Seconds()),
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, f.Client.AuthCodeURL(o.State, o.Verifier), http.StatusFound)
	return nil
}

// Finish checks Discord's callback — no error from Discord, the state that this browser's cookie holds,
// a state still pending (taken now, so a replayed callback is refused) — and exchanges the code. It
// returns the token and where to go after. Refusals are plaudit errors (EUNAUTHORIZED, EFORBIDDEN) whose
// message can be shown; anything else is Discord or the store failing.
func (f *Flow) Finish(w http.ResponseWriter, r *http.Request, secure bool) (*Token, string, error) {
	q := r.URL.Query()
	var cookie string
	if c, err := r.Cookie(f.Cookie); err == nil {
		cookie = c.Value
	}
	http.SetCookie(w, &http.Cookie{Name: f.Cookie, Value: "", Path: f.Path, MaxAge: -1, HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
	if e := q.Get("error"); e != "" {
		return nil, "", plaudit.Errorf(plaudit.EFORBIDDEN, "Discord sign-in was cancelled or refused (%s): sign in again when you are ready", clip(e, 40))
	}
	state := q.Get("state")
	if state == "" || cookie == "" || subtle.ConstantTimeCompare([]byte(state), []byte(cookie)) != 1 {
		return nil, "", plaudit.Errorf(plaudit.EUNAUTHORIZED, "this sign-in was not started in this browser (state mismatch): sign in again")
	}
	o, err := f.Service.TakeOAuthSignIn(r.Context(), f.Purpose, state)
	if err != nil {
		return nil, "", err
	}
	t, err := f.Client.Exchange(r.Context(), q.Get("code"), o.Verifier)
	if err != nil {
		return nil, "", err
	}
	return t, o.Next, nil
}

// continuePage is the answer of a successful callback. The session cookies are SameSite=Strict, and a
// browser does not send those on a navigation whose redirect chain began on discord.com, so the callback
// does not redirect: it answers this page, whose refresh (and link) is a navigation the site itself starts,
// which carries them. No script is needed, so the pages' CSP stays as strict.
var continuePage = template.Must(template.New("continue").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="0;url={{.}}"><title>Signed in</title></head>
<body><p>Signed in with Discord. <a id="continue" href="{{.}}">Continue</a></p></body></html>
`))

// Continue answers a successful sign-in: a page that sends the browser on to next, a path of the site.
func Continue(w http.ResponseWriter, next string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_ = continuePage.Execute(w, next)
}
