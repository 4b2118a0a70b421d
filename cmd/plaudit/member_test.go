package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/sqlstore"
)

// TestMemberCommands links, tiers, adds a wallet to and merges members through the binary, and checks that
// refusals write nothing to the log and that the changes are identity events the directory replays.
func TestMemberCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the plaudit binary; skipped with -short")
	}
	bin := epochTestBin(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "plaudit.db")
	evFile := filepath.Join(dir, "events.jsonl")
	if err := os.WriteFile(evFile, []byte(moderationEvents), 0o644); err != nil {
		t.Fatal(err)
	}
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
	ok("import", evFile)

	refused(`no member "nobody"`, "member", "tier", "nobody", "2")
	refused("want a whole number", "member", "tier", "alice", "zero")
	refused("want 0x and 40 hex", "member", "wallet", "alice", "0x12")
	refused(`no member "ghost"`, "member", "merge", "ghost", "alice")
	refused("already the same member", "member", "merge", "alice", "alice")
	refused("want SOURCE:ID", "member", "link", "a1", "alice")
	refused("has never been seen", "member", "unlink", "x:unknown")
	refused(`no member or account "x:nope"`, "member", "show", "x:nope")

	ok("member", "tier", "alice", "3", "--by", "ops")
	ok("member", "wallet", "alice", "0x00000000000000000000000000000000000000AA", "--by", "ops")
	out := ok("member", "link", "x:alice_x", "alice", "--kind", "project", "--by", "ops")
	if !strings.Contains(out, "kind        project") || !strings.Contains(out, "x:alice_x") {
		t.Fatalf("link output:\n%s", out)
	}
	ok("member", "merge", "bob", "alice", "--by", "ops")
	out = ok("member", "show", "discord:b1")
	for _, want := range []string{"member      alice", "tier        3", "discord:a1, discord:b1, x:alice_x",
		"0x00000000000000000000000000000000000000aa", "merge   from bob"} {
		if !strings.Contains(out, want) {
			t.Errorf("show after merge lacks %q:\n%s", want, out)
		}
	}
	// The changes are events: replaying the log gives the same member.
	st, err := sqlstore.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	log, err := newService(st).ReadLog(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := log.Directory(0).MemberOf("discord:b1"); got != "alice" {
		t.Fatalf("replayed directory: discord:b1 belongs to %q", got)
	}
	var ops int
	if err := st.ScanEvents(context.Background(), plaudit.EventFilter{}, func(e *plaudit.Event) error {
		if by, _ := e.AttrString("by"); by == "ops" {
			ops++
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if ops != 4 {
		t.Fatalf("want 4 operator identity events recorded with who made them, got %d", ops)
	}
	ok("member", "unlink", "x:alice_x", "--by", "ops")
	if out := ok("member", "show", "x:alice_x"); !strings.Contains(out, "member      x:alice_x") {
		t.Fatalf("after unlink:\n%s", out)
	}
}
