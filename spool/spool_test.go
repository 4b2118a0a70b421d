package spool

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
)

// randomEvents returns n events with every kind of field and attr value a stream carries.
func randomEvents(n int, seed uint64) []plaudit.Event {
	r := rand.New(rand.NewPCG(seed, 1))
	str := func(max int) string {
		b := make([]rune, r.IntN(max+1))
		for i := range b {
			switch r.IntN(4) {
			case 0:
				b[i] = rune('a' + r.IntN(26))
			case 1:
				b[i] = []rune("é€🙂<>&\"\\\n")[r.IntN(9)]
			default:
				b[i] = rune('0' + r.IntN(10))
			}
		}
		return string(b)
	}
	berlin := time.FixedZone("CET", 3600)
	events := make([]plaudit.Event, n)
	for i := range events {
		e := &events[i]
		e.Seq = int64(i*3 + 1)
		e.Source = []plaudit.Source{"x", "github", "discord", "farcaster", "api"}[r.IntN(5)]
		e.ExternalID = fmt.Sprint(r.Int64())
		e.Kind = []plaudit.Kind{"post", "reply", "like", "link"}[r.IntN(4)]
		e.Actor, e.Target, e.TargetAuthor = str(12), str(12), str(6)
		e.Content = str(300)
		switch r.IntN(4) {
		case 0:
			e.Time = time.Unix(0, r.Int64N(1<<62)).UTC()
		case 1:
			e.Time = time.Unix(r.Int64N(1<<40)-1<<39, r.Int64N(1e9)).In(berlin)
		case 2:
			e.Time = time.Time{}
		default:
			e.Time = time.Date(2026, 1, 5, 0, 0, r.IntN(1e6), r.IntN(1e9), time.UTC)
		}
		if r.IntN(5) == 0 {
			continue // nil attrs
		}
		e.Attrs = map[string]any{}
		for k := r.IntN(6); k > 0; k-- {
			var v any
			switch r.IntN(9) {
			case 0:
				v = str(20)
			case 1:
				v = json.Number(fmt.Sprint(r.Int64() - 1<<62))
			case 2:
				v = r.NormFloat64() * 1e6
			case 3:
				v = r.IntN(1000) - 500
			case 4:
				v = r.Int64()
			case 5:
				v = r.IntN(2) == 0
			case 6:
				v = nil
			case 7:
				v = map[string]any{"a": json.Number("1.5"), "b": []any{"x", json.Number("2"), true, nil}}
			default:
				v = []any{str(5), json.Number("-3e7")}
			}
			e.Attrs[str(8)] = v
		}
	}
	return events
}

// counted is src with a count of the walks that reached it.
func counted(events []plaudit.Event) (plaudit.EventStream, *int) {
	n := new(int)
	return func(yield func(*plaudit.Event) error) error {
		*n++
		for i := range events {
			e := events[i] // a copy, as a store's scan hands out its own
			if err := yield(&e); err != nil {
				return err
			}
		}
		return nil
	}, n
}

func collect(t *testing.T, s plaudit.EventStream) []plaudit.Event {
	t.Helper()
	var out []plaudit.Event
	if err := s(func(e *plaudit.Event) error { out = append(out, *e); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestReplayIsTheSource(t *testing.T) {
	events := randomEvents(3000, 7)
	src, walks := counted(events)
	sp := New(src, t.TempDir())
	defer sp.Close()
	for i := range 4 {
		got := collect(t, sp.Stream())
		if len(got) != len(events) {
			t.Fatalf("walk %d: %d events, want %d", i, len(got), len(events))
		}
		for j := range events {
			if !reflect.DeepEqual(got[j], events[j]) {
				t.Fatalf("walk %d, event %d:\n got %#v\nwant %#v", i, j, got[j], events[j])
			}
			if !got[j].Time.Equal(events[j].Time) || got[j].Time.Location().String() != events[j].Time.Location().String() {
				t.Fatalf("walk %d, event %d: time %v, want %v", i, j, got[j].Time, events[j].Time)
			}
		}
	}
	if *walks != 1 {
		t.Fatalf("the source was walked %d times, want once", *walks)
	}
	if n := sp.Events(); n != int64(len(events)) {
		t.Fatalf("Events() = %d, want %d", n, len(events))
	}
}

func TestStoppedWalkWritesAgain(t *testing.T) {
	events := randomEvents(500, 8)
	src, walks := counted(events)
	sp := New(src, t.TempDir())
	defer sp.Close()
	stop := errors.New("stop")
	n := 0
	err := sp.Stream()(func(*plaudit.Event) error {
		if n++; n == 100 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) {
		t.Fatalf("the walk returned %v, want the consumer's error", err)
	}
	if sp.Events() != -1 {
		t.Fatal("a stopped walk left the file complete")
	}
	for range 2 {
		if got := collect(t, sp.Stream()); !reflect.DeepEqual(got, events) {
			t.Fatal("the walk after a stopped one differs from the source")
		}
	}
	if *walks != 2 {
		t.Fatalf("the source was walked %d times, want twice (the stopped walk and the one that completed)", *walks)
	}
}

func TestWalkDuringTheFirstReadsTheSource(t *testing.T) {
	events := randomEvents(50, 9)
	src, walks := counted(events)
	sp := New(src, t.TempDir())
	defer sp.Close()
	var inner []plaudit.Event
	outer := collect(t, func(yield func(*plaudit.Event) error) error {
		return sp.Stream()(func(e *plaudit.Event) error {
			if e.Seq == events[10].Seq {
				inner = collect(t, sp.Stream())
			}
			return yield(e)
		})
	})
	if !reflect.DeepEqual(outer, events) || !reflect.DeepEqual(inner, events) {
		t.Fatal("nested walks differ from the source")
	}
	if *walks != 2 {
		t.Fatalf("the source was walked %d times, want 2", *walks)
	}
	// Two replays side by side read the file through ReadAt.
	var a, b []plaudit.Event
	a = collect(t, func(yield func(*plaudit.Event) error) error {
		return sp.Stream()(func(e *plaudit.Event) error {
			if e.Seq == events[20].Seq {
				b = collect(t, sp.Stream())
			}
			return yield(e)
		})
	})
	if !reflect.DeepEqual(a, events) || !reflect.DeepEqual(b, events) || *walks != 2 {
		t.Fatalf("side-by-side replays differ from the source or walked it (%d walks)", *walks)
	}
}

func TestNoFileFallsBackToTheSource(t *testing.T) {
	events := randomEvents(20, 10)
	src, walks := counted(events)
	sp := New(src, filepath.Join(t.TempDir(), "missing"))
	for range 3 {
		if got := collect(t, sp.Stream()); !reflect.DeepEqual(got, events) {
			t.Fatal("a spool without a file gave other events than its source")
		}
	}
	if *walks != 3 {
		t.Fatalf("the source was walked %d times, want 3", *walks)
	}
}

func TestCloseRemovesTheFile(t *testing.T) {
	dir := t.TempDir()
	src, _ := counted(randomEvents(20, 11))
	sp := New(src, dir)
	collect(t, sp.Stream())
	if files, _ := os.ReadDir(dir); len(files) > 1 || len(files) == 1 && sp.unlinked {
		t.Fatalf("%d files in the spool's folder after a walk (unlinked: %v)", len(files), sp.unlinked)
	}
	if got := collect(t, sp.Stream()); len(got) != 20 || sp.Events() != 20 {
		t.Fatalf("the replay of the unlinked file gave %d events", len(got))
	}
	if err := sp.Close(); err != nil {
		t.Fatal(err)
	}
	if files, _ := os.ReadDir(dir); len(files) != 0 {
		t.Fatalf("%d files left after Close", len(files))
	}
}

func TestTruncatedFileIsAnError(t *testing.T) {
	events := randomEvents(200, 12)
	src, _ := counted(events)
	sp := New(src, t.TempDir())
	defer sp.Close()
	collect(t, sp.Stream())
	sp.size -= 3
	err := sp.Stream()(func(*plaudit.Event) error { return nil })
	if err == nil {
		t.Fatal("a truncated spool replayed without an error")
	}
}

func BenchmarkReplay(b *testing.B) {
	events := randomEvents(20000, 13)
	for i := range events {
		events[i].Content = events[i].Content[:min(len(events[i].Content), 120)]
		events[i].Attrs = map[string]any{"lang": "en", "likes": json.Number("12"), "reply_to": "123456789"}
	}
	src, _ := counted(events)
	sp := New(src, b.TempDir())
	defer sp.Close()
	if err := sp.Stream()(func(*plaudit.Event) error { return nil }); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if err := sp.Stream()(func(*plaudit.Event) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(events)), "ns/event")
}

func TestWithoutContent(t *testing.T) {
	events := randomEvents(400, 14)
	src, walks := counted(events)
	sp := New(src, t.TempDir())
	defer sp.Close()
	// Before the file is complete, the walk reads the source (and writes the file): whole events.
	if got := collect(t, sp.WithoutContent()); !reflect.DeepEqual(got, events) {
		t.Fatal("the first walk without content did not give the source's events whole")
	}
	got := collect(t, sp.WithoutContent())
	if len(got) != len(events) {
		t.Fatalf("%d events, want %d", len(got), len(events))
	}
	for i := range events {
		want := events[i]
		want.Content = ""
		if !reflect.DeepEqual(got[i], want) {
			t.Fatalf("event %d without content:\n got %#v\nwant %#v", i, got[i], want)
		}
	}
	if got := collect(t, sp.Stream()); !reflect.DeepEqual(got, events) {
		t.Fatal("a whole walk after one without content differs from the source")
	}
	if *walks != 1 {
		t.Fatalf("the source was walked %d times, want once", *walks)
	}
}

// TestTreesComeBackAsJSON checks that lists and objects come back as their JSON round trip gives them (as
// they did when every one was written as JSON), whether written as their parts or as JSON.
func TestTreesComeBackAsJSON(t *testing.T) {
	deep := any("leaf")
	for range maxTree + 3 {
		deep = []any{deep}
	}
	values := []any{
		[]any{},
		[]any(nil),
		map[string]any{},
		map[string]any(nil),
		[]any{"a", json.Number("-1.5e3"), true, false, nil, []any{map[string]any{"k": "v"}}},
		map[string]any{"labels": []any{"bug", "good first issue"}, "n": json.Number("0"), "o": map[string]any{}},
		[]any{1.5, 7, int64(9), "typed leaves go as JSON"},
		[]any{"bad utf-8 \xff"},
		map[string]any{"bad key \xfe": "v"},
		[]any{"<html> & \"quotes\" \u2028"},
		[]any{json.Number("")},
		deep,
	}
	events := make([]plaudit.Event, len(values))
	for i, v := range values {
		events[i] = plaudit.Event{Seq: int64(i + 1), Source: "github", ExternalID: fmt.Sprint(i), Kind: "issue", Time: time.Unix(int64(i), 0).UTC(),
			Attrs: map[string]any{"v": v}}
	}
	src, _ := counted(events)
	sp := New(src, t.TempDir())
	defer sp.Close()
	collect(t, sp.Stream())
	if sp.Events() != int64(len(events)) {
		t.Fatal("the spool's file was not written: the values were not replayed")
	}
	got := collect(t, sp.Stream())
	for i, v := range values {
		j, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(bytes.NewReader(j))
		dec.UseNumber()
		var want any
		if err := dec.Decode(&want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got[i].Attrs["v"], want) {
			t.Errorf("value %d: came back %#v, its JSON round trip %#v", i, got[i].Attrs["v"], want)
		}
	}
}

func TestValidNumber(t *testing.T) {
	for s, want := range map[string]bool{
		"0": true, "-0": true, "12": true, "1.5": true, "-3e7": true, "2E+10": true, "1.0e-3": true,
		"": false, "-": false, "01": false, "1.": false, ".5": false, "1e": false, "+1": false, "0x10": false, "1 ": false, "NaN": false,
	} {
		if got := validNumber(s); got != want {
			t.Errorf("validNumber(%q) = %v, want %v", s, got, want)
		}
		// json.Marshal writes an empty Number as 0: not valid as it is, so it goes as JSON and comes back "0".
		if _, err := json.Marshal(json.Number(s)); s != "" && (err == nil) != want {
			t.Errorf("json.Marshal(json.Number(%q)) and validNumber disagree", s)
		}
	}
}

// TestRecordRoundTrip: an event written alone reads back alone as it was, whatever record it follows.
func TestRecordRoundTrip(t *testing.T) {
	events := randomEvents(500, 15)
	var buf []byte
	var spans [][2]int
	for i := range events {
		start := len(buf)
		var err error
		if buf, err = AppendRecord(buf, &events[i]); err != nil {
			t.Fatal(err)
		}
		spans = append(spans, [2]int{start, len(buf)})
	}
	for i := len(events) - 1; i >= 0; i-- { // in another order than written
		var e plaudit.Event
		if err := ReadRecord(buf[spans[i][0]:spans[i][1]], &e); err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		if !reflect.DeepEqual(e, events[i]) {
			t.Fatalf("event %d:\n got %#v\nwant %#v", i, e, events[i])
		}
	}
	if err := ReadRecord(buf[spans[3][0]:spans[3][1]-1], new(plaudit.Event)); err == nil {
		t.Fatal("a record cut short read without an error")
	}
}

// TestRepeatedAttrs checks that events whose attrs repeat come back each with its own attrs, equal to the
// source's, those of a walk sharing a map where they are the same; with attrs of names first met late in
// the file, with nested values, and with more distinct attrs than a replay keeps (maxAttrs).
func TestRepeatedAttrs(t *testing.T) {
	pool := make([]map[string]any, 0, maxAttrs+500)
	pool = append(pool, map[string]any{"emoji": "🔥"}, map[string]any{"emoji": "🙂"}, map[string]any{"channel": "dev", "n": json.Number("3")},
		map[string]any{"tree": map[string]any{"a": []any{"x", json.Number("2"), nil}}, "ok": true})
	for i := len(pool); i < cap(pool); i++ {
		pool = append(pool, map[string]any{"account_created": fmt.Sprintf("2025-%02d-01", i%12+1), "follower_count": float64(i), fmt.Sprintf("k%d", i%50): i})
	}
	r := rand.New(rand.NewPCG(3, 4))
	events := make([]plaudit.Event, 30000)
	for i := range events {
		e := &events[i]
		e.Seq, e.Source, e.Kind, e.ExternalID = int64(i+1), "discord", "like", fmt.Sprint(i)
		e.Time = time.Unix(int64(i), 0).UTC()
		switch {
		case i%7 == 0:
			// nil attrs
		case i < 10000:
			e.Attrs = pool[r.IntN(4)] // only a few distinct: each decoded once
		default:
			e.Attrs = pool[r.IntN(len(pool))] // more than a replay keeps, names first met late
		}
	}
	src, _ := counted(events)
	sp := New(src, t.TempDir())
	defer sp.Close()
	collect(t, sp.Stream()) // writes the file
	for walk := range 2 {
		var got []plaudit.Event
		if err := sp.Stream()(func(e *plaudit.Event) error {
			got = append(got, *e)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if len(got) != len(events) {
			t.Fatalf("walk %d: %d events, want %d", walk, len(got), len(events))
		}
		shared := 0
		for i := range events {
			if !reflect.DeepEqual(got[i], events[i]) {
				t.Fatalf("walk %d, event %d:\n got %#v\nwant %#v", walk, i, got[i], events[i])
			}
			if i > 0 && i < 10000 && got[i].Attrs != nil && reflect.ValueOf(got[i].Attrs).UnsafePointer() == reflect.ValueOf(got[i-1].Attrs).UnsafePointer() {
				shared++
			}
		}
		if shared == 0 {
			t.Errorf("walk %d: no two neighbouring events with the same attrs share a map", walk)
		}
	}
}

// TestRecordIdsMalformed checks that a record whose ids' lengths run past its end (or add up past any size)
// is an error, not a panic or ids cut from the bytes after them; and that every cut of a good record is one.
func TestRecordIdsMalformed(t *testing.T) {
	e := plaudit.Event{Seq: 9, Source: plaudit.SourceX, ExternalID: "e1", Kind: plaudit.KindReply, Actor: "a", Target: "t", TargetAuthor: "ta",
		Content: "hi", Time: time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)}
	good, err := AppendRecord(nil, &e)
	if err != nil {
		t.Fatal(err)
	}
	var back plaudit.Event
	if err := ReadRecord(good, &back); err != nil || !reflect.DeepEqual(back, e) {
		t.Fatalf("good record: %+v, %v", back, err)
	}
	// seq, source and kind as written whole ("x", "reply"), then the four ids' lengths.
	head := binary.AppendVarint(nil, 9)
	head = appendString(append(head, 0), "x")
	head = appendString(append(head, 0), "reply")
	for _, lengths := range [][4]uint64{{200, 0, 0, 0}, {2, 1, 1, 100}, {1 << 62, 1 << 62, 1 << 62, 1 << 62}, {math.MaxUint64, 2, 0, 0}, {1, math.MaxUint64, 0, 0}} {
		b := head
		for _, l := range lengths {
			b = binary.AppendUvarint(b, l)
		}
		b = append(b, "e1atta"...)
		b = append(b, good[len(good)-20:]...)
		if err := ReadRecord(b, new(plaudit.Event)); err == nil {
			t.Errorf("ids of %v bytes: read without an error", lengths)
		}
	}
	for cut := range len(good) {
		if err := ReadRecord(good[:cut], new(plaudit.Event)); err == nil {
			t.Errorf("the record cut to %d of %d bytes read without an error", cut, len(good))
		}
	}
}
