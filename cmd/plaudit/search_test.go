package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/sqlstore"
)

// TestSearchCommand runs plaudit search: hits with snippets, --source, --like, --json, and exit 2 naming
// the problem for bad input.
func TestSearchCommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "plaudit.db")
	t.Cleanup(func() { dbFlag = "" })
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := st.AppendEvents(ctx, []plaudit.Event{
		{Source: plaudit.SourceX, ExternalID: "1", Kind: plaudit.KindPost, Actor: "a", Content: "the Go compiler is fast", Time: at},
		{Source: plaudit.SourceGitHub, ExternalID: "2", Kind: plaudit.KindPost, Actor: "b", Content: "the Go compiler is quick", Time: at.Add(time.Hour)},
		{Source: plaudit.SourceX, ExternalID: "3", Kind: plaudit.KindPost, Actor: "c", Content: "gardening in spring", Time: at.Add(2 * time.Hour)},
	}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	out, code, err := execute(t, "--db", db, "search", "GO compiler")
	if code != 0 || !strings.Contains(out, "x/1") || !strings.Contains(out, "github/2") || strings.Contains(out, "x/3") || !strings.Contains(out, "[compiler]") {
		t.Fatalf("search: exit %d, %v\n%s", code, err, out)
	}
	out, code, err = execute(t, "--db", db, "search", "compiler", "--source", "github", "--json")
	if code != 0 || !strings.Contains(out, `"id": "2"`) || strings.Contains(out, `"id": "1"`) {
		t.Fatalf("search --source github --json: exit %d, %v\n%s", code, err, out)
	}
	out, code, err = execute(t, "--db", db, "search", "--like", "x/1")
	if code != 0 || !strings.Contains(out, "github/2") || strings.Contains(out, "x/1 ") {
		t.Fatalf("search --like x/1: exit %d, %v\n%s", code, err, out)
	}
	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"search"}, "give a QUERY or --like"},
		{[]string{"search", `"open`}, "unbalanced double quote"},
		{[]string{"search", "*-()"}, "no words"},
		{[]string{"search", "go", "--source", "myspace"}, `unknown source "myspace"`},
		{[]string{"search", "go", "--since", "yesterday"}, "--since"},
		{[]string{"search", "--like", "x/404"}, "x/404"},
	} {
		out, code, err := execute(t, append([]string{"--db", db}, bad.args...)...)
		if code != 2 || err == nil || !strings.Contains(userMessage(err), bad.want) {
			t.Errorf("plaudit %s: exit %d, %v\n%s; want exit 2 naming %q", strings.Join(bad.args, " "), code, err, out, bad.want)
		}
	}
}
