package github_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/api"
	"github.com/plaudit/plaudit/internal/testenv"
	"github.com/plaudit/plaudit/policy"
	"github.com/plaudit/plaudit/service"
	"github.com/plaudit/plaudit/source/github"
	"github.com/plaudit/plaudit/sqlstore"
)

var secret = []byte("It's a Secret to Everybody")

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

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

// hookEnv is an API server with the GitHub webhook, over a real store.
type hookEnv struct {
	t    testing.TB
	st   *sqlstore.DB
	svc  *service.Service
	srv  *api.Server
	mu   sync.Mutex
	done []string // evaluations enqueued: "owner/repo#n"
}

func newHookEnv(t testing.TB, st *sqlstore.DB) *hookEnv {
	e := &hookEnv{t: t, st: st, svc: service.New(st, service.Options{Logger: quiet()})}
	// The API has a token: the webhook route must answer without one (it is public, signed instead).
	e.srv = api.NewServer(st, api.Options{Tokens: []string{"admin-token"}, Logger: quiet(), Service: e.svc})
	e.srv.SetGitHubWebhook(&github.Webhook{Secret: secret, Repos: []string{"acme/widgets"}, Events: e.svc, State: st, Logger: quiet(),
		Done: func(_ context.Context, repo string, n int) error {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.done = append(e.done, fmt.Sprintf("%s#%d", repo, n))
			return nil
		}})
	return e
}

// deliver posts body as GitHub would, with the given signature header values (nil: a correct one).
func (e *hookEnv) deliver(event, delivery string, body []byte, headers map[string]string) (int, map[string]any) {
	e.t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/webhooks/github", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("User-Agent", "GitHub-Hookshot/abc1234")
	r.Header.Set("X-GitHub-Event", event)
	r.Header.Set("X-GitHub-Delivery", delivery)
	r.Header.Set("X-GitHub-Hook-ID", "123456789")
	if headers == nil {
		r.Header.Set(github.SignatureHeader, github.Sign(secret, body))
	}
	for k, v := range headers {
		r.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, r)
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		e.t.Fatalf("%s %s: answer %d is not JSON: %s", event, delivery, rec.Code, rec.Body)
	}
	return rec.Code, out
}

// keys returns the stored events' keys, sorted.
func storedKeys(t testing.TB, st plaudit.Store) []string {
	t.Helper()
	var keys []string
	if err := st.ScanEvents(context.Background(), plaudit.EventFilter{}, func(e *plaudit.Event) error {
		keys = append(keys, e.Key())
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	sort.Strings(keys)
	return keys
}

func TestWebhookEndToEnd(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *sqlstore.DB) {
		e := newHookEnv(t, st)
		comment := fixture(t, "webhooks/issue_comment.created.json")
		// Three deliveries of one payload: the first stores the comment, a replay of its delivery id is
		// answered "already received", a redelivery under a new id finds the event stored.
		for i, want := range []struct {
			delivery, status string
			accepted, dup    float64
		}{{"d-1", "accepted", 1, 0}, {"d-1", "already received", 0, 0}, {"d-2", "accepted", 0, 1}} {
			code, ans := e.deliver("issue_comment", want.delivery, comment, nil)
			if code != http.StatusOK || ans["status"] != want.status || ans["accepted"] != want.accepted || ans["duplicates"] != want.dup {
				t.Fatalf("delivery %d (%s): %d %v; want 200 %s accepted %v duplicates %v", i, want.delivery, code, ans, want.status, want.accepted, want.dup)
			}
		}
		if got := storedKeys(t, st); len(got) != 1 || got[0] != "github/IC_kwDOAcme0101" {
			t.Fatalf("after three deliveries of one comment the log holds %v", got)
		}
		for _, d := range []struct {
			event, file string
			code        int
			status      string
		}{
			{"ping", "ping.json", 200, "pong"},
			{"issues", "issues.opened.json", 202, "ignored"},
			{"issue_comment", "issue_comment.other-repo.json", 202, "ignored"},
			{"issue_comment", "issue_comment.created.pr.json", 200, "accepted"},
			{"pull_request_review", "pull_request_review.submitted.json", 200, "accepted"},
			{"pull_request_review_comment", "pull_request_review_comment.created.json", 200, "accepted"},
			{"pull_request", "pull_request.closed.json", 200, "accepted"},
			{"issues", "issues.closed.json", 200, "accepted"},
			{"star", "ping.json", 202, "ignored"},
		} {
			code, ans := e.deliver(d.event, "x-"+d.event+"-"+d.file, fixture(t, "webhooks/"+d.file), nil)
			if code != d.code || ans["status"] != d.status {
				t.Fatalf("%s %s: %d %v; want %d %s", d.event, d.file, code, ans, d.code, d.status)
			}
			if d.status == "ignored" && ans["reason"] == "" {
				t.Fatalf("%s: ignored without a reason: %v", d.file, ans)
			}
		}
		// The review is left to the evaluation job (its payload has no pull request size), and so are the
		// closed issue and the merged pull request (the payload does not say whether the closer is a
		// collaborator).
		want := []string{"github/IC_kwDOAcme0101", "github/IC_kwDOAcme0201", "github/PRRC_kwDOAcme0202"}
		if got := storedKeys(t, st); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Fatalf("log holds %v\nwant %v", got, want)
		}
		if strings.Join(e.done, " ") != "acme/widgets#2 acme/widgets#2 acme/widgets#1" {
			t.Fatalf("evaluations enqueued: %v", e.done)
		}
		// The github-evaluate job runs them, reading through the REST API.
		ctx := context.Background()
		c, err := github.NewClient(newFakeGitHub(t).srv.URL, "ghp_test", nil)
		if err != nil {
			t.Fatal(err)
		}
		c.Logger = quiet()
		ev := &github.Evaluator{Client: c, Service: e.svc, Logger: quiet()}
		for _, n := range []int{2, 1} {
			if _, err := ev.Evaluate(ctx, "acme/widgets", n); err != nil {
				t.Fatal(err)
			}
		}
		issue, err := e.svc.Event(ctx, plaudit.SourceGitHub, "I_kwDOAcme0001")
		if err != nil {
			t.Fatal(err)
		}
		if issue.Kind != "issue" || issue.Actor != "carol" || issue.Attrs["closed_by"] != "carol" || issue.Attrs["closed_by_association"] != "COLLABORATOR" || fmt.Sprint(issue.Attrs["labels"]) != "[Priority: 1 (Normal) Price: 25 USD]" ||
			fmt.Sprint(issue.Attrs["assignees"]) != "[dave]" {
			t.Fatalf("issue event: %+v", issue)
		}

		// Scored under the conversation preset, the conversation shows on the leaderboard and explains itself.
		src, err := policy.PresetSource("conversation")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.ActivatePolicy(ctx, src, "preset:conversation", "test"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Rescore(ctx, nil); err != nil {
			t.Fatal(err)
		}
		board, err := e.svc.Leaderboard(ctx, service.LeaderboardRequest{})
		if err != nil {
			t.Fatal(err)
		}
		points := map[string]plaudit.Points{}
		for _, be := range board.Entries {
			points[be.Member] = be.Points
		}
		if points["github:dave"] <= 0 || points["github:carol"] <= 0 {
			t.Fatalf("leaderboard %+v: want dave (task, comment) and carol (issue, review) with points", board.Entries)
		}
		ex, err := e.svc.Explain(ctx, "github/I_kwDOAcme0001", nil)
		if err != nil {
			t.Fatal(err)
		}
		task := false
		for _, sc := range ex.Scores {
			task = task || (sc.Member == "github:dave" && sc.Points > 0 && len(sc.Lines) > 0 && sc.Lines[0].Rule == "conversation.task")
		}
		if !task {
			t.Fatalf("explanation of the issue: %+v; want dave's task reward", ex.Scores)
		}
	})
}

func sha1Sig(key, body []byte) string {
	m := hmac.New(sha1.New, key)
	m.Write(body)
	return "sha1=" + hex.EncodeToString(m.Sum(nil))
}

func TestWebhookForgedRefused(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *sqlstore.DB) {
		e := newHookEnv(t, st)
		body := fixture(t, "webhooks/issue_comment.created.json")
		other := fixture(t, "webhooks/issues.closed.json")
		for name, h := range map[string]map[string]string{
			"missing":           {},
			"bad hex":           {github.SignatureHeader: "sha256=zz"},
			"wrong secret":      {github.SignatureHeader: github.Sign([]byte("guess"), body)},
			"SHA-1 only":        {"X-Hub-Signature": sha1Sig(secret, body)},
			"SHA-1 in 256":      {github.SignatureHeader: sha1Sig(secret, body)},
			"over another body": {github.SignatureHeader: github.Sign(secret, other)},
			"truncated":         {github.SignatureHeader: github.Sign(secret, body)[:40]},
			"no prefix":         {github.SignatureHeader: strings.TrimPrefix(github.Sign(secret, body), "sha256=")},
		} {
			code, ans := e.deliver("issue_comment", "forged-1", body, h)
			if code != http.StatusUnauthorized || ans["code"] != plaudit.EUNAUTHORIZED {
				t.Errorf("%s: %d %v; want 401", name, code, ans)
			}
		}
		if got := storedKeys(t, st); len(got) != 0 {
			t.Fatalf("forged deliveries stored %v", got)
		}
		// The forged attempts recorded nothing: the genuine delivery under the same id is handled.
		if code, ans := e.deliver("issue_comment", "forged-1", body, nil); code != 200 || ans["status"] != "accepted" {
			t.Fatalf("genuine delivery after forged ones: %d %v", code, ans)
		}
	})
}

func TestWebhookBadPayloadStoresNothing(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *sqlstore.DB) {
		e := newHookEnv(t, st)
		var p map[string]any
		if err := json.Unmarshal(fixture(t, "webhooks/issue_comment.created.json"), &p); err != nil {
			t.Fatal(err)
		}
		delete(p["comment"].(map[string]any), "node_id")
		noID, _ := json.Marshal(p)
		for name, c := range map[string]struct {
			body []byte
			want string
		}{
			"not JSON":   {[]byte(`{"action":"created",`), "payload"},
			"no node_id": {noID, "node_id: missing"},
			"bad actor":  {bytes.Replace(fixture(t, "webhooks/issue_comment.created.json"), []byte(`"login": "dave"`), []byte(`"login": "da\u202eve"`), -1), "actor"},
		} {
			code, ans := e.deliver("issue_comment", "bad-"+name, c.body, nil)
			if code != http.StatusBadRequest || !strings.Contains(fmt.Sprint(ans["detail"]), c.want) || !strings.Contains(fmt.Sprint(ans["detail"]), "bad-"+name) {
				t.Errorf("%s: %d %v; want 400 naming the delivery and %q", name, code, ans, c.want)
			}
		}
		if got := storedKeys(t, st); len(got) != 0 {
			t.Fatalf("bad payloads stored %v", got)
		}
	})
}

func TestWebhookNotConfigured(t *testing.T) {
	st, err := sqlstore.Open(context.Background(), filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srv := api.NewServer(st, api.Options{Logger: quiet()})
	body := fixture(t, "webhooks/ping.json")
	r := httptest.NewRequest(http.MethodPost, "/webhooks/github", bytes.NewReader(body))
	r.Header.Set(github.SignatureHeader, github.Sign(secret, body))
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, r)
	if rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), "github.webhook_secret") {
		t.Fatalf("unconfigured webhook: %d %s", rec.Code, rec.Body)
	}
	_ = time.Second
}

// TestWebhookEnqueueFailureIsRetryable: when the evaluation cannot be enqueued the delivery is answered
// 500 and not recorded, so that GitHub's redelivery (same delivery id) is handled again, not "already
// received"; the closed issue itself is left to the job, which stores it once.
func TestWebhookEnqueueFailureIsRetryable(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *sqlstore.DB) {
		svc := service.New(st, service.Options{Logger: quiet()})
		fail := true
		var enqueued int
		srv := api.NewServer(st, api.Options{Logger: quiet(), Service: svc})
		srv.SetGitHubWebhook(&github.Webhook{Secret: secret, Repos: []string{"acme/widgets"}, Events: svc, State: st, Logger: quiet(),
			Done: func(context.Context, string, int) error {
				if fail {
					return fmt.Errorf("scheduler down")
				}
				enqueued++
				return nil
			}})
		e := &hookEnv{t: t, st: st, svc: svc, srv: srv}
		body := fixture(t, "webhooks/issues.closed.json")
		if code, ans := e.deliver("issues", "d-closed", body, nil); code != http.StatusInternalServerError {
			t.Fatalf("enqueue failure: %d %v; want 500", code, ans)
		}
		fail = false
		code, ans := e.deliver("issues", "d-closed", body, nil)
		if code != http.StatusOK || ans["status"] != "accepted" || ans["accepted"] != float64(0) || enqueued != 1 {
			t.Fatalf("redelivery: %d %v, enqueued %d; want accepted (the issue left to the job) and the job enqueued", code, ans, enqueued)
		}
		if got := storedKeys(t, st); len(got) != 0 {
			t.Fatalf("log holds %v", got)
		}
	})
}

// TestWebhookReviewWithoutJob: a webhook without an evaluation job stores a submitted review itself (its
// state upper-cased, its target the pull request).
func TestWebhookReviewWithoutJob(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *sqlstore.DB) {
		svc := service.New(st, service.Options{Logger: quiet()})
		srv := api.NewServer(st, api.Options{Logger: quiet(), Service: svc})
		srv.SetGitHubWebhook(&github.Webhook{Secret: secret, Repos: []string{"acme/widgets"}, Events: svc, State: st, Logger: quiet()})
		e := &hookEnv{t: t, st: st, svc: svc, srv: srv}
		if code, ans := e.deliver("pull_request_review", "r-1", fixture(t, "webhooks/pull_request_review.submitted.json"), nil); code != 200 || ans["accepted"] != float64(1) {
			t.Fatalf("review: %d %v", code, ans)
		}
		review, err := svc.Event(context.Background(), plaudit.SourceGitHub, "PRR_kwDOAcme0201")
		if err != nil {
			t.Fatal(err)
		}
		if review.Kind != plaudit.KindReview || review.Target != "PR_kwDOAcme0002" || review.Attrs["state"] != "APPROVED" || review.TargetAuthor != "dave" {
			t.Fatalf("review event: %+v", review)
		}
	})
}

// TestWalletCommand: a "/wallet 0x…" comment registers the commenter's payout wallet (the comment is stored
// too); delivered again it registers nothing more; an address with a wrong EIP-55 checksum registers nothing
// and refuses nothing.
func TestWalletCommand(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *sqlstore.DB) {
		e := newHookEnv(t, st)
		withBody := func(nodeID, body string) []byte {
			var doc map[string]any
			if err := json.Unmarshal(fixture(t, "webhooks/issue_comment.created.json"), &doc); err != nil {
				t.Fatal(err)
			}
			c := doc["comment"].(map[string]any)
			c["node_id"], c["body"] = nodeID, body
			b, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
		const wallet = "0x52908400098527886E0F7030069857D2E4169EE7"
		good := withBody("IC_wallet1", "/wallet "+wallet+"\nfor the payout of this task")
		for _, d := range []string{"d-w1", "d-w2"} {
			if code, ans := e.deliver("issue_comment", d, good, nil); code != 200 {
				t.Fatalf("deliver %s: %d %v", d, code, ans)
			}
		}
		bad := withBody("IC_wallet2", "/wallet 0x52908400098527886e0F7030069857D2E4169EE7")
		if code, ans := e.deliver("issue_comment", "d-w3", bad, nil); code != 200 {
			t.Fatalf("a wrong checksum: %d %v", code, ans)
		}
		keys := strings.Join(storedKeys(t, st), " ")
		if !strings.Contains(keys, "github/IC_wallet1") || !strings.Contains(keys, "github/wallet:IC_wallet1") ||
			!strings.Contains(keys, "github/IC_wallet2") || strings.Contains(keys, "github/wallet:IC_wallet2") {
			t.Fatalf("stored: %s", keys)
		}
		ev, err := st.EventByKey(context.Background(), plaudit.SourceGitHub, "wallet:IC_wallet1")
		if err != nil || ev.Kind != plaudit.KindWallet || ev.Attrs["address"] != wallet {
			t.Fatalf("wallet event: %+v %v", ev, err)
		}
		ms, err := e.svc.Members(context.Background(), "")
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, m := range ms {
			for _, w := range m.Wallets {
				if w == wallet {
					found = true
				}
			}
		}
		if !found {
			t.Fatalf("no member has the wallet %s after the command", wallet)
		}
	})
}
