package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/plaudit/plaudit/internal/testenv"
)

// runConversationCLI executes `plaudit args…` with the reached command's flags back at their defaults.
func runConversationCLI(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	cmd, _, err := rootCmd.Find(args)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Flags().VisitAll(func(f *pflag.Flag) { _ = f.Value.Set(f.DefValue); f.Changed = false })
	var out bytes.Buffer
	rootCmd.SetOut(&out)
	rootCmd.SetErr(&out)
	rootCmd.SetIn(strings.NewReader(stdin))
	rootCmd.SetArgs(args)
	defer rootCmd.SetArgs(nil)
	err = rootCmd.Execute()
	return out.String(), err
}

func TestScoreCommentCommand(t *testing.T) {
	dir := testenv.Shared(t, "conformance/ubiquity")
	cfg := filepath.Join(dir, "results", "valid-configuration.json")
	md := "This needs [https://github.com/ubiquity-os/conversation-rewards/pull/7](https://github.com/ubiquity-os/conversation-rewards/pull/7) to be merged first. Also probably needs [https://github.com/ubiquity-os/permit-generation/pull/2](https://github.com/ubiquity-os/permit-generation/pull/2) to be able to generate the permits properly."
	out, err := runConversationCLI(t, md, "score", "comment", "--config", cfg, "--role", "ISSUE_AUTHOR", "--relevance", "0.8", "--priority", "4")
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Reward     json.Number `json:"reward"`
		Formatting struct {
			Result json.Number `json:"result"`
		} `json:"formatting"`
		Words struct {
			WordCount int `json:"wordCount"`
		} `json:"words"`
		Readability struct {
			Sentences int `json:"sentences"`
		} `json:"readability"`
		Multiplier json.Number `json:"multiplier"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v in %s", err, out)
	}
	// Ubiquity's recorded result for comment 2033404518.
	if got.Reward != "19.968" || got.Formatting.Result != "3" || got.Words.WordCount != 17 || got.Readability.Sentences != 4 || got.Multiplier != "1" {
		t.Errorf("got %+v", got)
	}
	for _, bad := range [][]string{
		{"score", "comment", "--role", "ISSUE_WHO"},
		{"score", "comment", "--role", "ISSUE_AUTHOR", "--relevance", "2"},
		{"score", "comment", "--role", "ISSUE_AUTHOR", "--priority", "0"},
		{"score", "comment", "--role", "ISSUE_AUTHOR", "--config", filepath.Join(dir, "README.md")},
	} {
		if _, err := runConversationCLI(t, "text", bad...); err == nil || exitCode(err) != 2 {
			t.Errorf("%v: err %v (exit %d), want a bad-input error", bad, err, exitCode(err))
		}
	}
}

func TestScoreConversationCommand(t *testing.T) {
	dir := testenv.Shared(t, "conformance/ubiquity")
	r := filepath.Join(dir, "routes", "issue-5-conversation-rewards")
	out, err := runConversationCLI(t, "", "score", "conversation", "--issue", filepath.Join(r, "issue-5-get.json"),
		"--comments", filepath.Join(r, "issue-5-comments-get.json"), "--events", filepath.Join(r, "issue-5-events-get.json"),
		"--config", filepath.Join(dir, "results", "valid-configuration.json"), "--relevance", "0.8")
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]struct {
		Total    json.Number `json:"total"`
		Comments []struct {
			ID int64 `json:"id"`
		} `json:"comments"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v in %s", err, out)
	}
	want := map[string]string{"gentlementlegen": "709.902", "0x4007": "272.8", "whilefoo": "6.272"}
	for u, w := range want {
		if got[u].Total.String() != w {
			t.Errorf("%s: total %s, want %s", u, got[u].Total, w)
		}
	}
	_, err = runConversationCLI(t, "", "score", "conversation", "--issue", filepath.Join(r, "issue-5-get.json"), "--comments", filepath.Join(r, "issue-5-get.json"))
	if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), "issue-5-get.json") {
		t.Errorf("comments file holding an object: err %v, want a bad-input error naming the file", err)
	}
}
