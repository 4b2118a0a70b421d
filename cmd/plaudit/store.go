package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/sqlstore"
)

// storeDSN says which store the command uses and where that choice came from: the --db flag, then
// $PLAUDIT_DATABASE_URL, then plaudit.db in the user data directory.
func storeDSN() (dsn, from string, err error) {
	if dbFlag != "" {
		return dbFlag, "--db", nil
	}
	if env := os.Getenv("PLAUDIT_DATABASE_URL"); env != "" {
		return env, "PLAUDIT_DATABASE_URL", nil
	}
	path, err := sqlstore.DefaultPath()
	if err != nil {
		return "", "", err
	}
	return path, "default", nil
}

// storeNoticeOnce makes openStore say which store it opens once per process, however often it is called.
var storeNoticeOnce sync.Once

// storeName is the store as openStore names it on standard error: a SQLite path made absolute (a file: URI
// as given), a PostgreSQL URL with its password masked.
func storeName(dsn string) string {
	if sqlstore.IsPostgres(dsn) || strings.HasPrefix(dsn, "file:") {
		return sqlstore.Redact(dsn)
	}
	if abs, err := filepath.Abs(dsn); err == nil {
		return abs
	}
	return dsn
}

// openStore opens the store the command line names (see storeDSN) and migrates it to the newest schema.
// The first call of the process says on standard error which store it opens ("store: PATH"), before it
// opens it; standard output, which some commands keep machine-readable, is left alone. Its errors name the
// store with any password masked.
func openStore(ctx context.Context) (plaudit.Store, error) {
	dsn, from, err := storeDSN()
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	storeNoticeOnce.Do(func() {
		fmt.Fprintf(rootCmd.ErrOrStderr(), "store: %s\n", storeName(dsn))
	})
	db, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		if from != "default" {
			return nil, fmt.Errorf("open store %s (from %s): %w", sqlstore.Redact(dsn), from, err)
		}
		return nil, fmt.Errorf("open store: %w", err)
	}
	return db, nil
}
