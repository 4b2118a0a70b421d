package service_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/internal/testenv"
	"github.com/plaudit/plaudit/score/conversation"
	"github.com/plaudit/plaudit/service"
)

// TestScoreConversation scores Ubiquity's issue 5 from its REST JSON under its plugin configuration, with a
// fixed relevance, as `plaudit score conversation` does; and refuses a comments file holding an object, a
// relevance outside 0–1, an unknown provider, and openai without a model.
func TestScoreConversation(t *testing.T) {
	dir := testenv.Shared(t, "conformance/ubiquity")
	r := filepath.Join(dir, "routes", "issue-5-conversation-rewards")
	cfg, err := service.LoadConversationConfig(filepath.Join(dir, "results", "valid-configuration.json"))
	if err != nil {
		t.Fatal(err)
	}
	files := service.ConversationFiles{Issue: filepath.Join(r, "issue-5-get.json"), Comments: filepath.Join(r, "issue-5-comments-get.json"),
		Events: filepath.Join(r, "issue-5-events-get.json")}
	res, err := service.ScoreConversation(context.Background(), cfg, files, service.RelevanceChoice{Fixed: "0.8"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Refused != "" {
		t.Fatalf("refused: %s", res.Refused)
	}

	bad := files
	bad.Comments = files.Issue
	if _, err := service.ScoreConversation(context.Background(), cfg, bad, service.RelevanceChoice{Fixed: "0.8"}, nil); plaudit.ErrorCode(err) != plaudit.EINVALID ||
		!strings.Contains(err.Error(), "issue-5-get.json") {
		t.Errorf("comments file holding an object: %v, want EINVALID naming the file", err)
	}
	for _, c := range []service.RelevanceChoice{{Fixed: "1.5"}, {Provider: "magic"}, {Provider: "openai"}} {
		if _, err := service.ConversationRelevance(conversation.DefaultConfig(), c); plaudit.ErrorCode(err) != plaudit.EINVALID {
			t.Errorf("%+v: %v, want EINVALID", c, err)
		}
	}
	if _, err := service.LoadConversationConfig(filepath.Join(dir, "missing.yml")); plaudit.ErrorCode(err) != plaudit.EINVALID {
		t.Errorf("missing config: %v, want EINVALID", err)
	}
}
