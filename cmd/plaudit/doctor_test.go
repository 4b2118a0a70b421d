package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/sqlstore"
)

// TestDoctor runs plaudit doctor on a clean store (exit 0) and on one that holds, as an old store may,
// events today's validation refuses (exit 1, each listed with its key, field and reason; nothing changed).
func TestDoctor(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the plaudit binary; skipped with -short")
	}
	bin := epochTestBin(t)
	db := filepath.Join(t.TempDir(), "plaudit.db")
	out, errOut, code := run(t, bin, "--db", db, "doctor")
	if code != 0 || !strings.Contains(out, "0 events, 0 members: clean") {
		t.Fatalf("doctor on an empty store: exit %d\n%s%s", code, out, errOut)
	}

	st, err := sqlstore.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)
	old := []plaudit.Event{ // appended through the store, bypassing validation, as an old store holds them
		{Source: plaudit.SourceX, ExternalID: "link1", Kind: plaudit.KindLink, Actor: "1001", Time: t0, Attrs: map[string]any{"member": "evil\u202Egpj.exe"}},
		{Source: plaudit.SourcePlaudit, ExternalID: "w1", Kind: plaudit.KindWallet, Actor: "evil\u202Egpj.exe", Time: t0, Attrs: map[string]any{"address": "0x123"}},
		{Source: plaudit.SourceGitHub, ExternalID: "PRR_1", Kind: plaudit.KindReview, Actor: "rev", Target: "PR_1", Time: t0, Attrs: map[string]any{"additions": true}},
		{Source: plaudit.SourceX, ExternalID: "ok", Kind: plaudit.KindPost, Actor: "1002", Time: t0},
	}
	if _, err := st.AppendEvents(context.Background(), old); err != nil {
		t.Fatal(err)
	}
	st.Close()

	out, errOut, code = run(t, bin, "--db", db, "doctor")
	if code != 1 {
		t.Fatalf("doctor on a store with bad values: exit %d, want 1\n%s%s", code, out, errOut)
	}
	for _, want := range []string{`"x/link1"`, "attrs.member", `"plaudit/w1"`, "attrs.address", "want 0x and 40 hex digits",
		`"github/PRR_1"`, "attrs.additions", `member "evil\u202egpj.exe"`, "U+202E", "4 events, 3 members: 5 problems"} {
		if !strings.Contains(out, want) {
			t.Errorf("doctor output lacks %q:\n%s", want, out)
		}
	}
	if strings.ContainsRune(out, '\u202E') {
		t.Errorf("doctor printed a raw right-to-left override:\n%s", out)
	}
	if !strings.Contains(errOut, "5 stored values break today's rules") {
		t.Errorf("doctor stderr %q", errOut)
	}

	out, _, code = run(t, bin, "--db", db, "doctor", "--json")
	var r struct {
		Events   int64
		Findings []struct{ Event, Member, Field, Reason string }
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil || code != 1 || r.Events != 4 || len(r.Findings) != 5 {
		t.Fatalf("doctor --json: exit %d, %v, %+v\n%s", code, err, r, out)
	}
	// The store keeps working: scoring under the conversation preset succeeds.
	if out, errOut, code := run(t, bin, "--db", db, "policy", "activate", "preset:conversation"); code != 0 {
		t.Fatalf("policy activate: exit %d\n%s%s", code, out, errOut)
	}
	if out, errOut, code := run(t, bin, "--db", db, "score"); code != 0 {
		t.Fatalf("score with a malformed review in the log: exit %d\n%s%s", code, out, errOut)
	}
}
