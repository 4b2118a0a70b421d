package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path/filepath"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/internal/testenv"
)

// TestSearchMigrationIndexesStoredEvents checks that a search indexes the events a SQLite store held before
// migration 00070 as well as those appended after it: a store migrated to 00060, given events, then opened
// and appended to, finds both.
func TestSearchMigrationIndexesStoredEvents(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "plaudit.db")
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	fsys, err := fs.Sub(migrations, "migrations/sqlite")
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, raw, fsys, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 60); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.ExecContext(ctx, `INSERT INTO events (source, external_id, kind, actor, content, time_ns)
		VALUES ('x', '1', 'post', 'a', 'an old post about compilers', 0), ('x', '2', 'like', 'b', '', 0)`); err != nil {
		t.Fatal(err)
	}
	raw.Close()

	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.AppendEvents(ctx, []plaudit.Event{{Source: plaudit.SourceX, ExternalID: "3", Kind: plaudit.KindPost, Actor: "c",
		Content: "a new post about compilers", Time: time.Unix(0, 0).UTC()}}); err != nil {
		t.Fatal(err)
	}
	hits, err := db.SearchEvents(ctx, plaudit.SearchQuery{Terms: []plaudit.SearchTerm{{Words: []string{"compilers"}}}, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 2 || hits[0].Event.ExternalID != "1" || hits[1].Event.ExternalID != "3" {
		t.Fatalf("got %+v, want the old post and the new one, in seq order (equal rank)", hits)
	}
	// An event appended after a search is indexed by the next one.
	if _, err := db.AppendEvents(ctx, []plaudit.Event{{Source: plaudit.SourceX, ExternalID: "4", Kind: plaudit.KindPost, Actor: "d",
		Content: "later still: compilers", Time: time.Unix(0, 0).UTC()}}); err != nil {
		t.Fatal(err)
	}
	hits, err = db.SearchEvents(ctx, plaudit.SearchQuery{Terms: []plaudit.SearchTerm{{Words: []string{"compilers"}}}, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 3 {
		t.Fatalf("after another append: got %d hits, want 3", len(hits))
	}
}

// TestPostgresSearchLeavesTheAppendPath checks migration 00190 on PostgreSQL: events stored while the
// tsvector was a generated column of events are found after it, events appended later are indexed by the
// next search and not by the append (the index table stays as it was until a search), and a later append
// is found by the search after it.
func TestPostgresSearchLeavesTheAppendPath(t *testing.T) {
	ctx := context.Background()
	dsn := testenv.Postgres(t)
	raw, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	fsys, err := fs.Sub(migrations, "migrations/postgres")
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, raw, fsys, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 180); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.ExecContext(ctx, `INSERT INTO events (source, external_id, kind, actor, content, time_ns)
		VALUES ('x', '1', 'post', 'a', 'an old post about compilers', 0), ('x', '2', 'like', 'b', '', 0)`); err != nil {
		t.Fatal(err)
	}
	raw.Close()

	db, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	indexed := func() (n int) {
		t.Helper()
		if err := db.db.QueryRowContext(ctx, "SELECT count(*) FROM event_search").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := indexed(); n != 1 {
		t.Fatalf("after the migration the index holds %d events, want the one old event with content", n)
	}
	if _, err := db.AppendEvents(ctx, []plaudit.Event{{Source: plaudit.SourceX, ExternalID: "3", Kind: plaudit.KindPost, Actor: "c",
		Content: "a new post about compilers", Time: time.Unix(0, 0).UTC()}}); err != nil {
		t.Fatal(err)
	}
	if n := indexed(); n != 1 {
		t.Fatalf("the append indexed its event (%d rows): appends must leave the index to the next search", n)
	}
	search := func() []string {
		t.Helper()
		hits, err := db.SearchEvents(ctx, plaudit.SearchQuery{Terms: []plaudit.SearchTerm{{Words: []string{"compilers"}}}, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, h := range hits {
			ids = append(ids, h.Event.ExternalID)
		}
		return ids
	}
	if got := fmt.Sprint(search()); got != "[1 3]" {
		t.Fatalf("got %s, want the old post and the new one, in seq order (equal rank)", got)
	}
	if _, err := db.AppendEvents(ctx, []plaudit.Event{{Source: plaudit.SourceX, ExternalID: "4", Kind: plaudit.KindPost, Actor: "d",
		Content: "later still: compilers", Time: time.Unix(0, 0).UTC()}}); err != nil {
		t.Fatal(err)
	}
	if got := search(); len(got) != 3 {
		t.Fatalf("after another append: got %v, want 3 hits", got)
	}
}
