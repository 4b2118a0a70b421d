package testenv

import (
	"net/url"
	"testing"
)

// PostgresDatabase returns the URL of a fresh database of its own on the test server, dropped when t
// ends. Unlike Postgres's schemas, a database shares no advisory locks with other tests (the store's
// append lock is database-wide), so a test that measures or kills writers is not slowed by others'. It
// skips (or fails in CI) when the server is not reachable.
func PostgresDatabase(t testing.TB) string {
	t.Helper()
	base, name := scratch(t, "CREATE DATABASE %s", "DROP DATABASE IF EXISTS %s WITH (FORCE)")
	if name == "" {
		return ""
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("PostgreSQL URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}
