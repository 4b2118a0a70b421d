package conversation

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plaudit/plaudit/internal/testenv"
)

// applyDiff rebuilds the new text from the old and the diff.
func applyDiff(old, cur []rune, parts []diffPart) string {
	var b strings.Builder
	o, n := 0, 0
	for _, p := range parts {
		switch {
		case p.added:
			b.WriteString(string(cur[n : n+p.count]))
			n += p.count
		case p.removed:
			o += p.count
		default:
			if string(old[o:o+p.count]) != string(cur[n:n+p.count]) {
				return "<common run differs>"
			}
			b.WriteString(string(cur[n : n+p.count]))
			o += p.count
			n += p.count
		}
	}
	if o != len(old) {
		return "<old text not consumed>"
	}
	return b.String()
}

func TestDiffRunes(t *testing.T) {
	tests := []struct{ a, b string }{
		{"", ""}, {"", "abc"}, {"abc", ""}, {"abc", "abc"}, {"abc", "abd"}, {"kitten", "sitting"},
		{"We need to track authorship of edits.", "We need to track the authorship of issue body edits so we can properly reward contributors."},
		{"aaaa", "aa"}, {"ab", "ba"}, {"héllo wörld", "hello world!"},
	}
	for _, tt := range tests {
		a, b := []rune(tt.a), []rune(tt.b)
		parts := diffRunes(a, b)
		if got := applyDiff(a, b, parts); got != tt.b {
			t.Errorf("diff(%q, %q) rebuilds %q", tt.a, tt.b, got)
		}
		edits := 0
		for _, p := range parts {
			if p.added || p.removed {
				edits += p.count
			}
		}
		if tt.a == "kitten" && edits != 5 { // s/k, +i-e... the shortest edit script has 5 insertions and deletions
			t.Errorf("kitten→sitting: %d edits, want 5", edits)
		}
	}
}

// TestAuthorshipConformance recomputes the specification's authorship share of the recorded issue 100 from
// its recorded edit history: the recorded result gives its author 0.077.
func TestAuthorshipConformance(t *testing.T) {
	dir := testenv.Shared(t, "conformance/ubiquity")
	b, err := os.ReadFile(filepath.Join(dir, "routes", "issue-100-edits.json"))
	if err != nil {
		t.Fatal(err)
	}
	var answer struct {
		Repository struct {
			Issue struct {
				UserContentEdits struct {
					Nodes []Edit `json:"nodes"`
				} `json:"userContentEdits"`
			} `json:"issue"`
		} `json:"repository"`
	}
	if err := json.Unmarshal(b, &answer); err != nil {
		t.Fatal(err)
	}
	shares := Authorship(answer.Repository.Issue.UserContentEdits.Nodes)
	t.Logf("shares %v", shares)
	if got := shares["issueCreator"]; !got.Equal(d("0.077")) {
		t.Errorf("issueCreator's share %s, want 0.077", got)
	}
}
