package sqlstore_test

import (
	"bufio"
	"context"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/internal/testenv"
	"github.com/plaudit/plaudit/sqlstore"
)

// benchEvents is how many events one benchmark iteration imports: the target is a million;
// PLAUDIT_BENCH_EVENTS overrides it for a quick look.
func benchEvents(b *testing.B) int {
	if s := os.Getenv("PLAUDIT_BENCH_EVENTS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			b.Fatalf("PLAUDIT_BENCH_EVENTS=%q: want a positive integer", s)
		}
		return n
	}
	return 1_000_000
}

// benchBatch is the batch size the benchmarks append with, the size an importer should use.
const benchBatch = 5000

// eventGen makes realistic synthetic events: four sources, their usual kinds, ~200 bytes of content and a
// few attrs, from a fixed seed.
type eventGen struct {
	rng      *rand.Rand
	contents []string
	start    time.Time
}

func newEventGen(seed uint64) *eventGen {
	g := &eventGen{rng: rand.New(rand.NewPCG(seed, 1)), start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	words := strings.Fields(`the a community proposal vote reward points gm wagmi ship build onchain merge review
		thread reply great idea thanks for sharing this is why we need better tooling docs bug fix release
		governance token epoch stake delegate 🚀 naïve café 日本 frame cast channel`)
	for i := 0; i < 1024; i++ {
		var sb strings.Builder
		for sb.Len() < 180+g.rng.IntN(40) {
			if sb.Len() > 0 {
				sb.WriteByte(' ')
			}
			sb.WriteString(words[g.rng.IntN(len(words))])
		}
		g.contents = append(g.contents, sb.String())
	}
	return g
}

func (g *eventGen) event(i int) plaudit.Event {
	r := g.rng
	e := plaudit.Event{
		ExternalID: strconv.FormatInt(1_900_000_000_000_000_000+int64(i)*7919, 10),
		Actor:      strconv.Itoa(r.IntN(20_000)),
		Content:    g.contents[r.IntN(len(g.contents))],
		Time:       g.start.Add(time.Duration(i)*3*time.Second + time.Duration(r.IntN(1e9))),
	}
	switch i % 4 {
	case 0:
		e.Source, e.Kind = plaudit.SourceX, []plaudit.Kind{plaudit.KindPost, plaudit.KindReply, plaudit.KindLike, plaudit.KindRepost}[r.IntN(4)]
		e.Attrs = map[string]any{"follower_count": json.Number(strconv.Itoa(r.IntN(100_000))), "account_created": "2021-06-01T00:00:00Z"}
	case 1:
		e.Source, e.Kind = plaudit.SourceFarcaster, []plaudit.Kind{plaudit.KindPost, plaudit.KindReply}[r.IntN(2)]
		e.Attrs = map[string]any{"fid": e.Actor, "username": "user" + e.Actor, "follower_count": json.Number(strconv.Itoa(r.IntN(50_000))),
			"power_badge": r.IntN(10) == 0, "likes_count": json.Number(strconv.Itoa(r.IntN(300))), "channel": "dev"}
	case 2:
		e.Source, e.Kind = plaudit.SourceGitHub, plaudit.KindComment
		e.Attrs = map[string]any{"author_association": "CONTRIBUTOR", "issue_author": "octo" + strconv.Itoa(r.IntN(500))}
	default:
		e.Source, e.Kind = plaudit.SourceDiscord, "message"
	}
	if e.Kind != plaudit.KindPost && e.Kind != "message" {
		e.Target = strconv.Itoa(r.IntN(1_000_000))
		e.TargetAuthor = strconv.Itoa(r.IntN(20_000))
	}
	return e
}

// peakRSS returns the process's peak resident set size in bytes (VmHWM), or 0 where /proc is missing.
func peakRSS() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// cpuTime returns the user and system CPU time the process has used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// resetPeakRSS restarts the VmHWM count (Linux 4.0+), so that each benchmark reports its own peak.
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// benchAppend imports benchEvents fresh events per iteration into the store open returns, in batches of
// benchBatch, generated as it goes (as an importer decodes a file) so that memory stays flat.
func benchAppend(b *testing.B, open func(b *testing.B) *sqlstore.DB) {
	n := benchEvents(b)
	resetPeakRSS()
	var total, cpu time.Duration
	b.StopTimer()
	for range b.N {
		db := open(b)
		g := newEventGen(42)
		batch := make([]plaudit.Event, 0, benchBatch)
		start, cpu0 := time.Now(), cpuTime()
		var genTime, genCPU time.Duration
		b.StartTimer()
		for i := 0; i < n; {
			t, c := time.Now(), cpuTime()
			batch = batch[:0]
			for ; len(batch) < benchBatch && i < n; i++ {
				batch = append(batch, g.event(i))
			}
			genTime += time.Since(t)
			genCPU += cpuTime() - c
			res, err := db.AppendEvents(context.Background(), batch)
			if err != nil {
				b.Fatal(err)
			}
			if res[len(res)-1].Status != plaudit.Accepted {
				b.Fatalf("event %d: %s", i-1, res[len(res)-1].Status)
			}
		}
		b.StopTimer()
		total += time.Since(start) - genTime
		cpu += cpuTime() - cpu0 - genCPU
		db.Close()
	}
	b.ReportMetric(float64(n)*float64(b.N)/total.Seconds(), "events/s")
	b.ReportMetric(float64(peakRSS())/(1<<20), "peakRSS-MB")
	// The machine may be shared: events per second of this process's own CPU time says what the store costs
	// whatever else is running (for PostgreSQL it leaves out the server's share).
	b.ReportMetric(float64(n)*float64(b.N)/cpu.Seconds(), "events/cpu-s")
}

// BenchmarkAppendSQLite imports a million events into a fresh SQLite file. The target is 200,000 events/s
// with a peak RSS under 300 MB. Run: go test -run '^$' -bench AppendSQLite -benchtime 1x -count 5 ./sqlstore/
func BenchmarkAppendSQLite(b *testing.B) {
	benchAppend(b, func(b *testing.B) *sqlstore.DB {
		db, err := sqlstore.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"))
		if err != nil {
			b.Fatal(err)
		}
		return db
	})
}

// BenchmarkAppendPostgres imports a million events into a fresh PostgreSQL schema. The target is 100,000
// events/s with a peak RSS under 300 MB.
func BenchmarkAppendPostgres(b *testing.B) {
	benchAppend(b, func(b *testing.B) *sqlstore.DB {
		db, err := sqlstore.Open(context.Background(), testenv.Postgres(b))
		if err != nil {
			b.Fatal(err)
		}
		return db
	})
}

// BenchmarkGenerate measures the event generator alone, to show how little of the append benchmarks it is
// (they exclude it from their events/s anyway).
func BenchmarkGenerate(b *testing.B) {
	g := newEventGen(42)
	i := 0
	for b.Loop() {
		_ = g.event(i)
		i++
	}
}

// benchReappend imports benchEvents events, then measures importing them all again: every event a
// duplicate, the cost of re-running a finished import.
func benchReappend(b *testing.B, open func(b *testing.B) *sqlstore.DB) {
	n := benchEvents(b)
	b.StopTimer()
	var total time.Duration
	for range b.N {
		db := open(b)
		for pass := 0; pass < 2; pass++ {
			g := newEventGen(42)
			batch := make([]plaudit.Event, 0, benchBatch)
			var took time.Duration
			for i := 0; i < n; {
				batch = batch[:0]
				for ; len(batch) < benchBatch && i < n; i++ {
					batch = append(batch, g.event(i))
				}
				start := time.Now()
				res, err := db.AppendEvents(context.Background(), batch)
				took += time.Since(start)
				if err != nil {
					b.Fatal(err)
				}
				if want := []plaudit.AppendStatus{plaudit.Accepted, plaudit.Duplicate}[pass]; res[0].Status != want {
					b.Fatalf("pass %d: %s, want %s", pass, res[0].Status, want)
				}
			}
			if pass == 1 {
				total += took
			}
		}
		db.Close()
	}
	b.ReportMetric(float64(n)*float64(b.N)/total.Seconds(), "events/s")
}

// BenchmarkReappendSQLite measures re-importing events that are all stored already.
func BenchmarkReappendSQLite(b *testing.B) {
	benchReappend(b, func(b *testing.B) *sqlstore.DB {
		db, err := sqlstore.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"))
		if err != nil {
			b.Fatal(err)
		}
		return db
	})
}

// BenchmarkReappendPostgres measures re-importing events that are all stored already.
func BenchmarkReappendPostgres(b *testing.B) {
	benchReappend(b, func(b *testing.B) *sqlstore.DB {
		db, err := sqlstore.Open(context.Background(), testenv.Postgres(b))
		if err != nil {
			b.Fatal(err)
		}
		return db
	})
}

// benchScan appends benchEvents events once, then measures reading them all back with ScanEvents.
func benchScan(b *testing.B, open func(b *testing.B) *sqlstore.DB) {
	n := benchEvents(b)
	db := open(b)
	defer db.Close()
	g := newEventGen(42)
	for i := 0; i < n; {
		batch := make([]plaudit.Event, 0, benchBatch)
		for ; len(batch) < benchBatch && i < n; i++ {
			batch = append(batch, g.event(i))
		}
		if _, err := db.AppendEvents(context.Background(), batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for range b.N {
		seen := 0
		if err := db.ScanEvents(context.Background(), plaudit.EventFilter{}, func(*plaudit.Event) error { seen++; return nil }); err != nil {
			b.Fatal(err)
		}
		if seen != n {
			b.Fatalf("scanned %d events, want %d", seen, n)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkScanSQLite measures reading the whole log back from SQLite.
func BenchmarkScanSQLite(b *testing.B) {
	benchScan(b, func(b *testing.B) *sqlstore.DB {
		db, err := sqlstore.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"))
		if err != nil {
			b.Fatal(err)
		}
		return db
	})
}

// BenchmarkScanPostgres measures reading the whole log back from PostgreSQL.
func BenchmarkScanPostgres(b *testing.B) {
	benchScan(b, func(b *testing.B) *sqlstore.DB {
		db, err := sqlstore.Open(context.Background(), testenv.Postgres(b))
		if err != nil {
			b.Fatal(err)
		}
		return db
	})
}
