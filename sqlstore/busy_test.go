package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/sqlstore"
)

// holdSQLiteWriteLock opens a second connection to the SQLite file at path and takes its write lock
// (BEGIN IMMEDIATE) until t ends.
func holdSQLiteWriteLock(t *testing.T, path string) {
	t.Helper()
	other, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	other.SetMaxOpenConns(1)
	conn, err := other.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn.ExecContext(context.Background(), "ROLLBACK")
		conn.Close()
		other.Close()
	})
}

func busyEvent(id string) plaudit.Event {
	return plaudit.Event{Source: "api", ExternalID: id, Kind: "post", Actor: "alice", Time: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)}
}

// TestIsBusySQLite appends while another connection holds the write lock: the append fails with an error
// IsBusy recognises, once the (here shortened) busy timeout runs out.
func TestIsBusySQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "plaudit.db")
	// The later busy_timeout pragma wins over the store's own 10 s (the driver applies them in order).
	db, err := sqlstore.Open(context.Background(), "file:"+path+"?_pragma=busy_timeout(200)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.AppendEvents(context.Background(), []plaudit.Event{busyEvent("a")}); err != nil {
		t.Fatal(err)
	}
	holdSQLiteWriteLock(t, path)
	start := time.Now()
	_, err = db.AppendEvents(context.Background(), []plaudit.Event{busyEvent("b")})
	if err == nil {
		t.Fatal("append succeeded while another connection held the write lock")
	}
	if !sqlstore.IsBusy(err) {
		t.Fatalf("IsBusy(%v) = false", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("append waited %v: the short busy timeout did not apply", d)
	}
	for _, e := range []error{nil, errors.New("database is locked"), context.DeadlineExceeded, plaudit.Errorf(plaudit.EINVALID, "x")} {
		if sqlstore.IsBusy(e) {
			t.Errorf("IsBusy(%v) = true", e)
		}
	}
	if !sqlstore.IsBusy(fmt.Errorf("wrapped: %w", err)) {
		t.Error("IsBusy does not look through wrapping")
	}
}

// TestIsBusyPostgres provokes PostgreSQL's lock and statement timeouts.
func TestIsBusyPostgres(t *testing.T) {
	db := openPostgres(t)
	ctx := context.Background()
	holder, err := db.SQL().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Rollback()
	if _, err := holder.ExecContext(ctx, "LOCK TABLE events IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	waiter, err := db.SQL().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer waiter.Rollback()
	if _, err := waiter.ExecContext(ctx, "SET LOCAL lock_timeout = '50ms'"); err != nil {
		t.Fatal(err)
	}
	var n int
	err = waiter.QueryRowContext(ctx, "SELECT count(*) FROM events").Scan(&n)
	if err == nil || !sqlstore.IsBusy(err) || !strings.Contains(err.Error(), "55P03") {
		t.Fatalf("lock timeout: IsBusy(%v) is false", err)
	}
	waiter.Rollback()

	conn, err := db.SQL().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SET statement_timeout = '50ms'"); err != nil {
		t.Fatal(err)
	}
	_, err = conn.ExecContext(ctx, "SELECT pg_sleep(2)")
	if err == nil || !sqlstore.IsBusy(err) {
		t.Fatalf("statement timeout: IsBusy(%v) is false", err)
	}
	conn.ExecContext(ctx, "RESET statement_timeout")
}

// TestReady checks that a fresh store is ready, one with a migration undone is not, and a closed one is not.
func TestReady(t *testing.T) {
	for name, open := range map[string]func(*testing.T) *sqlstore.DB{"sqlite": openSQLite, "postgres": openPostgres} {
		t.Run(name, func(t *testing.T) {
			db := open(t)
			ctx := context.Background()
			if err := db.Ready(ctx); err != nil {
				t.Fatalf("fresh store: %v", err)
			}
			if _, err := db.SQL().ExecContext(ctx, "DELETE FROM goose_db_version WHERE version_id = (SELECT max(version_id) FROM goose_db_version)"); err != nil {
				t.Fatal(err)
			}
			if err := db.Ready(ctx); err == nil || !strings.Contains(err.Error(), "not applied") {
				t.Fatalf("store with a migration undone: %v", err)
			}
			db.Close()
			if err := db.Ready(ctx); err == nil {
				t.Fatal("closed store is ready")
			}
		})
	}
}
