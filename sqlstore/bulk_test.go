package sqlstore

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
)

// TestBulkAppendLetsWritersIn checks that a SQLite bulk append that commits again and again does not keep
// another writer out until it closes: SQLite has no queue for its write lock, so the appender must pause
// now and then (bulkHoldMax, bulkYield), and the writer gets in at a pause.
func TestBulkAppendLetsWritersIn(t *testing.T) {
	defer func(h, y time.Duration) { bulkHoldMax, bulkYield = h, y }(bulkHoldMax, bulkYield)
	bulkHoldMax, bulkYield = 300*time.Millisecond, 150*time.Millisecond

	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "plaudit.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ev := func(i int) plaudit.Event {
		return plaudit.Event{Source: plaudit.SourceX, ExternalID: fmt.Sprint(i), Kind: plaudit.KindPost, Actor: "a",
			Time: time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC)}
	}
	a, err := db.BeginAppend(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if _, err := a.AppendEvents(ctx, []plaudit.Event{ev(0)}); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := db.AppendEvents(ctx, []plaudit.Event{ev(1_000_000)})
		done <- err
	}()
	// Commit over and over, as an import does, for up to 3 s: the writer must get in meanwhile.
	deadline := time.Now().Add(3 * time.Second)
	for i := 1; ; i++ {
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("the other writer failed: %v", err)
			}
			return
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the other writer did not get in within 3 s of a bulk append that commits every few milliseconds")
		}
		if _, err := a.AppendEvents(ctx, []plaudit.Event{ev(i)}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond) // an import's work between commits
		if err := a.Commit(ctx); err != nil {
			t.Fatal(err)
		}
	}
}

// TestBulkAppendBoundsWAL checks that a long SQLite bulk append does not grow the WAL into a second copy of
// everything it writes: once the WAL file has grown to bulkWALBytes, the next transaction begins after a
// checkpoint that truncates it.
func TestBulkAppendBoundsWAL(t *testing.T) {
	defer func(n int64) { bulkWALBytes = n }(bulkWALBytes)
	bulkWALBytes = 1 << 20

	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "plaudit.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	a, err := db.BeginAppend(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	content := strings.Repeat("words of a post ", 20)
	var largest int64
	for c := range 40 { // 40,000 events of ~400 bytes: some 16 MB of pages
		batch := make([]plaudit.Event, 1000)
		for i := range batch {
			batch[i] = plaudit.Event{Source: plaudit.SourceX, ExternalID: fmt.Sprintf("%d-%d", c, i), Kind: plaudit.KindPost,
				Actor: "a", Content: content, Time: time.Unix(1_800_000_000, int64(i))}
		}
		if _, err := a.AppendEvents(ctx, batch); err != nil {
			t.Fatal(err)
		}
		if err := a.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Stat(path + "-wal"); err == nil {
			largest = max(largest, fi.Size())
		}
	}
	if largest == 0 || largest > 3<<20 {
		t.Fatalf("the WAL grew to %d bytes; want it truncated on the way, under 3 MiB", largest)
	}
	if n := storeCountOf(t, db); n != 40_000 {
		t.Fatalf("the store holds %d events, want 40,000", n)
	}
}

func storeCountOf(t *testing.T, db *DB) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRow("SELECT COUNT(*) FROM events").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
