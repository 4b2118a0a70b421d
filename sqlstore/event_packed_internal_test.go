package sqlstore

import (
	"context"
	"encoding/binary"
	"errors"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/internal/testenv"
)

// TestScanPacked checks that SQLite's walk of the log (eventPackedSelect, scanPacked) gives every event as
// the row-by-column read (EventByKey, eventSelect) does: empty and NULL-free columns, text with the
// packing's own characters (digits, spaces, '|'), multi-byte text, attrs absent, empty and nested.
func TestScanPacked(t *testing.T) {
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "plaudit.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	checkScanEvents(t, db)
}

// TestScanRawPostgres checks PostgreSQL's walk of the log (scanEventsPostgres, scanRaw, reading pgx's
// bytes) against database/sql's row-by-column read (EventByKey), with the same events as TestScanPacked.
func TestScanRawPostgres(t *testing.T) {
	db, err := Open(context.Background(), testenv.Postgres(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	checkScanEvents(t, db)
	// A page of the walk (a filter and a limit), and an error from fn, which comes back unwrapped.
	var seqs []int64
	if err := db.ScanEvents(context.Background(), plaudit.EventFilter{AfterSeq: 2, Limit: 3}, func(e *plaudit.Event) error {
		seqs = append(seqs, e.Seq)
		return nil
	}); err != nil || !reflect.DeepEqual(seqs, []int64{3, 4, 5}) {
		t.Fatalf("page after seq 2: %v, %v", seqs, err)
	}
	stop := errors.New("stop")
	if err := db.ScanEvents(context.Background(), plaudit.EventFilter{}, func(*plaudit.Event) error { return stop }); err != stop {
		t.Fatalf("fn's error came back as %v", err)
	}
}

// checkScanEvents appends events of every shape to db and checks that ScanEvents gives each as EventByKey does.
func checkScanEvents(t *testing.T, db *DB) {
	t.Helper()
	ctx := context.Background()
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
			t.Errorf("seq %d: walk %+v\nrow read %+v", e.Seq, e, want)
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

// TestScanRawMalformed feeds scanRaw rows PostgreSQL should never send (NULL where the schema forbids it,
// a bigint of the wrong size or not a number): each is an error naming the column, never a panic. A row in
// text format reads as one in binary does.
func TestScanRawMalformed(t *testing.T) {
	fds := make([]pgconn.FieldDescription, eventRawColumns)
	for i, name := range []string{"seq", "source", "external_id", "kind", "actor", "target", "target_author", "content", "time_ns", "attrs"} {
		fds[i] = pgconn.FieldDescription{Name: name, Format: pgx.TextFormatCode}
	}
	bin := slices.Clone(fds)
	bin[0].Format, bin[8].Format = pgx.BinaryFormatCode, pgx.BinaryFormatCode
	be := func(n int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(n)) }
	row := func(seq, ns []byte) [][]byte {
		return [][]byte{seq, []byte("x"), []byte("p1"), []byte("post"), []byte("a"), {}, {}, []byte("hi"), ns, []byte(`{"k":1}`)}
	}
	sc := newEventScan()
	for _, f := range [][]pgconn.FieldDescription{fds, bin} {
		r := row([]byte("7"), []byte("1767571200000000000"))
		if f[0].Format == pgx.BinaryFormatCode {
			r = row(be(7), be(1767571200000000000))
		}
		e, err := sc.scanRaw(r, f)
		attrs, _ := decodeAttrs([]byte(`{"k":1}`))
		want := &plaudit.Event{Seq: 7, Source: "x", ExternalID: "p1", Kind: "post", Actor: "a", Content: "hi",
			Time: time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC), Attrs: attrs}
		if err != nil || !reflect.DeepEqual(e, want) {
			t.Fatalf("format %d: %+v, %v; want %+v", f[0].Format, e, err, want)
		}
	}
	for name, c := range map[string]struct {
		row  [][]byte
		f    []pgconn.FieldDescription
		want string
	}{
		"short row":     {row([]byte("7"), []byte("0"))[:9], fds, "9 columns"},
		"NULL seq":      {row(nil, []byte("0")), fds, "seq: NULL"},
		"seq not int":   {row([]byte("7x"), []byte("0")), fds, "seq: \"7x\""},
		"seq 4 bytes":   {row([]byte{0, 0, 0, 7}, be(0)), bin, "seq: 4 bytes"},
		"NULL actor":    {func() [][]byte { r := row([]byte("7"), []byte("0")); r[4] = nil; return r }(), fds, "seq 7: column actor is NULL"},
		"NULL time":     {row([]byte("7"), nil), fds, "seq 7: column time_ns is NULL"},
		"time 2 bytes":  {row(be(7), []byte{1, 2}), bin, "seq 7: time_ns: 2 bytes"},
		"attrs not obj": {func() [][]byte { r := row([]byte("7"), []byte("0")); r[9] = []byte("[1]"); return r }(), fds, "event x/p1: decode attrs"},
	} {
		if _, err := sc.scanRaw(c.row, c.f); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want one containing %q", name, err, c.want)
		}
	}
}
