package x_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"
)

// fakeX is a fake of X's API v2 tweets/search/recent: it serves the fixtures (X's documented shapes) newest
// first, newer than since_id, pageSize posts a page with meta.next_token, sends x-rate-limit-* headers on
// every answer, and fails requests on demand (a 429 with x-rate-limit-reset, or a 500).
type fakeX struct {
	t                  *testing.T
	srv                *httptest.Server
	now                time.Time // the clock the fake's x-rate-limit-reset is relative to
	mu                 sync.Mutex
	results            map[string][]map[string]any // query → posts, newest first
	includes           map[string]map[string]any   // query → includes
	pageSize           int
	fails              []int // statuses to answer next, in order (429 or 5xx)
	sinceIDs           []string
	requests           int
	failAt, failStatus int  // the request number to fail, once
	exhaust            bool // the next answer says x-rate-limit-remaining: 0
}

func loadFixture(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

func newFakeX(t *testing.T, now time.Time) *fakeX {
	f := &fakeX{t: t, now: now, results: map[string][]map[string]any{}, includes: map[string]map[string]any{}, pageSize: 2}
	set := func(q string, fixtures ...string) {
		inc := map[string]any{"users": []any{}, "tweets": []any{}}
		for _, name := range fixtures {
			m := loadFixture(t, name)
			for _, d := range asList(m["data"]) {
				f.results[q] = append(f.results[q], d.(map[string]any))
			}
			if i, ok := m["includes"].(map[string]any); ok {
				inc["users"] = append(inc["users"].([]any), asList(i["users"])...)
				inc["tweets"] = append(inc["tweets"].([]any), asList(i["tweets"])...)
			}
		}
		f.includes[q] = inc
	}
	set("from:acmeproject", "search_from_acmeproject.json")
	set("@acmeproject -from:acmeproject", "search_mentions_acmeproject.json")
	set("from:alice", "search_from_alice.json")
	set("@alice -from:alice")
	// The keyword search finds the posts with #acme again: stored once all the same.
	set("#acme", "search_from_alice.json", "search_from_acmeproject.json")
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func asList(v any) []any { l, _ := v.([]any); return l }

// add puts a new post at the head of a query's results.
func (f *fakeX) add(query string, post map[string]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.results[query] = append([]map[string]any{post}, f.results[query]...)
}

func (f *fakeX) fail(statuses ...int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fails = append(f.fails, statuses...)
}

func (f *fakeX) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests++
	reset := strconv.FormatInt(f.now.Add(60*time.Second).Unix(), 10)
	w.Header().Set("x-rate-limit-limit", "450")
	w.Header().Set("x-rate-limit-reset", reset)
	if r.Header.Get("Authorization") != "Bearer test-token" {
		http.Error(w, `{"title":"Unauthorized"}`, http.StatusUnauthorized)
		return
	}
	if r.URL.Path != "/2/tweets/search/recent" {
		f.serveOther(w, r)
		return
	}
	if false {
		http.Error(w, `{"title":"Not Found"}`, http.StatusNotFound)
		return
	}
	if f.failAt == f.requests {
		f.fails = append([]int{f.failStatus}, f.fails...)
	}
	if len(f.fails) > 0 {
		st := f.fails[0]
		f.fails = f.fails[1:]
		if st == http.StatusTooManyRequests {
			w.Header().Set("x-rate-limit-remaining", "0")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(st)
			fmt.Fprint(w, `{"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429}`)
			return
		}
		http.Error(w, `{"title":"Internal Error"}`, st)
		return
	}
	w.Header().Set("x-rate-limit-remaining", "449")
	if f.exhaust {
		f.exhaust = false
		w.Header().Set("x-rate-limit-remaining", "0")
	}
	q := r.URL.Query()
	since := q.Get("since_id")
	f.sinceIDs = append(f.sinceIDs, since)
	var posts []any
	for _, p := range f.results[q.Get("query")] {
		if since == "" || idAfter(p["id"].(string), since) {
			posts = append(posts, p)
		}
	}
	start := 0
	if tok := q.Get("next_token"); tok != "" {
		start, _ = strconv.Atoi(tok)
	}
	end := min(start+f.pageSize, len(posts))
	meta := map[string]any{"result_count": end - start}
	if len(posts) > 0 {
		meta["newest_id"] = posts[start].(map[string]any)["id"]
		meta["oldest_id"] = posts[end-1].(map[string]any)["id"]
	}
	if end < len(posts) {
		meta["next_token"] = strconv.Itoa(end)
	}
	body := map[string]any{"meta": meta}
	if end > start {
		body["data"] = posts[start:end]
		body["includes"] = f.includes[q.Get("query")]
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(body)
}

// idAfter compares X's numeric ids.
func idAfter(a, b string) bool {
	if len(a) != len(b) {
		return len(a) > len(b)
	}
	return a > b
}

// failAfter makes the request after the next n answer status.
func (f *fakeX) failAfter(n, status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failAt, f.failStatus = f.requests+n+1, status
}

// serveOther answers the engagement endpoints of post 1800000000000000010: liking_users (two pages, by
// pagination_token), retweeted_by, quote_tweets (alice's quote); other posts have none.
func (f *fakeX) serveOther(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("x-rate-limit-remaining", "74")
	w.Header().Set("Content-Type", "application/json")
	const post = "/2/tweets/1800000000000000010/"
	var name string
	switch r.URL.Path {
	case post + "liking_users":
		name = "users_liking.json"
		if r.URL.Query().Get("pagination_token") != "" {
			name = "users_liking_page2.json"
		}
	case post + "retweeted_by":
		name = "users_retweeted_by.json"
	case post + "quote_tweets":
		name = "search_from_alice.json"
	default:
		fmt.Fprint(w, `{"meta":{"result_count":0}}`)
		return
	}
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		f.t.Error(err)
	}
	w.Write(b)
}
