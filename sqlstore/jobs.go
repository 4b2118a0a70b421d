package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
)

// JobQueueDB returns the connection pool the job queue (package jobs, on riverqueue/river) should use, and
// a function that releases it.
//
// On PostgreSQL that is the store's own pool, and release does nothing: river's database/sql driver runs
// on it like any other query. On SQLite it is a second pool on the same file, with the same pragmas, that
// holds one connection at most: river's SQLite driver runs several internal services in parallel and
// asks for one connection so that they take turns instead of failing with SQLITE_BUSY, while the store's
// own pool must keep its several connections for readers. The two pools share the file through WAL and the
// busy timeout, as two processes would; release closes the second pool.
func (db *DB) JobQueueDB(ctx context.Context) (*sql.DB, func() error, error) {
	if db.dialect == Postgres {
		return db.db, func() error { return nil }, nil
	}
	uri := db.name
	if !strings.HasPrefix(uri, "file:") {
		uri = "file:" + escapeURIPath(filepath.Clean(uri))
	}
	sep := "?"
	if strings.Contains(uri, "?") {
		sep = "&"
	}
	sdb, err := sql.Open("sqlite", uri+sep+sqlitePragmas)
	if err != nil {
		return nil, nil, fmt.Errorf("open job queue pool on %s: %w", db.name, err)
	}
	sdb.SetMaxOpenConns(1)
	if err := sdb.PingContext(ctx); err != nil {
		sdb.Close()
		return nil, nil, fmt.Errorf("open job queue pool on %s: %w", db.name, err)
	}
	return sdb, sdb.Close, nil
}
