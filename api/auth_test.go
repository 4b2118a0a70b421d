package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/api"
	"github.com/plaudit/plaudit/service"
)

// keyed is a server over a real SQLite store with one key per role (the member key bound to alice), a
// revoked admin key and an admin token.
type keyed struct {
	s       *api.Server
	svc     *service.Service
	keys    map[plaudit.Role]string
	revoked string
}

const adminToken = "env-admin-token"

func newKeyed(t *testing.T, opts api.Options) *keyed {
	t.Helper()
	ctx := context.Background()
	db := openSQLite(t)
	svc := service.New(db, service.Options{Logger: quietLogger()})
	if _, err := svc.LinkAccount(ctx, "x:1001", "alice", "", "ops"); err != nil {
		t.Fatal(err)
	}
	k := &keyed{svc: svc, keys: map[plaudit.Role]string{}}
	for _, role := range plaudit.Roles {
		nk := service.NewKey{Name: string(role) + " key", Role: role}
		if role == plaudit.RoleMember {
			nk.Member = "alice"
		}
		c, err := svc.CreateKey(ctx, nk)
		if err != nil {
			t.Fatal(err)
		}
		k.keys[role] = c.Secret
	}
	rev, err := svc.CreateKey(ctx, service.NewKey{Name: "old", Role: plaudit.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RevokeKey(ctx, rev.Key.ID); err != nil {
		t.Fatal(err)
	}
	k.revoked = rev.Secret
	opts.Service, opts.Logger = svc, quietLogger()
	if opts.Tokens == nil {
		opts.Tokens = []string{adminToken}
	}
	k.s = api.NewServer(db, opts)
	return k
}

var wildcard = regexp.MustCompile(`\{([^}]*)\}`)

// request builds a request for a route pattern: wildcards naming a member get alice, ids a number that
// names nothing, others "x"; a POST, PUT or PATCH sends an empty JSON object (a bare array for events).
func request(pattern string) *http.Request {
	method, path, _ := strings.Cut(pattern, " ")
	path = wildcard.ReplaceAllStringFunc(path, func(w string) string {
		name := strings.Trim(w, "{}.")
		switch {
		case strings.Contains(name, "member") || strings.Contains(name, "handle"):
			return "alice"
		case strings.Contains(name, "id"):
			return "999999"
		}
		return "x"
	})
	path = strings.TrimSuffix(path, "{$}")
	var r *http.Request
	switch method {
	case "POST", "PUT", "PATCH":
		body := "{}"
		if path == "/v1/events" {
			body = "[]"
		}
		r = httptest.NewRequest(method, path, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
	default:
		r = httptest.NewRequest(method, path, nil)
	}
	return r
}

func (k *keyed) serve(r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	k.s.ServeHTTP(rec, r)
	return rec
}

// TestRouteRoleMatrix walks every route of Server.Roles (so routes added later are covered) with a key of
// every role, an admin token, no key, a revoked key, a key in the query string and a key in a cookie.
func TestRouteRoleMatrix(t *testing.T) {
	k := newKeyed(t, api.Options{RateLimit: api.RateLimit{PerSecond: 1e6, Burst: 1e6}})
	table := k.s.Roles()
	// The routes this area owns, with the roles the docs promise.
	for pattern, want := range map[string][]plaudit.Role{
		"GET /metrics":                              {plaudit.RoleAdmin, plaudit.RoleCore, plaudit.RoleViewer},
		"POST /v1/events":                           {plaudit.RoleAdmin, plaudit.RoleCore, plaudit.RoleIngest},
		"GET /v1/events":                            {plaudit.RoleAdmin, plaudit.RoleCore, plaudit.RoleViewer, plaudit.RoleWitness},
		"GET /v1/stats":                             {plaudit.RoleAdmin, plaudit.RoleCore, plaudit.RoleViewer, plaudit.RoleWitness},
		"POST /v1/keys":                             {plaudit.RoleAdmin},
		"GET /v1/keys":                              {plaudit.RoleAdmin},
		"DELETE /v1/keys/{id}":                      {plaudit.RoleAdmin},
		"GET /v1/reviews":                           {plaudit.RoleAdmin, plaudit.RoleCore, plaudit.RoleViewer, plaudit.RoleWitness},
		"GET /v1/epochs/{id}/reviews":               {plaudit.RoleAdmin, plaudit.RoleCore, plaudit.RoleViewer, plaudit.RoleWitness},
		"POST /v1/epochs/{id}/reviews/{item}":       {plaudit.RoleAdmin, plaudit.RoleCore},
		"POST /v1/events/{source}/{id}/invalidate":  {plaudit.RoleAdmin, plaudit.RoleCore},
		"GET /v1/events/{source}/{id}/invalidation": {plaudit.RoleAdmin, plaudit.RoleCore, plaudit.RoleViewer},
	} {
		if got := table[pattern]; !sameRoles(got, want) {
			t.Errorf("%s admits %v; want %v", pattern, got, want)
		}
	}
	patterns := make([]string, 0, len(table))
	for p := range table {
		patterns = append(patterns, p)
	}
	sort.Strings(patterns)
	if len(patterns) < 7 {
		t.Fatalf("only %d routes in the table", len(patterns))
	}
	for _, pattern := range patterns {
		roles := table[pattern]
		for _, role := range plaudit.Roles {
			r := request(pattern)
			r.Header.Set("Authorization", "Bearer "+k.keys[role])
			rec := k.serve(r)
			allowed := false
			for _, a := range roles {
				allowed = allowed || a == role
			}
			if allowed {
				// 503 is the answer of /v1/jobs on a server without a scheduler: allowed, and unavailable.
				if rec.Code == 401 || rec.Code == 403 || rec.Code == 429 || (rec.Code >= 500 && rec.Code != 503) {
					t.Errorf("%s as %s (allowed): %d %s", pattern, role, rec.Code, rec.Body)
				}
			} else if rec.Code != 403 || !strings.Contains(rec.Body.String(), "the "+string(role)+" role may not") {
				t.Errorf("%s as %s (not allowed): %d %s; want 403 naming the role", pattern, role, rec.Code, rec.Body)
			}
		}
		r := request(pattern)
		r.Header.Set("Authorization", "Bearer "+adminToken)
		if rec := k.serve(r); rec.Code == 401 || rec.Code == 403 || (rec.Code >= 500 && rec.Code != 503) {
			t.Errorf("%s with the admin token: %d %s", pattern, rec.Code, rec.Body)
		}

		unauthorized := map[string]func(r *http.Request){
			"no key":      func(r *http.Request) {},
			"revoked key": func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+k.revoked) },
			"unknown key": func(r *http.Request) { r.Header.Set("Authorization", "Bearer plk_"+strings.Repeat("A", 43)) },
			"wrong token": func(r *http.Request) { r.Header.Set("Authorization", "Bearer not-the-token") },
			"basic auth":  func(r *http.Request) { r.SetBasicAuth("admin", k.keys[plaudit.RoleAdmin]) },
			"cookie": func(r *http.Request) {
				r.AddCookie(&http.Cookie{Name: "plaudit_key", Value: k.keys[plaudit.RoleAdmin]})
			},
			"query token":  func(r *http.Request) { setQuery(r, "token", k.keys[plaudit.RoleAdmin]) },
			"query key":    func(r *http.Request) { setQuery(r, "key", k.keys[plaudit.RoleAdmin]) },
			"query access": func(r *http.Request) { setQuery(r, "access_token", adminToken) },
			"query + header": func(r *http.Request) {
				setQuery(r, "key", k.keys[plaudit.RoleAdmin])
				r.Header.Set("Authorization", "Bearer "+k.keys[plaudit.RoleAdmin])
			},
		}
		for name, set := range unauthorized {
			r := request(pattern)
			set(r)
			rec := k.serve(r)
			if rec.Code != 401 || rec.Header().Get("WWW-Authenticate") == "" {
				t.Errorf("%s with %s: %d %s; want 401 with WWW-Authenticate", pattern, name, rec.Code, rec.Body)
			}
			if strings.HasPrefix(name, "query") && !strings.Contains(rec.Body.String(), "Authorization: Bearer") {
				t.Errorf("%s with %s: %s; want a message naming the Authorization header", pattern, name, rec.Body)
			}
			for _, secret := range k.keys {
				if strings.Contains(rec.Body.String(), secret) {
					t.Errorf("%s with %s: the answer holds a key", pattern, name)
				}
			}
		}
	}
}

func setQuery(r *http.Request, name, value string) {
	q := r.URL.Query()
	q.Set(name, value)
	r.URL.RawQuery = q.Encode()
}

func sameRoles(a, b []plaudit.Role) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestIngestAppends checks that an ingest key appends platform events and has operator and identity events
// rejected one by one, while an admin key appends them all.
func TestIngestAppends(t *testing.T) {
	k := newKeyed(t, api.Options{})
	batch := `[
	{"source":"x","id":"p1","kind":"post","actor":"1001","time":"2026-01-05T10:00:00Z"},
	{"source":"plaudit","id":"op1","kind":"tier","actor":"alice","time":"2026-01-05T10:00:00Z","attrs":{"tier":3,"by":"bot"}},
	{"source":"x","id":"w1","kind":"wallet","actor":"1001","time":"2026-01-05T10:00:00Z","attrs":{"address":"0x00000000000000000000000000000000000000aa"}},
	{"source":"discord","id":"l1","kind":"link","actor":"d9","time":"2026-01-05T10:00:00Z","attrs":{"member":"alice"}},
	{"source":"x","id":"p2","kind":"reply","actor":"1002","target":"p1","time":"2026-01-05T10:01:00Z"}
	]`
	post := func(role plaudit.Role) api.PostEventsResponse {
		t.Helper()
		r := httptest.NewRequest("POST", "/v1/events", strings.NewReader(batch))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Authorization", "Bearer "+k.keys[role])
		rec := k.serve(r)
		if rec.Code != 200 {
			t.Fatalf("as %s: %d %s", role, rec.Code, rec.Body)
		}
		var resp api.PostEventsResponse
		if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
			t.Fatal(err)
		}
		return resp
	}
	resp := post(plaudit.RoleIngest)
	if resp.Accepted != 2 || resp.Rejected != 3 {
		t.Fatalf("ingest: %+v; want 2 accepted, 3 rejected", resp)
	}
	for i, want := range map[int]string{1: "source", 2: "kind", 3: "kind"} {
		res := resp.Results[i]
		if res.Status != "rejected" || res.Error == nil || res.Error.Field != want || !strings.Contains(res.Error.Reason, "ingest role") {
			t.Errorf("ingest event %d: %+v; want rejected on %s naming the role", i, res, want)
		}
	}
	resp = post(plaudit.RoleAdmin)
	if resp.Accepted != 3 || resp.Duplicate != 2 || resp.Rejected != 0 {
		t.Errorf("admin: %+v; want the 3 refused to ingest accepted now, 2 duplicates", resp)
	}
}

// TestRateLimit checks that a key past its bucket gets 429 with Retry-After and a JSON error, and that other
// keys are not affected.
func TestRateLimit(t *testing.T) {
	k := newKeyed(t, api.Options{RateLimit: api.RateLimit{PerSecond: 0.5, Burst: 3}})
	get := func(role plaudit.Role) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", "/v1/stats", nil)
		r.Header.Set("Authorization", "Bearer "+k.keys[role])
		return k.serve(r)
	}
	for i := 0; i < 3; i++ {
		if rec := get(plaudit.RoleViewer); rec.Code != 200 {
			t.Fatalf("request %d within the burst: %d %s", i, rec.Code, rec.Body)
		}
	}
	rec := get(plaudit.RoleViewer)
	if rec.Code != 429 || rec.Header().Get("Retry-After") != "2" || !strings.Contains(rec.Body.String(), `"code":"rate_limited"`) {
		t.Errorf("past the burst: %d Retry-After %q %s; want 429, Retry-After 2, rate_limited", rec.Code, rec.Header().Get("Retry-After"), rec.Body)
	}
	if rec := get(plaudit.RoleCore); rec.Code != 200 {
		t.Errorf("another key: %d %s", rec.Code, rec.Body)
	}
}

// TestBodiesInFlight holds one large body in a handler and checks that a second one that does not fit
// beside it is answered 503 with Retry-After, and that it fits once the first is done.
func TestBodiesInFlight(t *testing.T) {
	const limit = 1 << 20
	k := newKeyed(t, api.Options{MaxBodyBytes: limit, MaxBodyInFlight: limit + limit/2})
	entered, release := make(chan struct{}), make(chan struct{})
	k.s.Route("POST /v1/test-slow", func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		<-release
		api.WriteJSON(w, 200, map[string]bool{"ok": true})
	}, plaudit.RoleAdmin)
	big := func() *http.Request {
		r := httptest.NewRequest("POST", "/v1/test-slow", strings.NewReader(strings.Repeat("x", limit)))
		r.Header.Set("Authorization", "Bearer "+adminToken)
		return r
	}
	var wg sync.WaitGroup
	wg.Add(1)
	var first *httptest.ResponseRecorder
	go func() { defer wg.Done(); first = k.serve(big()) }()
	select {
	case <-entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the first request never reached its handler")
	}
	rec := k.serve(big())
	if rec.Code != 503 || rec.Header().Get("Retry-After") == "" || !strings.Contains(rec.Body.String(), "in flight") {
		t.Errorf("second large body: %d %q %s; want 503 with Retry-After", rec.Code, rec.Header().Get("Retry-After"), rec.Body)
	}
	// A small body still fits beside the first.
	small := httptest.NewRequest("POST", "/v1/events", strings.NewReader("[]"))
	small.Header.Set("Content-Type", "application/json")
	small.Header.Set("Authorization", "Bearer "+adminToken)
	if rec := k.serve(small); rec.Code != 200 {
		t.Errorf("small body beside the large one: %d %s", rec.Code, rec.Body)
	}
	close(release)
	wg.Wait()
	if first.Code != 200 {
		t.Errorf("first: %d %s", first.Code, first.Body)
	}
	go func() { <-entered }()
	if rec := k.serve(big()); rec.Code != 200 {
		t.Errorf("a large body after the first finished: %d %s", rec.Code, rec.Body)
	}
}

// TestKeysNoTokens checks a server without tokens: loopback clients act as admin until a key exists, and
// need a key from then on.
func TestKeysNoTokens(t *testing.T) {
	db := openSQLite(t)
	svc := service.New(db, service.Options{Logger: quietLogger()})
	s := api.NewServer(db, api.Options{Logger: quietLogger(), Service: svc})
	local := func(token string) int {
		r := httptest.NewRequest("GET", "/v1/stats", nil)
		r.RemoteAddr = "127.0.0.1:5555"
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, r)
		return rec.Code
	}
	if code := local(""); code != 200 {
		t.Fatalf("loopback without keys: %d", code)
	}
	c, err := svc.CreateKey(context.Background(), service.NewKey{Role: plaudit.RoleViewer})
	if err != nil {
		t.Fatal(err)
	}
	if code := local(""); code != 401 {
		t.Errorf("loopback without a key once keys exist: %d; want 401", code)
	}
	if code := local(c.Secret); code != 200 {
		t.Errorf("loopback with the key: %d", code)
	}
}

// TestKeysAPI creates, lists and revokes a key through the API as an admin.
func TestKeysAPI(t *testing.T) {
	k := newKeyed(t, api.Options{})
	do := func(method, path, body string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, path, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Authorization", "Bearer "+k.keys[plaudit.RoleAdmin])
		return k.serve(r)
	}
	for body, want := range map[string]string{
		`{"role":"root"}`:                     `role \"root\"`,
		`{"role":"member"}`:                   "must name its member",
		`{"role":"member","member":"nobody"}`: "nobody",
		`{"role":"viewer","extra":1}`:         "unknown field",
		`{"role":"viewer"} {}`:                "trailing data",
	} {
		if rec := do("POST", "/v1/keys", body); rec.Code/100 != 4 || !strings.Contains(rec.Body.String(), want) {
			t.Errorf("POST /v1/keys %s: %d %s; want 4xx naming %q", body, rec.Code, rec.Body, want)
		}
	}
	rec := do("POST", "/v1/keys", `{"name":"bot","role":"ingest"}`)
	if rec.Code != 201 {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	var created service.CreatedKey
	if err := json.Unmarshal(rec.Body.Bytes(), &created); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(created.Secret, "plk_") || created.Key.Role != plaudit.RoleIngest || created.Key.CreatedBy == "" {
		t.Fatalf("created %+v", created)
	}
	rec = do("GET", "/v1/keys", "")
	if rec.Code != 200 || strings.Contains(rec.Body.String(), created.Secret) || strings.Contains(rec.Body.String(), "hash") || !strings.Contains(rec.Body.String(), `"name":"bot"`) {
		t.Fatalf("list: %d %s", rec.Code, rec.Body)
	}
	r := httptest.NewRequest("GET", "/v1/stats", nil)
	r.Header.Set("Authorization", "Bearer "+created.Secret)
	if rec := k.serve(r); rec.Code != 403 {
		t.Errorf("the new ingest key on GET /v1/stats: %d; want 403", rec.Code)
	}
	if rec := do("DELETE", "/v1/keys/"+jsonNumber(created.Key.ID), ""); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"revoked"`) {
		t.Fatalf("revoke: %d %s", rec.Code, rec.Body)
	}
	if rec := k.serve(r.Clone(context.Background())); rec.Code != 401 {
		t.Errorf("the revoked key: %d; want 401", rec.Code)
	}
	if rec := do("DELETE", "/v1/keys/abc", ""); rec.Code != 400 {
		t.Errorf("DELETE /v1/keys/abc: %d", rec.Code)
	}
}

func jsonNumber(n int64) string { b, _ := json.Marshal(n); return string(b) }
