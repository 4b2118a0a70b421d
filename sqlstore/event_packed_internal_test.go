package sqlstore

import (
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
)

// TestScanPacked checks that SQLite's walk of the log (eventPackedSelect, scanPacked) gives every event as
// the row-by-column read (EventByKey, eventSelect) does: empty and NULL-free columns, text with the
// packing's own characters (digits, spaces, '|'), multi-byte text, attrs absent, empty and nested.
func TestScanPacked(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "plaudit.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	t0 := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	evs := []plaudit.Event{
		{Source: plaudit.SourceX, ExternalID: "1", Kind: plaudit.KindPost, Actor: "a", Time: t0},
		{Source: plaudit.SourceX, ExternalID: "2", Kind: plaudit.KindReply, Actor: "12 34|", Target: "1", TargetAuthor: "a", Content: "7 8|9 -1|", Time: t0.Add(time.Second),
			Attrs: map[string]any{"follower_count": 3, "n": map[string]any{"k": []any{"x", 1.5}}}},
		{Source: plaudit.SourceFarcaster, ExternalID: "0xé", Kind: plaudit.KindReply, Actor: "ünï", Target: "0x1", TargetAuthor: "b", Content: "héllo 🌍 |", Time: t0.Add(2 * time.Second), Attrs: map[string]any{"channel": "dev"}},
		{Source: plaudit.SourceGitHub, ExternalID: "c-" + strings.Repeat("9", 40), Kind: plaudit.KindComment, Actor: "dev", Target: "o/r#1", Content: strings.Repeat("long text ", 2000), Time: t0.Add(3 * time.Second), Attrs: map[string]any{}},
	}
	if _, err := db.AppendEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	n := 0
	if err := db.ScanEvents(ctx, plaudit.EventFilter{}, func(e *plaudit.Event) error {
		want, err := db.EventByKey(ctx, e.Source, e.ExternalID)
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(e, want) {
			t.Errorf("seq %d: packed scan %+v\nrow scan %+v", e.Seq, e, want)
		}
		n++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if n != len(evs) {
		t.Fatalf("scanned %d events, appended %d", n, len(evs))
	}
}

// TestScanPackedMalformed feeds scanPacked rows whose lengths do not match their text: each is an error
// naming the event's seq, never a panic or a wrong event.
func TestScanPackedMalformed(t *testing.T) {
	good := "1 4 1 1 0 0 2 -1|xpost1aok"
	for _, p := range []string{
		"", "|", "1 4 1 1 0 0 2|xpost1aok", "1 4 1 1 0 0 2 -1 xpost1aok", "1 4 1 1 0 0 2 -2|xpost1aok",
		"1 4 1 1 0 0 3 -1|xpost1aok", "1 4 1 1 0 0 1 -1|xpost1aok", "1 4 1 1 0 0 2 5|xpost1aok",
		"1  4 1 1 0 0 2 -1|xpost1aok", "a 4 1 1 0 0 2 -1|xpost1aok", "99999999999 4 1 1 0 0 2 -1|x",
		"-1 4 1 1 0 0 2 -1|xpost1aok", "1 4 1 1 0 0 2 --1|xpost1aok",
	} {
		sc := newEventScan()
		_, err := sc.scanPacked(scanFunc(func(dest ...any) error {
			*dest[0].(*int64), *dest[1].(*int64), *dest[2].(*string) = 7, 0, p
			return nil
		}))
		if err == nil || !strings.Contains(err.Error(), "seq 7") {
			t.Errorf("%q: err %v, want an error naming seq 7", p, err)
		}
	}
	sc := newEventScan()
	e, err := sc.scanPacked(scanFunc(func(dest ...any) error {
		*dest[0].(*int64), *dest[1].(*int64), *dest[2].(*string) = 7, 0, good
		return nil
	}))
	if err != nil || e.Source != "x" || e.Kind != "post" || e.ExternalID != "1" || e.Actor != "a" || e.Content != "ok" || e.Attrs != nil {
		t.Fatalf("%q: %+v, %v", good, e, err)
	}
}
