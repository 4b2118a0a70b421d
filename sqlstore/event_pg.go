package sqlstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/plaudit/plaudit"
)

// postgresCopyChunk is how many events one COPY carries. A batch of more is written chunk after chunk in
// the same transaction, so that the key arrays of the duplicate lookup stay a few hundred kilobytes.
const postgresCopyChunk = 10_000

// appendPostgres is AppendEvents for PostgreSQL. It bypasses INSERT … ON CONFLICT, whose speculative
// insertion writes each row and its WAL record one at a time, for COPY, which PostgreSQL writes a page of
// rows at a time (two thirds of the server's work of INSERT … SELECT … ON CONFLICT, timed in psql):
//
//  1. take the append lock (see appendLockID): no other append runs until this transaction ends;
//  2. look the chunk's keys up in the log; those found are Duplicate with their stored seq (or, when the
//     last chunk had none, skip the lookup and let a savepoint undo the copy should a key be stored);
//  3. of the rest, the first copy of each key is new, later copies in the batch are its duplicates;
//  4. COPY the new rows into events, in batch order: the identity column hands them seqs in that order;
//  5. work out their seqs from the sequence's current value, and check them (see copyRows).
//
// The transaction runs on the pgx connection under database/sql's, since database/sql has no COPY.
func (db *DB) appendPostgres(ctx context.Context, events []plaudit.Event, results []plaudit.AppendResult) error {
	if err := checkKeysPostgres(events); err != nil {
		return err
	}
	conn, err := db.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("connection is a %T, not pgx's", dc)
		}
		return appendPgx(ctx, sc.Conn(), events, results)
	})
}

// checkKeysPostgres refuses a NUL byte in the keys of events, with the same error encodeEvent gives: keys go
// to the server as parameters before the rows are encoded.
func checkKeysPostgres(events []plaudit.Event) error {
	for i := range events {
		e := &events[i]
		if strings.IndexByte(string(e.Source), 0) >= 0 || strings.IndexByte(e.ExternalID, 0) >= 0 {
			_, fe := encodeEvent(e, new(bytes.Buffer))
			fe.Index = i
			return &plaudit.Error{Code: plaudit.EINVALID, Message: "append events: " + fe.Error()}
		}
	}
	return nil
}

// appendPgx runs appendPostgres's transaction on c. Like DB.InTx, it begins and commits without ctx, so
// that a commit is never cut off in flight, and rolls back if ctx is done before the commit.
func appendPgx(ctx context.Context, c *pgx.Conn, events []plaudit.Event, results []plaudit.AppendResult) (err error) {
	bg := context.WithoutCancel(ctx)
	tx, err := c.Begin(bg)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback(bg)
			panic(p)
		}
		if err != nil {
			_ = tx.Rollback(bg)
		}
	}()
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(appendLockID)); err != nil {
		return fmt.Errorf("lock the log: %w", err)
	}
	src := &copySource{buf: bufPool.Get().(*bytes.Buffer)}
	defer bufPool.Put(src.buf)
	if _, err := appendBatchPgx(ctx, tx, events, results, src, 0); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := tx.Commit(bg); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// appendBatchPgx appends events in tx, postgresCopyChunk at a time, after chunksBefore chunks appended
// earlier in the same transaction, and returns the number of chunks it appended.
func appendBatchPgx(ctx context.Context, tx pgx.Tx, events []plaudit.Event, results []plaudit.AppendResult, src *copySource, chunksBefore int) (int, error) {
	n := 0
	for start := 0; start < len(events); start += postgresCopyChunk {
		end := min(start+postgresCopyChunk, len(events))
		trySavepoint := chunksBefore+n < maxSavepoints
		if err := appendChunkPgx(ctx, tx, events[start:end], start, results[start:end], src, trySavepoint); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// Statements of appendChunkPgx. The lookup is a lateral join on a subquery with a LIMIT, which PostgreSQL
// never flattens into a plain join: it probes the unique index once per key whatever the planner thinks of
// the array's length (a hash join would read the whole log).
const (
	pgLookupSQL = "SELECT k.i, e.seq FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS k(source, external_id, i) " +
		"CROSS JOIN LATERAL (SELECT seq FROM events WHERE source = k.source AND external_id = k.external_id LIMIT 1) AS e"
	pgCopiedSQL = "SELECT currval(pg_get_serial_sequence('events', 'seq')), " +
		"(SELECT seq FROM events WHERE source = $1 AND external_id = $2)"
)

var eventColumnNames = []string{"source", "external_id", "kind", "actor", "target", "target_author", "content", "time_ns", "attrs"}

// lookupFirstKey marks, in a connection's custom data, that its last append found stored duplicates, so
// that the next one looks its keys up before copying instead of trying the copy first.
const lookupFirstKey = "plaudit.sqlstore.lookupFirst"

// maxSavepoints bounds the savepoints of one append: each that wrote rows holds a subtransaction id until
// the transaction ends, and past 64 of them PostgreSQL's snapshots of every session get slower. The chunks
// of a batch beyond these are looked up first.
const maxSavepoints = 32

// appendChunkPgx appends events, which start at index start of their batch, in tx; see appendPostgres.
//
// Most chunks of an import are all new: for them the key lookup is a quarter of the time for nothing. So
// if trySavepoint and the connection's last chunk had no duplicates, the chunk is first copied whole (less
// its repeats within the chunk) under a savepoint, which a duplicate key rolls back; then the keys are
// looked up and only the new rows copied.
func appendChunkPgx(ctx context.Context, tx pgx.Tx, events []plaudit.Event, start int, results []plaudit.AppendResult, src *copySource, trySavepoint bool) error {
	custom := tx.Conn().PgConn().CustomData()
	if lookupFirst, _ := custom[lookupFirstKey].(bool); trySavepoint && !lookupFirst {
		fresh, firstOf := freshRows(events, results)
		if _, err := tx.Exec(ctx, "SAVEPOINT plaudit_append"); err != nil {
			return fmt.Errorf("savepoint: %w", err)
		}
		err := copyRows(ctx, tx, events, start, results, src, fresh, firstOf)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "23505" || src.err != nil {
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, "RELEASE SAVEPOINT plaudit_append"); err != nil {
				return fmt.Errorf("release savepoint: %w", err)
			}
			return nil
		}
		// A key is stored already: undo the copy and look them all up.
		if _, err := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT plaudit_append"); err != nil {
			return fmt.Errorf("roll back to savepoint: %w", err)
		}
		clear(results)
		custom[lookupFirstKey] = true
	}

	sources, ids := make([]string, len(events)), make([]string, len(events))
	for i := range events {
		sources[i], ids[i] = string(events[i].Source), events[i].ExternalID
	}
	rows, err := tx.Query(ctx, pgLookupSQL, sources, ids)
	if err != nil {
		return fmt.Errorf("look up duplicate events: %w", err)
	}
	stored := 0
	var i, seq int64
	_, err = pgx.ForEachRow(rows, []any{&i, &seq}, func() error {
		results[i-1] = plaudit.AppendResult{Status: plaudit.Duplicate, Seq: seq}
		stored++
		return nil
	})
	if err != nil {
		return fmt.Errorf("look up duplicate events: %w", err)
	}
	if stored == 0 {
		delete(custom, lookupFirstKey)
	}
	fresh, firstOf := freshRows(events, results)
	return copyRows(ctx, tx, events, start, results, src, fresh, firstOf)
}

// freshRows returns the indexes of the events not yet marked Duplicate in results that are the first copy
// of their key in events, and maps each later copy to its first. (A key repeated across chunks is found
// stored by the later chunk's lookup, since the transaction sees its own rows.)
func freshRows(events []plaudit.Event, results []plaudit.AppendResult) (fresh []int, firstOf map[int]int) {
	fresh = make([]int, 0, len(events))
	type key struct{ source, id string }
	seen := make(map[key]int, len(events))
	for i := range events {
		if results[i].Status == plaudit.Duplicate {
			continue
		}
		k := key{string(events[i].Source), events[i].ExternalID}
		if j, ok := seen[k]; ok {
			if firstOf == nil {
				firstOf = make(map[int]int)
			}
			firstOf[i] = j
			continue
		}
		seen[k] = i
		fresh = append(fresh, i)
	}
	return fresh, firstOf
}

// copyRows copies the events at the indexes in fresh into the log and sets their results: Accepted with
// their seq, and Duplicate with that seq for the later copies in firstOf.
//
// COPY has no RETURNING. The seqs are known all the same: the identity column hands out the n rows of a
// COPY strictly increasing seqs in row order, the last of them being the session's currval. So if the
// first row's seq is currval − n + 1, the n rows hold exactly the n seqs up to currval, in order. That is
// checked (the append lock should make it so, but another writer could take seqs without it): if it does
// not hold, the batch fails and nothing is stored.
func copyRows(ctx context.Context, tx pgx.Tx, events []plaudit.Event, start int, results []plaudit.AppendResult, src *copySource, fresh []int, firstOf map[int]int) error {
	if len(fresh) == 0 {
		return nil
	}
	src.reset(events, fresh, start)
	n, err := tx.CopyFrom(ctx, pgx.Identifier{"events"}, eventColumnNames, src)
	if src.err != nil {
		return src.err
	}
	if err != nil {
		return fmt.Errorf("copy events: %w", err)
	}
	if n != int64(len(fresh)) {
		return fmt.Errorf("copy events: %d rows copied, want %d", n, len(fresh))
	}
	first := &events[fresh[0]]
	var last, firstSeq int64
	if err := tx.QueryRow(ctx, pgCopiedSQL, string(first.Source), first.ExternalID).Scan(&last, &firstSeq); err != nil {
		return fmt.Errorf("read the seqs of copied events: %w", err)
	}
	if firstSeq != last-n+1 {
		return fmt.Errorf("copied %d events into seqs %d…%d, which are not consecutive: another writer took seqs without the append lock", n, firstSeq, last)
	}
	for j, i := range fresh {
		results[i] = plaudit.AppendResult{Status: plaudit.Accepted, Seq: firstSeq + int64(j)}
	}
	for i, first := range firstOf {
		results[i] = plaudit.AppendResult{Status: plaudit.Duplicate, Seq: results[first].Seq}
	}
	return nil
}

// copySource feeds COPY the rows of events at the indexes in rows, encoding each as pgx asks for it: pgx
// encodes in a goroutine of its own while the server takes the previous rows. An event the store cannot
// keep stops the COPY and is left in err.
type copySource struct {
	events []plaudit.Event
	rows   []int
	start  int // index of events[0] in the batch, for errors
	next   int
	values [9]any
	buf    *bytes.Buffer
	err    error
}

func (s *copySource) reset(events []plaudit.Event, rows []int, start int) {
	s.events, s.rows, s.start, s.next, s.err = events, rows, start, 0, nil
}

// Next implements pgx.CopyFromSource.
func (s *copySource) Next() bool {
	if s.err != nil || s.next >= len(s.rows) {
		return false
	}
	i := s.rows[s.next]
	s.next++
	r, fe := encodeEvent(&s.events[i], s.buf)
	if fe != nil {
		fe.Index = s.start + i
		s.err = &plaudit.Error{Code: plaudit.EINVALID, Message: "append events: " + fe.Error()}
		return false
	}
	var attrs any
	if r.attrs != nil {
		attrs = *r.attrs
	}
	s.values = [9]any{r.source, r.id, r.kind, r.actor, r.target, r.targetAuthor, r.content, r.timeNS, attrs}
	return true
}

// Values implements pgx.CopyFromSource.
func (s *copySource) Values() ([]any, error) { return s.values[:], nil }

// Err implements pgx.CopyFromSource.
func (s *copySource) Err() error { return s.err }

var _ pgx.CopyFromSource = (*copySource)(nil)
