// Package testenv finds the services and shared data that tests need, and decides what happens when they are
// missing: on a developer's machine the test is skipped with a one-line reason; in CI (PLAUDIT_REQUIRE_SERVICES=1,
// set by .ci/run) it fails, so that nothing is silently skipped there.
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Required reports whether missing services and data must fail tests instead of skipping them.
func Required() bool { return os.Getenv("PLAUDIT_REQUIRE_SERVICES") == "1" }

// Missing skips t with reason, or fails it when Required.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if Required() {
		t.Fatalf("required in CI (PLAUDIT_REQUIRE_SERVICES=1): %s", msg)
	}
	t.Skip(msg)
}

// PostgresBaseURL is the server tests use: PLAUDIT_TEST_POSTGRES, or the local test database.
func PostgresBaseURL() string {
	if u := os.Getenv("PLAUDIT_TEST_POSTGRES"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// Postgres returns the URL of a fresh, empty schema on the test server, dropped when t ends. It skips (or
// fails in CI) when the server is not reachable.
func Postgres(t testing.TB) string {
	t.Helper()
	base, schema := scratch(t, "CREATE SCHEMA %s", "DROP SCHEMA %s CASCADE")
	if schema == "" {
		return ""
	}
	sep := "?"
	if containsByte(base, '?') {
		sep = "&"
	}
	return base + sep + "search_path=" + schema
}

func containsByte(s string, c byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return true
		}
	}
	return false
}

// RepoRoot returns the module root (the folder holding go.mod), found by walking up from the working directory.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the working directory")
		}
		dir = parent
	}
}

// Shared returns the path of rel inside ../shared beside the repository, skipping (or failing in CI) when it
// is not there. The shared data is never copied into the project.
func Shared(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join(filepath.Dir(RepoRoot(t)), "shared", rel)
	if _, err := os.Stat(p); err != nil {
		Missing(t, "shared data %s not found beside the repository (../shared): %v", rel, err)
	}
	return p
}

// scratch makes a randomly named object on the test server with the statement create (its %s the name),
// dropped with drop when t ends, and returns the server's URL and the name. The name is "" when the server
// is not reachable and t was skipped (Missing).
func scratch(t testing.TB, create, drop string) (base, name string) {
	t.Helper()
	base = PostgresBaseURL()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		Missing(t, "PostgreSQL not reachable at 127.0.0.1:5432 (set PLAUDIT_TEST_POSTGRES): %v", err)
		return base, ""
	}
	defer conn.Close(context.Background())
	var b [6]byte
	_, _ = rand.Read(b[:])
	name = "t_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, fmt.Sprintf(create, name)); err != nil {
		t.Fatalf("create test %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			return
		}
		defer c.Close(ctx)
		_, _ = c.Exec(ctx, fmt.Sprintf(drop, name))
	})
	return base, name
}
