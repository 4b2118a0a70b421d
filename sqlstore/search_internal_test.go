package sqlstore

import (
	"context"
	"database/sql"
	"io/fs"
	"path/filepath"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/plaudit/plaudit"
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
