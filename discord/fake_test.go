package discord_test

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/disgoorg/disgo/rest"
	"github.com/disgoorg/snowflake/v2"
	"golang.org/x/oauth2"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/discord"
	"github.com/plaudit/plaudit/internal/testenv"
	"github.com/plaudit/plaudit/policy"
	"github.com/plaudit/plaudit/service"
	"github.com/plaudit/plaudit/source/x"
	"github.com/plaudit/plaudit/sqlstore"
)

// Ids of the test server.
const (
	appID     = "100000000000000001"
	guildID   = "987654321"
	adminRole = "111"
	announce  = "222"
	tier1Role = "301"
	tier2Role = "302"
	tier3Role = "303"
	alice     = "400000000000000001" // Discord users
	bob       = "400000000000000002"
	carol     = "400000000000000003"
	aliceX    = "1001" // their X ids
	bobX      = "1002"
	carolX    = "1003"
)

// clock is a test clock that moves one millisecond at every reading, so that two operator events recorded
// in one test step never share an id.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond)
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// request is one request the fake Discord API received.
type request struct {
	Method, Path string
	Body         map[string]any
}

// fakeDiscord is a fake of Discord's REST API (v10 paths, JSON shapes and status codes): command
// registration, interaction follow-ups, channel messages, DM channels and guild member roles.
type fakeDiscord struct {
	t        *testing.T
	srv      *httptest.Server
	mu       sync.Mutex
	requests []request
	roles    map[string][]string // guild member → role ids; absent: not in the server
	failDM   map[string]int      // DM channel of user → status to answer its next message with
	limit429 int                 // role changes to answer with 429 (Retry-After) before doing them
	times    []time.Time         // when each request came, in order
	created  []request           // the channel messages really created (not the ones a nonce answered)
	// nonces are the messages created with a nonce, by nonce, and when: Discord checks a nonce with
	// enforce_nonce against the same author's messages of the last few minutes (nonceWindow; all the fake's
	// messages have one author, the bot).
	nonces      map[string]nonceMessage
	nonceWindow time.Duration
}

type nonceMessage struct {
	msg map[string]any
	at  time.Time
}

func newFakeDiscord(t *testing.T) *fakeDiscord {
	f := &fakeDiscord{t: t, roles: map[string][]string{}, failDM: map[string]int{}, nonces: map[string]nonceMessage{}, nonceWindow: 5 * time.Minute}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func message(id, channel string) map[string]any {
	return map[string]any{"id": id, "channel_id": channel, "type": 0, "content": "", "timestamp": "2026-03-02T12:00:00Z",
		"embeds": []any{}, "attachments": []any{}, "mentions": []any{}}
}

var (
	reCommands = regexp.MustCompile(`^/applications/(\d+)(?:/guilds/(\d+))?/commands$`)
	reFollowup = regexp.MustCompile(`^/webhooks/(\d+)/([^/]+)$`)
	reMessages = regexp.MustCompile(`^/channels/(\d+)/messages$`)
	reMember   = regexp.MustCompile(`^/guilds/(\d+)/members/(\d+)$`)
	reRole     = regexp.MustCompile(`^/guilds/(\d+)/members/(\d+)/roles/(\d+)$`)
)

func (f *fakeDiscord) serve(w http.ResponseWriter, r *http.Request) {
	// Follow-ups authenticate with the interaction token in the path, everything else with the bot token.
	if r.Header.Get("Authorization") != "Bot bot-token" && !reFollowup.MatchString(r.URL.Path) {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"message": "401: Unauthorized", "code": 0}`)
		return
	}
	raw, _ := io.ReadAll(r.Body)
	var body map[string]any
	if len(raw) > 0 && raw[0] == '{' {
		if err := json.Unmarshal(raw, &body); err != nil {
			f.t.Errorf("fake discord: %s %s: body %s: %v", r.Method, r.URL.Path, raw, err)
		}
	}
	f.mu.Lock()
	f.requests = append(f.requests, request{Method: r.Method, Path: r.URL.Path, Body: body})
	f.times = append(f.times, time.Now())
	limited := f.limit429 > 0 && reRole.MatchString(r.URL.Path)
	if limited {
		f.limit429--
	}
	f.mu.Unlock()
	if limited { // Discord's 429: the bucket's headers and Retry-After in seconds
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-RateLimit-Bucket", "roles-bucket")
		w.Header().Set("X-RateLimit-Limit", "10")
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset-After", "1.000")
		w.Header().Set("Retry-After", "1") // whole seconds in the header; the body has the float
		w.WriteHeader(http.StatusTooManyRequests)
		fmt.Fprint(w, `{"message": "You are being rate limited.", "retry_after": 1.0, "global": false}`)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	answer := func(status int, v any) {
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	p := r.URL.Path
	switch {
	case r.Method == http.MethodPut && reCommands.MatchString(p):
		var cmds []map[string]any
		if err := json.Unmarshal(raw, &cmds); err != nil {
			answer(400, map[string]any{"message": "Invalid Form Body", "code": 50035})
			return
		}
		for i, c := range cmds {
			c["id"] = strconv.Itoa(500 + i)
			c["application_id"] = appID
			c["version"] = "1"
		}
		answer(200, cmds)
	case r.Method == http.MethodPost && reFollowup.MatchString(p):
		answer(200, message("700", "555"))
	case r.Method == http.MethodPost && reMessages.MatchString(p):
		ch := reMessages.FindStringSubmatch(p)[1]
		f.mu.Lock()
		st := 0
		for u, s := range f.failDM {
			if "9"+u[1:] == ch && s != 0 {
				st = s
				f.failDM[u] = 0
			}
		}
		f.mu.Unlock()
		if st != 0 {
			answer(st, map[string]any{"message": "failure on purpose", "code": 0})
			return
		}
		// nonce: a string of at most 25 characters (or an integer); with enforce_nonce, a nonce the author
		// used within the window returns that message and creates none.
		nonce, _ := body["nonce"].(string)
		if len(nonce) > 25 {
			answer(400, map[string]any{"message": "Invalid Form Body", "code": 50035,
				"errors": map[string]any{"nonce": map[string]any{"_errors": []any{map[string]any{"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 25 or fewer in length."}}}}})
			return
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		if enforce, _ := body["enforce_nonce"].(bool); enforce && nonce != "" {
			if prev, ok := f.nonces[nonce]; ok && time.Since(prev.at) < f.nonceWindow {
				answer(200, prev.msg)
				return
			}
		}
		m := message(strconv.Itoa(701+len(f.created)), ch)
		if nonce != "" {
			m["nonce"] = nonce
			f.nonces[nonce] = nonceMessage{msg: m, at: time.Now()}
		}
		f.created = append(f.created, request{Method: r.Method, Path: p, Body: body})
		answer(200, m)
	case r.Method == http.MethodPost && p == "/users/@me/channels":
		u, _ := body["recipient_id"].(string)
		answer(200, map[string]any{"id": "9" + u[1:], "type": 1, "recipients": []any{map[string]any{"id": u, "username": "u", "discriminator": "0"}}})
	case r.Method == http.MethodGet && reMember.MatchString(p):
		u := reMember.FindStringSubmatch(p)[2]
		f.mu.Lock()
		roles, ok := f.roles[u]
		f.mu.Unlock()
		if !ok {
			answer(404, map[string]any{"message": "Unknown Member", "code": 10007})
			return
		}
		answer(200, map[string]any{"user": map[string]any{"id": u, "username": "u", "discriminator": "0"}, "roles": roles,
			"joined_at": "2025-01-01T00:00:00Z", "deaf": false, "mute": false, "flags": 0})
	case (r.Method == http.MethodPut || r.Method == http.MethodDelete) && reRole.MatchString(p):
		m := reRole.FindStringSubmatch(p)
		u, role := m[2], m[3]
		f.mu.Lock()
		if r.Method == http.MethodPut && !slices.Contains(f.roles[u], role) {
			f.roles[u] = append(f.roles[u], role)
		}
		if r.Method == http.MethodDelete {
			f.roles[u] = slices.DeleteFunc(f.roles[u], func(s string) bool { return s == role })
		}
		f.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	default:
		answer(404, map[string]any{"message": "404: Not Found", "code": 0})
	}
}

// made returns the channel messages created in channels whose path matches re, in order.
func (f *fakeDiscord) made(re *regexp.Regexp) []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []request
	for _, r := range f.created {
		if re.MatchString(r.Path) {
			out = append(out, r)
		}
	}
	return out
}

// sent returns the requests made to paths matching re, in order.
func (f *fakeDiscord) sent(method string, re *regexp.Regexp) []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []request
	for _, r := range f.requests {
		if r.Method == method && re.MatchString(r.Path) {
			out = append(out, r)
		}
	}
	return out
}

// fakeX is a fake of X's API v2 lookups (users by username, posts with the author expansion), its OAuth
// 2.0 token endpoint (authorization code with a PKCE S256 check) and GET /2/users/me.
type fakeX struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	users  map[string]x.User         // lower-case username → user
	posts  map[string]string         // post id → author id
	codes  map[string]codeGrant      // authorization code → grant
	tokens map[string]string         // access token → user id
	reads  map[string]int            // path prefix → requests
	_      map[string]map[string]any // room for more
}

type codeGrant struct{ challenge, user string }

func newFakeX(t *testing.T) *fakeX {
	f := &fakeX{t: t, users: map[string]x.User{}, posts: map[string]string{}, codes: map[string]codeGrant{}, tokens: map[string]string{},
		reads: map[string]int{}}
	for _, u := range []x.User{{ID: aliceX, Username: "Alice"}, {ID: bobX, Username: "bob_b"}, {ID: carolX, Username: "carol"}} {
		f.users[strings.ToLower(u.Username)] = u
	}
	f.posts["1790000000000000001"] = aliceX
	f.posts["1790000000000000002"] = bobX
	f.posts["1790000000000000003"] = aliceX
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeX) userByID(id string) x.User {
	for _, u := range f.users {
		if u.ID == id {
			return u
		}
	}
	return x.User{}
}

func (f *fakeX) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("x-rate-limit-remaining", "299")
	w.Header().Set("x-rate-limit-reset", "1900000000")
	p := r.URL.Path
	notFound := func(detail string) {
		_ = json.NewEncoder(w).Encode(map[string]any{"errors": []any{map[string]any{"title": "Not Found Error", "detail": detail,
			"type": "https://api.twitter.com/2/problems/resource-not-found"}}})
	}
	if p == "/2/oauth2/token" {
		_ = r.ParseForm()
		g, ok := f.codes[r.Form.Get("code")]
		sum := sha256.Sum256([]byte(r.Form.Get("code_verifier")))
		if !ok || r.Form.Get("grant_type") != "authorization_code" || base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"error":"invalid_request","error_description":"Value passed for the authorization code was invalid."}`)
			return
		}
		delete(f.codes, r.Form.Get("code"))
		tok := "tok-" + g.user
		f.tokens[tok] = g.user
		fmt.Fprintf(w, `{"token_type":"bearer","expires_in":7200,"access_token":%q,"scope":"users.read tweet.read"}`, tok)
		return
	}
	auth := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if p == "/2/users/me" {
		id, ok := f.tokens[auth]
		if !ok {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}`)
			return
		}
		u := f.userByID(id)
		_ = json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{"id": u.ID, "name": u.Username, "username": u.Username}})
		return
	}
	if auth != "x-token" {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}`)
		return
	}
	switch {
	case strings.HasPrefix(p, "/2/users/by/username/"):
		f.reads["users"]++
		u, ok := f.users[strings.ToLower(strings.TrimPrefix(p, "/2/users/by/username/"))]
		if !ok {
			notFound("Could not find user with username: [" + strings.TrimPrefix(p, "/2/users/by/username/") + "].")
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{"id": u.ID, "name": u.Username, "username": u.Username}})
	case strings.HasPrefix(p, "/2/tweets/"):
		f.reads["tweets"]++
		id := strings.TrimPrefix(p, "/2/tweets/")
		author, ok := f.posts[id]
		if !ok {
			notFound("Could not find tweet with id: [" + id + "].")
			return
		}
		if r.URL.Query().Get("expansions") != "author_id" {
			f.t.Errorf("fake x: post lookup without the author expansion: %s", r.URL.RawQuery)
		}
		u := f.userByID(author)
		_ = json.NewEncoder(w).Encode(map[string]any{
			"data":     map[string]any{"id": id, "text": "gm", "author_id": author, "created_at": "2026-03-02T10:00:00.000Z", "edit_history_tweet_ids": []any{id}},
			"includes": map[string]any{"users": []any{map[string]any{"id": u.ID, "name": u.Username, "username": u.Username}}},
		})
	default:
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"title":"Not Found","type":"about:blank","status":404}`)
	}
}

// env is one test's bot over a real store, with the fakes.
type env struct {
	t     *testing.T
	st    *sqlstore.DB
	svc   *service.Service
	bot   *discord.Bot
	key   ed25519.PrivateKey
	clock *clock
	dc    *fakeDiscord
	x     *fakeX
	srv   *httptest.Server // the bot's routes, as serve mounts them
	next  int64            // interaction ids
}

// tieredPolicy is the tiered preset with a weekly pool that pays X points (x_payouts).
const tieredPolicy = `name: tiered
program:
  name: acme
  period: weekly
  pool: {token: "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48", decimals: 6, amount: 1000000000}
  x_payouts: true
scorers:
  - scorer: tiered
    sources: [x]
    kinds: [submit, like, repost, reply]
    params:
      window: 24h
      tiers:
        - {tier: 1, like: 1, repost: 2, reply: 3}
        - {tier: 2, like: 2, repost: 4, reply: 6}
        - {tier: 3, like: 3, repost: 6, reply: 9}
`

// start is Monday 2026-03-02, noon UTC.
var start = time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)

// forEachStore runs fn on a fresh SQLite store and a fresh PostgreSQL schema.
func forEachStore(t *testing.T, fn func(t *testing.T, st *sqlstore.DB)) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			dsn := filepath.Join(t.TempDir(), "plaudit.db")
			if backend == "postgres" {
				dsn = testenv.Postgres(t)
			}
			st, err := sqlstore.Open(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			fn(t, st)
		})
	}
}

// newEnv makes a bot over st with the fakes; oauth says to configure X OAuth.
func newEnv(t *testing.T, st *sqlstore.DB, oauth bool) *env {
	t.Helper()
	pub, key, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: start}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := service.New(st, service.Options{Now: clk.Now, Logger: quiet})
	if _, err := policy.Parse([]byte(tieredPolicy), "tiered"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ActivatePolicy(context.Background(), []byte(tieredPolicy), "tiered.yml", "test"); err != nil {
		t.Fatal(err)
	}
	dc, fx := newFakeDiscord(t), newFakeX(t)
	xc, err := x.NewClient(fx.srv.URL, "x-token", nil)
	if err != nil {
		t.Fatal(err)
	}
	pubURL, _ := url.Parse("https://rewards.example.org")
	b := &discord.Bot{Service: svc, REST: rest.New(rest.NewClient("bot-token", rest.WithURL(dc.srv.URL), rest.WithLogger(quiet))), ApplicationID: snowflake.MustParse(appID),
		PublicKey: pub, GuildID: snowflake.MustParse(guildID), AdminRoles: []snowflake.ID{snowflake.MustParse(adminRole)},
		AnnounceChannel: snowflake.MustParse(announce), TierRoles: map[int]snowflake.ID{1: snowflake.MustParse(tier1Role), 2: snowflake.MustParse(tier2Role),
			3: snowflake.MustParse(tier3Role)}, PublicURL: pubURL, CheckEvery: 30 * time.Minute, X: xc, XAPIURL: fx.srv.URL, Now: clk.Now, Logger: quiet,
		Deadline: 20 * time.Second} // a busy test machine must not defer what the tests read directly
	e := &env{t: t, st: st, svc: svc, bot: b, key: key, clock: clk, dc: dc, x: fx, next: 1}
	mux := http.NewServeMux()
	mux.Handle("POST "+discord.InteractionsPath, b)
	mux.HandleFunc("GET "+discord.ConnectPath, b.ServeConnect)
	mux.HandleFunc("GET "+discord.CallbackPath, b.ServeCallback)
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	if oauth {
		b.OAuth = &oauth2.Config{ClientID: "client-1", ClientSecret: "s3cret", Endpoint: oauth2.Endpoint{AuthURL: "https://x.com/i/oauth2/authorize",
			TokenURL: fx.srv.URL + "/2/oauth2/token"}, RedirectURL: pubURL.String() + discord.CallbackPath, Scopes: []string{"users.read", "tweet.read"}}
	}
	return e
}

// opt is one slash command option.
type opt struct {
	Name  string `json:"name"`
	Type  int    `json:"type"`
	Value any    `json:"value"`
}

func str(name, v string) opt         { return opt{name, 3, v} }
func integer(name string, v int) opt { return opt{name, 4, v} }
func userOpt(name, id string) opt    { return opt{name, 6, id} }

func discordUser(id string) map[string]any {
	names := map[string]string{alice: "alice", bob: "bob", carol: "carol"}
	return map[string]any{"id": id, "username": names[id], "discriminator": "0", "global_name": nil, "avatar": nil}
}

// interaction builds an application command interaction in Discord's JSON shape, from user with roles.
func (e *env) interaction(user string, roles []string, name string, opts ...opt) []byte {
	e.next++
	id := fmt.Sprintf("%d", 800000000000000000+e.next)
	resolved := map[string]any{}
	for _, o := range opts {
		if o.Type == 6 {
			u := o.Value.(string)
			resolved[u] = discordUser(u)
		}
	}
	if roles == nil {
		roles = []string{}
	}
	data := map[string]any{"id": "600000000000000001", "name": name, "type": 1, "options": opts}
	if len(resolved) > 0 {
		data["resolved"] = map[string]any{"users": resolved}
	}
	b, err := json.Marshal(map[string]any{
		"id": id, "application_id": appID, "type": 2, "token": "itoken-" + id, "version": 1, "guild_id": guildID, "channel_id": "555",
		"member": map[string]any{"user": discordUser(user), "roles": roles, "joined_at": "2025-01-01T00:00:00Z", "permissions": "0",
			"deaf": false, "mute": false, "flags": 0},
		"data": data, "locale": "en-US", "guild_locale": "en-US", "app_permissions": "0", "entitlements": []any{}, "context": 0,
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return b
}

// post signs body with the application key at ts and posts it to the interactions route.
func (e *env) post(body []byte, ts time.Time, sign bool) (int, map[string]any) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+discord.InteractionsPath, strings.NewReader(string(body)))
	stamp := strconv.FormatInt(ts.Unix(), 10)
	key := e.key
	if !sign {
		_, key, _ = ed25519.GenerateKey(nil) // a signature by another key, as Discord's probes send
	}
	req.Header.Set("X-Signature-Ed25519", fmt.Sprintf("%x", ed25519.Sign(key, append([]byte(stamp), body...))))
	req.Header.Set("X-Signature-Timestamp", stamp)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(raw, &out); err != nil {
			e.t.Fatalf("answer %s: %v", raw, err)
		}
	}
	return resp.StatusCode, out
}

// reply is a command's answer: its type, flags and first embed.
type reply struct {
	Type      int
	Ephemeral bool
	Title     string
	Text      string // description and fields
}

func toReply(t *testing.T, m map[string]any) reply {
	t.Helper()
	r := reply{Type: int(m["type"].(float64))}
	d, _ := m["data"].(map[string]any)
	if d == nil {
		return r
	}
	if f, ok := d["flags"].(float64); ok && int(f)&64 != 0 {
		r.Ephemeral = true
	}
	if es, ok := d["embeds"].([]any); ok && len(es) > 0 {
		em := es[0].(map[string]any)
		r.Title, _ = em["title"].(string)
		r.Text, _ = em["description"].(string)
		if fs, ok := em["fields"].([]any); ok {
			for _, f := range fs {
				fm := f.(map[string]any)
				r.Text += "\n" + fm["name"].(string) + ": " + fm["value"].(string)
			}
		}
	}
	return r
}

// command runs a signed slash command and returns its immediate reply.
func (e *env) command(user string, roles []string, name string, opts ...opt) reply {
	e.t.Helper()
	body := e.interaction(user, roles, name, opts...)
	token := fmt.Sprintf("itoken-%d", 800000000000000000+e.next)
	status, m := e.post(body, e.clock.Now(), true)
	if status != http.StatusOK {
		e.t.Fatalf("/%s: status %d", name, status)
	}
	r := toReply(e.t, m)
	if r.Type != 5 || e.bot.Deadline < time.Second {
		return r
	}
	// A busy machine made the command miss the deadline: it was deferred, so its answer is the follow-up.
	e.bot.Wait()
	path := regexp.MustCompile(`^/webhooks/` + appID + `/` + token + `$`)
	fu := e.dc.sent(http.MethodPost, path)
	if len(fu) != 1 {
		e.t.Fatalf("/%s deferred without one follow-up: %+v", name, fu)
	}
	got := toReply(e.t, map[string]any{"type": float64(4), "data": fu[0].Body})
	got.Ephemeral = r.Ephemeral
	return got
}

// eventCount returns how many events the log holds.
func (e *env) eventCount() int {
	e.t.Helper()
	n := 0
	if err := e.svc.ScanEvents(context.Background(), plaudit.EventFilter{}, func(*plaudit.Event) error { n++; return nil }); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// connect links user to the X account with username, unverified.
func (e *env) connect(user, handle string) {
	e.t.Helper()
	if r := e.command(user, nil, "connect", str("handle", handle)); !strings.HasPrefix(r.Title, "Linked") {
		e.t.Fatalf("connect %s as %s: %+v", user, handle, r)
	}
}
