package sqlstore

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/internal/testenv"
)

// TestPostgresCandidatesSameAsIndex: whichever way postgresCandidates finds a query's most recent matches
// (a window of the newest rows that holds enough of them, a larger window its share of matches
// suggests, or the GIN index for a rare query), it returns the same seqs as asking the index alone, with and without filters; and a search's
// hits are the same. Windows and the candidate count are made small so that 300 events exercise every way.
func TestPostgresCandidatesSameAsIndex(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, testenv.Postgres(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var evs []plaudit.Event
	sources := []plaudit.Source{plaudit.SourceX, plaudit.SourceGitHub, plaudit.SourceFarcaster}
	for i := range 300 {
		content := "common words here"
		if i%10 == 0 {
			content += " tenth"
		}
		if i == 7 || i == 250 {
			content += " rare"
		}
		if i%4 == 0 {
			content += " quick fox"
		}
		evs = append(evs, plaudit.Event{Source: sources[i%3], ExternalID: strconv.Itoa(i), Kind: plaudit.KindPost, Actor: "a",
			Content: content, Time: base.Add(time.Duration(i) * time.Minute)})
	}
	if _, err := db.AppendEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	// The index is filled by the first search (SearchEvents); postgresCandidates is called here directly.
	if err := db.indexSearch(ctx); err != nil {
		t.Fatal(err)
	}
	oldF, oldM, oldC := postgresFirstWindow, postgresMaxWindow, searchCandidates
	t.Cleanup(func() { postgresFirstWindow, postgresMaxWindow, searchCandidates = oldF, oldM, oldC })
	searchCandidates = 8
	queries := []struct {
		tsq   string
		targs []any
		where string
		fargs []any
	}{
		{"(phraseto_tsquery('simple', ?))", []any{"common"}, "", nil},
		{"(phraseto_tsquery('simple', ?))", []any{"tenth"}, "", nil},
		{"(phraseto_tsquery('simple', ?))", []any{"rare"}, "", nil},
		{"(phraseto_tsquery('simple', ?))", []any{"quick fox"}, "", nil},
		{"(phraseto_tsquery('simple', ?))", []any{"fox quick"}, "", nil},
		{"(phraseto_tsquery('simple', ?) && phraseto_tsquery('simple', ?))", []any{"tenth", "fox"}, "", nil},
		{"(phraseto_tsquery('simple', ?))", []any{"tenth"}, " AND e.source IN (?)", []any{"github"}},
		{"(phraseto_tsquery('simple', ?))", []any{"common"}, " AND e.time_ns < ?", []any{base.Add(100 * time.Minute).UnixNano()}},
	}
	for _, windows := range [][2]int{{5, 50}, {20, 40}, {20, 1000}, {1000, 1000}} {
		for _, q := range queries {
			postgresFirstWindow = 0
			want, err := db.postgresCandidates(ctx, q.tsq, q.targs, q.where, q.fargs)
			if err != nil {
				t.Fatal(err)
			}
			postgresFirstWindow, postgresMaxWindow = windows[0], windows[1]
			got, err := db.postgresCandidates(ctx, q.tsq, q.targs, q.where, q.fargs)
			if err != nil {
				t.Fatal(err)
			}
			if len(want) == 0 && q.targs[0] != "fox quick" {
				t.Fatalf("%v %s: the index alone finds nothing: the comparison proves nothing", q.targs, q.where)
			}
			if !slices.Equal(got, want) {
				t.Errorf("windows %v, %v %s %v: %v; the index alone finds %v", windows, q.targs, q.where, q.fargs, got, want)
			}
			if len(want) > searchCandidates || !slices.IsSortedFunc(want, func(a, b int64) int { return int(b - a) }) {
				t.Errorf("%v: %v, want at most %d, newest first", q.targs, want, searchCandidates)
			}
		}
	}
	// Through SearchEvents: the newest 8 of the 30 "tenth" posts, ranked (equal ranks: seq order).
	postgresFirstWindow, postgresMaxWindow = 5, 50
	hits, err := db.SearchEvents(ctx, plaudit.SearchQuery{Terms: []plaudit.SearchTerm{{Words: []string{"tenth"}}}, Limit: 20})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, h := range hits {
		ids = append(ids, h.Event.ExternalID)
	}
	if fmt.Sprint(ids) != "[220 230 240 250 260 270 280 290]" {
		t.Fatalf("hits %v", ids)
	}
}

// TestSQLiteSearchRanksNewestCandidates: SQLite, like PostgreSQL, ranks only a query's searchCandidates
// most recent matches, after the filters.
func TestSQLiteSearchRanksNewestCandidates(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "plaudit.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	sources := []plaudit.Source{plaudit.SourceX, plaudit.SourceGitHub, plaudit.SourceFarcaster}
	var evs []plaudit.Event
	for i := range 300 {
		content := "common words here"
		if i%10 == 0 {
			content += " tenth"
		}
		evs = append(evs, plaudit.Event{Source: sources[i%3], ExternalID: strconv.Itoa(i), Kind: plaudit.KindPost, Actor: "a",
			Content: content, Time: base.Add(time.Duration(i) * time.Minute)})
	}
	if _, err := db.AppendEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	old := searchCandidates
	t.Cleanup(func() { searchCandidates = old })
	searchCandidates = 8
	for _, c := range []struct {
		q    plaudit.SearchQuery
		want string
	}{
		{plaudit.SearchQuery{Terms: []plaudit.SearchTerm{{Words: []string{"tenth"}}}, Limit: 20}, "[220 230 240 250 260 270 280 290]"},
		{plaudit.SearchQuery{Terms: []plaudit.SearchTerm{{Words: []string{"tenth"}}}, Limit: 20, Sources: []plaudit.Source{plaudit.SourceGitHub}},
			"[70 100 130 160 190 220 250 280]"},
		{plaudit.SearchQuery{Terms: []plaudit.SearchTerm{{Words: []string{"tenth"}}}, Limit: 3, Offset: 6}, "[280 290]"},
		{plaudit.SearchQuery{Terms: []plaudit.SearchTerm{{Words: []string{"nowhere"}}}, Limit: 20}, "[]"},
	} {
		hits, err := db.SearchEvents(ctx, c.q)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, h := range hits {
			ids = append(ids, h.Event.ExternalID)
		}
		if fmt.Sprint(ids) != c.want {
			t.Errorf("%+v: %v, want %s", c.q, ids, c.want)
		}
	}
}
