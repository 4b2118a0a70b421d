package sqlstore

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func TestMigrationLockPath(t *testing.T) {
	for dsn, want := range map[string]string{
		"plaudit.db":                           "plaudit.db.lock",
		"/data/./x/plaudit.db":                 "/data/x/plaudit.db.lock",
		"file:/data/plaudit.db?cache=share":    "/data/plaudit.db.lock",
		"file:///data/a%20b.db":                "/data/a b.db.lock",
		"file://localhost/data/p.db#frag":      "/data/p.db.lock",
		"file:rel.db":                          "rel.db.lock",
		":memory:":                             "",
		"file::memory:":                        "",
		"file:mem.db?mode=memory&cache=shared": "",
	} {
		if got := MigrationLockPath(dsn); got != want {
			t.Errorf("MigrationLockPath(%q) = %q, want %q", dsn, got, want)
		}
	}
}

// TestMigrationLockWaits checks that the lock excludes a second holder in the same process, that the
// second waits until the first lets go, and that a waiter gives up when its context is done.
func TestMigrationLockWaits(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	ctx := context.Background()
	first, err := lockMigrations(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if l, err := lockMigrations(short, path); !errors.Is(err, context.DeadlineExceeded) {
		l.unlock()
		t.Fatalf("second lock while the first is held: %v, want a deadline error", err)
	}
	got := make(chan error, 1)
	go func() {
		l, err := lockMigrations(ctx, path)
		l.unlock()
		got <- err
	}()
	select {
	case err := <-got:
		t.Fatalf("second lock taken while the first is held (err %v)", err)
	case <-time.After(100 * time.Millisecond):
	}
	first.unlock()
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("second lock not taken after the first was released")
	}
}

func TestSQLiteFiles(t *testing.T) {
	if got := SQLiteFiles("postgres://u@h/db"); got != nil {
		t.Errorf("SQLiteFiles of a PostgreSQL URL: %q", got)
	}
	got := SQLiteFiles("file:/d/p.db?_pragma=x")
	want := []string{"/d/p.db", "/d/p.db-wal", "/d/p.db-shm", "/d/p.db-journal", "/d/p.db.lock"}
	if !slices.Equal(got, want) {
		t.Errorf("SQLiteFiles = %q, want %q", got, want)
	}
}
