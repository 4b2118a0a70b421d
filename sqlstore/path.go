package sqlstore

import (
	"net/url"
	"path/filepath"
	"strings"
)

// SQLitePath returns the file of the SQLite database dsn names, cleaned: dsn itself for a plain path, the
// path part of a file: URI (unescaped). It returns "" for a PostgreSQL URL and for an in-memory database
// (":memory:", file::memory:, mode=memory), which have no file.
func SQLitePath(dsn string) string {
	if IsPostgres(dsn) {
		return ""
	}
	path := dsn
	if rest, ok := strings.CutPrefix(dsn, "file:"); ok {
		rest, query, _ := strings.Cut(rest, "?")
		rest, _, _ = strings.Cut(rest, "#")
		if q, err := url.ParseQuery(query); err == nil && q.Get("mode") == "memory" {
			return ""
		}
		// file://host/path: the authority is empty or localhost for a local file.
		if after, ok := strings.CutPrefix(rest, "//"); ok {
			if i := strings.IndexByte(after, '/'); i >= 0 {
				rest = after[i:]
			} else {
				rest = ""
			}
		}
		p, err := url.PathUnescape(rest)
		if err != nil {
			p = rest
		}
		path = p
	}
	if path == "" || path == ":memory:" {
		return ""
	}
	return filepath.Clean(path)
}

// SQLiteFiles returns every file a SQLite store at dsn consists of or keeps beside it: the database, its
// WAL, shared-memory and rollback-journal files, and the migration lock. It returns nil when dsn has no
// file (see SQLitePath). Commands that write files of their own refuse these paths.
func SQLiteFiles(dsn string) []string {
	path := SQLitePath(dsn)
	if path == "" {
		return nil
	}
	return []string{path, path + "-wal", path + "-shm", path + "-journal", MigrationLockPath(dsn)}
}
