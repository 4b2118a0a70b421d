package sqlstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/plaudit/plaudit"
)

// postgresCopyChunk is how many events one COPY carries. A batch of more is written chunk after chunk in
// the same transaction, so that the key arrays of the duplicate lookup stay a few hundred kilobytes.
const postgresCopyChunk = 10_000

// appendPostgres is AppendEvents for PostgreSQL. It bypasses INSERT … ON CONFLICT, whose speculative
// insertion writes each row and its WAL record one at a time, for COPY, which PostgreSQL writes a page of
// rows at a time (about half the server's work for a fresh import):
//
//  1. take the append lock (see appendLockID): no other append runs until this transaction ends;
//  2. look the chunk's keys up in the log; those found are Duplicate with their stored seq;
//  3. of the rest, the first copy of each key is new, later copies in the batch are its duplicates;
//  4. COPY the new rows into events, in batch order: the identity column hands them seqs in that order;
//  5. read the seqs back: since the lock keeps every other append out, the n new rows hold the n seqs up to
//     the sequence's current value, in order. That is checked, not assumed: the rows in that range must be
//     exactly the copied keys in order, or the batch fails and nothing is stored.
//
// The transaction runs on the pgx connection under database/sql's, since database/sql has no COPY.
func (db *DB) appendPostgres(ctx context.Context, events []plaudit.Event, results []plaudit.AppendResult) error {
	// Keys go to the server as parameters before the rows are encoded: refuse a NUL byte in them first,
	// with the same error encodeEvent gives.
	for i := range events {
		e := &events[i]
		if strings.IndexByte(string(e.Source), 0) >= 0 || strings.IndexByte(e.ExternalID, 0) >= 0 {
			_, fe := encodeEvent(e, new(bytes.Buffer))
			fe.Index = i
			return &plaudit.Error{Code: plaudit.EINVALID, Message: "append events: " + fe.Error()}
		}
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
	for start := 0; start < len(events); start += postgresCopyChunk {
		end := min(start+postgresCopyChunk, len(events))
		if err := appendChunkPgx(ctx, tx, events[start:end], start, results[start:end], src); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := tx.Commit(bg); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// Statements of appendChunkPgx. The lookup is a lateral join on a subquery with a LIMIT, which PostgreSQL
// never flattens into a plain join: it probes the unique index once per key whatever the planner thinks of
// the array's length (a hash join would read the whole log).
const (
	pgLookupSQL = "SELECT k.i, e.seq FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS k(source, external_id, i) " +
		"CROSS JOIN LATERAL (SELECT seq FROM events WHERE source = k.source AND external_id = k.external_id LIMIT 1) AS e"
	pgCopiedSQL = "SELECT seq, source, external_id FROM events " +
		"WHERE seq > (SELECT currval(pg_get_serial_sequence('events', 'seq'))) - $1 " +
		"AND seq <= (SELECT currval(pg_get_serial_sequence('events', 'seq'))) ORDER BY seq"
)

var eventColumnNames = []string{"source", "external_id", "kind", "actor", "target", "target_author", "content", "time_ns", "attrs"}

// appendChunkPgx appends events, which start at index start of their batch, in tx; see appendPostgres.
func appendChunkPgx(ctx context.Context, tx pgx.Tx, events []plaudit.Event, start int, results []plaudit.AppendResult, src *copySource) error {
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

	// New rows: not stored, and the first copy of their key in the chunk. (A key repeated across chunks is
	// found stored by the later chunk's lookup, since the transaction sees its own rows.) Later copies point
	// at their first copy through firstOf until its seq is known.
	fresh := make([]int, 0, len(events)-stored)
	var firstOf map[int]int
	seen := make(map[string]int, len(events)-stored)
	for i := range events {
		if results[i].Status == plaudit.Duplicate {
			continue
		}
		k := eventKey(sources[i], ids[i])
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

	copied, err := tx.Query(ctx, pgCopiedSQL, n)
	if err != nil {
		return fmt.Errorf("read the seqs of copied events: %w", err)
	}
	var (
		j       int
		s, id   string
		prevSeq int64
	)
	_, err = pgx.ForEachRow(copied, []any{&seq, &s, &id}, func() error {
		if j >= len(fresh) {
			return errors.New("more rows than were copied")
		}
		if i := fresh[j]; s != sources[i] || id != ids[i] {
			return fmt.Errorf("seq %d holds %s/%s, want %s/%s: another writer took seqs without the append lock", seq, s, id, sources[i], ids[i])
		}
		results[fresh[j]] = plaudit.AppendResult{Status: plaudit.Accepted, Seq: seq}
		j++
		prevSeq = seq
		return nil
	})
	if err == nil && j != len(fresh) {
		err = fmt.Errorf("%d rows found, want %d (last seq %d)", j, len(fresh), prevSeq)
	}
	if err != nil {
		return fmt.Errorf("read the seqs of copied events: %w", err)
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
