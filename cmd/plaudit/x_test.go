package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plaudit/plaudit/source/x"
)

// TestXPollCommand polls a small fake of X's recent search (which answers both queries with one post) twice: the first run stores the post, the second
// asks from its since_id and stores nothing. A missing --config or x section exits 2.
func TestXPollCommand(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "plaudit.db")
	t.Cleanup(func() { dbFlag = "" })
	var sinceIDs []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/2/tweets/search/recent" || r.Header.Get("Authorization") != "Bearer x-cli-token" {
			http.NotFound(w, r)
			return
		}
		since := r.URL.Query().Get("since_id")
		sinceIDs = append(sinceIDs, since)
		w.Header().Set("x-rate-limit-remaining", "100")
		if since != "" {
			fmt.Fprint(w, `{"meta":{"result_count":0}}`)
			return
		}
		fmt.Fprint(w, `{"data":[{"id":"1800000000000000099","text":"hello #acme","author_id":"100000000000000001","created_at":"2026-12-04T08:00:00.000Z",
			"entities":{"hashtags":[{"start":6,"end":11,"tag":"acme"}]}}],
			"includes":{"users":[{"id":"100000000000000001","username":"acmeproject","name":"Acme"}]},
			"meta":{"newest_id":"1800000000000000099","oldest_id":"1800000000000000099","result_count":1}}`)
	}))
	t.Cleanup(srv.Close)
	t.Setenv("X_CLI_TOKEN", "x-cli-token")
	cfg := filepath.Join(dir, "serve.yml")
	if err := os.WriteFile(cfg, []byte("x:\n  bearer_token: env:X_CLI_TOKEN\n  api_url: "+srv.URL+"\n  project_accounts: [acmeproject]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty.yml")
	if err := os.WriteFile(empty, []byte("listen: 127.0.0.1:8080\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"x", "poll"}, "--config: required"},
		{[]string{"x", "poll", "--config", empty}, "no x section"},
	} {
		out, code, err := execute(t, append([]string{"--db", db}, bad.args...)...)
		if code != 2 || err == nil || !strings.Contains(userMessage(err), bad.want) {
			t.Errorf("plaudit %s: exit %d, %v\n%s; want exit 2 naming %q", strings.Join(bad.args, " "), code, err, out, bad.want)
		}
	}
	out, code, err := execute(t, "--db", db, "x", "poll", "--config", cfg)
	if code != 0 || !strings.Contains(out, "2 queries, 2 posts and 2 users read (estimated $0.030), 1 events stored, 1 already stored") {
		t.Fatalf("poll: exit %d, %v\n%s", code, err, out)
	}
	out, code, err = execute(t, "--db", db, "x", "poll", "--config", cfg)
	if code != 0 || !strings.Contains(out, "0 events stored, 0 already stored") || sinceIDs[2] != "1800000000000000099" {
		t.Fatalf("second poll: exit %d, %v\n%s (since_ids %q)", code, err, out, sinceIDs)
	}
}

// TestXOutcome: an x-poll job's result records the reads, the events stored and the estimated cost, and
// says when the daily read budget ran out.
func TestXOutcome(t *testing.T) {
	o := xOutcome(x.Result{Queries: 3, PostsRead: 10, UsersRead: 4, Accepted: 6, Duplicates: 1, EstimatedCost: "0.090", BudgetExhausted: true})
	if o.Items != 14 || o.Awards != 6 || o.Note != "3 queries, 10 posts and 4 users read (estimated $0.090), 6 events stored, 1 already stored; daily read budget spent: polling resumes the next UTC day" {
		t.Fatalf("outcome %+v", o)
	}
}
