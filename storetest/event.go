package storetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
)

func init() { register(10, "Events", testEvents) }

func testEvents(t *testing.T, open Opener) {
	for _, tc := range []struct {
		name string
		run  func(*testing.T, plaudit.Store)
	}{
		{"AppendAndScan", testAppendAndScan},
		{"Empty", testEmpty},
		{"Idempotent", testIdempotent},
		{"DuplicateInBatch", testDuplicateInBatch},
		{"LargeBatch", testLargeBatch},
		{"AtomicOnBadEvent", testAtomicOnBadEvent},
		{"AtomicOnCancel", testAtomicOnCancel},
		{"ConcurrentAppends", testConcurrentAppends},
		{"Filters", testFilters},
		{"ScanStops", testScanStops},
		{"RoundTrip", testRoundTrip},
		{"EventByKey", testEventByKey},
		{"Stats", testStats},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel() // each test has a store of its own; on PostgreSQL most of the time is waiting
			tc.run(t, open(t))
		})
	}
}

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// event returns a plain valid event number i: source x, kind like, one minute apart.
func event(i int) plaudit.Event {
	return plaudit.Event{
		Source:  plaudit.SourceX,
		Kind:    plaudit.KindLike,
		Actor:   fmt.Sprintf("u%d", i%7),
		Target:  "p1",
		Content: fmt.Sprintf("event %d", i),
		Time:    t0.Add(time.Duration(i) * time.Minute),
		Attrs:   map[string]any{"n": json.Number(fmt.Sprint(i))},
		// ExternalID last so that a test can read the order at a glance.
		ExternalID: fmt.Sprintf("e%05d", i),
	}
}

func events(from, to int) []plaudit.Event {
	var out []plaudit.Event
	for i := from; i < to; i++ {
		out = append(out, event(i))
	}
	return out
}

func mustAppend(t *testing.T, s plaudit.Store, evs []plaudit.Event) []plaudit.AppendResult {
	t.Helper()
	res, err := s.AppendEvents(context.Background(), evs)
	if err != nil {
		t.Fatalf("AppendEvents(%d events): %v", len(evs), err)
	}
	if len(res) != len(evs) {
		t.Fatalf("AppendEvents(%d events) returned %d results", len(evs), len(res))
	}
	return res
}

func scan(t *testing.T, s plaudit.EventStore, f plaudit.EventFilter) []plaudit.Event {
	t.Helper()
	var out []plaudit.Event
	if err := s.ScanEvents(context.Background(), f, func(e *plaudit.Event) error {
		out = append(out, *e)
		return nil
	}); err != nil {
		t.Fatalf("ScanEvents(%+v): %v", f, err)
	}
	return out
}

func count(t *testing.T, s plaudit.EventStore) int {
	t.Helper()
	return len(scan(t, s, plaudit.EventFilter{}))
}

// normalize returns e as the store should give it back: time in UTC, attrs as decoded from compact JSON
// with json.Number numbers, no empty attrs map, and the given seq.
func normalize(t *testing.T, e plaudit.Event, seq int64) plaudit.Event {
	t.Helper()
	e.Seq = seq
	e.Time = e.Time.UTC()
	if len(e.Attrs) == 0 {
		e.Attrs = nil
	} else {
		b, err := json.Marshal(e.Attrs)
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			t.Fatal(err)
		}
		e.Attrs = m
	}
	return e
}

// sameEvent fails t unless got is want, field by field and as JSON bytes.
func sameEvent(t *testing.T, got, want plaudit.Event) {
	t.Helper()
	gb, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	wb, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(gb, wb) {
		t.Fatalf("event %s:\n got %s\nwant %s", want.Key(), gb, wb)
	}
	if !got.Time.Equal(want.Time) || got.Time.Location() != time.UTC {
		t.Fatalf("event %s: time %v (%v), want %v in UTC", want.Key(), got.Time, got.Time.Location(), want.Time)
	}
	got.Time, want.Time = time.Time{}, time.Time{}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("event %s:\n got %#v\nwant %#v", want.Key(), got, want)
	}
}

func testAppendAndScan(t *testing.T, s plaudit.Store) {
	evs := events(0, 50)
	// Times out of order: the log is in order of arrival, not of event time.
	evs[3].Time, evs[40].Time = evs[40].Time, evs[3].Time
	res := mustAppend(t, s, evs)
	var last int64
	for i, r := range res {
		if r.Status != plaudit.Accepted || r.Error != nil {
			t.Fatalf("result %d: %+v, want accepted", i, r)
		}
		if r.Seq <= last {
			t.Fatalf("result %d: seq %d not above the previous %d", i, r.Seq, last)
		}
		last = r.Seq
	}
	got := scan(t, s, plaudit.EventFilter{})
	if len(got) != len(evs) {
		t.Fatalf("scanned %d events, want %d", len(got), len(evs))
	}
	for i := range got {
		sameEvent(t, got[i], normalize(t, evs[i], res[i].Seq))
	}
	// A second batch continues the sequence.
	res2 := mustAppend(t, s, events(50, 60))
	if res2[0].Seq <= last {
		t.Fatalf("second batch starts at seq %d, not after %d", res2[0].Seq, last)
	}
}

func testEmpty(t *testing.T, s plaudit.Store) {
	res, err := s.AppendEvents(context.Background(), nil)
	if err != nil || len(res) != 0 {
		t.Fatalf("AppendEvents(nil) = %v, %v; want no results, no error", res, err)
	}
	if n := count(t, s); n != 0 {
		t.Fatalf("empty store scanned %d events", n)
	}
	st, err := s.EventStats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.Total != 0 || st.Accounts != 0 || !st.First.IsZero() || !st.Last.IsZero() || len(st.ByKind) != 0 {
		t.Fatalf("stats of an empty store: %+v", st)
	}
}

func testIdempotent(t *testing.T, s plaudit.Store) {
	first := mustAppend(t, s, events(0, 20))
	// The same batch again: every event a duplicate with its stored seq.
	again := mustAppend(t, s, events(0, 20))
	for i := range again {
		if again[i].Status != plaudit.Duplicate || again[i].Seq != first[i].Seq {
			t.Fatalf("re-append result %d: %+v, want duplicate of seq %d", i, again[i], first[i].Seq)
		}
	}
	// A duplicate with other fields changes nothing: the first version stays.
	changed := event(5)
	changed.Content, changed.Actor, changed.Attrs = "rewritten", "someone else", map[string]any{"evil": true}
	mixed := append(events(18, 25), changed)
	res := mustAppend(t, s, mixed)
	for i, r := range res {
		want := plaudit.Duplicate
		if i >= 2 && i < 7 {
			want = plaudit.Accepted
		}
		if r.Status != want {
			t.Fatalf("mixed batch result %d (%s): %s, want %s", i, mixed[i].Key(), r.Status, want)
		}
	}
	if res[7].Seq != first[5].Seq {
		t.Fatalf("changed duplicate has seq %d, want %d", res[7].Seq, first[5].Seq)
	}
	got, err := s.EventByKey(context.Background(), plaudit.SourceX, event(5).ExternalID)
	if err != nil {
		t.Fatal(err)
	}
	sameEvent(t, *got, normalize(t, event(5), first[5].Seq))
	if n := count(t, s); n != 25 {
		t.Fatalf("store holds %d events, want 25", n)
	}
	// The same external id from another source is another event.
	other := event(5)
	other.Source = plaudit.SourceDiscord
	other.Kind = "message"
	if r := mustAppend(t, s, []plaudit.Event{other}); r[0].Status != plaudit.Accepted {
		t.Fatalf("same id from another source: %s, want accepted", r[0].Status)
	}
}

func testDuplicateInBatch(t *testing.T, s plaudit.Store) {
	mustAppend(t, s, events(0, 1))
	a, b, c := event(1), event(2), event(1)
	c.Content = "second copy"
	batch := []plaudit.Event{a, event(0), b, c, b}
	res := mustAppend(t, s, batch)
	want := []plaudit.AppendStatus{plaudit.Accepted, plaudit.Duplicate, plaudit.Accepted, plaudit.Duplicate, plaudit.Duplicate}
	for i := range res {
		if res[i].Status != want[i] {
			t.Fatalf("result %d: %s, want %s", i, res[i].Status, want[i])
		}
	}
	if res[3].Seq != res[0].Seq || res[4].Seq != res[2].Seq {
		t.Fatalf("in-batch duplicates point at seqs %d and %d, want %d and %d", res[3].Seq, res[4].Seq, res[0].Seq, res[2].Seq)
	}
	got, err := s.EventByKey(context.Background(), plaudit.SourceX, a.ExternalID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Content != a.Content {
		t.Fatalf("kept content %q, want the first copy's %q", got.Content, a.Content)
	}
	if n := count(t, s); n != 3 {
		t.Fatalf("store holds %d events, want 3", n)
	}
}

// testLargeBatch appends a batch bigger than any sensible statement, so that implementations that split it
// are tested across their seams, with duplicates of earlier events scattered through it.
func testLargeBatch(t *testing.T, s plaudit.Store) {
	const n = 12_345
	first := mustAppend(t, s, events(0, n/2))
	batch := events(0, n)
	for i := 0; i < n; i += 997 {
		batch = append(batch, event(i)) // in-batch duplicates, some of events stored before
	}
	res := mustAppend(t, s, batch)
	seen := map[string]int64{}
	for i, r := range res {
		key := batch[i].Key()
		switch {
		case i < n/2:
			if r.Status != plaudit.Duplicate || r.Seq != first[i].Seq {
				t.Fatalf("result %d: %+v, want duplicate of seq %d", i, r, first[i].Seq)
			}
		case i < n:
			if r.Status != plaudit.Accepted {
				t.Fatalf("result %d: %+v, want accepted", i, r)
			}
		default:
			if r.Status != plaudit.Duplicate || r.Seq != seen[key] {
				t.Fatalf("result %d (%s): %+v, want duplicate of seq %d", i, key, r, seen[key])
			}
		}
		seen[key] = r.Seq
	}
	got := scan(t, s, plaudit.EventFilter{})
	if len(got) != n {
		t.Fatalf("store holds %d events, want %d", len(got), n)
	}
	for i := range got {
		if got[i].ExternalID != event(i).ExternalID || got[i].Seq != seen[got[i].Key()] {
			t.Fatalf("event %d: %s seq %d, want %s seq %d", i, got[i].Key(), got[i].Seq, event(i).ExternalID, seen[got[i].Key()])
		}
	}
}

// testAtomicOnBadEvent appends big batches that the store must refuse because of their last event, and
// checks that nothing of them was stored.
func testAtomicOnBadEvent(t *testing.T, s plaudit.Store) {
	mustAppend(t, s, events(0, 10))
	nul := event(20_000)
	nul.Content = "a\x00b"
	far := event(20_001)
	far.Time = time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, bad := range []plaudit.Event{nul, far} {
		batch := append(events(10, 11_000), bad)
		res, err := s.AppendEvents(context.Background(), batch)
		if err == nil {
			t.Fatalf("appending %q (time %v) succeeded: %v…", bad.Content, bad.Time, res[len(res)-1])
		}
		if code := plaudit.ErrorCode(err); code != plaudit.EINVALID {
			t.Fatalf("error code %s, want %s: %v", code, plaudit.EINVALID, err)
		}
		if n := count(t, s); n != 10 {
			t.Fatalf("after a failed batch the store holds %d events, want 10", n)
		}
	}
}

// countdownCtx is a context that cancels itself once it has been consulted a given number of times, so that
// an append is interrupted somewhere in its middle, deterministically for a given implementation.
type countdownCtx struct {
	context.Context
	cancel context.CancelFunc
	left   atomic.Int64
}

func newCountdownCtx(n int64) *countdownCtx {
	ctx, cancel := context.WithCancel(context.Background())
	c := &countdownCtx{Context: ctx, cancel: cancel}
	c.left.Store(n)
	return c
}

func (c *countdownCtx) tick() {
	if c.left.Add(-1) <= 0 {
		c.cancel()
	}
}

func (c *countdownCtx) Done() <-chan struct{} { c.tick(); return c.Context.Done() }
func (c *countdownCtx) Err() error            { c.tick(); return c.Context.Err() }

// testAtomicOnCancel cancels big appends at many points: each must store all of its batch or none of it.
func testAtomicOnCancel(t *testing.T, s plaudit.Store) {
	stored := 0
	failed := 0
	for round, after := range []int64{1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 1000, 10000} {
		batch := events(round*10_000, round*10_000+6_000)
		ctx := newCountdownCtx(after)
		res, err := s.AppendEvents(ctx, batch)
		ctx.cancel()
		n := count(t, s)
		switch {
		case err != nil && n == stored:
			failed++
		case err == nil && n == stored+len(batch) && len(res) == len(batch):
			stored = n
		default:
			t.Fatalf("cancelled after %d context checks: error %v and %d events stored, want all %d or none", after, err, n-stored, len(batch))
		}
	}
	if failed == 0 {
		t.Fatal("no cancellation interrupted an append: the test proved nothing")
	}
}

func testConcurrentAppends(t *testing.T, s plaudit.Store) {
	const workers, per = 4, 1500
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	results := make([][]plaudit.AppendResult, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Overlapping ranges: each worker shares half its events with the next.
			evs := events(w*per/2, w*per/2+per)
			for start := 0; start < len(evs); start += 250 {
				res, err := s.AppendEvents(context.Background(), evs[start:start+250])
				if err != nil {
					errs <- err
					return
				}
				results[w] = append(results[w], res...)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	got := scan(t, s, plaudit.EventFilter{})
	want := (workers + 1) * per / 2
	if len(got) != want {
		t.Fatalf("store holds %d events, want %d", len(got), want)
	}
	seqOf := map[string]int64{}
	for _, e := range got {
		if _, dup := seqOf[e.Key()]; dup {
			t.Fatalf("event %s stored twice", e.Key())
		}
		seqOf[e.Key()] = e.Seq
	}
	accepted := 0
	for w := range results {
		evs := events(w*per/2, w*per/2+per)
		for i, r := range results[w] {
			if r.Seq != seqOf[evs[i].Key()] {
				t.Fatalf("worker %d event %s: seq %d, stored as %d", w, evs[i].Key(), r.Seq, seqOf[evs[i].Key()])
			}
			if r.Status == plaudit.Accepted {
				accepted++
			}
		}
	}
	if accepted != want {
		t.Fatalf("%d events reported accepted, want %d (each exactly once)", accepted, want)
	}
}

func testFilters(t *testing.T, s plaudit.Store) {
	var evs []plaudit.Event
	kinds := []plaudit.Kind{plaudit.KindPost, plaudit.KindReply, plaudit.KindLike}
	sources := []plaudit.Source{plaudit.SourceX, plaudit.SourceFarcaster, plaudit.SourceGitHub}
	for i := 0; i < 90; i++ {
		e := event(i)
		e.Source, e.Kind = sources[i%3], kinds[(i/3)%3]
		// Times go backwards in blocks, so that time order is not seq order.
		e.Time = t0.Add(time.Duration((i%10)*100-i/10) * time.Second)
		evs = append(evs, e)
	}
	res := mustAppend(t, s, evs)
	for i := range evs {
		evs[i] = normalize(t, evs[i], res[i].Seq)
	}
	check := func(name string, f plaudit.EventFilter, keep func(i int, e plaudit.Event) bool) {
		t.Helper()
		var want []string
		for i, e := range evs {
			if keep(i, e) {
				want = append(want, e.Key())
			}
		}
		if f.Limit > 0 && len(want) > f.Limit {
			want = want[:f.Limit]
		}
		var got []string
		for _, e := range scan(t, s, f) {
			got = append(got, e.Key())
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %d events %v\nwant %d %v", name, len(got), got, len(want), want)
		}
	}
	since := t0.Add(300 * time.Second)
	until := t0.Add(600 * time.Second)
	all := func(int, plaudit.Event) bool { return true }
	check("none", plaudit.EventFilter{}, all)
	check("since (inclusive)", plaudit.EventFilter{Since: since}, func(_ int, e plaudit.Event) bool { return !e.Time.Before(since) })
	check("until (exclusive)", plaudit.EventFilter{Until: until}, func(_ int, e plaudit.Event) bool { return e.Time.Before(until) })
	check("since and until", plaudit.EventFilter{Since: since, Until: until}, func(_ int, e plaudit.Event) bool {
		return !e.Time.Before(since) && e.Time.Before(until)
	})
	// A filter time in another zone means the same instant.
	check("since in another zone", plaudit.EventFilter{Since: since.In(time.FixedZone("X", 5*3600))}, func(_ int, e plaudit.Event) bool { return !e.Time.Before(since) })
	check("kinds", plaudit.EventFilter{Kinds: []plaudit.Kind{plaudit.KindPost, plaudit.KindLike}}, func(_ int, e plaudit.Event) bool {
		return e.Kind == plaudit.KindPost || e.Kind == plaudit.KindLike
	})
	check("sources", plaudit.EventFilter{Sources: []plaudit.Source{plaudit.SourceGitHub}}, func(_ int, e plaudit.Event) bool { return e.Source == plaudit.SourceGitHub })
	check("unknown kind", plaudit.EventFilter{Kinds: []plaudit.Kind{"nothing"}}, func(int, plaudit.Event) bool { return false })
	check("after seq", plaudit.EventFilter{AfterSeq: evs[41].Seq}, func(i int, _ plaudit.Event) bool { return i > 41 })
	check("limit", plaudit.EventFilter{Limit: 7}, all)
	check("after seq and limit", plaudit.EventFilter{AfterSeq: evs[80].Seq, Limit: 20}, func(i int, _ plaudit.Event) bool { return i > 80 })
	check("everything at once", plaudit.EventFilter{
		Sources: []plaudit.Source{plaudit.SourceX, plaudit.SourceFarcaster}, Kinds: []plaudit.Kind{plaudit.KindReply, plaudit.KindLike},
		Since: t0.Add(-5 * time.Second), Until: until, AfterSeq: evs[10].Seq, Limit: 9,
	}, func(i int, e plaudit.Event) bool {
		return e.Source != plaudit.SourceGitHub && e.Kind != plaudit.KindPost && !e.Time.Before(t0.Add(-5*time.Second)) && e.Time.Before(until) && i > 10
	})
	check("since far future", plaudit.EventFilter{Since: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)}, func(int, plaudit.Event) bool { return false })
	check("until far future", plaudit.EventFilter{Until: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)}, all)
	check("since long ago", plaudit.EventFilter{Since: time.Date(1, 1, 1, 0, 0, 1, 0, time.UTC)}, all)
}

func testScanStops(t *testing.T, s plaudit.Store) {
	mustAppend(t, s, events(0, 100))
	stop := errors.New("enough")
	n := 0
	err := s.ScanEvents(context.Background(), plaudit.EventFilter{}, func(*plaudit.Event) error {
		n++
		if n == 10 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 10 {
		t.Fatalf("scan returned %v after %d events; want the callback's error after 10", err, n)
	}
	// The store still works after an abandoned scan.
	mustAppend(t, s, events(100, 101))
	if c := count(t, s); c != 101 {
		t.Fatalf("store holds %d events, want 101", c)
	}
}

func testRoundTrip(t *testing.T, s plaudit.Store) {
	big := "123456789012345678901234567890123456789"
	evs := []plaudit.Event{
		{
			Source: plaudit.SourceFarcaster, ExternalID: "0xabc123", Kind: plaudit.KindReply, Actor: "4242",
			Target: "0xparent", TargetAuthor: "77",
			Content: "gm 🌅 — naïve café, 日本語のテキスト, עברית, e\u0301, zero\u200bwidth, \"quotes\" \\ <tag> & \t tab\nnewline",
			Time:    time.Date(2026, 2, 28, 23, 59, 59, 123456789, time.FixedZone("UTC+5:30", 5*3600+1800)),
			Attrs: map[string]any{
				"fid": "4242", "username": "zoë", "follower_count": json.Number(big), "negative": json.Number("-17"),
				"ratio": json.Number("0.1"), "exp": json.Number("1e400"), "power_badge": true, "none": nil,
				"mentioned": []any{"a", "b", json.Number("3")}, "nested": map[string]any{"z": json.Number("1"), "a": []any{}},
				"html": "<b>&amp;</b>", "float": 1.5, "int": 42, "empty": "", "nul": "a\x00b",
			},
		},
		{Source: plaudit.SourceGitHub, ExternalID: "issue/1", Kind: "issue", Actor: "octocat", Time: time.Date(2000, 1, 1, 0, 0, 0, 1, time.UTC)},
		{Source: plaudit.SourceX, ExternalID: "1", Kind: plaudit.KindPost, Actor: "x", Time: time.Date(2200, 12, 31, 23, 59, 59, 999999999, time.UTC), Attrs: map[string]any{}},
		{Source: plaudit.SourcePlaudit, ExternalID: "link-1", Kind: plaudit.KindLink, Actor: "x:9", Time: t0, Attrs: map[string]any{"member": "alice", "member_kind": "community"}},
	}
	res := mustAppend(t, s, evs)
	got := scan(t, s, plaudit.EventFilter{})
	if len(got) != len(evs) {
		t.Fatalf("scanned %d events, want %d", len(got), len(evs))
	}
	for i := range evs {
		want := normalize(t, evs[i], res[i].Seq)
		sameEvent(t, got[i], want)
		byKey, err := s.EventByKey(context.Background(), evs[i].Source, evs[i].ExternalID)
		if err != nil {
			t.Fatal(err)
		}
		sameEvent(t, *byKey, want)
	}
	if n, ok := got[0].Attrs["follower_count"].(json.Number); !ok || string(n) != big {
		t.Fatalf("big integer came back as %#v", got[0].Attrs["follower_count"])
	}
	if got[0].Time.Nanosecond() != 123456789 {
		t.Fatalf("nanoseconds lost: %v", got[0].Time)
	}
}

func testEventByKey(t *testing.T, s plaudit.Store) {
	res := mustAppend(t, s, events(0, 3))
	e, err := s.EventByKey(context.Background(), plaudit.SourceX, "e00001")
	if err != nil {
		t.Fatal(err)
	}
	sameEvent(t, *e, normalize(t, event(1), res[1].Seq))
	for _, k := range []struct {
		source plaudit.Source
		id     string
	}{{plaudit.SourceX, "missing"}, {plaudit.SourceDiscord, "e00001"}, {plaudit.SourceX, ""}, {plaudit.SourceX, "E00001"}} {
		_, err := s.EventByKey(context.Background(), k.source, k.id)
		if code := plaudit.ErrorCode(err); code != plaudit.ENOTFOUND {
			t.Fatalf("EventByKey(%s, %q): %v (code %q), want %s", k.source, k.id, err, code, plaudit.ENOTFOUND)
		}
	}
}

func testStats(t *testing.T, s plaudit.Store) {
	var evs []plaudit.Event
	add := func(src plaudit.Source, kind plaudit.Kind, actor string, at time.Time) {
		e := event(len(evs))
		e.Source, e.Kind, e.Actor, e.Time = src, kind, actor, at
		evs = append(evs, e)
	}
	add(plaudit.SourceX, plaudit.KindPost, "a", t0.Add(time.Hour))
	add(plaudit.SourceX, plaudit.KindLike, "a", t0.Add(-time.Hour+1))
	add(plaudit.SourceX, plaudit.KindLike, "b", t0)
	add(plaudit.SourceGitHub, "issue", "a", t0.Add(48*time.Hour+7))
	add(plaudit.SourceGitHub, plaudit.KindComment, "c", t0)
	add(plaudit.SourceDiscord, "message", "a", t0)
	add(plaudit.SourceX, plaudit.KindLike, "b", t0)
	mustAppend(t, s, evs)
	mustAppend(t, s, evs[:3]) // duplicates count once
	st, err := s.EventStats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := &plaudit.EventStats{
		Total: 7, Accounts: 5, // x:a x:b github:a github:c discord:a
		First: t0.Add(-time.Hour + 1), Last: t0.Add(48*time.Hour + 7),
		ByKind: []plaudit.SourceKindCount{
			{Source: plaudit.SourceDiscord, Kind: "message", Count: 1},
			{Source: plaudit.SourceGitHub, Kind: plaudit.KindComment, Count: 1},
			{Source: plaudit.SourceGitHub, Kind: "issue", Count: 1},
			{Source: plaudit.SourceX, Kind: plaudit.KindLike, Count: 3},
			{Source: plaudit.SourceX, Kind: plaudit.KindPost, Count: 1},
		},
	}
	if !reflect.DeepEqual(st, want) {
		t.Fatalf("stats:\n got %+v\nwant %+v", st, want)
	}
}
