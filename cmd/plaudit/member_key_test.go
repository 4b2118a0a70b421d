package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plaudit/plaudit/sqlstore"
)

// TestMemberKeyCommands links and revokes a did:key through the binary on a real SQLite store: the member
// shows the key, a malformed did, a key held already and an unknown member are refused (exit 2) and write
// nothing, and the revoke removes the key.
func TestMemberKeyCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the plaudit binary; skipped with -short")
	}
	bin := epochTestBin(t)
	db := filepath.Join(t.TempDir(), "plaudit.db")
	const did = "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"
	count := func() int64 {
		st, err := sqlstore.Open(context.Background(), db)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		s, err := st.EventStats(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return s.Total
	}
	ok := func(args ...string) string {
		t.Helper()
		out, errOut, code := run(t, bin, append([]string{"--db", db}, args...)...)
		if code != 0 {
			t.Fatalf("plaudit %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
		}
		return out
	}
	refused := func(want string, args ...string) {
		t.Helper()
		before := count()
		_, errOut, code := run(t, bin, append([]string{"--db", db}, args...)...)
		if code != 2 || !strings.Contains(errOut, want) {
			t.Errorf("plaudit %s: exit %d, stderr %q; want exit 2 and %q", strings.Join(args, " "), code, errOut, want)
		}
		if count() != before {
			t.Errorf("plaudit %s: a refused change wrote to the log", strings.Join(args, " "))
		}
	}
	ok("member", "link", "api:alice", "alice", "--by", "ops")
	refused("did:key", "member", "key", "add", "alice", "did:key:z6Mk")
	refused(`no member or account "nobody"`, "member", "key", "add", "nobody", did)
	refused("does not hold it", "member", "key", "remove", "alice", did)
	if out := ok("member", "key", "add", "alice", did, "--by", "ops"); !strings.Contains(out, "keys        "+did) {
		t.Fatalf("key add printed:\n%s", out)
	}
	refused("linked to member alice already", "member", "key", "add", "alice", did)
	if out := ok("member", "show", "alice"); !strings.Contains(out, "key     "+did) {
		t.Fatalf("member show lacks the key event in its history:\n%s", out)
	}
	if out := ok("member", "key", "remove", "alice", did); strings.Contains(out, "keys ") {
		t.Fatalf("key remove left the key:\n%s", out)
	}
}
