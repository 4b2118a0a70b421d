package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/internal/recent"
)

// Rows per SQLite INSERT statement: SQLite binds nine parameters per row and allows 32766 per statement.
// Tuned with BenchmarkAppendSQLite. (PostgreSQL appends with COPY, in chunks of postgresCopyChunk.)
const (
	sqliteChunk = 1000
	lookupChunk = 500 // keys per duplicate lookup
)

// appendLockID is the PostgreSQL advisory lock that appends hold for their transaction, so that sequence
// numbers are handed out in commit order: a reader that has seen seq n has seen every seq below it, which is
// what makes EventFilter.AfterSeq safe for tailing the log. ("plaudit" in ASCII.)
const appendLockID = 0x706c6175646974

var (
	minTime = time.Unix(0, math.MinInt64)
	maxTime = time.Unix(0, math.MaxInt64)
)

// eventRow is an event in the form the events table stores.
type eventRow struct {
	source, id, kind, actor, target, targetAuthor, content string
	timeNS                                                 int64
	attrs                                                  *string // compact JSON, nil for none
}

// encodeEvent turns e into a row, or says why the store cannot keep it exactly. Validated events always
// encode, except for NUL bytes: PostgreSQL text cannot hold them, and the log must accept the same events
// whatever the database, so both dialects refuse them.
func encodeEvent(e *plaudit.Event, buf *bytes.Buffer) (eventRow, *plaudit.FieldError) {
	r := eventRow{
		source: string(e.Source), id: e.ExternalID, kind: string(e.Kind), actor: e.Actor,
		target: e.Target, targetAuthor: e.TargetAuthor, content: e.Content,
	}
	bad := func(field, reason string) *plaudit.FieldError {
		return &plaudit.FieldError{ID: e.ExternalID, Field: field, Reason: reason}
	}
	for _, f := range [...]struct{ name, v string }{
		{"source", r.source}, {"id", r.id}, {"kind", r.kind}, {"actor", r.actor},
		{"target", r.target}, {"target_author", r.targetAuthor}, {"content", r.content},
	} {
		if strings.IndexByte(f.v, 0) >= 0 {
			return r, bad(f.name, "contains a NUL byte, which the store cannot keep")
		}
	}
	if e.Time.Before(minTime) || e.Time.After(maxTime) {
		return r, bad("time", fmt.Sprintf("%s is outside the years the store can keep (1678–2262)", e.Time.UTC().Format(time.RFC3339)))
	}
	r.timeNS = e.Time.UnixNano()
	if len(e.Attrs) > 0 {
		s, err := encodeAttrs(e.Attrs, buf)
		if err != nil {
			return r, bad("attrs", fmt.Sprintf("cannot encode as JSON: %v", err))
		}
		r.attrs = &s
	}
	return r, nil
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// chunk is part of a batch, encoded for SQLite's INSERT statement.
type chunk struct {
	start int        // index in the batch of the first row
	rows  []eventRow // the rows, for matching results
	args  []any      // the statement's arguments
	err   error      // an event the store cannot keep
}

// encodeChunk encodes events, which start at index start of their batch.
func (db *DB) encodeChunk(events []plaudit.Event, start int) chunk {
	buf := bufPool.Get().(*bytes.Buffer)
	defer bufPool.Put(buf)
	rows := make([]eventRow, len(events))
	for i := range events {
		r, fe := encodeEvent(&events[i], buf)
		if fe != nil {
			fe.Index = start + i
			return chunk{err: &plaudit.Error{Code: plaudit.EINVALID, Message: "append events: " + fe.Error()}}
		}
		rows[i] = r
	}
	return chunk{start: start, rows: rows, args: sqliteArgs(rows)}
}

// AppendEvents stores events in one transaction, skipping those whose (source, id) is already stored or
// appears earlier in the batch. It returns one result per event: Accepted with the new Seq, or Duplicate
// with the Seq of the stored event. An event the store cannot keep exactly (a NUL byte in a text field, a
// time outside 1678–2262, attrs that are not JSON) fails the whole batch with an EINVALID error naming it,
// and nothing is stored.
//
// SQLite writes a batch in chunks (see appendSQLite); PostgreSQL takes the new events of a batch by COPY
// (see appendPostgres). To append many batches, BeginAppend is faster on SQLite.
func (db *DB) AppendEvents(ctx context.Context, events []plaudit.Event) ([]plaudit.AppendResult, error) {
	results := make([]plaudit.AppendResult, len(events))
	if len(events) == 0 {
		return results, nil
	}
	if db.dialect == Postgres {
		if err := db.appendPostgres(ctx, events, results); err != nil {
			if plaudit.ErrorCode(err) == plaudit.EINVALID {
				return nil, err
			}
			return nil, fmt.Errorf("append %d events to %s: %w", len(events), db.name, err)
		}
		return results, nil
	}
	err := db.InTx(ctx, func(tx *sql.Tx) error { return db.appendSQLite(ctx, tx, events, results) })
	if code := plaudit.ErrorCode(err); code == plaudit.EINVALID {
		return nil, err
	} else if err != nil {
		return nil, fmt.Errorf("append %d events to %s: %w", len(events), db.name, err)
	}
	return results, nil
}

// appendSQLite writes events into tx, a SQLite write transaction, and fills results. On SQLite a batch is
// written in chunks of one statement each; while the database works on one chunk, a second goroutine encodes
// the next, so that a big batch keeps two cores busy.
func (db *DB) appendSQLite(ctx context.Context, tx *sql.Tx, events []plaudit.Event, results []plaudit.AppendResult) error {
	size := sqliteChunk
	chunks := make(chan chunk, 1)
	if len(events) <= size {
		c := db.encodeChunk(events, 0)
		if c.err != nil {
			return c.err
		}
		chunks <- c
		close(chunks)
	} else {
		// The encoder reads events: it must be gone before appendSQLite returns them to the caller.
		stop, stopped := make(chan struct{}), make(chan struct{})
		defer func() { close(stop); <-stopped }()
		go func() {
			defer close(stopped)
			defer close(chunks)
			for start := 0; start < len(events); start += size {
				c := db.encodeChunk(events[start:min(start+size, len(events))], start)
				select {
				case chunks <- c:
				case <-stop:
					return
				}
				if c.err != nil {
					return
				}
			}
		}()
	}
	for c := range chunks {
		if c.err != nil {
			return c.err
		}
		if err := db.insertChunkSQLite(ctx, tx, c, results[c.start:c.start+len(c.rows)]); err != nil {
			return err
		}
	}
	return nil
}

const eventColumns = "source, external_id, kind, actor, target, target_author, content, time_ns, attrs"

// argsPool recycles the argument slices of SQLite's full-chunk INSERT.
var argsPool = sync.Pool{New: func() any { s := make([]any, 0, 9*sqliteChunk); return &s }}

// sqliteArgs returns the arguments of the multi-row INSERT of rows, nine per row.
func sqliteArgs(rows []eventRow) []any {
	var args []any
	if len(rows) == sqliteChunk {
		args = (*argsPool.Get().(*[]any))[:0]
	} else {
		args = make([]any, 0, 9*len(rows))
	}
	for i := range rows {
		r := &rows[i]
		var attrs any
		if r.attrs != nil {
			attrs = *r.attrs
		}
		args = append(args, r.source, r.id, r.kind, r.actor, r.target, r.targetAuthor, r.content, r.timeNS, attrs)
	}
	return args
}

// insertChunkSQLite inserts a chunk with a multi-row INSERT. It needs no RETURNING: the append holds
// SQLite's write lock, and SQLite gives the rows one statement inserts consecutive rowids (the largest so
// far plus one, row after row, in VALUES order). So the inserted rows are exactly those whose seq lies in
// (last insert id − rows affected, last insert id], and when every row went in, row i has seq
// last − n + 1 + i.
func (db *DB) insertChunkSQLite(ctx context.Context, tx *sql.Tx, c chunk, results []plaudit.AppendResult) error {
	rows := c.rows
	var (
		res sql.Result
		err error
	)
	if len(rows) == sqliteChunk {
		stmt, perr := db.sqliteInsertStmt(ctx)
		if perr != nil {
			return perr
		}
		res, err = tx.StmtContext(ctx, stmt).ExecContext(ctx, c.args...)
		clear(c.args)
		args := c.args[:0]
		argsPool.Put(&args)
	} else {
		res, err = tx.ExecContext(ctx, sqliteInsertSQL(len(rows)), c.args...)
	}
	if err != nil {
		return fmt.Errorf("insert events: %w", err)
	}
	last, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("insert events: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("insert events: %w", err)
	}
	if n == int64(len(rows)) {
		for i := range results {
			results[i] = plaudit.AppendResult{Status: plaudit.Accepted, Seq: last - n + 1 + int64(i)}
		}
		return nil
	}
	// Some rows were already stored: look every row up, and call a row accepted when its seq is one this
	// statement assigned and no earlier row of the batch claimed it.
	all := make([]int, len(rows))
	for i := range all {
		all[i] = i
	}
	if err := db.resolveDuplicates(ctx, tx, rows, results, all); err != nil {
		return err
	}
	claimed := make(map[int64]bool, n)
	for i := range results {
		if s := results[i].Seq; s > last-n && s <= last && !claimed[s] {
			claimed[s] = true
			results[i].Status = plaudit.Accepted
		}
	}
	if int64(len(claimed)) != n {
		return fmt.Errorf("insert events: %d rows inserted but %d found", n, len(claimed))
	}
	return nil
}

// sqliteInsertStmt returns the prepared INSERT of a full chunk, preparing it on first use.
func (db *DB) sqliteInsertStmt(ctx context.Context) (*sql.Stmt, error) {
	db.stmtMu.Lock()
	defer db.stmtMu.Unlock()
	if db.insertStmt == nil {
		stmt, err := db.db.PrepareContext(ctx, sqliteInsertSQL(sqliteChunk))
		if err != nil {
			return nil, fmt.Errorf("prepare insert: %w", err)
		}
		db.insertStmt = stmt
	}
	return db.insertStmt, nil
}

// resolveDuplicates looks up the stored seq of each row in pending and marks it Duplicate (SQLite).
func (db *DB) resolveDuplicates(ctx context.Context, tx *sql.Tx, rows []eventRow, results []plaudit.AppendResult, pending []int) error {
	for len(pending) > 0 {
		part := pending[:min(lookupChunk, len(pending))]
		pending = pending[len(part):]
		var b strings.Builder
		b.WriteString("SELECT seq, source, external_id FROM events WHERE (source, external_id) IN (VALUES ")
		args := make([]any, 0, 2*len(part))
		for j, i := range part {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString("(?,?)")
			args = append(args, rows[i].source, rows[i].id)
		}
		b.WriteByte(')')
		q := b.String()
		stored := make(map[string]int64, len(part))
		res, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("look up duplicate events: %w", err)
		}
		for res.Next() {
			var (
				seq     int64
				src, id string
			)
			if err := res.Scan(&seq, &src, &id); err != nil {
				res.Close()
				return fmt.Errorf("look up duplicate events: %w", err)
			}
			stored[eventKey(src, id)] = seq
		}
		if err := res.Err(); err != nil {
			res.Close()
			return fmt.Errorf("look up duplicate events: %w", err)
		}
		res.Close()
		for _, i := range part {
			seq, ok := stored[eventKey(rows[i].source, rows[i].id)]
			if !ok {
				// Neither inserted nor stored: the database broke its own uniqueness promise.
				return fmt.Errorf("event %s/%s was neither inserted nor found", rows[i].source, rows[i].id)
			}
			results[i] = plaudit.AppendResult{Status: plaudit.Duplicate, Seq: seq}
		}
	}
	return nil
}

func eventKey(source, id string) string { return source + "\x00" + id }

// sqliteInsertSQL returns the INSERT of n rows. It is INSERT OR IGNORE rather than INSERT … ON CONFLICT
// (source, external_id) DO NOTHING: the two skip a stored key alike, but a statement that may abort half-way
// (on a NOT NULL column, under ON CONFLICT's default) makes SQLite copy every page it touches into a
// statement journal first, a tenth of an import's time. No other constraint can fail for the rows
// encodeEvent makes (no column is ever NULL but attrs), and should one ever be skipped all the same,
// insertChunkSQLite finds it neither inserted nor stored and fails the append.
func sqliteInsertSQL(n int) string {
	var b strings.Builder
	b.WriteString("INSERT OR IGNORE INTO events (" + eventColumns + ") VALUES ")
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?,?,?,?,?,?,?,?,?)")
	}
	return b.String()
}

// directoryKindsSQL is the predicate of the partial index events_directory (migration 00200): kind is one of
// plaudit.DirectoryKinds. TestDirectoryKindsSQL keeps the two lists the same.
const directoryKindsSQL = "kind IN ('link', 'unlink', 'merge', 'tier', 'wallet', 'key')"

const eventSelect = "SELECT seq, " + eventColumns + " FROM events"

// eventPackedSelect is eventSelect as SQLite's walks of the log read it (ScanEvents): the text columns come
// as one text, their lengths in bytes first, each written by char() as one character (the attrs' as 1 + its
// length, 0 for NULL), then the texts; eventScan.scanPacked reads it. Taking a column from a row is several
// calls into SQLite, each under the connection's mutex, which in the transpiled library cost four times the
// query's own work: 3 columns a row instead of 10 read 2,000,000 events of a million-member log in 3.0 CPU-s
// instead of 4.3. The lengths went as decimal digits through printf at first; char() and concat() read the
// same rows in about a quarter less time (3.2–3.4 s against 4.2–4.6 s, alternating). Every length fits in a
// character: an event's texts are at most 64 KiB (plaudit.MaxContentLen), and char() writes up to 0x10FFFF.
const eventPackedSelect = "SELECT seq, time_ns, concat(char(" +
	"octet_length(source), octet_length(kind), octet_length(external_id), octet_length(actor), octet_length(target), " +
	"octet_length(target_author), octet_length(content), coalesce(octet_length(attrs) + 1, 0)), " +
	"source, kind, external_id, actor, target, target_author, content, attrs) FROM events"

// ScanEvents calls fn with each event matching f, in seq order, and stops at the first error fn returns,
// which it returns unwrapped. fn gets a new *Event each time and may keep it. The rows are streamed, not
// loaded: scanning the whole log takes little memory.
func (db *DB) ScanEvents(ctx context.Context, f plaudit.EventFilter, fn func(*plaudit.Event) error) error {
	packed := db.dialect == SQLite
	sel := eventSelect
	if packed {
		sel = eventPackedSelect
	}
	q, args := eventQueryFrom(sel, f)
	if db.dialect == Postgres {
		return db.scanEventsPostgres(ctx, db.Rebind(q), args, fn)
	}
	rows, err := db.db.QueryContext(ctx, db.Rebind(q), args...)
	if err != nil {
		return fmt.Errorf("scan events in %s: %w", db.name, err)
	}
	defer rows.Close()
	sc := eventScans.Get().(*eventScan)
	defer eventScans.Put(sc)
	scan := sc.scan
	if packed {
		scan = sc.scanPacked
	}
	for rows.Next() {
		e, err := scan(rows)
		if err != nil {
			return fmt.Errorf("scan events in %s: %w", db.name, err)
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("scan events in %s: %w", db.name, err)
	}
	return nil
}

// eventQuery returns the query (with ? placeholders) and arguments that select f's events in seq order.
func eventQuery(f plaudit.EventFilter) (string, []any) { return eventQueryFrom(eventSelect, f) }

// eventQueryFrom is eventQuery with the columns of sel, eventSelect or eventPackedSelect.
func eventQueryFrom(sel string, f plaudit.EventFilter) (string, []any) {
	var (
		where []string
		args  []any
	)
	in := func(col string, n int) string {
		return col + " IN (" + strings.TrimSuffix(strings.Repeat("?,", n), ",") + ")"
	}
	if len(f.Sources) > 0 {
		where = append(where, in("source", len(f.Sources)))
		for _, s := range f.Sources {
			args = append(args, string(s))
		}
	}
	if len(f.Kinds) > 0 {
		where = append(where, in("kind", len(f.Kinds)))
		for _, k := range f.Kinds {
			args = append(args, string(k))
		}
	}
	if f.DirectoryKinds {
		// Literal, and the same as the partial index events_directory's predicate, so that both databases
		// prove the query implies it and read the index: bound parameters would hide the kinds from the
		// planner. The kinds are the package's constants, never input.
		where = append(where, directoryKindsSQL)
	}
	if len(f.Actors) > 0 {
		where = append(where, in("actor", len(f.Actors)))
		for _, a := range f.Actors {
			args = append(args, a)
		}
	}
	if !f.Since.IsZero() {
		where = append(where, "time_ns >= ?")
		args = append(args, clampNS(f.Since))
	}
	if !f.Until.IsZero() {
		where = append(where, "time_ns < ?")
		args = append(args, clampNS(f.Until))
	}
	if f.AfterSeq > 0 {
		where = append(where, "seq > ?")
		args = append(args, f.AfterSeq)
	}
	q := sel
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY seq"
	if f.Limit > 0 {
		q += " LIMIT ?"
		args = append(args, f.Limit)
	}
	return q, args
}

// clampNS converts t to Unix nanoseconds, saturating outside the representable years so that a filter far
// in the past or future still means "everything" or "nothing".
func clampNS(t time.Time) int64 {
	switch {
	case t.Before(minTime):
		return math.MinInt64
	case t.After(maxTime):
		return math.MaxInt64
	}
	return t.UnixNano()
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// eventScan reads the rows of one query of eventSelect, as scanEvent does, with less to allocate for
// each: the scan's destinations are made once, the attrs are read into one buffer (rawText) rather than
// a new slice a row, source and kind are one string each however often they come, and an event whose
// stored attrs are the same bytes as a recent one's gets the same map (events' attrs are never changed
// once made). Reading the log is most of what a walk of the store costs; at 100,000 members a verify
// allocated 2.7 GB in scanEvent, half of it decoding attrs, most of which repeat (a Discord reaction's
// emoji, a poster's account fields).
type eventScan struct {
	dest   []any
	packs  []any // the destinations of a row of eventPackedSelect
	e      plaudit.Event
	timeNS int64
	packed string
	source rawText
	kind   rawText
	attrs  rawText
	names  map[string]string              // sources and kinds
	cache  *recent.Values[map[string]any] // decoded attrs by their stored bytes
}

// eventScans keeps eventScans between queries: a walk of the log is a query a page, and the attrs seen on
// one page recur on the next.
var eventScans = sync.Pool{New: func() any { return newEventScan() }}

// maxAttrsCache bounds an eventScan's attrs maps kept for reuse (about a million bytes at most); when it
// is full it starts again empty.
const maxAttrsCache = 4096

func newEventScan() *eventScan {
	sc := &eventScan{names: map[string]string{}, cache: recent.New[map[string]any](maxAttrsCache)}
	e := &sc.e
	sc.dest = []any{&e.Seq, &sc.source, &e.ExternalID, &sc.kind, &e.Actor, &e.Target, &e.TargetAuthor, &e.Content, &sc.timeNS, &sc.attrs}
	sc.packs = []any{&e.Seq, &sc.timeNS, &sc.packed}
	return sc
}

// scanPacked reads the current row of eventPackedSelect into a new Event. The event's ids (external id,
// actor, target and its author) are one string of their own, its content part of the row's text.
func (sc *eventScan) scanPacked(s scanner) (*plaudit.Event, error) {
	sc.e.Seq, sc.packed = 0, ""
	if err := s.Scan(sc.packs...); err != nil {
		return nil, err
	}
	p := sc.packed
	var n [8]int // source, kind, external_id, actor, target, target_author, content, attrs (-1: NULL)
	i := 0
	for k := range n {
		l, next, ok := packedLength(p, i)
		if !ok {
			return nil, fmt.Errorf("event seq %d: the row's packed columns are malformed at byte %d", sc.e.Seq, i)
		}
		n[k], i = l, next
	}
	n[7]-- // the attrs' length was written plus one, so that 0 is NULL
	total := 0
	for _, l := range n {
		total += max(l, 0)
	}
	if len(p)-i != total {
		return nil, fmt.Errorf("event seq %d: the row's packed columns hold %d bytes, their lengths say %d", sc.e.Seq, len(p)-i, total)
	}
	field := func(k int) string {
		f := p[i : i+n[k]]
		i += n[k]
		return f
	}
	e := &plaudit.Event{Seq: sc.e.Seq, Time: time.Unix(0, sc.timeNS).UTC()}
	e.Source, e.Kind = plaudit.Source(sc.nameString(field(0))), plaudit.Kind(sc.nameString(field(1)))
	ids := strings.Clone(p[i : i+n[2]+n[3]+n[4]+n[5]])
	e.SetIDs(ids, n[2], n[3], n[4])
	i += len(ids)
	if content := field(6); content != "" { // an empty one keeps no pointer into the row
		e.Content = content
	}
	if n[7] < 0 {
		return e, nil
	}
	if err := sc.setAttrs(e, unsafe.Slice(unsafe.StringData(p[i:]), n[7])); err != nil {
		return nil, err
	}
	return e, nil
}

// packedLength reads the length char() wrote at byte i of p as one character, in SQLite's UTF-8 (which
// writes whatever number it is given, surrogates included, so it is decoded here rather than by
// unicode/utf8), and returns it and the byte after it.
func packedLength(p string, i int) (l, next int, ok bool) {
	if i >= len(p) {
		return 0, i, false
	}
	c := p[i]
	var n int
	switch {
	case c < 0x80:
		return int(c), i + 1, true
	case c&0xE0 == 0xC0:
		l, n = int(c&0x1F), 2
	case c&0xF0 == 0xE0:
		l, n = int(c&0x0F), 3
	case c&0xF8 == 0xF0:
		l, n = int(c&0x07), 4
	default:
		return 0, i, false
	}
	if i+n > len(p) {
		return 0, i, false
	}
	for _, b := range []byte(p[i+1 : i+n]) {
		if b&0xC0 != 0x80 {
			return 0, i, false
		}
		l = l<<6 | int(b&0x3F)
	}
	return l, i + n, true
}

// setAttrs sets e's attrs from their stored JSON a, which it neither keeps nor changes: a recent one's map
// when a is the same bytes.
func (sc *eventScan) setAttrs(e *plaudit.Event, a []byte) error {
	if m, ok := sc.cache.Get(a); ok {
		e.Attrs = m
		return nil
	}
	m, err := decodeAttrs(a)
	if err != nil {
		return fmt.Errorf("event %s: decode attrs: %w", e.Key(), err)
	}
	sc.cache.Put(a, m)
	e.Attrs = m
	return nil
}

// scan reads the current row of s into a new Event.
func (sc *eventScan) scan(s scanner) (*plaudit.Event, error) {
	sc.e = plaudit.Event{}
	if err := s.Scan(sc.dest...); err != nil {
		return nil, err
	}
	e := new(plaudit.Event)
	*e = sc.e
	e.Source, e.Kind = plaudit.Source(sc.name(sc.source.b)), plaudit.Kind(sc.name(sc.kind.b))
	e.Time = time.Unix(0, sc.timeNS).UTC()
	if sc.attrs.valid {
		if err := sc.setAttrs(e, sc.attrs.b); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// rawText is a text column read into a buffer kept from row to row (valid is false for NULL).
type rawText struct {
	b     []byte
	valid bool
}

// Scan implements sql.Scanner.
func (r *rawText) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		r.b, r.valid = r.b[:0], false
	case string:
		r.b, r.valid = append(r.b[:0], v...), true
	case []byte:
		r.b, r.valid = append(r.b[:0], v...), true
	default:
		return fmt.Errorf("a text column holds %T", src)
	}
	return nil
}

// name returns b as a string, one string for each distinct name.
func (sc *eventScan) name(b []byte) string {
	if s, ok := sc.names[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(sc.names) < 256 {
		sc.names[s] = s
	}
	return s
}

// nameString is name for a string, which it never keeps (name copies a name new to sc).
func (sc *eventScan) nameString(s string) string {
	return sc.name(unsafe.Slice(unsafe.StringData(s), len(s)))
}

// scanEvent reads one row of eventSelect, with a scanner of the pool (eventScan).
func scanEvent(s scanner) (*plaudit.Event, error) {
	sc := eventScans.Get().(*eventScan)
	defer eventScans.Put(sc)
	return sc.scan(s)
}

// EventByKey returns the stored event with the given source and external id, or an ENOTFOUND error.
func (db *DB) EventByKey(ctx context.Context, source plaudit.Source, externalID string) (*plaudit.Event, error) {
	row := db.db.QueryRowContext(ctx, db.Rebind(eventSelect+" WHERE source = ? AND external_id = ?"), string(source), externalID)
	e, err := scanEvent(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, plaudit.Errorf(plaudit.ENOTFOUND, "event %s/%s not found", source, externalID)
	} else if err != nil {
		return nil, fmt.Errorf("event %s/%s in %s: %w", source, externalID, db.name, err)
	}
	return e, nil
}

// LogSeq returns the seq of the last event, 0 when the log is empty (one look at the primary key).
func (db *DB) LogSeq(ctx context.Context) (int64, error) {
	var seq int64
	if err := db.db.QueryRowContext(ctx, "SELECT COALESCE(MAX(seq), 0) FROM events").Scan(&seq); err != nil {
		return 0, fmt.Errorf("end of the event log of %s: %w", db.name, err)
	}
	return seq, nil
}

// EventStats summarises the log from one consistent snapshot.
func (db *DB) EventStats(ctx context.Context) (*plaudit.EventStats, error) {
	st := &plaudit.EventStats{ByKind: []plaudit.SourceKindCount{}}
	err := db.ReadTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, "SELECT source, kind, COUNT(*) FROM events GROUP BY source, kind")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c plaudit.SourceKindCount
			if err := rows.Scan(&c.Source, &c.Kind, &c.Count); err != nil {
				return err
			}
			st.ByKind = append(st.ByKind, c)
			st.Total += c.Count
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if st.Total == 0 {
			return nil
		}
		var first, last int64
		if err := tx.QueryRowContext(ctx, "SELECT MIN(time_ns), MAX(time_ns) FROM events").Scan(&first, &last); err != nil {
			return err
		}
		st.First, st.Last = time.Unix(0, first).UTC(), time.Unix(0, last).UTC()
		return tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM (SELECT DISTINCT source, actor FROM events) AS accounts").Scan(&st.Accounts)
	})
	if err != nil {
		return nil, fmt.Errorf("event stats of %s: %w", db.name, err)
	}
	// Sort here rather than in SQL, so that the order is bytewise whatever the database's collation.
	slices.SortFunc(st.ByKind, func(a, b plaudit.SourceKindCount) int {
		if c := strings.Compare(string(a.Source), string(b.Source)); c != 0 {
			return c
		}
		return strings.Compare(string(a.Kind), string(b.Kind))
	})
	return st, nil
}
