package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"
)

// SQLite has no lock that spans goose's transactions (goose's session lockers are PostgreSQL's advisory
// locks), so two processes opening a fresh file at once would both find it unmigrated and the second would
// fail on "table events already exists". Open therefore holds an exclusive OS lock (flock on Unix,
// LockFileEx on Windows) on a file beside the database, PATH.lock, from before its first connection until
// the migrations are done. The lock file is left in place: removing it would let a process lock a new file
// while another still holds the old one. The OS drops the lock when its holder dies, so a killed process
// never leaves it held.

// The lock's waits: how often to retry, when to say that Open is waiting, and when to give up (as the
// PostgreSQL migration lock does, after five minutes).
const (
	migrationLockPoll    = 20 * time.Millisecond
	migrationLockNotice  = 5 * time.Second
	migrationLockTimeout = 5 * time.Minute
)

// errLockHeld is what tryLockFile returns when another handle holds the lock.
var errLockHeld = errors.New("lock held elsewhere")

// MigrationLockPath returns the file whose lock Open holds while it migrates the SQLite database at dsn (a
// path or a file: URI), or "" for an in-memory database, which no other process can open.
func MigrationLockPath(dsn string) string {
	path := SQLitePath(dsn)
	if path == "" {
		return ""
	}
	return path + ".lock"
}

// fileLock is an exclusive lock held on an open file.
type fileLock struct {
	f *os.File
}

// lockMigrations takes the migration lock of the SQLite database at dsn (see MigrationLockPath), waiting
// while another process or another Open of this process holds it, until ctx is done or five minutes have
// passed. It returns nil, with no error, for an in-memory database.
func lockMigrations(ctx context.Context, dsn string) (*fileLock, error) {
	path := MigrationLockPath(dsn)
	if path == "" {
		return nil, nil
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil && (errors.Is(err, os.ErrPermission) || isReadOnlyFS(err)) {
		// A lock file made by another user: locking needs only a handle, not the right to write.
		f, err = os.Open(path)
		if errors.Is(err, os.ErrNotExist) {
			// A folder we may not write to (a store opened to read, on read-only media): we cannot create
			// the database there either, and whoever can write will have created the lock file when it
			// migrated. Go on without the lock rather than refuse to open the store.
			slog.Debug("no migration lock: the folder is read-only", "db", dsn, "lock", path)
			return nil, nil
		}
	}
	if err != nil {
		return nil, fmt.Errorf("migration lock %s: %w", path, err)
	}
	start := time.Now()
	noticed := false
	for {
		err := tryLockFile(f)
		if err == nil {
			return &fileLock{f: f}, nil
		}
		if !errors.Is(err, errLockHeld) {
			f.Close()
			return nil, fmt.Errorf("migration lock %s: %w", path, err)
		}
		waited := time.Since(start)
		if waited >= migrationLockTimeout {
			f.Close()
			return nil, fmt.Errorf("migration lock %s: still held by another process after %v", path, waited.Round(time.Second))
		}
		if !noticed && waited >= migrationLockNotice {
			noticed = true
			slog.Warn("waiting for another process to finish migrating the store", "db", dsn, "lock", path)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("migration lock %s: %w", path, ctx.Err())
		case <-time.After(migrationLockPoll):
		}
	}
}

// unlock releases the lock; a nil lock is fine. Closing the file releases it too, so an error unlocking
// still ends with the lock free.
func (l *fileLock) unlock() {
	if l == nil || l.f == nil {
		return
	}
	_ = unlockFile(l.f)
	_ = l.f.Close()
	l.f = nil
}
