package github_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/plaudit/plaudit/policy"
	"github.com/plaudit/plaudit/service"
	"github.com/plaudit/plaudit/source/github"
	"github.com/plaudit/plaudit/sqlstore"
)

func TestEvaluateCommentsOnce(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *sqlstore.DB) {
		ctx := context.Background()
		f := newFakeGitHub(t)
		f.fail("/repos/acme/widgets/issues/1/comments", 4291) // a secondary limit on the way
		svc := service.New(st, service.Options{Logger: quiet()})
		src, err := policy.PresetSource("conversation")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.ActivatePolicy(ctx, src, "preset:conversation", "test"); err != nil {
			t.Fatal(err)
		}
		c, err := github.NewClient(f.srv.URL, "ghp_test", nil)
		if err != nil {
			t.Fatal(err)
		}
		c.Logger = quiet()
		pub, _ := url.Parse("https://rewards.example.org")
		ev := &github.Evaluator{Client: c, Service: svc, PublicURL: pub, Comment: true, Logger: quiet()}
		res, err := ev.Evaluate(ctx, "acme/widgets", 1)
		if err != nil {
			t.Fatal(err)
		}
		if !res.Commented || len(f.comments) != 1 || f.comments[0].Path != "/repos/acme/widgets/issues/1/comments" {
			t.Fatalf("evaluation %+v; comments posted %+v", res, f.comments)
		}
		body := f.comments[0].Body
		for _, want := range []string{github.EvaluationMarker, "| contributor | points | explanations |", "| dave | ",
			"(https://rewards.example.org/v1/explanations/events/github/I_kwDOAcme0001)"} {
			if !strings.Contains(body, want) {
				t.Fatalf("comment lacks %q:\n%s", want, body)
			}
		}
		if !strings.Contains(body, "(https://rewards.example.org/v1/explanations/events/github/PRR_kwDOAcme0201)") {
			t.Fatalf("comment lacks the linked pull request's review:\n%s", body)
		}
		// The three events and the linked pull request's four (itself, a comment, a review, a
		// review comment).
		if res.Accepted != 7 || fmt.Sprint(res.Linked) != "[2]" || len(res.Rewards) == 0 || res.Rewards[0].Points <= 0 {
			t.Fatalf("evaluation %+v", res)
		}
		// A retried job finds its comment and posts none.
		res, err = ev.Evaluate(ctx, "acme/widgets", 1)
		if err != nil || res.Commented || len(f.comments) != 1 || res.Accepted != 0 {
			t.Fatalf("second evaluation %+v %v; comments %d", res, err, len(f.comments))
		}
	})
}

// TestEvaluatePullRequestDoesNotComment: a merged pull request is stored and scored; the comment goes on
// the issue it closes, not on the pull request.
func TestEvaluatePullRequestDoesNotComment(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *sqlstore.DB) {
		f := newFakeGitHub(t)
		c, err := github.NewClient(f.srv.URL, "ghp_test", nil)
		if err != nil {
			t.Fatal(err)
		}
		c.Logger = quiet()
		ev := &github.Evaluator{Client: c, Service: service.New(st, service.Options{Logger: quiet()}), Comment: true, Logger: quiet()}
		res, err := ev.Evaluate(context.Background(), "acme/widgets", 2)
		if err != nil {
			t.Fatal(err)
		}
		if res.Commented || len(f.comments) != 0 || res.Accepted != 4 || len(res.Linked) != 0 {
			t.Fatalf("pull request evaluation %+v; comments %v", res, f.comments)
		}
	})
}
