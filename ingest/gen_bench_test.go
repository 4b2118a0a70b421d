package ingest_test

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/eventio"
	"github.com/plaudit/plaudit/gen"
	"github.com/plaudit/plaudit/ingest"
	"github.com/plaudit/plaudit/sqlstore"
)

// BenchmarkImportGenSQLite is the end-to-end import: a file made by the generator (what
// `plaudit gen --events N --seed 1` writes: real-looking ids, most of them random, so the store's
// (source, id) index is written all over) checked and imported by ImportFile into a fresh SQLite file. The
// other import benchmarks use 100,000 small events with short
// sequential ids, which the store appends far faster; this one shows what a user sees. Like `plaudit import`
// it sets GOGC=400 and a soft heap limit of 128 MiB unless GOGC or GOMEMLIMIT say otherwise. The target is
// 200,000 events/s with a peak RSS under 300 MB. PLAUDIT_BENCH_EVENTS sets the size (default 1,000,000);
// run: go test -run '^$' -bench ImportGenSQLite -benchtime 1x -count 5 ./ingest
func BenchmarkImportGenSQLite(b *testing.B) {
	n := int64(1_000_000)
	if s := os.Getenv("PLAUDIT_BENCH_EVENTS"); s != "" {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v <= 0 {
			b.Fatalf("PLAUDIT_BENCH_EVENTS=%q: want a positive integer", s)
		}
		n = v
	}
	path := filepath.Join(b.TempDir(), "events.jsonl")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	enc := eventio.NewEncoder(w)
	const days = 30
	cfg := gen.Config{Members: gen.MembersForEvents(n, days), Days: days, Seed: 1}
	var events int64
	if _, err := gen.Generate(cfg, func(ev *plaudit.Event) error { events++; return enc.Encode(ev) }); err != nil {
		b.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	if os.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(400))
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(128 << 20))
	}
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // restart the peak RSS count
	var total time.Duration
	var cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		db, err := sqlstore.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"))
		if err != nil {
			b.Fatal(err)
		}
		start, cpu0 := time.Now(), cpuTime()
		b.StartTimer()
		res, err := ingest.ImportFile(context.Background(), db, path, ingest.Options{Format: eventio.JSONL}, nil)
		b.StopTimer()
		total += time.Since(start)
		cpu += cpuTime() - cpu0
		if err != nil || res.New != events {
			b.Fatal(res, err)
		}
		db.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(events)*float64(b.N)/total.Seconds(), "events/s")
	b.ReportMetric(float64(events)*float64(b.N)/cpu.Seconds(), "events/cpu-s")
	b.ReportMetric(float64(peakRSS())/(1<<20), "peakRSS-MB")
}

// peakRSS returns the process's peak resident set size in bytes (VmHWM), or 0 where /proc is missing.
func peakRSS() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(data)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}
