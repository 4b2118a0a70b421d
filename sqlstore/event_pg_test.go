package sqlstore_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
)

// TestPostgresAppendPaths drives PostgreSQL's append through both of its ways in and out on one
// connection: a chunk copied whole, a copy that a stored key rolls back to its savepoint, a lookup before
// the copy (after a chunk with duplicates), and back to copying whole after a chunk without. Every result
// is checked against a model of the log.
func TestPostgresAppendPaths(t *testing.T) {
	db := openPostgres(t)
	db.SQL().SetMaxOpenConns(1) // one connection, so that it carries the path from one append to the next
	ctx := context.Background()
	ev := func(i int) plaudit.Event {
		return plaudit.Event{
			Source: []plaudit.Source{plaudit.SourceX, plaudit.SourceGitHub}[i%2], ExternalID: "p" + strconv.Itoa(i),
			Kind: plaudit.KindComment, Actor: "a", Content: "c" + strconv.Itoa(i),
			Time: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second),
		}
	}
	model := map[string]int64{} // key → seq
	var lastSeq int64
	step := func(name string, ids ...int) {
		t.Helper()
		batch := make([]plaudit.Event, len(ids))
		for j, i := range ids {
			batch[j] = ev(i)
		}
		res, err := db.AppendEvents(ctx, batch)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		inBatch := map[string]bool{}
		for j, r := range res {
			k := batch[j].Key()
			if seq, ok := model[k]; ok {
				if r.Status != plaudit.Duplicate || r.Seq != seq {
					t.Fatalf("%s: event %d (%s): %+v, want duplicate of seq %d", name, j, k, r, seq)
				}
				continue
			}
			if r.Status != plaudit.Accepted || r.Seq <= lastSeq || inBatch[k] {
				t.Fatalf("%s: event %d (%s): %+v, want accepted with a seq above %d", name, j, k, r, lastSeq)
			}
			inBatch[k] = true
			model[k], lastSeq = r.Seq, r.Seq
		}
		for _, want := range batch {
			e, err := db.EventByKey(ctx, want.Source, want.ExternalID)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if e.Seq != model[want.Key()] || e.Content != want.Content {
				t.Fatalf("%s: %s stored with seq %d and content %q, want seq %d and %q", name, want.Key(), e.Seq, e.Content, model[want.Key()], want.Content)
			}
		}
	}
	step("fresh, copied whole", 0, 1, 2, 3, 4, 5)
	step("stored keys, copy rolled back", 6, 2, 7, 7, 0, 8)
	step("lookup first", 9, 9, 3, 10)
	step("lookup first, no duplicates", 11, 12, 13)
	step("copied whole again", 14, 15)
	step("in-batch repeats only", 16, 17, 16, 17, 18)
	step("all stored", 16, 0, 1, 2)

	got := 0
	var prev int64
	if err := db.ScanEvents(ctx, plaudit.EventFilter{}, func(e *plaudit.Event) error {
		if seq, ok := model[e.Key()]; !ok || seq != e.Seq || e.Seq <= prev {
			t.Errorf("stored %s seq %d, model says %d (previous seq %d)", e.Key(), e.Seq, seq, prev)
		}
		prev = e.Seq
		got++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got != len(model) {
		t.Fatalf("store holds %d events, want %d", got, len(model))
	}
}
