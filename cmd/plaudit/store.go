package main

import (
	"context"
	"fmt"
	"os"

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

// openStore opens the store the command line names (see storeDSN) and migrates it to the newest schema.
// Its errors name the store with any password masked.
func openStore(ctx context.Context) (plaudit.Store, error) {
	dsn, from, err := storeDSN()
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	db, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		if from != "default" {
			return nil, fmt.Errorf("open store %s (from %s): %w", sqlstore.Redact(dsn), from, err)
		}
		return nil, fmt.Errorf("open store: %w", err)
	}
	return db, nil
}
