package sqlstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/plaudit/plaudit"
)

// PostgresSearchCandidates is how many matching events PostgreSQL ranks for one search: the most recent
// ones (highest seq). Ranking is exact among them; an older match past them is not found by that query
// (its words narrowed, or --since/--until, find it).
const PostgresSearchCandidates = 2000

// SearchEvents returns the events whose content matches every term of q, best first, ties in Seq order.
// SQLite ranks with FTS5's bm25 over events_fts, PostgreSQL with ts_rank over the stored, GIN-indexed
// content_tsv (to_tsvector('simple', content)); Rank is made "higher is better" on both. Terms come from
// plaudit.ParseSearchQuery, so they hold only letters and digits and are quoted here besides: no user input
// is ever read as query syntax.
func (db *DB) SearchEvents(ctx context.Context, q plaudit.SearchQuery) ([]plaudit.SearchHit, error) {
	if len(q.Terms) == 0 {
		return nil, plaudit.Errorf(plaudit.EINVALID, "search: no terms")
	}
	if q.Limit < 1 || q.Limit > plaudit.MaxSearchLimit {
		return nil, plaudit.Errorf(plaudit.EINVALID, "search: limit %d, want 1..%d", q.Limit, plaudit.MaxSearchLimit)
	}
	if q.Offset < 0 {
		return nil, plaudit.Errorf(plaudit.EINVALID, "search: negative offset %d", q.Offset)
	}
	if err := db.indexSearch(ctx); err != nil {
		return nil, err
	}
	var (
		b    strings.Builder
		args []any
	)
	// filters are the query's other conditions on the events table aliased e, and their arguments.
	filters := func() (string, []any) {
		var f strings.Builder
		var fa []any
		if len(q.Sources) > 0 {
			f.WriteString(" AND e.source IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(q.Sources)), ", ") + ")")
			for _, s := range q.Sources {
				fa = append(fa, string(s))
			}
		}
		if q.Exclude != 0 {
			f.WriteString(" AND e.seq <> ?")
			fa = append(fa, q.Exclude)
		}
		if !q.Since.IsZero() {
			f.WriteString(" AND e.time_ns >= ?")
			fa = append(fa, clampNS(q.Since))
		}
		if !q.Until.IsZero() {
			f.WriteString(" AND e.time_ns < ?")
			fa = append(fa, clampNS(q.Until))
		}
		return f.String(), fa
	}
	if db.dialect == Postgres {
		parts := make([]string, len(q.Terms))
		var targs []any
		for i, t := range q.Terms {
			parts[i] = "phraseto_tsquery('simple', ?)"
			targs = append(targs, strings.Join(t.Words, " "))
		}
		op := " && "
		if q.Any {
			op = " || "
		}
		tsq := "(" + strings.Join(parts, op) + ")"
		// ts_rank reads the tsvector of every row it ranks, so ranking all of a common word's matches took
		// seconds at 1M posts. Only the PostgresSearchCandidates most recent matches are ranked: the
		// candidates come from the GIN index for a rare query, or from walking seq backwards with the
		// match as a filter for a common one (the planner picks by the column's statistics), both
		// bounded, and both read the stored content_tsv rather than parse the content again.
		where, fargs := filters()
		// The headline, which parses the content, is made only for the page's rows.
		b.WriteString("SELECT p.seq, " + prefixed("p.", eventColumns) + ", p.r, " +
			"ts_headline('simple', p.content, " + tsq + ", 'StartSel=[,StopSel=],MaxWords=24,MinWords=8') FROM (" +
			"SELECT e.seq, " + prefixed("e.", eventColumns) + ", ts_rank(e.content_tsv, " + tsq + ") AS r " +
			"FROM (SELECT e.seq FROM events e WHERE e.content_tsv @@ " + tsq + where +
			" ORDER BY e.seq DESC LIMIT " + strconv.Itoa(PostgresSearchCandidates) + ") c JOIN events e ON e.seq = c.seq" +
			" ORDER BY r DESC, e.seq LIMIT ? OFFSET ?) p ORDER BY p.r DESC, p.seq")
		// The query is written three times (headline, rank, match), so its arguments are too.
		args = append(append(append(append(append(args, targs...), targs...), targs...), fargs...), q.Limit, q.Offset)
	} else {
		parts := make([]string, len(q.Terms))
		for i, t := range q.Terms {
			parts[i] = `"` + strings.ReplaceAll(strings.Join(t.Words, " "), `"`, `""`) + `"`
		}
		op := " "
		if q.Any {
			op = " OR "
		}
		args = append(args, strings.Join(parts, op))
		b.WriteString("SELECT e.seq, " + prefixed("e.", eventColumns) + ", -bm25(events_fts) AS r, " +
			"snippet(events_fts, 0, '[', ']', '…', 16) " +
			"FROM events_fts JOIN events e ON e.seq = events_fts.rowid WHERE events_fts MATCH ?")
		where, fargs := filters()
		b.WriteString(where)
		args = append(args, fargs...)
		b.WriteString(" ORDER BY r DESC, e.seq LIMIT ? OFFSET ?")
		args = append(args, q.Limit, q.Offset)
	}

	rows, err := db.db.QueryContext(ctx, db.Rebind(b.String()), args...)
	if err != nil {
		return nil, fmt.Errorf("search events in %s: %w", db.name, err)
	}
	defer rows.Close()
	var hits []plaudit.SearchHit
	for rows.Next() {
		var (
			rank    float64
			snippet string
		)
		e, err := scanEvent(scanFunc(func(dest ...any) error {
			return rows.Scan(append(dest, &rank, &snippet)...)
		}))
		if err != nil {
			return nil, fmt.Errorf("search events in %s: %w", db.name, err)
		}
		hits = append(hits, plaudit.SearchHit{Event: *e, Rank: rank, Snippet: snippet})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("search events in %s: %w", db.name, err)
	}
	return hits, nil
}

// indexSearch brings SQLite's events_fts up to the end of the log: it indexes the events appended since
// events_fts_state.indexed_seq, in one write transaction (immediate, so concurrent searches take turns and
// the second finds nothing left to do). PostgreSQL's expression index is kept by the database itself.
func (db *DB) indexSearch(ctx context.Context) error {
	if db.dialect == Postgres {
		return nil
	}
	var indexed, last int64
	const state = "SELECT indexed_seq, (SELECT coalesce(max(seq), 0) FROM events) FROM events_fts_state WHERE id = 1"
	if err := db.db.QueryRowContext(ctx, state).Scan(&indexed, &last); err != nil {
		return fmt.Errorf("search index state in %s: %w", db.name, err)
	}
	if indexed >= last {
		return nil
	}
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("index events for search in %s: %w", db.name, err)
	}
	defer tx.Rollback()
	if err := tx.QueryRowContext(ctx, state).Scan(&indexed, &last); err != nil {
		return fmt.Errorf("search index state in %s: %w", db.name, err)
	}
	if indexed >= last {
		return nil
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO events_fts (rowid, content) SELECT seq, content FROM events WHERE seq > ? AND seq <= ? AND content <> ''", indexed, last); err != nil {
		return fmt.Errorf("index events %d..%d for search in %s: %w", indexed+1, last, db.name, err)
	}
	if _, err := tx.ExecContext(ctx, "UPDATE events_fts_state SET indexed_seq = ? WHERE id = 1", last); err != nil {
		return fmt.Errorf("index events for search in %s: %w", db.name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("index events %d..%d for search in %s: %w", indexed+1, last, db.name, err)
	}
	return nil
}

// scanFunc adapts a function to the scanner interface, so scanEvent can read extra columns after an event's.
type scanFunc func(dest ...any) error

// Scan calls f.
func (f scanFunc) Scan(dest ...any) error { return f(dest...) }

// prefixed qualifies each of a comma-separated list of columns with prefix.
func prefixed(prefix, columns string) string {
	cols := strings.Split(columns, ", ")
	for i, c := range cols {
		cols[i] = prefix + c
	}
	return strings.Join(cols, ", ")
}

var _ plaudit.SearchStore = (*DB)(nil)
