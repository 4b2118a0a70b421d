package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/service"
	"github.com/plaudit/plaudit/sqlstore"
)

// TestKeyCommands creates keys, checks that the key is printed once, alone on the last line, and never by
// list, that usage errors exit 2, and that a revoked key stops authenticating.
func TestKeyCommands(t *testing.T) {
	db := filepath.Join(t.TempDir(), "plaudit.db")
	t.Cleanup(func() { dbFlag = "" }) // execute leaves --db set for the next test of the process
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	svc := service.New(st, service.Options{})
	if _, err := svc.LinkAccount(ctx, "x:1001", "alice", "", "ops"); err != nil {
		t.Fatal(err)
	}
	st.Close()

	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"key", "create"}, "role"},
		{[]string{"key", "create", "--role", "root"}, `role "root"`},
		{[]string{"key", "create", "--role", "member"}, "must name its member"},
		{[]string{"key", "create", "--role", "member", "--member", "nobody"}, "nobody"},
		{[]string{"key", "create", "--role", "viewer", "--member", "alice"}, "only a member key"},
		{[]string{"key", "revoke", "abc"}, "want a key id"},
		{[]string{"key", "revoke", "42"}, "no API key with id 42"},
		{[]string{"key", "revoke"}, "accepts 1 arg"},
	} {
		out, code, err := execute(t, append([]string{"--db", db}, bad.args...)...)
		if code != 2 || err == nil || !strings.Contains(userMessage(err), bad.want) {
			t.Errorf("plaudit %s: exit %d, %v\n%s; want exit 2 naming %q", strings.Join(bad.args, " "), code, err, out, bad.want)
		}
	}

	out, code, err := execute(t, "--db", db, "key", "create", "--role", "member", "--member", "x:1001", "--name", "wallet app")
	if code != 0 {
		t.Fatalf("key create: exit %d, %v\n%s", code, err, out)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	secret := lines[len(lines)-1]
	if !strings.HasPrefix(secret, plaudit.KeyPrefix) || strings.Contains(secret, " ") || strings.Count(out, secret) != 1 {
		t.Fatalf("key create output:\n%s\nwant the key alone on the last line, once", out)
	}
	if !strings.Contains(out, "member alice") {
		t.Errorf("key create output lacks the member:\n%s", out)
	}

	out, _, _ = execute(t, "--db", db, "key", "list")
	if strings.Contains(out, secret) || !strings.Contains(out, "wallet app") || !strings.Contains(out, "alice") {
		t.Errorf("key list:\n%s", out)
	}
	out, code, err = execute(t, "--db", db, "key", "list", "--json")
	if code != 0 || strings.Contains(out, secret) {
		t.Fatalf("key list --json: exit %d %v\n%s", code, err, out)
	}
	var keys []service.Key
	if err := json.Unmarshal([]byte(out[strings.Index(out, "["):]), &keys); err != nil || len(keys) != 1 || keys[0].Role != plaudit.RoleMember {
		t.Fatalf("key list --json: %v %+v", err, keys)
	}

	authenticate := func() error {
		st, err := sqlstore.Open(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		_, err = service.New(st, service.Options{}).Authenticate(ctx, secret)
		return err
	}
	if err := authenticate(); err != nil {
		t.Fatalf("the new key: %v", err)
	}
	if out, code, err := execute(t, "--db", db, "key", "revoke", "1"); code != 0 || !strings.Contains(out, "revoked API key 1") {
		t.Fatalf("key revoke: exit %d %v\n%s", code, err, out)
	}
	if err := authenticate(); plaudit.ErrorCode(err) != plaudit.EUNAUTHORIZED {
		t.Errorf("the revoked key: %v; want unauthorized", err)
	}
}
