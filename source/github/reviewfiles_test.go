package github_test

import (
	"context"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/service"
	"github.com/plaudit/plaudit/source/github"
	"github.com/plaudit/plaudit/sqlstore"
)

// TestReviewFiles: a review's changed files are read through the REST API (the pull request's commits and
// the comparison of the review's commit with the first commit's parent, every page), stored with the
// review, and the review reward counts them as Ubiquity does, without excluded files.
func TestReviewFiles(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *sqlstore.DB) {
		ctx := context.Background()
		f := newFakeGitHub(t) // one item a page: every list and the comparison take several pages
		svc := service.New(st, service.Options{Logger: quiet()})
		pol := []byte(`name: reviews
scorers:
  - scorer: conversation
    sources: [github]
    kinds: [issue, pull_request, comment, review]
    params:
      incentives:
        collaboratorOnlyPaymentInvocation: false
        reviewIncentivizer:
          baseRate: 100
          excludedFilePatterns: ["go.sum"]
`)
		if _, err := svc.ActivatePolicy(ctx, pol, "reviews.yml", "test"); err != nil {
			t.Fatal(err)
		}
		c, _ := github.NewClient(f.srv.URL, "ghp_test", nil)
		c.Logger = quiet()
		ev := &github.Evaluator{Client: c, Service: svc, Logger: quiet()}
		if _, err := ev.Evaluate(ctx, "acme/widgets", 2); err != nil {
			t.Fatal(err)
		}
		cmp := "/repos/acme/widgets/compare/9049f1265b7d61be4a8904a9a27120d2064dab3b...6dcb09b5b57875f334f61aebed695e2e4193db5e"
		if n := f.served(cmp); n != 3 {
			t.Fatalf("comparison pages read: %d, want 3 (one file a page)", n)
		}
		if n := f.served("/repos/acme/widgets/pulls/2/commits"); n != 1 {
			t.Fatalf("commit pages read: %d, want 1 (the oldest commit is on the first)", n)
		}
		e, err := st.EventByKey(ctx, plaudit.SourceGitHub, "PRR_kwDOAcme0201")
		if err != nil {
			t.Fatal(err)
		}
		files, _ := e.Attrs["files"].([]any)
		add, _ := e.AttrInt("additions")
		del, _ := e.AttrInt("deletions")
		if len(files) != 3 || add != 120 || del != 8 {
			t.Fatalf("review attrs %v", e.Attrs)
		}
		x, err := svc.Explain(ctx, "github/PRR_kwDOAcme0201", nil)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, sc := range x.Scores {
			for _, l := range sc.Lines {
				if l.Rule != "conversation.review" {
					continue
				}
				found = true
				in := map[string]string{}
				for _, i := range l.Inputs {
					in[i.Name] = i.Value
				}
				// go.sum's 5 additions are excluded.
				if in["additions"] != "115" || in["deletions"] != "8" {
					t.Fatalf("review reward inputs %v", in)
				}
			}
		}
		if !found {
			t.Fatalf("no review reward: %+v", x.Scores)
		}
	})
}
