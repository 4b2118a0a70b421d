package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/plaudit/plaudit"
)

// SQLite has no queue for its write lock: a writer that finds it taken sleeps and tries again (up to 100 ms
// apart, for up to its busy timeout), so a bulk append that begins its next transaction the moment it
// commits would keep everyone else out until it closes. So once it has held the lock for bulkHoldMax, a
// bulk append leaves it free for bulkYield after its next commit — longer than a waiting writer's longest
// sleep — and a writer waits at most about bulkHoldMax plus one commit's work, within the 10 s busy
// timeout. (On PostgreSQL waiters queue on the append lock and get it in turn; no pause is needed.)
//
// The WAL starts over from its beginning only when a transaction begins after a checkpoint has copied all
// of it back, and a bulk append begins its next transaction while the checkpointer is still copying the
// last one: left alone, the WAL would grow as big as everything the append writes (a second copy of the
// database, on disk, until the store closes). So once the WAL file has grown to bulkWALBytes, the next
// transaction begins after a checkpoint that copies the rest and truncates the WAL. (Only for a store
// opened by path: for a file: URI the WAL is left to grow.)
var (
	bulkHoldMax  = 4 * time.Second
	bulkYield    = 150 * time.Millisecond
	bulkWALBytes = int64(512 << 20)
)

// sqliteAppender is a bulk append on SQLite: one connection holding one write transaction, with the
// connection's automatic checkpoint off (the DB's checkpointer runs after each Commit, beside the writer
// instead of inside its commit, which would copy the whole transaction back into the database file).
type sqliteAppender struct {
	db     *DB
	conn   *sql.Conn
	tx     *sql.Tx   // the open transaction; nil after a Commit until the next batch, and once failed
	failed error     // why the appender can only be closed
	held   time.Time // since when the appender has held the write lock without a pause
}

// pgAppender is a bulk append on PostgreSQL: a connection of its own (pgx, for COPY) holding a transaction
// and the append lock (see appendLockID) from the first batch after a commit to the next commit.
type pgAppender struct {
	db     *DB
	conn   *pgx.Conn
	tx     pgx.Tx // the open transaction; nil after a Commit until the next batch, and once failed
	chunks int    // COPY chunks appended in tx, which bound its savepoints (see maxSavepoints)
	src    *copySource
	failed error
}

var _ plaudit.BulkEventStore = (*DB)(nil)

// BeginAppend starts a bulk append (see plaudit.BulkEventStore). On SQLite it holds the database's write
// lock from BeginAppend until Close, except between a Commit and the next batch, and after a Commit every
// bulkHoldMax it leaves the lock free long enough for other writers to get in (see bulkHoldMax); they wait
// on their busy timeout (10 s), so commit at least every second or so. On PostgreSQL it holds a connection
// of its own, and the log's append lock likewise; writers waiting for the lock go first after a Commit. If AppendEvents fails, everything since the last Commit is discarded and the appender can
// only be closed.
func (db *DB) BeginAppend(ctx context.Context) (plaudit.EventAppender, error) {
	if db.dialect == Postgres {
		return db.beginAppendPostgres(ctx)
	}
	conn, err := db.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin bulk append to %s: %w", db.name, err)
	}
	a := &sqliteAppender{db: db, conn: conn, held: time.Now()}
	if _, err := conn.ExecContext(ctx, "PRAGMA wal_autocheckpoint = 0"); err != nil {
		a.release()
		return nil, fmt.Errorf("begin bulk append to %s: %w", db.name, err)
	}
	if err := a.begin(ctx); err != nil {
		a.release()
		return nil, fmt.Errorf("begin bulk append to %s: %w", db.name, err)
	}
	return a, nil
}

// begin opens the appender's next transaction, first letting go of the write lock for bulkYield if the
// appender has held it for bulkHoldMax. Like DB.InTx, it waits for the write lock without ctx.
func (a *sqliteAppender) begin(ctx context.Context) error {
	if time.Since(a.held) >= bulkHoldMax {
		select {
		case <-time.After(bulkYield):
		case <-ctx.Done():
			return ctx.Err()
		}
		a.held = time.Now()
	}
	if fi, err := os.Stat(a.db.walPath); err == nil && fi.Size() >= bulkWALBytes {
		// SQLite refuses a checkpoint while another runs, without waiting: wait for the background one.
		a.db.checkpointMu.Lock()
		var busy, frames, copied int64
		err := a.conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &frames, &copied)
		a.db.checkpointMu.Unlock()
		if err != nil {
			return fmt.Errorf("checkpoint: %w", err)
		}
		if busy != 0 { // a reader of another process holds old frames: try again at the next transaction
			slog.Debug("sqlite bulk append: WAL not truncated", "db", a.db.name, "bytes", fi.Size())
		}
	}
	tx, err := a.conn.BeginTx(context.WithoutCancel(ctx), nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	a.tx = tx
	return nil
}

// AppendEvents appends events in the open transaction (see plaudit.EventAppender).
func (a *sqliteAppender) AppendEvents(ctx context.Context, events []plaudit.Event) ([]plaudit.AppendResult, error) {
	if a.failed != nil {
		return nil, a.closedErr()
	}
	results := make([]plaudit.AppendResult, len(events))
	if len(events) == 0 {
		return results, nil
	}
	if a.tx == nil { // the first batch after a Commit
		if err := a.begin(ctx); err != nil {
			a.failed = fmt.Errorf("bulk append to %s: %w", a.db.name, err)
			return nil, a.failed
		}
	}
	err := a.db.appendSQLite(ctx, a.tx, events, results)
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		a.fail(err)
		if plaudit.ErrorCode(err) == plaudit.EINVALID {
			return nil, err
		}
		return nil, fmt.Errorf("append %d events to %s: %w", len(events), a.db.name, err)
	}
	return results, nil
}

// Commit commits the batches appended so far. The next transaction begins with the next batch, so that a
// Commit just before Close leaves nothing to roll back.
func (a *sqliteAppender) Commit(ctx context.Context) error {
	if a.failed != nil {
		return a.closedErr()
	}
	if a.tx == nil {
		return ctx.Err() // nothing appended since the last Commit
	}
	if err := ctx.Err(); err != nil {
		a.fail(err)
		return err
	}
	tx := a.tx
	a.tx = nil
	if err := tx.Commit(); err != nil {
		a.failed = fmt.Errorf("commit bulk append to %s: %w", a.db.name, err)
		return a.failed
	}
	a.db.kickCheckpoint()
	return nil
}

// Close rolls back what was not committed, restores the connection's settings and returns it to the pool.
func (a *sqliteAppender) Close() error {
	if a.conn == nil {
		return nil
	}
	var err error
	if a.tx != nil {
		if rerr := a.tx.Rollback(); rerr != nil && !errors.Is(rerr, sql.ErrTxDone) {
			err = fmt.Errorf("close bulk append to %s: %w", a.db.name, rerr)
		}
		a.tx = nil
	}
	if a.failed == nil {
		a.failed = errors.New("closed")
	}
	a.release()
	return err
}

// fail rolls back the open transaction after a failed append; the appender can only be closed after.
func (a *sqliteAppender) fail(err error) {
	_ = a.tx.Rollback()
	a.tx = nil
	a.failed = err
}

// closedErr says why the appender takes no more batches.
func (a *sqliteAppender) closedErr() error {
	return fmt.Errorf("bulk append to %s: not open: %w", a.db.name, a.failed)
}

// release restores the connection's automatic checkpoint and hands it back to the pool. A connection
// whose setting cannot be restored is discarded rather than reused without it.
func (a *sqliteAppender) release() {
	if _, err := a.conn.ExecContext(context.Background(), "PRAGMA wal_autocheckpoint = "+sqliteAutocheckpoint); err != nil {
		_ = a.conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	a.conn.Close()
	a.conn = nil
}

func (db *DB) beginAppendPostgres(ctx context.Context) (plaudit.EventAppender, error) {
	conn, err := pgx.ConnectConfig(ctx, db.pgConfig.Copy())
	if err != nil {
		return nil, fmt.Errorf("begin bulk append to %s: %w", db.name, scrub(err, db.dsn))
	}
	a := &pgAppender{db: db, conn: conn, src: &copySource{buf: new(bytes.Buffer)}}
	if err := a.begin(ctx); err != nil {
		conn.Close(context.Background())
		return nil, fmt.Errorf("begin bulk append to %s: %w", db.name, err)
	}
	return a, nil
}

// begin opens the appender's next transaction and takes the append lock. Like appendPgx, it begins
// without ctx.
func (a *pgAppender) begin(ctx context.Context) error {
	tx, err := a.conn.Begin(context.WithoutCancel(ctx))
	if err != nil {
		return fmt.Errorf("begin transaction: %w", scrub(err, a.db.dsn))
	}
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(appendLockID)); err != nil {
		_ = tx.Rollback(context.Background())
		return fmt.Errorf("lock the log: %w", err)
	}
	a.tx, a.chunks = tx, 0
	return nil
}

// AppendEvents appends events in the open transaction (see plaudit.EventAppender).
func (a *pgAppender) AppendEvents(ctx context.Context, events []plaudit.Event) ([]plaudit.AppendResult, error) {
	if a.failed != nil {
		return nil, fmt.Errorf("bulk append to %s: not open: %w", a.db.name, a.failed)
	}
	results := make([]plaudit.AppendResult, len(events))
	if len(events) == 0 {
		return results, nil
	}
	if a.tx == nil { // the first batch after a Commit
		if err := a.begin(ctx); err != nil {
			a.failed = fmt.Errorf("bulk append to %s: %w", a.db.name, err)
			return nil, a.failed
		}
	}
	err := checkKeysPostgres(events)
	if err == nil {
		var n int
		n, err = appendBatchPgx(ctx, a.tx, events, results, a.src, a.chunks)
		a.chunks += n
	}
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		_ = a.tx.Rollback(context.Background())
		a.tx, a.failed = nil, err
		if plaudit.ErrorCode(err) == plaudit.EINVALID {
			return nil, err
		}
		return nil, fmt.Errorf("append %d events to %s: %w", len(events), a.db.name, err)
	}
	return results, nil
}

// Commit commits the batches appended so far; as on SQLite, the next transaction begins with the next batch.
func (a *pgAppender) Commit(ctx context.Context) error {
	if a.failed != nil {
		return fmt.Errorf("bulk append to %s: not open: %w", a.db.name, a.failed)
	}
	if a.tx == nil {
		return ctx.Err() // nothing appended since the last Commit
	}
	if err := ctx.Err(); err != nil {
		_ = a.tx.Rollback(context.Background())
		a.tx, a.failed = nil, err
		return err
	}
	tx := a.tx
	a.tx = nil
	if err := tx.Commit(context.WithoutCancel(ctx)); err != nil {
		a.failed = fmt.Errorf("commit bulk append to %s: %w", a.db.name, err)
		return a.failed
	}
	return nil
}

// Close rolls back what was not committed and closes the appender's connection.
func (a *pgAppender) Close() error {
	if a.conn == nil {
		return nil
	}
	bg := context.Background()
	var err error
	if a.tx != nil {
		if rerr := a.tx.Rollback(bg); rerr != nil && !errors.Is(rerr, pgx.ErrTxClosed) {
			err = fmt.Errorf("close bulk append to %s: %w", a.db.name, rerr)
		}
		a.tx = nil
	}
	if a.failed == nil {
		a.failed = errors.New("closed")
	}
	if cerr := a.conn.Close(bg); cerr != nil && err == nil {
		err = fmt.Errorf("close bulk append to %s: %w", a.db.name, scrub(cerr, a.db.dsn))
	}
	a.conn = nil
	return err
}
