package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/internal/testenv"
)

// TestDirectoryKindsSQL keeps the literal kinds of directoryKindsSQL, the partial index's predicate in both
// dialects' migration, and plaudit.DirectoryKinds the same.
func TestDirectoryKindsSQL(t *testing.T) {
	var want []string
	for _, k := range plaudit.DirectoryKinds {
		want = append(want, "'"+string(k)+"'")
	}
	if got := "kind IN (" + strings.Join(want, ", ") + ")"; got != directoryKindsSQL {
		t.Errorf("directoryKindsSQL = %s, plaudit.DirectoryKinds make %s", directoryKindsSQL, got)
	}
	for _, dir := range []string{"migrations/sqlite", "migrations/postgres"} {
		b, err := migrations.ReadFile(dir + "/00200_events_directory.sql")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "WHERE "+directoryKindsSQL+";") {
			t.Errorf("%s/00200_events_directory.sql: the index's predicate is not %q", dir, directoryKindsSQL)
		}
	}
}

// TestScanDirectoryKinds checks, on both databases, that EventFilter.DirectoryKinds selects exactly the
// events of plaudit.DirectoryKinds in seq order (alone and with other conditions), that the database reads
// them by the partial index events_directory, and that LogSeq is the last event's seq.
func TestScanDirectoryKinds(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		db, err := Open(context.Background(), filepath.Join(t.TempDir(), "plaudit.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		testScanDirectoryKinds(t, db, "EXPLAIN QUERY PLAN ")
	})
	t.Run("postgres", func(t *testing.T) {
		db, err := Open(context.Background(), testenv.Postgres(t))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		testScanDirectoryKinds(t, db, "EXPLAIN ")
	})
}

func testScanDirectoryKinds(t *testing.T, db *DB, explain string) {
	ctx := context.Background()
	if seq, err := db.LogSeq(ctx); err != nil || seq != 0 {
		t.Fatalf("LogSeq of an empty log = %d, %v; want 0", seq, err)
	}
	t0 := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	kinds := []plaudit.Kind{plaudit.KindPost, plaudit.KindLink, plaudit.KindLike, plaudit.KindWallet, plaudit.KindReply,
		plaudit.KindTier, plaudit.KindKey, plaudit.KindMerge, plaudit.KindUnlink, plaudit.KindFlag}
	var events []plaudit.Event
	for i, k := range kinds {
		events = append(events, plaudit.Event{Source: plaudit.SourceAPI, ExternalID: fmt.Sprint(i), Kind: k,
			Actor: "a" + fmt.Sprint(i%3), Time: t0.Add(time.Duration(i) * time.Minute)})
	}
	res, err := db.AppendEvents(ctx, events)
	if err != nil {
		t.Fatal(err)
	}
	var want []int64
	for i, r := range res {
		if r.Status != plaudit.Accepted {
			t.Fatalf("event %d: %+v", i, r)
		}
		if slices.Contains(plaudit.DirectoryKinds, kinds[i]) {
			want = append(want, r.Seq)
		}
	}
	if seq, err := db.LogSeq(ctx); err != nil || seq != res[len(res)-1].Seq {
		t.Fatalf("LogSeq = %d, %v; want %d", seq, err, res[len(res)-1].Seq)
	}
	scan := func(f plaudit.EventFilter) []int64 {
		var got []int64
		if err := db.ScanEvents(ctx, f, func(e *plaudit.Event) error {
			if !slices.Contains(plaudit.DirectoryKinds, e.Kind) {
				t.Errorf("%+v: event %s of kind %s", f, e.Key(), e.Kind)
			}
			got = append(got, e.Seq)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := scan(plaudit.EventFilter{DirectoryKinds: true}); !slices.Equal(got, want) {
		t.Errorf("DirectoryKinds scan: seqs %v, want %v", got, want)
	}
	if got := scan(plaudit.EventFilter{DirectoryKinds: true, AfterSeq: want[2]}); !slices.Equal(got, want[3:]) {
		t.Errorf("DirectoryKinds after seq %d: seqs %v, want %v", want[2], got, want[3:])
	}
	if got := scan(plaudit.EventFilter{DirectoryKinds: true, Kinds: []plaudit.Kind{plaudit.KindWallet, plaudit.KindPost}}); len(got) != 1 {
		t.Errorf("DirectoryKinds with Kinds wallet, post: seqs %v, want the wallet event's alone", got)
	}

	// The planner must read the index, not the table: the close of a million members' log depends on it.
	q, args := eventQuery(plaudit.EventFilter{DirectoryKinds: true})
	plan := ""
	err = db.ReadTx(ctx, func(tx *sql.Tx) error {
		if db.dialect == Postgres {
			if _, err := tx.ExecContext(ctx, "SET LOCAL enable_seqscan = off"); err != nil { // a ten-row table is cheaper to scan
				return err
			}
		}
		rows, err := tx.QueryContext(ctx, explain+db.Rebind(q), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				return err
			}
			plan += fmt.Sprintln(vals...)
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(plan, "events_directory") {
		t.Errorf("%s does not read the index events_directory:\n%s", q, plan)
	}
}
