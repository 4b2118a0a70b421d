package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/api"
	"github.com/plaudit/plaudit/internal/testenv"
	"github.com/plaudit/plaudit/sqlstore"
)

func openSQLite(t testing.TB) *sqlstore.DB {
	t.Helper()
	db, err := sqlstore.Open(context.Background(), filepath.Join(t.TempDir(), "plaudit.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

type client struct {
	t     *testing.T
	url   string
	token string
}

func (c *client) do(method, path, contentType, body string) (int, string) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.url+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	want := "application/json"
	if resp.StatusCode >= 400 && path != "/readyz" { // a failing /readyz is a report, not a problem
		want = api.ProblemContentType
	}
	if ct := resp.Header.Get("Content-Type"); ct != want {
		c.t.Errorf("%s %s: %d with Content-Type %q, want %q", method, path, resp.StatusCode, ct, want)
	}
	return resp.StatusCode, string(b)
}

func event(id, kind string) string {
	return fmt.Sprintf(`{"source":"api","id":%q,"kind":%q,"actor":"alice","time":"2024-05-01T12:00:00Z","attrs":{"n":1}}`, id, kind)
}

func TestPostEvents(t *testing.T) {
	db := openSQLite(t)
	srv := httptest.NewServer(api.NewServer(db, api.Options{Logger: quietLogger()}))
	defer srv.Close()
	c := &client{t: t, url: srv.URL}

	status, body := c.do("POST", "/v1/events", "application/json", `{"events":[`+event("e1", "post")+`]}`)
	if status != 200 || body != `{"results":[{"index":0,"status":"accepted","seq":1}],"accepted":1,"duplicate":0,"rejected":0}`+"\n" {
		t.Fatalf("%d %s", status, body)
	}
	// A mixed batch: a new event, a duplicate, a bad kind, a type error, invalid UTF-8 and a non-object.
	batch := "[" + event("e2", "like") + "," + event("e1", "post") + "," + event("e3", "liek") + "," +
		`{"source":"api","id":"e4","kind":"post","actor":"a","time":5}` + "," + strings.Replace(event("e5", "post"), "e5", "e5\xff", 1) + ",7]"
	status, body = c.do("POST", "/v1/events", "application/json; charset=utf-8", batch)
	want := `{"results":[{"index":0,"status":"accepted","seq":2},{"index":1,"status":"duplicate","seq":1},` +
		`{"index":2,"status":"rejected","error":{"field":"kind","reason":"unknown kind \"liek\""}},` +
		`{"index":3,"status":"rejected","error":{"field":"time","reason":"want an RFC3339 string, got number"}},` +
		`{"index":4,"status":"rejected","error":{"field":"id","reason":"invalid UTF-8"}},` +
		`{"index":5,"status":"rejected","error":{"field":"","reason":"want a JSON object, got number"}}],` +
		`"accepted":1,"duplicate":1,"rejected":4}` + "\n"
	if status != 200 || body != want {
		t.Fatalf("%d\n got %s\nwant %s", status, body, want)
	}

	for _, tc := range []struct {
		ct, body string
		status   int
		want     string
	}{
		{"text/plain", "[]", 415, "Content-Type must be application/json"},
		{"", "[]", 415, "Content-Type"},
		{"application/json", `{"events":[` + event("x", "post"), 400, "malformed request body"},
		{"application/json", `nope`, 400, "malformed request body"},
		{"application/json", `{"event":[]}`, 400, `unknown field \"event\"`},
		{"application/json", "[" + strings.Repeat("1,", plaudit.MaxBatch) + "1]", 400, "too many events"},
	} {
		status, body := c.do("POST", "/v1/events", tc.ct, tc.body)
		if status != tc.status || !strings.Contains(body, tc.want) || !strings.Contains(body, `"code":"invalid"`) {
			t.Errorf("%s %.40s: %d %s", tc.ct, tc.body, status, body)
		}
	}
	// Nothing from the refused requests was stored.
	st, err := db.EventStats(context.Background())
	if err != nil || st.Total != 2 {
		t.Fatalf("stats %+v, %v", st, err)
	}
	status, _ = c.do("GET", "/v1/events?limit=x", "", "")
	if status != 400 {
		t.Fatalf("bad limit: %d", status)
	}
	if status, _ := c.do("PUT", "/v1/events", "application/json", "[]"); status != 405 {
		t.Fatalf("PUT: %d", status)
	}
}

func TestBodyLimit(t *testing.T) {
	db := openSQLite(t)
	srv := httptest.NewServer(api.NewServer(db, api.Options{Logger: quietLogger(), MaxBodyBytes: 1000}))
	defer srv.Close()
	c := &client{t: t, url: srv.URL}
	status, body := c.do("POST", "/v1/events", "application/json", "["+strings.Repeat(event("e", "post")+",", 20)+"1]")
	if status != 413 || !strings.Contains(body, "larger than 1000 bytes") {
		t.Fatalf("%d %s", status, body)
	}
}

func TestGetEventsAndStats(t *testing.T) {
	db := openSQLite(t)
	srv := httptest.NewServer(api.NewServer(db, api.Options{Logger: quietLogger()}))
	defer srv.Close()
	c := &client{t: t, url: srv.URL}
	var evs []string
	for i := range 5 {
		kind := "post"
		if i%2 == 1 {
			kind = "like"
		}
		evs = append(evs, strings.Replace(event(fmt.Sprint(i), kind), "12:00:00", fmt.Sprintf("12:00:%02d", i), 1))
	}
	if status, body := c.do("POST", "/v1/events", "application/json", "["+strings.Join(evs, ",")+"]"); status != 200 {
		t.Fatal(body)
	}
	get := func(q string) api.EventsPage {
		status, body := c.do("GET", "/v1/events"+q, "", "")
		if status != 200 {
			t.Fatalf("GET %s: %d %s", q, status, body)
		}
		var p api.EventsPage
		if err := json.Unmarshal([]byte(body), &p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ids := func(p api.EventsPage) string {
		var s []string
		for _, e := range p.Events {
			s = append(s, e.ExternalID)
		}
		return strings.Join(s, ",")
	}
	if p := get(""); ids(p) != "0,1,2,3,4" || p.Next != 0 || p.Events[0].Seq != 1 {
		t.Fatalf("all: %s next %d", ids(p), p.Next)
	}
	if p := get("?kind=post&source=api,x"); ids(p) != "0,2,4" {
		t.Fatalf("posts: %s", ids(p))
	}
	if p := get("?since=2024-05-01T12:00:01Z&until=2024-05-01T12:00:03Z"); ids(p) != "1,2" {
		t.Fatalf("time window: %s", ids(p))
	}
	p := get("?limit=2")
	if ids(p) != "0,1" || p.Next != 2 {
		t.Fatalf("page 1: %s next %d", ids(p), p.Next)
	}
	if p := get(fmt.Sprintf("?limit=2&after=%d", p.Next)); ids(p) != "2,3" {
		t.Fatalf("page 2: %s", ids(p))
	}
	for _, q := range []string{"?source=nope", "?since=yesterday", "?after=-1", "?limit=0", "?colour=red"} {
		if status, body := c.do("GET", "/v1/events"+q, "", ""); status != 400 || !strings.Contains(body, `"code":"invalid"`) {
			t.Errorf("GET %s: %d %s", q, status, body)
		}
	}
	status, body := c.do("GET", "/v1/stats", "", "")
	var st plaudit.EventStats
	if err := json.Unmarshal([]byte(body), &st); status != 200 || err != nil || st.Total != 5 {
		t.Fatalf("stats: %d %s", status, body)
	}
}

func TestAuth(t *testing.T) {
	db := openSQLite(t)
	var logs bytes.Buffer
	s := api.NewServer(db, api.Options{Tokens: []string{"s3cret-one", " s3cret-two "}, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	srv := httptest.NewServer(s)
	defer srv.Close()
	for _, tc := range []struct {
		token  string
		status int
	}{{"", 401}, {"wrong", 401}, {"s3cret-one", 200}, {"s3cret-two", 200}, {"s3cret-on", 401}} {
		c := &client{t: t, url: srv.URL, token: tc.token}
		if status, body := c.do("GET", "/v1/stats", "", ""); status != tc.status {
			t.Errorf("token %q: %d %s", tc.token, status, body)
		}
	}
	req, _ := http.NewRequest("GET", srv.URL+"/v1/stats", nil)
	req.Header.Set("Authorization", "Basic czNjcmV0LW9uZQ==")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") == "" {
		t.Fatalf("basic auth: %v %v", resp, err)
	}
	// The health check needs no token.
	if status, _ := (&client{t: t, url: srv.URL}).do("GET", "/healthz", "", ""); status != 200 {
		t.Fatalf("healthz: %d", status)
	}
	if strings.Contains(logs.String(), "s3cret") {
		t.Fatalf("a token reached the log:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "path=/v1/stats status=401") {
		t.Fatalf("requests not logged:\n%s", logs.String())
	}
}

func TestNoTokensLoopbackOnly(t *testing.T) {
	s := api.NewServer(openSQLite(t), api.Options{Logger: quietLogger()})
	for addr, want := range map[string]int{"127.0.0.1:5555": 200, "[::1]:5555": 200, "192.0.2.7:5555": 403} {
		req := httptest.NewRequest("GET", "/v1/stats", nil)
		req.RemoteAddr = addr
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != want {
			t.Errorf("%s: %d %s", addr, rec.Code, rec.Body)
		}
	}
}

func TestRegister(t *testing.T) {
	api.Register(func(s *api.Server) {
		s.HandleFunc("GET /v1/test-hook/{name}", func(w http.ResponseWriter, r *http.Request) {
			api.WriteJSON(w, 200, map[string]string{"hello": r.PathValue("name")})
		})
		s.HandlePublic("GET /v1/test-public", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			api.WriteError(w, plaudit.Errorf(plaudit.ENOTFOUND, "no such thing"))
		}))
	})
	s := api.NewServer(openSQLite(t), api.Options{Tokens: []string{"t"}, Logger: quietLogger()})
	srv := httptest.NewServer(s)
	defer srv.Close()
	if status, body := (&client{t: t, url: srv.URL, token: "t"}).do("GET", "/v1/test-hook/bob", "", ""); status != 200 || body != `{"hello":"bob"}`+"\n" {
		t.Fatalf("%d %s", status, body)
	}
	if status, _ := (&client{t: t, url: srv.URL}).do("GET", "/v1/test-hook/bob", "", ""); status != 401 {
		t.Fatalf("hook route without token: %d", status)
	}
	if status, body := (&client{t: t, url: srv.URL}).do("GET", "/v1/test-public", "", ""); status != 404 || !strings.Contains(body, `"code":"not_found"`) {
		t.Fatalf("public route: %d %s", status, body)
	}
}

// TestConcurrentPosts posts overlapping batches from several clients at once: every request must succeed,
// and every event must be stored exactly once, accepted by exactly one request.
func TestConcurrentPosts(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testConcurrentPosts(t, openSQLite(t)) })
	t.Run("postgres", func(t *testing.T) {
		db, err := sqlstore.Open(context.Background(), testenv.Postgres(t))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		testConcurrentPosts(t, db)
	})
}

func testConcurrentPosts(t *testing.T, db plaudit.Store) {
	srv := httptest.NewServer(api.NewServer(db, api.Options{Logger: quietLogger()}))
	defer srv.Close()
	const clients, batches, size = 4, 5, 50
	accepted := make(chan int, clients*batches)
	errc := make(chan error, clients)
	for c := range clients {
		go func() {
			for b := range batches {
				var evs []string
				for i := range size {
					// The first half of every batch is the same for all clients: contended.
					id := fmt.Sprintf("%d-%d", c, b*size+i)
					if i < size/2 {
						id = fmt.Sprintf("shared-%d", b*size+i)
					}
					evs = append(evs, event(id, "post"))
				}
				resp, err := http.Post(srv.URL+"/v1/events", "application/json", strings.NewReader("["+strings.Join(evs, ",")+"]"))
				if err != nil {
					errc <- err
					return
				}
				var out api.PostEventsResponse
				err = json.NewDecoder(resp.Body).Decode(&out)
				resp.Body.Close()
				if err != nil || resp.StatusCode != 200 || out.Rejected != 0 || out.Accepted+out.Duplicate != size {
					errc <- fmt.Errorf("status %d: %+v %v", resp.StatusCode, out, err)
					return
				}
				accepted <- out.Accepted
			}
			errc <- nil
		}()
	}
	for range clients {
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
	close(accepted)
	total := 0
	for n := range accepted {
		total += n
	}
	st, err := db.EventStats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := batches*size/2 + clients*batches*size/2 // the shared ids once, each client's own ids

	if st.Total != int64(want) || total != want {
		t.Fatalf("stored %d, accepted %d, want %d", st.Total, total, want)
	}
}
