package github_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	gh "github.com/google/go-github/v84/github"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/source/github"
)

// FuzzDecodeWebhook feeds the webhook decoder arbitrary payloads of each event: it must not panic, and
// whatever it maps to events must map deterministically (twice the same) with every event under source
// github and a node id.
func FuzzDecodeWebhook(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "webhooks", "*.json"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		event, _, _ := strings.Cut(filepath.Base(p), ".")
		if event == "ping" {
			event = "issues"
		}
		f.Add(event, b)
	}
	f.Fuzz(func(t *testing.T, event string, body []byte) {
		d, err := github.DecodeWebhook(event, body)
		if err != nil || d.Thread == nil {
			return
		}
		a, errA := d.Thread.Events()
		b, errB := d.Thread.Events()
		if (errA == nil) != (errB == nil) || len(a) != len(b) {
			t.Fatalf("not deterministic: %v %v", errA, errB)
		}
		for i := range a {
			if a[i].Source != "github" || a[i].ExternalID == "" || a[i].Key() != b[i].Key() {
				t.Fatalf("event %d: %+v", i, a[i])
			}
			_ = a[i].Validate()
		}
	})
}

// FuzzRESTThread decodes REST answers (an issue, a pull request, comment, review and review comment
// lists) as go-github does and maps them: no panic, and an event only with a node id.
func FuzzRESTThread(f *testing.F) {
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("testdata", "rest", name))
		if err != nil {
			f.Fatal(err)
		}
		return b
	}
	f.Add(read("issue-1.json"), []byte("null"), read("comments-1.json"), []byte("[]"), []byte("[]"))
	f.Add(read("issue-2.json"), read("pull-2.json"), read("comments-2.json"), read("reviews-2.json"), read("review-comments-2.json"))
	f.Add(read("issue-3.json"), []byte("null"), read("comments-3.json"), []byte("[]"), []byte("[]"))
	f.Fuzz(func(t *testing.T, issue, pull, comments, reviews, reviewComments []byte) {
		th := &github.Thread{Repo: "acme/widgets"}
		if json.Unmarshal(issue, &th.Issue) != nil || json.Unmarshal(pull, &th.PR) != nil || json.Unmarshal(comments, &th.Comments) != nil ||
			json.Unmarshal(reviews, &th.Reviews) != nil || json.Unmarshal(reviewComments, &th.ReviewComments) != nil {
			return
		}
		th.Closed = github.Done(th.Issue, th.PR)
		if th.Issue != nil {
			th.ClosedBy = th.Issue.GetClosedBy()
		}
		evs, err := th.Events()
		if err != nil {
			return
		}
		for _, e := range evs {
			if e.ExternalID == "" || e.Actor == "" || e.Time.IsZero() {
				t.Fatalf("event without id, actor or time: %+v", e)
			}
			_ = e.Validate()
		}
		var _ *gh.Issue = th.Issue
	})
}

// FuzzReviewFiles decodes a comparison (GET /compare/BASE...HEAD) as go-github does and stores its files
// with a review: no panic, and a review event that validates carries sums of the files it lists.
func FuzzReviewFiles(f *testing.F) {
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("testdata", "rest", name))
		if err != nil {
			f.Fatal(err)
		}
		return b
	}
	f.Add(read("pull-2.json"), read("reviews-2.json"), read("compare-9049f1265b7d61be4a8904a9a27120d2064dab3b...6dcb09b5b57875f334f61aebed695e2e4193db5e.json"))
	f.Add(read("pull-2.json"), read("reviews-2.json"), []byte(`{"files":[{"filename":"a","additions":-1}]}`))
	f.Fuzz(func(t *testing.T, pull, reviews, compare []byte) {
		th := &github.Thread{Repo: "acme/widgets"}
		var cmp *gh.CommitsComparison
		if json.Unmarshal(pull, &th.PR) != nil || json.Unmarshal(reviews, &th.Reviews) != nil || json.Unmarshal(compare, &cmp) != nil || cmp == nil {
			return
		}
		th.ReviewFiles = map[int64][]*gh.CommitFile{}
		for _, r := range th.Reviews {
			th.ReviewFiles[r.GetID()] = cmp.Files
		}
		evs, err := th.Events()
		if err != nil {
			return
		}
		for _, e := range evs {
			if e.Kind != plaudit.KindReview || e.Validate() != nil {
				continue
			}
			files, _ := e.Attrs["files"].([]any)
			if len(files) > 0 && len(files) != len(cmp.Files) {
				t.Fatalf("review lists %d files of %d", len(files), len(cmp.Files))
			}
		}
	})
}
