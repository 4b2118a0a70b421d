package github_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit/service"
	"github.com/plaudit/plaudit/source/github"
	"github.com/plaudit/plaudit/sqlstore"
)

// allKeys is every event the fixtures hold: issue #1 (closed as completed) and its two comments, pull
// request #2 (merged), its comment, review and review comment, and the comment on the open issue #3 (an
// open issue stores no issue event yet).
var allKeys = []string{"github/IC_kwDOAcme0101", "github/IC_kwDOAcme0102", "github/IC_kwDOAcme0201", "github/IC_kwDOAcme0301",
	"github/I_kwDOAcme0001", "github/PRRC_kwDOAcme0202", "github/PRR_kwDOAcme0201", "github/PR_kwDOAcme0002"}

func newBackfill(t *testing.T, f *fakeGitHub, st *sqlstore.DB) *github.Backfill {
	c, err := github.NewClient(f.srv.URL, "ghp_test", nil)
	if err != nil {
		t.Fatal(err)
	}
	c.Logger, c.Backoff = quiet(), 10*time.Millisecond
	return &github.Backfill{Client: c, Events: service.New(st, service.Options{Logger: quiet()}), State: st, Logger: quiet()}
}

func TestBackfillRateLimitsAndRetries(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *sqlstore.DB) {
		f := newFakeGitHub(t)
		f.fail("/repos/acme/widgets/issues", 4030)            // primary limit: wait for X-RateLimit-Reset
		f.fail("/repos/acme/widgets/issues/1/comments", 4031) // secondary limit (403, Retry-After)
		f.fail("/repos/acme/widgets/pulls/2/comments", 4291)  // secondary limit (429, Retry-After)
		f.fail("/repos/acme/widgets/pulls/2", 502, 503)       // server errors: backoff
		f.fail("/repos/acme/widgets/pulls/2/reviews", 500)    // server error: backoff
		b := newBackfill(t, f, st)
		var progress []int64
		b.Progress = func(done, _ int64) { progress = append(progress, done) }
		start := time.Now()
		res, err := b.Run(context.Background(), "acme/widgets", time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Threads != 3 || res.Accepted != len(allKeys) || res.Duplicates != 0 || len(progress) != 3 {
			t.Fatalf("backfill: %+v, progress %v", res, progress)
		}
		if got := storedKeys(t, st); strings.Join(got, " ") != strings.Join(allKeys, " ") {
			t.Fatalf("log holds %v\nwant %v", got, allKeys)
		}
		if took := time.Since(start); took < time.Second {
			t.Fatalf("took %s: the rate limits were not waited out", took)
		}
		for path, want := range map[string]int{"/repos/acme/widgets/pulls/2": 3, "/repos/acme/widgets/issues/1/comments": 3, "/repos/acme/widgets/pulls/2/comments": 2} {
			if got := f.served(path); got != want {
				t.Errorf("%s served %d times, want %d (failures retried, pages followed)", path, got, want)
			}
		}
		cp, err := st.GitHubCheckpoint(context.Background(), "acme/widgets")
		if err != nil || cp != "2026-11-06T08:00:00Z" {
			t.Fatalf("checkpoint %q %v", cp, err)
		}
		// The closed issue's event says who closed it (read from the issue itself: the list omits it).
		svc := service.New(st, service.Options{Logger: quiet()})
		is, err := svc.Event(context.Background(), "github", "I_kwDOAcme0001")
		if err != nil || is.Attrs["closed_by"] != "carol" {
			t.Fatalf("issue event %+v %v", is, err)
		}
		// Again: from the checkpoint, nothing new.
		res, err = b.Run(context.Background(), "acme/widgets", time.Time{})
		if err != nil || res.Accepted != 0 || res.Threads != 1 {
			t.Fatalf("second run: %+v %v", res, err)
		}
	})
}

func TestBackfillGivesUpOnPersistentServerErrors(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *sqlstore.DB) {
		f := newFakeGitHub(t)
		f.fail("/repos/acme/widgets/issues/1/comments", 500, 500, 500, 500)
		b := newBackfill(t, f, st)
		b.Client.MaxRetries = 2
		_, err := b.Run(context.Background(), "acme/widgets", time.Time{})
		if err == nil || !strings.Contains(err.Error(), "giving up after 2 retries") || !strings.Contains(err.Error(), "acme/widgets#1") {
			t.Fatalf("err %v", err)
		}
		// The conversation before the failing one is stored and checkpointed; #1 is not.
		cp, _ := st.GitHubCheckpoint(context.Background(), "acme/widgets")
		if cp != "2026-11-05T11:00:00Z" {
			t.Fatalf("checkpoint %q", cp)
		}
		f.fails = map[string][]int{}
		res, err := b.Run(context.Background(), "acme/widgets", time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if got := storedKeys(t, st); strings.Join(got, " ") != strings.Join(allKeys, " ") || res.Duplicates != 4 {
			t.Fatalf("after resuming: %v, %+v", got, res)
		}
	})
}

func TestBackfillInterruptedResumes(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *sqlstore.DB) {
		f := newFakeGitHub(t)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		f.onList = func(page int) {
			if page == 2 {
				cancel() // half-way: after the first conversation (one a page)
			}
		}
		b := newBackfill(t, f, st)
		res, err := b.Run(ctx, "acme/widgets", time.Time{})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("interrupted run: %+v %v", res, err)
		}
		first := storedKeys(t, st)
		if len(first) == 0 || len(first) >= len(allKeys) {
			t.Fatalf("interrupted run stored %v: want part of the history", first)
		}
		f.onList = nil
		res, err = b.Run(context.Background(), "acme/widgets", time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if got := storedKeys(t, st); strings.Join(got, " ") != strings.Join(allKeys, " ") {
			t.Fatalf("after resuming the log holds %v\nwant %v", got, allKeys)
		}
		if res.Accepted+len(first) != len(allKeys) {
			t.Fatalf("resumed run accepted %d after %d: each event must be stored once", res.Accepted, len(first))
		}
		if !res.From.Equal(time.Date(2026, 11, 5, 11, 0, 0, 0, time.UTC)) {
			t.Fatalf("resumed from %s, want the checkpoint", res.From)
		}
	})
}

func TestBackfillAfterWebhooksStoresNothingTwice(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *sqlstore.DB) {
		e := newHookEnv(t, st)
		for _, d := range [][2]string{{"issue_comment", "issue_comment.created.json"}, {"issue_comment", "issue_comment.created.pr.json"},
			{"pull_request_review", "pull_request_review.submitted.json"}, {"pull_request_review_comment", "pull_request_review_comment.created.json"},
			{"pull_request", "pull_request.closed.json"}, {"issues", "issues.closed.json"}} {
			if code, ans := e.deliver(d[0], d[1], fixture(t, "webhooks/"+d[1]), nil); code != http.StatusOK {
				t.Fatalf("%s: %d %v", d[1], code, ans)
			}
		}
		res, err := newBackfill(t, newFakeGitHub(t), st).Run(context.Background(), "acme/widgets", time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Accepted != 5 || res.Duplicates != 3 {
			t.Fatalf("backfill after the webhooks: %+v; want the 5 events no webhook stored (the review, the closed issue and the merged pull request are the job's), the 3 others duplicates", res)
		}
		if got := storedKeys(t, st); strings.Join(got, " ") != strings.Join(allKeys, " ") {
			t.Fatalf("log holds %v", got)
		}
	})
}

func TestBackfillBadRepo(t *testing.T) {
	f := newFakeGitHub(t)
	c, _ := github.NewClient(f.srv.URL, "", nil)
	b := &github.Backfill{Client: c}
	for _, r := range []string{"widgets", "acme/", "/w", "a/b/c"} {
		if _, err := b.Run(context.Background(), r, time.Time{}); err == nil || !strings.Contains(err.Error(), "want OWNER/NAME") {
			t.Errorf("%q: %v", r, err)
		}
	}
}
