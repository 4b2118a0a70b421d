package sqlstore_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/internal/testenv"
	"github.com/plaudit/plaudit/sqlstore"
	"github.com/plaudit/plaudit/storetest"
)

// openSQLite opens a fresh SQLite store in t's temporary folder.
func openSQLite(t *testing.T) *sqlstore.DB {
	t.Helper()
	db, err := sqlstore.Open(context.Background(), filepath.Join(t.TempDir(), "plaudit.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// openPostgres opens a fresh PostgreSQL store in a schema of its own.
func openPostgres(t *testing.T) *sqlstore.DB {
	t.Helper()
	db, err := sqlstore.Open(context.Background(), testenv.Postgres(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestSQLite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) plaudit.Store { return openSQLite(t) })
}

func TestPostgres(t *testing.T) {
	testenv.Postgres(t) // skip early, once, when there is no server
	storetest.Run(t, func(t *testing.T) plaudit.Store { return openPostgres(t) })
}
