package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/plaudit/plaudit"
)

// SearchCandidates is how many matching events a search ranks, on either store: the most recent ones
// (highest seq). Ranking is exact among them; an older match past them is not found by that query (its
// words narrowed, or --since/--until, find it). Ranking every match of a common word took seconds at 1M
// posts.
const SearchCandidates = 2000

// SearchEvents returns the events whose content matches every term of q, best first, ties in Seq order.
// SQLite ranks with FTS5's bm25 over events_fts, PostgreSQL with ts_rank over event_search's GIN-indexed
// content_tsv (to_tsvector('simple', content)); Rank is made "higher is better" on both. Terms come from
// plaudit.ParseSearchQuery, so they hold only letters and digits and are quoted here besides: no user input
// is ever read as query syntax. Both indexes are filled lazily (indexSearch): appends never wait for them.
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
		// seconds at 1M posts. Only the SearchCandidates most recent matches are ranked, found by
		// postgresCandidates; the headline, which parses the content, is made only for the page's rows.
		where, fargs := filters()
		cands, err := db.postgresCandidates(ctx, tsq, targs, where, fargs)
		if err != nil {
			return nil, err
		}
		if len(cands) == 0 {
			return nil, nil
		}
		in := make([]string, len(cands))
		for i, c := range cands {
			in[i] = strconv.FormatInt(c, 10)
		}
		b.WriteString("SELECT p.seq, " + prefixed("p.", eventColumns) + ", p.r, " +
			"ts_headline('simple', p.content, " + tsq + ", 'StartSel=[,StopSel=],MaxWords=24,MinWords=8') FROM (" +
			"SELECT e.seq, " + prefixed("e.", eventColumns) + ", ts_rank(s.content_tsv, " + tsq + ") AS r " +
			"FROM events e JOIN event_search s ON s.seq = e.seq WHERE e.seq IN (" + strings.Join(in, ",") + ")" +
			" ORDER BY r DESC, e.seq LIMIT ? OFFSET ?) p ORDER BY p.r DESC, p.seq")
		// The query is written twice (headline, rank), so its arguments are too.
		args = append(append(append(args, targs...), targs...), q.Limit, q.Offset)
	} else {
		parts := make([]string, len(q.Terms))
		for i, t := range q.Terms {
			parts[i] = `"` + strings.ReplaceAll(strings.Join(t.Words, " "), `"`, `""`) + `"`
		}
		op := " "
		if q.Any {
			op = " OR "
		}
		match := strings.Join(parts, op)
		where, fargs := filters()
		// As on PostgreSQL, only the SearchCandidates most recent matches are ranked (bm25 of every match of
		// a common word took a second at 1M posts): FTS5 walks a match's rows newest first and stops at the
		// last candidate, whose seq bounds the ranking query.
		var floor int64
		err := db.db.QueryRowContext(ctx, "SELECT events_fts.rowid FROM events_fts JOIN events e ON e.seq = events_fts.rowid "+
			"WHERE events_fts MATCH ?"+where+" ORDER BY events_fts.rowid DESC LIMIT 1 OFFSET "+strconv.Itoa(searchCandidates-1),
			append([]any{match}, fargs...)...).Scan(&floor)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("search events in %s: %w", db.name, err)
		}
		args = append(args, match, floor)
		b.WriteString("SELECT e.seq, " + prefixed("e.", eventColumns) + ", -bm25(events_fts) AS r, " +
			"snippet(events_fts, 0, '[', ']', '…', 16) " +
			"FROM events_fts JOIN events e ON e.seq = events_fts.rowid WHERE events_fts MATCH ? AND events_fts.rowid >= ?")
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

// postgresFirstWindow is how many of the newest rows postgresCandidates walks first, and postgresMaxWindow
// the most it walks when the first window's share of matches says that a larger one holds enough.
var postgresFirstWindow, postgresMaxWindow = 5_000, 400_000

// searchCandidates is SearchCandidates, a variable so that a test can make it small.
var searchCandidates = SearchCandidates

// postgresCandidates returns the seqs of the SearchCandidates most recent events matching tsq (a
// tsquery expression over the arguments targs) and the filters where (over alias e, arguments fargs),
// newest first. A common query's matches are among the newest rows: it walks the newest
// postgresFirstWindow rows of event_search backwards by seq (a LIMIT subquery, which the planner cannot turn into a bitmap
// scan of the GIN index over all of a common word's matches: that took seconds at 1M posts) with the
// match as a filter on the indexed content_tsv. When that window holds too few, the share it found
// estimates how far back enough lie: within postgresMaxWindow rows, one larger walk; beyond, or when that
// walk falls short too, the query is rare and the GIN index, which then has few matches to sort, answers.
// The result is the same set every way: the most recent matches.
func (db *DB) postgresCandidates(ctx context.Context, tsq string, targs []any, where string, fargs []any) ([]int64, error) {
	collect := func(query string, args ...any) ([]int64, error) {
		rows, err := db.db.QueryContext(ctx, db.Rebind(query), args...)
		if err != nil {
			return nil, fmt.Errorf("search events in %s: %w", db.name, err)
		}
		defer rows.Close()
		var seqs []int64
		for rows.Next() {
			var s int64
			if err := rows.Scan(&s); err != nil {
				return nil, fmt.Errorf("search events in %s: %w", db.name, err)
			}
			seqs = append(seqs, s)
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("search events in %s: %w", db.name, err)
		}
		return seqs, nil
	}
	args := append(append([]any{}, targs...), fargs...)
	walk := func(window int) (seqs []int64, whole bool, err error) {
		seqs, err = collect("SELECT e.seq FROM (SELECT seq, content_tsv FROM event_search ORDER BY seq DESC LIMIT "+
			strconv.Itoa(window)+") s JOIN events e ON e.seq = s.seq WHERE s.content_tsv @@ "+tsq+where+" ORDER BY e.seq DESC LIMIT "+strconv.Itoa(searchCandidates), args...)
		if err != nil || len(seqs) == searchCandidates {
			return seqs, false, err
		}
		// Did the walk see every indexed event (the index holds at most window)?
		var more bool
		if err := db.db.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM event_search ORDER BY seq DESC OFFSET "+strconv.Itoa(window)+" LIMIT 1)").Scan(&more); err != nil {
			return nil, false, fmt.Errorf("search events in %s: %w", db.name, err)
		}
		return seqs, !more, nil
	}
	if postgresFirstWindow > 0 {
		seqs, whole, err := walk(postgresFirstWindow)
		if err != nil || whole || len(seqs) == searchCandidates {
			return seqs, err
		}
		// Enough matches lie about window × candidates / found rows back; a quarter more for the variance.
		if found := len(seqs); found > 0 {
			if need := int64(postgresFirstWindow) * int64(searchCandidates) * 5 / (4 * int64(found)); need <= int64(postgresMaxWindow) {
				seqs, whole, err := walk(int(need))
				if err != nil || whole || len(seqs) == searchCandidates {
					return seqs, err
				}
			}
		}
	}
	return collect("SELECT s.seq FROM event_search s JOIN events e ON e.seq = s.seq WHERE s.content_tsv @@ "+tsq+where+
		" ORDER BY s.seq DESC LIMIT "+strconv.Itoa(searchCandidates), args...)
}

// indexSearch brings the search index up to the end of the log: SQLite's events_fts, PostgreSQL's
// event_search. It indexes the events appended since the state's indexed_seq in one write transaction
// (immediate on SQLite, the state row locked on PostgreSQL), so concurrent searches take turns and the second
// finds nothing left to do. Appends never touch the index: the first search after a large import pays for it.
func (db *DB) indexSearch(ctx context.Context) error {
	state := "SELECT indexed_seq, (SELECT coalesce(max(seq), 0) FROM events) FROM events_fts_state WHERE id = 1"
	fill := "INSERT INTO events_fts (rowid, content) SELECT seq, content FROM events WHERE seq > ? AND seq <= ? AND content <> ''"
	update := "UPDATE events_fts_state SET indexed_seq = ? WHERE id = 1"
	locked := state
	if db.dialect == Postgres {
		state = "SELECT indexed_seq, (SELECT coalesce(max(seq), 0) FROM events) FROM event_search_state WHERE id = 1"
		fill = "INSERT INTO event_search (seq, content_tsv) SELECT seq, to_tsvector('simple', content) FROM events WHERE seq > ? AND seq <= ? AND content <> ''"
		update = "UPDATE event_search_state SET indexed_seq = ? WHERE id = 1"
		locked = "SELECT indexed_seq FROM event_search_state WHERE id = 1 FOR UPDATE"
	}
	var indexed, last int64
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
	if db.dialect == Postgres {
		// Lock the state row first: a search that waited for another's indexing reads its result.
		if err := tx.QueryRowContext(ctx, locked).Scan(&indexed); err != nil {
			return fmt.Errorf("search index state in %s: %w", db.name, err)
		}
	}
	if err := tx.QueryRowContext(ctx, state).Scan(&indexed, &last); err != nil {
		return fmt.Errorf("search index state in %s: %w", db.name, err)
	}
	if indexed >= last {
		return nil
	}
	if _, err := tx.ExecContext(ctx, db.Rebind(fill), indexed, last); err != nil {
		return fmt.Errorf("index events %d..%d for search in %s: %w", indexed+1, last, db.name, err)
	}
	if _, err := tx.ExecContext(ctx, db.Rebind(update), last); err != nil {
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
