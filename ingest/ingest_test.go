package ingest_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/eventio"
	"github.com/plaudit/plaudit/ingest"
	"github.com/plaudit/plaudit/internal/testenv"
	"github.com/plaudit/plaudit/sqlstore"
)

func openSQLite(t testing.TB) *sqlstore.DB {
	t.Helper()
	db, err := sqlstore.Open(context.Background(), filepath.Join(t.TempDir(), "plaudit.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// writeEvents writes n simple, distinct events as canonical JSONL and returns the file's path.
func writeEvents(t testing.TB, n int, extra ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "events.jsonl")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	enc := eventio.NewEncoder(w)
	base := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		ev := plaudit.Event{Source: "x", ExternalID: fmt.Sprint(i), Kind: "like", Actor: fmt.Sprintf("u%d", i%97),
			Target: fmt.Sprintf("p%d", i%13), TargetAuthor: "author", Time: base.Add(time.Duration(i) * time.Second),
			Attrs: map[string]any{"follower_count": json.Number(fmt.Sprint(i % 1000))}}
		if err := enc.Encode(&ev); err != nil {
			t.Fatal(err)
		}
	}
	for _, line := range extra {
		w.WriteString(line + "\n")
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return path
}

func keys(t *testing.T, s plaudit.EventStore) []string {
	t.Helper()
	var out []string
	err := s.ScanEvents(context.Background(), plaudit.EventFilter{}, func(e *plaudit.Event) error {
		out = append(out, fmt.Sprintf("%d %s", e.Seq, e.Key()))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestImportTwice(t *testing.T) {
	ctx := context.Background()
	db := openSQLite(t)
	// The last line repeats event 3: a duplicate within the file.
	path := writeEvents(t, 1234, `{"source":"x","id":"3","kind":"post","actor":"z","time":"2024-05-01T00:00:00Z"}`)
	opts := ingest.Options{Format: eventio.JSONL, Batch: 100}
	res, err := ingest.ImportFile(ctx, db, path, opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.String(); got != "imported 1234 new, 1 duplicate, 0 rejected" {
		t.Fatalf("first import: %s", got)
	}
	before := keys(t, db)
	if len(before) != 1234 {
		t.Fatalf("store holds %d events", len(before))
	}
	res, err = ingest.ImportFile(ctx, db, path, ingest.Options{Format: eventio.JSONL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.String(); got != "imported 0 new, 1235 duplicate, 0 rejected" {
		t.Fatalf("second import: %s", got)
	}
	if after := keys(t, db); strings.Join(after, "\n") != strings.Join(before, "\n") {
		t.Fatal("second import changed the store")
	}
	ev, err := db.EventByKey(ctx, "x", "3")
	if err != nil || ev.Kind != "like" {
		t.Fatalf("event x/3 = %+v, %v: the first occurrence must win", ev, err)
	}
}

func TestImportRefusesBadFileWhole(t *testing.T) {
	ctx := context.Background()
	db := openSQLite(t)
	path := writeEvents(t, 20,
		`{"source":"x","id":"a","kind":"liek","actor":"z","time":"2024-05-01T00:00:00Z"}`,
		`{"source":"x","id":"b","kind":"post","actor":"z","time":1714521600}`,
		`{"source":"x","id":"c","kind":"post","actor":"z","time":"2024-05-01T00:00:00Z"}`,
		`nonsense`)
	var seen []int
	_, err := ingest.ImportFile(ctx, db, path, ingest.Options{Format: eventio.JSONL, Batch: 7}, func(le *eventio.LineError, raw []byte) {
		seen = append(seen, le.Line)
	})
	var ve *plaudit.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v, want a ValidationError", err)
	}
	if fmt.Sprint(seen) != "[21 22 24]" {
		t.Fatalf("bad lines reported: %v", seen)
	}
	msg := err.Error()
	for _, want := range []string{`line 21: id "a": field kind: unknown kind "liek"`, `line 22: id "b": field time: want an RFC3339 string, got number`, "line 24: "} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	if n := len(keys(t, db)); n != 0 {
		t.Fatalf("a refused file stored %d events", n)
	}
}

func TestImportSkipInvalid(t *testing.T) {
	ctx := context.Background()
	db := openSQLite(t)
	path := writeEvents(t, 50,
		`{"source":"x","id":"a","kind":"liek","actor":"z","time":"2024-05-01T00:00:00Z"}`,
		"{\"source\":\"x\",\"id\":\"b\",\"kind\":\"post\",\"actor\":\"\xff\",\"time\":\"2024-05-01T00:00:00Z\"}",
		`{"source":"x","id":"c","kind":"post","actor":"z","time":"2024-05-01T00:00:00Z"}`)
	var rejects bytes.Buffer
	res, err := ingest.ImportFile(ctx, db, path, ingest.Options{Format: eventio.JSONL, Batch: 16, SkipInvalid: true, Rejects: &rejects}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.String(); got != "imported 51 new, 0 duplicate, 2 rejected" {
		t.Fatal(got)
	}
	var recs []ingest.Reject
	for _, line := range strings.Split(strings.TrimSpace(rejects.String()), "\n") {
		var r ingest.Reject
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("reject line %q: %v", line, err)
		}
		recs = append(recs, r)
	}
	if len(recs) != 2 || recs[0].Line != 51 || recs[0].Field != "kind" || !strings.Contains(recs[0].Raw, `"liek"`) ||
		recs[1].Line != 52 || recs[1].Field != "actor" || recs[1].RawBase64 == "" {
		t.Fatalf("rejects: %+v", recs)
	}
}

func TestImportCSV(t *testing.T) {
	ctx := context.Background()
	db := openSQLite(t)
	path := filepath.Join(t.TempDir(), "events.csv")
	csv := "source,id,kind,actor,time,attrs.tier,attrs.member\n" +
		"plaudit,t1,tier,alice,2024-05-01T00:00:00Z,2,\n" +
		"x,l1,link,123,2024-05-01T00:00:00Z,,alice\n"
	if err := os.WriteFile(path, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := ingest.ImportFile(ctx, db, path, ingest.Options{Format: eventio.CSV}, nil)
	if err != nil || res.New != 2 {
		t.Fatalf("%v %v", res, err)
	}
	ev, err := db.EventByKey(ctx, "plaudit", "t1")
	if err != nil {
		t.Fatal(err)
	}
	if n, ok := ev.AttrInt("tier"); !ok || n != 2 {
		t.Fatalf("tier attr %#v", ev.Attrs)
	}
}

func TestImportCancelled(t *testing.T) {
	db := openSQLite(t)
	path := writeEvents(t, 3000)
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	opts := ingest.Options{Format: eventio.JSONL, Batch: 100, CommitEvery: 500, Progress: func(int64) {
		calls++
		if calls == 12 {
			cancel()
		}
	}}
	f, _ := os.Open(path)
	defer f.Close()
	res, err := ingest.Import(ctx, db, f, opts)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	// What was stored is whole commits, and the result counts exactly that; importing again completes
	// the file.
	n := len(keys(t, db))
	if n%500 != 0 || n == 0 || n >= 3000 || res.New != int64(n) {
		t.Fatalf("cancelled import left %d events and reported %v; want a multiple of 500 between, reported", n, res)
	}
	res, err = ingest.ImportFile(context.Background(), db, path, ingest.Options{Format: eventio.JSONL}, nil)
	if err != nil || res.New != int64(3000-n) || res.Duplicate != int64(n) {
		t.Fatalf("re-import: %v, %v", res, err)
	}
}

// batchStore hides a store's bulk appends, so that an import commits every batch.
type batchStore struct{ plaudit.EventStore }

// TestImportRefusesBadFileAcrossCommits checks that a bad line found late refuses the whole file even when
// the import has appended many commits' worth of events by then: on a bulk store (SQLite, PostgreSQL) the
// first commit waits for the check, and on a store that commits every batch the first batch does.
func TestImportRefusesBadFileAcrossCommits(t *testing.T) {
	ctx := context.Background()
	path := writeEvents(t, 20_000, `{"source":"x","id":"late","kind":"post","actor":"z","time":"yesterday"}`)
	for _, tc := range []struct {
		name  string
		store func(t *testing.T) plaudit.EventStore
	}{
		{"sqlite", func(t *testing.T) plaudit.EventStore { return openSQLite(t) }},
		{"postgres", func(t *testing.T) plaudit.EventStore {
			db, err := sqlstore.Open(ctx, testenv.Postgres(t))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		}},
		{"per-batch", func(t *testing.T) plaudit.EventStore { return batchStore{openSQLite(t)} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.store(t)
			res, err := ingest.ImportFile(ctx, s, path, ingest.Options{Format: eventio.JSONL, Batch: 100, CommitEvery: 1000}, nil)
			var ve *plaudit.ValidationError
			if !errors.As(err, &ve) || !strings.Contains(err.Error(), `line 20001: id "late": field time`) {
				t.Fatalf("err = %v, want a ValidationError naming line 20001", err)
			}
			if res != (ingest.Result{Rejected: 1}) {
				t.Fatalf("result %v, want 1 rejected", res)
			}
			if n := len(keys(t, s)); n != 0 {
				t.Fatalf("a refused file stored %d events", n)
			}
			// The same file without its last line imports whole, in many commits.
			good := writeEvents(t, 20_000)
			res, err = ingest.ImportFile(ctx, s, good, ingest.Options{Format: eventio.JSONL, Batch: 100, CommitEvery: 1000}, nil)
			if err != nil || res != (ingest.Result{New: 20_000}) {
				t.Fatalf("good file: %v, %v", res, err)
			}
		})
	}
}

// BenchmarkImportSQLite measures an import from canonical JSONL into a fresh SQLite store, end to end:
// decoding, validation and appending in batches of DefaultBatch.
func BenchmarkImportSQLite(b *testing.B) {
	const n = 100_000
	path := writeEvents(b, n)
	b.ReportAllocs()
	var total int64
	var cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		db, err := sqlstore.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"))
		if err != nil {
			b.Fatal(err)
		}
		f, _ := os.Open(path)
		cpu0 := cpuTime()
		b.StartTimer()
		res, err := ingest.Import(context.Background(), db, f, ingest.Options{Format: eventio.JSONL})
		if err != nil || res.New != n {
			b.Fatal(res, err)
		}
		b.StopTimer()
		cpu += cpuTime() - cpu0
		f.Close()
		db.Close()
		total += n
		b.StartTimer()
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(total)/cpu.Seconds(), "events/cpu-s")
}

// cpuTime returns the CPU time (user and system) this process has used: on a shared machine, a rate per
// CPU-second says more about the code than wall time does.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkImportFileSQLite measures what `plaudit import FILE` does: check the whole file (in parallel),
// then import it into a fresh SQLite store.
func BenchmarkImportFileSQLite(b *testing.B) {
	const n = 100_000
	path := writeEvents(b, n)
	var total int64
	var cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		db, err := sqlstore.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"))
		if err != nil {
			b.Fatal(err)
		}
		cpu0 := cpuTime()
		b.StartTimer()
		res, err := ingest.ImportFile(context.Background(), db, path, ingest.Options{Format: eventio.JSONL}, nil)
		if err != nil || res.New != n {
			b.Fatal(res, err)
		}
		b.StopTimer()
		cpu += cpuTime() - cpu0
		db.Close()
		total += n
		b.StartTimer()
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(total)/cpu.Seconds(), "events/cpu-s")
}

// BenchmarkCheck measures the first pass of an import alone.
func BenchmarkCheck(b *testing.B) {
	const n = 100_000
	path := writeEvents(b, n)
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	cpu0 := cpuTime()
	for b.Loop() {
		res, err := ingest.Check(context.Background(), bytes.NewReader(data), eventio.JSONL, nil, nil)
		if err != nil || res.Events != n {
			b.Fatal(res, err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(n*b.N)/(cpuTime()-cpu0).Seconds(), "events/cpu-s")
}
