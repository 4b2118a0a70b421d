package score_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/internal/testenv"
	"github.com/plaudit/plaudit/policy"
	"github.com/plaudit/plaudit/score"
)

func indent(s, by string) string {
	return by + strings.ReplaceAll(strings.TrimSpace(s), "\n", "\n"+by)
}

func TestConversationUbiquityParams(t *testing.T) {
	cfg, err := os.ReadFile(filepath.Join(testenv.Shared(t, "conformance/ubiquity"), "configurations", "custom-configuration.json"))
	if err != nil {
		t.Fatal(err)
	}
	doc := "name: gh\nscorers:\n  - scorer: conversation\n    params:\n" + indent(string(cfg), "      ") + "\n"
	p, err := policy.Parse([]byte(doc), "gh.yml")
	if err != nil {
		t.Fatal(err)
	}
	cp := p.Scorers[0].Params.(*score.ConversationParams)
	if !cp.Config.Compat {
		t.Error("a Ubiquity configuration must be read in compatibility mode")
	}
	q, err := policy.Parse(p.YAML(), "shown")
	if err != nil {
		t.Fatalf("effective policy does not parse: %v", err)
	}
	if q.Hash() != p.Hash() {
		t.Errorf("shown policy hashes to %s, want %s", q.Hash(), p.Hash())
	}
	def, _ := policy.Preset("conversation")
	if def.Hash() == p.Hash() {
		t.Error("the Ubiquity configuration hashes like the defaults")
	}
	// A bad value is an error naming the field and its line.
	bad := strings.Replace(doc, `"maxRetries": 10`, `"maxRetries": "ten"`, 1)
	_, err = policy.Parse([]byte(bad), "bad.yml")
	var ve *plaudit.ValidationError
	if !errors.As(err, &ve) || !strings.Contains(ve.Errors[0].Field, "maxRetries") || ve.Errors[0].Line < 5 {
		t.Errorf("bad config: %v", err)
	}
}

func TestConversationThroughEngine(t *testing.T) {
	gh := func(id string, k plaudit.Kind, actor, target, content string, at time.Duration, attrs map[string]any) plaudit.Event {
		return plaudit.Event{Source: plaudit.SourceGitHub, ExternalID: id, Kind: k, Actor: actor, Target: target, Content: content, Time: t0.Add(at), Attrs: attrs}
	}
	events := []plaudit.Event{
		gh("1", "issue", "alice", "", "Add **dark mode** to the settings page.\n\n- toggle\n- persist", 0,
			map[string]any{"labels": []any{"Priority: 2", "Price: 100 USD"}, "assignees": []any{"bob"}, "author_association": "OWNER"}),
		gh("c1", plaudit.KindComment, "carol", "1", "I can take a look at the `theme` module; see https://example.com/design for the palette.", time.Hour,
			map[string]any{"author_association": "CONTRIBUTOR", "issue_author": "alice"}),
	}
	p, err := policy.Preset("default")
	if err != nil {
		t.Fatal(err)
	}
	scores, _, err := score.Run(p, events, nil)
	if err != nil {
		t.Fatal(err)
	}
	members := map[string]bool{}
	for _, s := range scores {
		if s.Scorer != "conversation" || s.PolicyHash != p.Hash() || s.Points <= 0 || len(s.Lines) == 0 {
			t.Errorf("score %+v", s)
		}
		members[s.Member] = true
	}
	if !members["github:carol"] || !members["github:bob"] {
		t.Errorf("members %v: want the commenter and the assignee's task reward", members)
	}
	// Deterministic.
	again, _, _ := score.Run(p, events, nil)
	a, _ := json.Marshal(scores)
	b, _ := json.Marshal(again)
	if string(a) != string(b) {
		t.Error("two runs differ")
	}
}

// TestConversationRefusesUnimplementedModule: a policy whose Ubiquity configuration turns on a reward module
// Plaudit does not implement is refused, naming the key and its line; turned off (null) it loads.
func TestConversationRefusesUnimplementedModule(t *testing.T) {
	doc := "name: gh\nscorers:\n  - scorer: conversation\n    params:\n      incentives:\n        requirePriceLabel: true\n        externalContent: {}\n"
	_, err := policy.Parse([]byte(doc), "gh.yml")
	var ve *plaudit.ValidationError
	if !errors.As(err, &ve) || !strings.Contains(ve.Errors[0].Field, "incentives.externalContent") || ve.Errors[0].Line != 7 ||
		!strings.Contains(ve.Errors[0].Reason, "not implemented") {
		t.Fatalf("got %v", err)
	}
	if _, err := policy.Parse([]byte(strings.Replace(doc, "externalContent: {}", "externalContent: null", 1)), "gh.yml"); err != nil {
		t.Fatalf("module off: %v", err)
	}
}
