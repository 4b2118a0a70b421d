package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plaudit/plaudit/service"
	"github.com/plaudit/plaudit/sqlstore"
)

// TestUserCreate creates a panel user with the password on standard input, refuses bad input with exit 2,
// and signs in with the password.
func TestUserCreate(t *testing.T) {
	db := filepath.Join(t.TempDir(), "plaudit.db")
	t.Cleanup(func() { dbFlag = ""; rootCmd.SetIn(nil) })
	for _, bad := range []struct {
		stdin string
		args  []string
		want  string
	}{
		{"", []string{"user", "create", "ann", "--role", "admin"}, "no password on standard input"},
		{"short\n", []string{"user", "create", "ann", "--role", "admin"}, "password"},
		{"long enough password\n", []string{"user", "create", "ann", "--role", "member"}, "admin, core or viewer"},
		{"long enough password\n", []string{"user", "create", "ann"}, "role"},
	} {
		rootCmd.SetIn(strings.NewReader(bad.stdin))
		out, code, err := execute(t, append([]string{"--db", db}, bad.args...)...)
		if code != 2 || err == nil || !strings.Contains(userMessage(err), bad.want) {
			t.Errorf("plaudit %s: exit %d, %v\n%s; want exit 2 naming %q", strings.Join(bad.args, " "), code, err, out, bad.want)
		}
	}
	rootCmd.SetIn(strings.NewReader("correct horse battery\n"))
	out, code, err := execute(t, "--db", db, "user", "create", "ann", "--role", "core")
	if code != 0 || !strings.Contains(out, "created panel user 1: ann, role core") {
		t.Fatalf("user create: exit %d, %v\n%s", code, err, out)
	}
	if strings.Contains(out, "correct horse") {
		t.Fatalf("the password was printed:\n%s", out)
	}
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := service.New(st, service.Options{}).SignIn(ctx, "ann", "correct horse battery", 0); err != nil {
		t.Fatalf("sign in with the piped password: %v", err)
	}
}
