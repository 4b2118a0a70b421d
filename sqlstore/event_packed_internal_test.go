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
		// Lengths whose characters take two bytes (200), and four (the longest content, 65,536 bytes).
		{Source: plaudit.SourceDiscord, ExternalID: strings.Repeat("7", 200), Kind: plaudit.Kind("message"), Actor: strings.Repeat("u", 200), Content: strings.Repeat("é", plaudit.MaxContentLen/2), Time: t0.Add(4 * time.Second),
			Attrs: map[string]any{"long": strings.Repeat("a", 5000)}},
		{Source: plaudit.SourceDiscord, ExternalID: "m2", Kind: plaudit.Kind("message"), Actor: "v", Content: "\x01 \x7f ok", Time: t0.Add(5 * time.Second)},
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

// packedRow writes a row as eventPackedSelect gives it: each length as SQLite's char() writes it (surrogates
// too, which utf8.AppendRune would refuse), then the texts.
func packedRow(texts string, lengths ...int) string {
	var b []byte
	for _, l := range lengths {
		switch {
		case l < 0x80:
			b = append(b, byte(l))
		case l < 0x800:
			b = append(b, 0xC0|byte(l>>6), 0x80|byte(l&0x3F))
		case l < 0x10000:
			b = append(b, 0xE0|byte(l>>12), 0x80|byte(l>>6&0x3F), 0x80|byte(l&0x3F))
		default:
			b = append(b, 0xF0|byte(l>>18), 0x80|byte(l>>12&0x3F), 0x80|byte(l>>6&0x3F), 0x80|byte(l&0x3F))
		}
	}
	return string(b) + texts
}

// TestPackedLength reads back every kind of length char() writes: one to four bytes, surrogates included.
func TestPackedLength(t *testing.T) {
	for _, l := range []int{0, 1, 0x7F, 0x80, 0x7FF, 0x800, 0xD800, 0xDFFF, 0xFFFF, 0x10000, 0x10FFFF} {
		p := packedRow("", l, 5)
		got, next, ok := packedLength(p, 0)
		if !ok || got != l {
			t.Fatalf("length %#x: read %#x, %v", l, got, ok)
		}
		if got, _, ok := packedLength(p, next); !ok || got != 5 {
			t.Fatalf("after length %#x: read %d, %v, want 5", l, got, ok)
		}
	}
}

// TestScanPackedMalformed feeds scanPacked rows whose lengths do not match their text or are not characters:
// each is an error naming the event's seq, never a panic or a wrong event.
func TestScanPackedMalformed(t *testing.T) {
	const texts = "xpost1aok"
	good := packedRow(texts, 1, 4, 1, 1, 0, 0, 2, 0)
	for _, p := range []string{
		"", packedRow(""), packedRow(texts, 1, 4, 1), packedRow(texts, 1, 4, 1, 1, 0, 0, 2),
		packedRow(texts, 1, 4, 1, 1, 0, 0, 3, 0), packedRow(texts, 1, 4, 1, 1, 0, 0, 1, 0), packedRow(texts, 1, 4, 1, 1, 0, 0, 2, 6),
		packedRow(texts, 1, 4, 1, 1, 0, 0, 0xFFFD, 0), // char() writes U+FFFD for a number it cannot
		"\xff" + good[1:], "\xc2\x41" + good[1:], good[:7] + "\xe0\x80", good[:7] + "\xf0\x80\x80",
		packedRow(texts, 1, 4, 1, 1, 0, 0, 2, 0x10FFFF),
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
	withAttrs := packedRow(texts+"{}", 1, 4, 1, 1, 0, 0, 2, 3)
	if e, err := sc.scanPacked(scanFunc(func(dest ...any) error {
		*dest[0].(*int64), *dest[1].(*int64), *dest[2].(*string) = 8, 0, withAttrs
		return nil
	})); err != nil || e.Attrs == nil || len(e.Attrs) != 0 {
		t.Fatalf("%q: %+v, %v; want empty attrs", withAttrs, e, err)
	}
}
