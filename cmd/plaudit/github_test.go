package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/config"
	"github.com/plaudit/plaudit/source/github"
	"github.com/plaudit/plaudit/sqlstore"
	"github.com/spf13/cobra"
)

// TestGitHubBackfillCommand backfills from a small fake of GitHub's REST API (the source package's
// fixtures), twice: the second run resumes from the checkpoint and stores nothing new. Bad arguments exit 2.
func TestGitHubBackfillCommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "plaudit.db")
	t.Cleanup(func() { dbFlag = "" })
	srv, _ := newRESTFake(t)

	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"github", "backfill", "widgets"}, "want OWNER/NAME"},
		{[]string{"github", "backfill", "acme/widgets", "--since", "yesterday"}, `--since "yesterday"`},
		{[]string{"github", "backfill", "acme/widgets", "--api-url", "ftp://x"}, "api_url"},
	} {
		out, code, err := execute(t, append([]string{"--db", db}, bad.args...)...)
		if code != 2 || err == nil || !strings.Contains(userMessage(err), bad.want) {
			t.Errorf("plaudit %s: exit %d, %v\n%s; want exit 2 naming %q", strings.Join(bad.args, " "), code, err, out, bad.want)
		}
	}
	out, code, err := execute(t, "--db", db, "github", "backfill", "acme/widgets", "--since", "2026-01-01", "--api-url", srv.URL)
	if code != 0 || !strings.Contains(out, "acme/widgets: 3 conversations read from 2026-01-01T00:00:00Z, 8 events stored, 0 already stored") ||
		!strings.Contains(out, "checkpoint: 2026-11-06T08:00:00Z") {
		t.Fatalf("backfill: exit %d, %v\n%s", code, err, out)
	}
	out, code, err = execute(t, "--db", db, "github", "backfill", "acme/widgets", "--api-url", srv.URL)
	if code != 0 || !strings.Contains(out, "conversations read from 2026-11-06T08:00:00Z, 0 events stored, 8 already stored") {
		t.Fatalf("second backfill: exit %d, %v\n%s", code, err, out)
	}
	st, err := sqlstore.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	n := 0
	if err := st.ScanEvents(context.Background(), plaudit.EventFilter{}, func(*plaudit.Event) error { n++; return nil }); err != nil || n != 8 {
		t.Fatalf("%d events stored (%v), want 8", n, err)
	}
}

// newRESTFake is a small fake of GitHub's REST API over the source package's fixtures: it answers reads
// and records the comments posted (their paths and bodies).
func newRESTFake(t *testing.T) (*httptest.Server, *restComments) {
	posted := &restComments{}
	rest := filepath.Join("..", "..", "source", "github", "testdata", "rest")
	serve := func(w http.ResponseWriter, name string) {
		b, err := os.ReadFile(filepath.Join(rest, name))
		if err != nil {
			http.Error(w, `{"message":"Not Found"}`, http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(b)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := strings.TrimPrefix(r.URL.Path, "/repos/acme/widgets/")
		if r.Method == http.MethodPost {
			b, _ := io.ReadAll(r.Body)
			posted.add(r.URL.Path, string(b))
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, `{"id":9000001,"node_id":"IC_kwDOPlaudit1","body":"x","user":{"login":"plaudit-bot","id":42,"type":"Bot"}}`)
			return
		}
		switch {
		case p == "issues":
			serve(w, "issues.json")
		case strings.HasPrefix(p, "issues/") && strings.HasSuffix(p, "/timeline"):
			serve(w, "timeline-"+strings.TrimSuffix(strings.TrimPrefix(p, "issues/"), "/timeline")+".json")
		case strings.HasPrefix(p, "issues/") && strings.HasSuffix(p, "/comments"):
			serve(w, "comments-"+strings.TrimSuffix(strings.TrimPrefix(p, "issues/"), "/comments")+".json")
		case strings.HasPrefix(p, "issues/"):
			serve(w, "issue-"+strings.TrimPrefix(p, "issues/")+".json")
		case strings.HasPrefix(p, "pulls/") && strings.HasSuffix(p, "/commits"):
			serve(w, "pull-commits-"+strings.TrimSuffix(strings.TrimPrefix(p, "pulls/"), "/commits")+".json")
		case strings.HasPrefix(p, "compare/"):
			serve(w, "compare-"+strings.TrimPrefix(p, "compare/")+".json")
		case strings.HasPrefix(p, "pulls/") && strings.HasSuffix(p, "/reviews"):
			serve(w, "reviews-"+strings.TrimSuffix(strings.TrimPrefix(p, "pulls/"), "/reviews")+".json")
		case strings.HasPrefix(p, "pulls/") && strings.HasSuffix(p, "/comments"):
			serve(w, "review-comments-"+strings.TrimSuffix(strings.TrimPrefix(p, "pulls/"), "/comments")+".json")
		case strings.HasPrefix(p, "pulls/"):
			serve(w, "pull-"+strings.TrimPrefix(p, "pulls/")+".json")
		default:
			http.Error(w, `{"message":"Not Found"}`, http.StatusNotFound)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, posted
}

// restComments are the comments posted to the fake.
type restComments struct {
	mu    sync.Mutex
	posts []string
}

func (c *restComments) add(path, body string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.posts = append(c.posts, path+" "+body)
}

func (c *restComments) list() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.posts...)
}

// TestServeGitHubWebhook serves with a github section: a signed delivery of an issue closed as completed
// is stored and enqueues the github-evaluate job, which reads the conversation from the fake REST API and
// posts the evaluation comment; a forged delivery is 401.
func TestServeGitHubWebhook(t *testing.T) {
	old := dbFlag
	t.Cleanup(func() { dbFlag = old })
	dbFlag = ""
	t.Setenv("PLAUDIT_API_TOKENS", "")
	t.Setenv("PLAUDIT_TEST_GH_SECRET", "hook-secret")
	t.Setenv("PLAUDIT_TEST_GH_TOKEN", "ghp_test")
	rest, posted := newRESTFake(t)
	store := filepath.Join(t.TempDir(), "plaudit.db")
	addr := freeAddr(t)
	file := writeConfig(t, fmt.Sprintf(`store: %s
listen: %s
public_url: https://rewards.example.org
github:
  webhook_secret: env:PLAUDIT_TEST_GH_SECRET
  token: env:PLAUDIT_TEST_GH_TOKEN
  api_url: %s
  repos: [acme/widgets]
  comment: true
`, store, addr, rest.URL))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := &cobra.Command{}
	var stderr syncBuffer
	cmd.SetErr(&stderr)
	done := make(chan error, 1)
	go func() { done <- runServe(ctx, cmd, serveOptions{configFile: file, addr: config.DefaultListen}) }()
	waitUp(t, addr, &stderr)

	body, err := os.ReadFile(filepath.Join("..", "..", "source", "github", "testdata", "webhooks", "issues.closed.json"))
	if err != nil {
		t.Fatal(err)
	}
	post := func(sig string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/webhooks/github", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-GitHub-Event", "issues")
		req.Header.Set("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958")
		req.Header.Set("X-Hub-Signature-256", sig)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, ans := post(github.Sign([]byte("wrong"), body)); code != http.StatusUnauthorized {
		t.Fatalf("forged delivery: %d %s", code, ans)
	}
	if code, ans := post(github.Sign([]byte("hook-secret"), body)); code != http.StatusOK || !strings.Contains(ans, `"status":"accepted"`) {
		t.Fatalf("delivery: %d %s", code, ans)
	}
	deadline := time.Now().Add(20 * time.Second)
	for len(posted.list()) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no evaluation comment posted\n%s", &stderr)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if got := posted.list(); len(got) != 1 || !strings.HasPrefix(got[0], "/repos/acme/widgets/issues/1/comments ") || !strings.Contains(got[0], "plaudit-evaluation") {
		t.Fatalf("comments posted: %q", got)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
	if log := stderr.String(); strings.Contains(log, "hook-secret") || strings.Contains(log, "ghp_test") {
		t.Fatalf("a secret reached the log:\n%s", log)
	}
}

// TestServeGitHubTaskPayouts serves a per-task program (program.settlement: task, github.task_payouts and
// the payout signer): dave registers a wallet with a "/wallet 0x…" comment, the issue is closed as
// completed, and the github-evaluate job settles it at once, posting his signed Permit2 claim in the
// evaluation comment.
func TestServeGitHubTaskPayouts(t *testing.T) {
	old := dbFlag
	t.Cleanup(func() { dbFlag = old })
	dbFlag = ""
	t.Setenv("PLAUDIT_API_TOKENS", "")
	t.Setenv("PLAUDIT_TEST_GH_SECRET", "hook-secret")
	t.Setenv("PLAUDIT_TEST_GH_TOKEN", "ghp_test")
	// Hardhat's first development key, never a real one.
	t.Setenv("PLAUDIT_TEST_SIGNER", "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")
	const wallet = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
	rest, posted := newRESTFake(t)
	store := filepath.Join(t.TempDir(), "plaudit.db")
	pol := writeConfig(t, `name: tasks
program:
  settlement: task
  pool: {token: "0x6B175474E89094C44Da98b954EedeAC495271d0F", decimals: 18}
scorers:
  - scorer: conversation
    sources: [github]
    kinds: [issue, pull_request, comment, review]
`)
	if out, code, err := execute(t, "--db", store, "policy", "activate", pol); code != 0 {
		t.Fatalf("policy activate: exit %d, %v\n%s", code, err, out)
	}
	dbFlag = ""
	addr := freeAddr(t)
	file := writeConfig(t, fmt.Sprintf(`store: %s
listen: %s
github:
  webhook_secret: env:PLAUDIT_TEST_GH_SECRET
  token: env:PLAUDIT_TEST_GH_TOKEN
  api_url: %s
  repos: [acme/widgets]
  comment: true
  task_payouts: true
payout:
  chain_id: 100
  signer_key: env:PLAUDIT_TEST_SIGNER
`, store, addr, rest.URL))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := &cobra.Command{}
	var stderr syncBuffer
	cmd.SetErr(&stderr)
	done := make(chan error, 1)
	go func() { done <- runServe(ctx, cmd, serveOptions{configFile: file, addr: config.DefaultListen}) }()
	waitUp(t, addr, &stderr)

	deliver := func(event, delivery string, body []byte) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/webhooks/github", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-GitHub-Event", event)
		req.Header.Set("X-GitHub-Delivery", delivery)
		req.Header.Set("X-Hub-Signature-256", github.Sign([]byte("hook-secret"), body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), `"status":"accepted"`) {
			t.Fatalf("%s delivery: %d %s", event, resp.StatusCode, b)
		}
	}
	hooks := filepath.Join("..", "..", "source", "github", "testdata", "webhooks")
	raw, err := os.ReadFile(filepath.Join(hooks, "issue_comment.created.json"))
	if err != nil {
		t.Fatal(err)
	}
	var payload map[string]any
	if err := json.Unmarshal(raw, &payload); err != nil {
		t.Fatal(err)
	}
	c := payload["comment"].(map[string]any)
	c["body"], c["node_id"], c["id"] = "/wallet "+wallet, "IC_kwDOAcme0199", 199
	walletBody, _ := json.Marshal(payload)
	deliver("issue_comment", "d-wallet", walletBody)
	closed, err := os.ReadFile(filepath.Join(hooks, "issues.closed.json"))
	if err != nil {
		t.Fatal(err)
	}
	deliver("issues", "d-closed", closed)

	deadline := time.Now().Add(20 * time.Second)
	for len(posted.list()) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no evaluation comment posted\n%s", &stderr)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if got := posted.list(); len(got) != 1 || !strings.Contains(got[0], "Permit2 claim of "+wallet) {
		t.Fatalf("comments posted: %q; want the evaluation with dave's Permit2 claim", got)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
	if log := stderr.String(); strings.Contains(log, "ac0974bec39a17e36ba4a6b4d238ff944bacb478") {
		t.Fatal("the signer key reached the log")
	}
}
