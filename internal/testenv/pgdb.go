package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// PostgresDatabase returns the URL of a fresh database of its own on the test server, dropped when t
// ends. Unlike Postgres's schemas, a database shares no advisory locks with other tests (the store's
// append lock is database-wide), so a test that measures or kills writers is not slowed by others'. It
// skips (or fails in CI) when the server is not reachable.
func PostgresDatabase(t testing.TB) string {
	t.Helper()
	base := PostgresBaseURL()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		Missing(t, "PostgreSQL not reachable at 127.0.0.1:5432 (set PLAUDIT_TEST_POSTGRES): %v", err)
		return ""
	}
	defer conn.Close(context.Background())
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "t_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			return
		}
		defer c.Close(ctx)
		_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("PostgreSQL URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}
