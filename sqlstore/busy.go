package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// IsBusy reports whether err says that the database was too busy to do the work now, so that trying again
// shortly may succeed: SQLite's SQLITE_BUSY or SQLITE_LOCKED (with any extended code: "database is
// locked", a busy snapshot), or PostgreSQL's lock_not_available (55P03, a lock_timeout ran out) or
// query_canceled (57014, a statement_timeout ran out). Callers such as the API answer such failures with
// "try again later" (503) instead of an internal error. A context's own deadline is not a busy error:
// check errors.Is(err, context.DeadlineExceeded) for that.
func IsBusy(err error) bool {
	if err == nil {
		return false
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff { // the primary code, without the extended bits
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return true
		}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "55P03", "57014": // lock_not_available, query_canceled
			return true
		}
	}
	return false
}

// Ready reports whether the store can serve now: the database answers a ping and every embedded migration
// of its dialect has been applied. Open migrates, so a store that stops being ready was lost (a server
// down, a file gone) or rolled back behind this binary's back; readiness checks (GET /readyz) call it.
// Its errors never contain the DSN's password.
func (db *DB) Ready(ctx context.Context) error {
	if err := db.db.PingContext(ctx); err != nil {
		return fmt.Errorf("ping %s: %w", db.name, scrub(err, db.dsn))
	}
	dir, dialect := "migrations/sqlite", goose.DialectSQLite3
	if db.dialect == Postgres {
		dir, dialect = "migrations/postgres", goose.DialectPostgres
	}
	fsys, err := fs.Sub(migrations, dir)
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(dialect, db.db, fsys, goose.WithDisableGlobalRegistry(true), goose.WithAllowOutofOrder(true))
	if err != nil {
		return fmt.Errorf("migrations of %s: %w", db.name, err)
	}
	pending, err := p.HasPending(ctx)
	if err != nil {
		return fmt.Errorf("migrations of %s: %w", db.name, scrub(err, db.dsn))
	}
	if pending {
		return fmt.Errorf("%s has migrations that are not applied", db.name)
	}
	return nil
}
