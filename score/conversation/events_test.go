package conversation

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/internal/testenv"
)

func parseTime(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

// issueEvents turns a recorded GitHub conversation into Plaudit events, as the GitHub source writes them.
func issueEvents(t *testing.T, th *Thread) []plaudit.Event {
	is := th.Issue
	var assignees []any
	for _, a := range is.Assignees {
		assignees = append(assignees, a.Login)
	}
	var labels []any
	for _, l := range is.Labels {
		labels = append(labels, l)
	}
	id := strconv.FormatInt(is.ID, 10)
	evs := []plaudit.Event{{Source: plaudit.SourceGitHub, ExternalID: id, Kind: "issue", Actor: is.User.Login,
		Content: *is.Body, Time: parseTime(t, is.CreatedAt), Attrs: map[string]any{"labels": labels, "assignees": assignees,
			"author_association": is.AuthorAssociation, "url": is.HTMLURL}}}
	for _, c := range th.Comments {
		attrs := map[string]any{"author_association": c.AuthorAssociation, "issue_author": is.User.Login, "url": c.HTMLURL}
		if c.User.Type != "User" {
			attrs["user_type"] = c.User.Type
		}
		evs = append(evs, plaudit.Event{Source: plaudit.SourceGitHub, ExternalID: strconv.FormatInt(c.ID, 10), Kind: plaudit.KindComment,
			Actor: c.User.Login, Target: id, TargetAuthor: is.User.Login, Content: *c.Body, Time: parseTime(t, c.CreatedAt), Attrs: attrs})
	}
	return evs
}

// TestScoreEventsConformance scores the recorded issue 5 given as events and checks every comment's points
// and the task against Ubiquity's recorded rewards.
func TestScoreEventsConformance(t *testing.T) {
	dir := testenv.Shared(t, "conformance/ubiquity")
	cfg := ubiquityConfig(t, dir)
	th := &Thread{
		Issue:    readRoute(t, dir, "issue-5-conversation-rewards/issue-5-get.json", DecodeIssue),
		Comments: readRoute(t, dir, "issue-5-conversation-rewards/issue-5-comments-get.json", DecodeComments),
	}
	evs := issueEvents(t, th)
	for i := range evs {
		if errs := evs[i].Validate(); len(errs) > 0 {
			t.Fatalf("event %d: %v", i, errs[0])
		}
	}
	scores, err := cfg.ScoreEvents(context.Background(), evs, EventOptions{Relevance: Fixed(d("0.8")),
		Member: func(login string) string { return "m-" + login }})
	if err != nil {
		t.Fatal(err)
	}
	rec := loadRecorded(t, filepath.Join(dir, "results", "content-evaluator-results.json"))
	want := map[string]plaudit.Points{}
	for _, u := range rec {
		for _, c := range u.Comments {
			want["github/"+strconv.FormatInt(c.ID, 10)] = toPoints(decN(c.Score.Reward))
		}
	}
	got := map[string]plaudit.Points{}
	var task *plaudit.Score
	for i, s := range scores {
		if s.Scorer != ScorerName || len(s.Lines) == 0 {
			t.Fatalf("score %d: %+v", i, s)
		}
		if s.Lines[0].Rule == "conversation.task" {
			task = &scores[i]
			continue
		}
		got[s.Event] += s.Points
		if last := s.Lines[len(s.Lines)-1]; last.Points != s.Points {
			t.Errorf("%s: last line %d, points %d", s.Event, last.Points, s.Points)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d comments scored, want %d", len(got), len(want))
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: %s points, want %s", k, got[k], w)
		}
	}
	if task == nil || task.Member != "m-gentlementlegen" || task.Points != plaudit.PointsFromInt(400) {
		t.Errorf("task score %+v, want 400 to m-gentlementlegen", task)
	}
	for i := 1; i < len(scores); i++ {
		if scores[i].Time.Before(scores[i-1].Time) {
			t.Fatal("scores out of time order")
		}
	}
	// Deterministic: the same events give the same bytes.
	again, _ := cfg.ScoreEvents(context.Background(), evs, EventOptions{Relevance: Fixed(d("0.8")), Member: func(l string) string { return "m-" + l }})
	a, _ := json.Marshal(scores)
	b, _ := json.Marshal(again)
	if string(a) != string(b) {
		t.Fatal("two runs differ")
	}
}

func TestScoreEventsReviewsAndErrors(t *testing.T) {
	cfg := DefaultConfig()
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	evs := []plaudit.Event{
		{Source: plaudit.SourceGitHub, ExternalID: "pr1", Kind: "pull_request", Actor: "dev", Content: "Adds the parser.", Time: t0,
			Attrs: map[string]any{"labels": []any{"Priority: 3"}}},
		{Source: plaudit.SourceGitHub, ExternalID: "r1", Kind: plaudit.KindReview, Actor: "rev", Target: "pr1", Time: t0.Add(time.Hour),
			Attrs: map[string]any{"state": "APPROVED", "additions": json.Number("120"), "deletions": json.Number("30")}},
		{Source: plaudit.SourceX, ExternalID: "x1", Kind: plaudit.KindPost, Actor: "someone", Time: t0},
	}
	scores, err := cfg.ScoreEvents(context.Background(), evs, EventOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var review *plaudit.Score
	for i := range scores {
		if scores[i].Event == "github/r1" {
			review = &scores[i]
		}
	}
	// (120 + 30) × 3 / 100 = 4.5
	if review == nil || review.Points != plaudit.Points(4_500_000) {
		t.Fatalf("review score %+v, want 4.5", review)
	}
	// Events the scorer cannot read score 0 with the reason, and the rest of the log is scored as before.
	bad := []plaudit.Event{
		{Source: plaudit.SourceGitHub, ExternalID: "r2", Kind: plaudit.KindReview, Actor: "rev", Target: "pr1", Time: t0, Attrs: map[string]any{"additions": "many"}},
		{Source: plaudit.SourceGitHub, ExternalID: "r3", Kind: plaudit.KindReview, Actor: "rev", Target: "pr1", Time: t0, Attrs: map[string]any{"deletions": json.Number("1.5")}},
		{Source: plaudit.SourceGitHub, ExternalID: "r4", Kind: plaudit.KindReview, Actor: "rev", Time: t0},
		{Source: plaudit.SourceGitHub, ExternalID: "c1", Kind: plaudit.KindComment, Actor: "a", Time: t0},
		{Source: plaudit.SourceGitHub, ExternalID: "i9", Kind: "issue", Actor: "a", Time: t0, Attrs: map[string]any{"labels": "Priority: 2"}},
		{Source: plaudit.SourceGitHub, ExternalID: "i8", Kind: "issue", Actor: "a", Time: t0, Attrs: map[string]any{"assignees": []any{""}}},
	}
	want := map[string]string{"github/r2": "attrs.additions", "github/r3": "attrs.deletions", "github/r4": "target", "github/c1": "target",
		"github/i9": "attrs.labels", "github/i8": "attrs.assignees[0]"}
	mixed, err := cfg.ScoreEvents(context.Background(), append(append([]plaudit.Event{}, evs...), bad...), EventOptions{})
	if err != nil {
		t.Fatalf("a malformed event stopped the run: %v", err)
	}
	seen := map[string]bool{}
	for _, s := range mixed {
		field, isBad := want[s.Event]
		switch {
		case s.Event == "github/r1":
			if s.Points != review.Points {
				t.Errorf("the good review scored %s beside bad events, want %s", s.Points, review.Points)
			}
		case isBad:
			seen[s.Event] = true
			if s.Points != 0 || len(s.Lines) != 1 || s.Lines[0].Rule != InvalidRule || !strings.Contains(s.Lines[0].Note, field) {
				t.Errorf("%s: score %+v, want 0 with a %s line naming %s", s.Event, s, InvalidRule, field)
			}
		}
	}
	if len(seen) != len(want) {
		t.Errorf("invalid scores for %v, want one for each of %v", seen, want)
	}
}
