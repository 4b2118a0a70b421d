package conversation

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/internal/testenv"
)

// withIncentives parses the recorded plugin configuration with the given incentives keys set (a nil value
// deletes the key), as a user would edit it.
func withIncentives(t *testing.T, dir string, set map[string]any) (Config, error) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "results", "valid-configuration.json"))
	if err != nil {
		t.Fatal(err)
	}
	var root map[string]any
	if err := json.Unmarshal(b, &root); err != nil {
		t.Fatal(err)
	}
	inc := root["incentives"].(map[string]any)
	for _, k := range sortedKeys(set) {
		if set[k] == nil {
			delete(inc, k)
		} else {
			inc[k] = set[k]
		}
	}
	out, err := json.Marshal(root)
	if err != nil {
		t.Fatal(err)
	}
	return ParseUbiquityConfig(out)
}

// TestConclusiveReviewCredit: with reviewIncentivizer.conclusiveReviewCredit 25, whilefoo, who requested
// changes on and approved pull request 12, earns 25 once besides the per-line review rewards; 0x4007, who
// only commented, and the pull request's author earn nothing more. Without the key the recorded totals hold.
func TestConclusiveReviewCredit(t *testing.T) {
	dir := testenv.Shared(t, "conformance/ubiquity")
	cfg, err := withIncentives(t, dir, map[string]any{"reviewIncentivizer": map[string]any{"baseRate": 100, "conclusiveReviewCredit": 25}})
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.ConclusiveReviewCredit.Equal(d("25")) {
		t.Fatalf("conclusiveReviewCredit read as %s", cfg.ConclusiveReviewCredit)
	}
	th := &Thread{
		Issue:          readRoute(t, dir, "issue-5-conversation-rewards/issue-5-get.json", DecodeIssue),
		Comments:       readRoute(t, dir, "issue-5-conversation-rewards/issue-5-comments-get.json", DecodeComments),
		Events:         readRoute(t, dir, "issue-5-conversation-rewards/issue-5-events-get.json", DecodeEvents),
		Pull:           readRoute(t, dir, "pull-12-conversation-rewards/pull-12-get.json", DecodeIssue),
		PullComments:   readRoute(t, dir, "pull-12-conversation-rewards/issue-12-comments-get.json", DecodeComments),
		ReviewComments: readRoute(t, dir, "pull-12-conversation-rewards/pull-12-comments-get.json", DecodeComments),
		Reviews:        readRoute(t, dir, "pull-12-conversation-rewards/pull-12-reviews-get.json", DecodeReviews),
	}
	th.PullIssueID = readRoute(t, dir, "issue-12-get.json", DecodeIssue).ID
	for i := range th.Reviews {
		fifty := 50
		th.Reviews[i].Additions, th.Reviews[i].Deletions = &fifty, &fifty
	}
	res, err := cfg.Score(context.Background(), th, byKind{})
	if err != nil {
		t.Fatal(err)
	}
	rec := loadRecorded(t, filepath.Join(dir, "results", "simplification-incentivizer.results.json"))
	for login, extra := range map[string]string{"whilefoo": "25", "0x4007": "0", "gentlementlegen": "0"} {
		got := res.User(login)
		if got == nil {
			t.Fatalf("%s missing", login)
		}
		want := decN(rec[login].Total).Add(d(extra))
		if !got.Total.Equal(want) {
			t.Errorf("%s: total %s, want the recorded %s + %s", login, got.Total, rec[login].Total, extra)
		}
	}
	out, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `"reviewBaseReward":{"reward":25}`) {
		t.Errorf("written result lacks reviewBaseReward: %s", out)
	}
}

// settingEvents is one issue with a comment and, when closedBy is set, who closed it.
func settingEvents(labels []any, closedBy, assoc, typ string) []plaudit.Event {
	t0 := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)
	attrs := map[string]any{"labels": labels, "assignees": []any{"dev"}, "author_association": "MEMBER"}
	if closedBy != "" {
		attrs["closed_by"] = closedBy
		attrs["closed_by_association"] = assoc
		if typ != "" {
			attrs["closed_by_type"] = typ
		}
	}
	return []plaudit.Event{
		{Source: plaudit.SourceGitHub, ExternalID: "900", Kind: "issue", Actor: "lead", Time: t0,
			Content: "Make the importer stream large files instead of reading them whole.", Attrs: attrs},
		{Source: plaudit.SourceGitHub, ExternalID: "901", Kind: plaudit.KindComment, Actor: "helper", Target: "900", Time: t0.Add(time.Hour),
			Content: "I measured the importer on a **2 GB** file: it needs `io.Reader` all the way down, see the [profile](https://example.com/p).",
			Attrs:   map[string]any{"author_association": "CONTRIBUTOR", "issue_author": "lead"}},
	}
}

// paid sums the points of the scores and reports whether every one is a refusal.
func paid(t *testing.T, cfg Config, evs []plaudit.Event) (plaudit.Points, bool) {
	t.Helper()
	for i := range evs {
		if errs := evs[i].Validate(); len(errs) > 0 {
			t.Fatalf("event %d: %v", i, errs[0])
		}
	}
	scores, err := cfg.ScoreEvents(context.Background(), evs, EventOptions{Relevance: Fixed(d("0.8"))})
	if err != nil {
		t.Fatal(err)
	}
	var sum plaudit.Points
	refused := len(scores) > 0
	for _, s := range scores {
		sum += s.Points
		if len(s.Lines) != 1 || s.Lines[0].Rule != RefusedRule {
			refused = false
		}
	}
	return sum, refused
}

// TestRequirePriceLabel: an issue without a "Price:" label pays nothing while requirePriceLabel is true (the
// plugin's default), each event with the reason; with false, or with a price label, it pays.
func TestRequirePriceLabel(t *testing.T) {
	dir := testenv.Shared(t, "conformance/ubiquity")
	on, err := withIncentives(t, dir, map[string]any{"requirePriceLabel": true})
	if err != nil {
		t.Fatal(err)
	}
	def, err := withIncentives(t, dir, map[string]any{"requirePriceLabel": nil})
	if err != nil {
		t.Fatal(err)
	}
	off, err := withIncentives(t, dir, map[string]any{"requirePriceLabel": false})
	if err != nil {
		t.Fatal(err)
	}
	noPrice := []any{"Priority: 1 (Normal)"}
	for name, cfg := range map[string]Config{"true": on, "default": def} {
		if pts, refused := paid(t, cfg, settingEvents(noPrice, "", "", "")); pts != 0 || !refused {
			t.Errorf("requirePriceLabel %s, no price label: %d points, refused %v; want 0, refused", name, pts, refused)
		}
		if pts, refused := paid(t, cfg, settingEvents([]any{"Price: 50 USD"}, "", "", "")); pts == 0 || refused {
			t.Errorf("requirePriceLabel %s, priced: %d points, refused %v; want paid", name, pts, refused)
		}
	}
	if pts, refused := paid(t, off, settingEvents(noPrice, "", "", "")); pts == 0 || refused {
		t.Errorf("requirePriceLabel false, no price label: %d points, refused %v; want the comment paid", pts, refused)
	}
	scores, err := on.ScoreEvents(context.Background(), settingEvents(noPrice, "", "", ""), EventOptions{Relevance: Fixed(d("0.8"))})
	if err != nil {
		t.Fatal(err)
	}
	if len(scores) != 2 || !strings.Contains(scores[1].Lines[0].Note, "requirePriceLabel") {
		t.Errorf("want each event refused with the reason, got %+v", scores)
	}
}

// TestCollaboratorOnlyPaymentInvocation: an issue closed by a contributor or a bot pays nothing while
// collaboratorOnlyPaymentInvocation is true; closed by a member it pays; with false anyone's close pays.
func TestCollaboratorOnlyPaymentInvocation(t *testing.T) {
	dir := testenv.Shared(t, "conformance/ubiquity")
	on, err := withIncentives(t, dir, map[string]any{"collaboratorOnlyPaymentInvocation": true})
	if err != nil {
		t.Fatal(err)
	}
	off, err := withIncentives(t, dir, map[string]any{"collaboratorOnlyPaymentInvocation": false})
	if err != nil {
		t.Fatal(err)
	}
	price := []any{"Price: 50 USD"}
	cases := []struct {
		cfg                   Config
		name, by, assoc, typ  string
		wantPaid, wantRefused bool
	}{
		{on, "on, contributor", "mallory", "CONTRIBUTOR", "", false, true},
		{on, "on, no association", "mallory", "", "", false, true},
		{on, "on, bot", "ci-bot", "MEMBER", "Bot", false, true},
		{on, "on, member", "lead", "MEMBER", "", true, false},
		{on, "on, owner", "lead", "OWNER", "", true, false},
		{on, "on, collaborator", "lead", "collaborator", "", true, false},
		{on, "on, no closer recorded", "", "", "", true, false},
		{off, "off, contributor", "mallory", "CONTRIBUTOR", "", true, false},
	}
	for _, tc := range cases {
		pts, refused := paid(t, tc.cfg, settingEvents(price, tc.by, tc.assoc, tc.typ))
		if (pts > 0) != tc.wantPaid || refused != tc.wantRefused {
			t.Errorf("%s: %d points, refused %v; want paid %v, refused %v", tc.name, pts, refused, tc.wantPaid, tc.wantRefused)
		}
	}
}

// TestUbiquityKeysRefusedOrAccepted: every reward module Plaudit does not implement is an error naming it;
// off (null) it is accepted, as are the delivery settings and an empty eventIncentives (0 per event).
func TestUbiquityKeysRefusedOrAccepted(t *testing.T) {
	dir := testenv.Shared(t, "conformance/ubiquity")
	refused := map[string]any{
		"simplificationIncentivizer": map[string]any{},
		"externalContent":            map[string]any{"llmImageModel": map[string]any{}},
		"eventIncentives":            map[string]any{"rewards": map[string]any{"issue.commented": 1}},
		"simplificationIncentiver":   map[string]any{"x": 1},
		"requirePriceLabel":          "auto",
	}
	for _, k := range sortedKeys(refused) {
		_, err := withIncentives(t, dir, map[string]any{k: refused[k]})
		var ce *ConfigError
		if err == nil || !errors.As(err, &ce) || ce.Field != "incentives."+k {
			t.Errorf("%s: got %v, want an error naming incentives.%s", k, err, k)
		}
	}
	for _, k := range []string{"simplificationIncentivizer", "externalContent", "eventIncentives"} {
		if _, err := withIncentives(t, dir, map[string]any{k: json.RawMessage("null")}); err != nil {
			t.Errorf("%s: null: %v", k, err)
		}
	}
	if _, err := withIncentives(t, dir, map[string]any{"eventIncentives": map[string]any{}, "githubComment": map[string]any{"post": true},
		"payment": map[string]any{"automaticTransferMode": true}, "file": "out.json"}); err != nil {
		t.Errorf("delivery settings: %v", err)
	}
	if _, err := withIncentives(t, dir, map[string]any{"reviewIncentivizer": map[string]any{"conclusiveReviewCredit": -1}}); err == nil ||
		!strings.Contains(err.Error(), "incentives.reviewIncentivizer.conclusiveReviewCredit") {
		t.Errorf("negative credit: %v", err)
	}
}
