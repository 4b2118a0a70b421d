package sqlstore_test

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/internal/testenv"
	"github.com/plaudit/plaudit/sqlstore"
)

// searchBenchPosts is how many posts the search benchmarks store before they query.
const searchBenchPosts = 1_000_000

// searchBenchQueries are typical queries: a common word, two words, a rare word, a phrase, and a common
// word filtered by source.
var searchBenchQueries = []struct{ name, q, source string }{
	{"common", "w1", ""},
	{"two_words", "w3 w40", ""},
	{"rare", "w4000", ""},
	{"phrase", `"w2 w5"`, ""},
	{"common_source", "w1", "github"},
}

// BenchmarkSearchSQLite1M and BenchmarkSearchPostgres1M store 1M posts of 12–40 words drawn from a Zipf
// vocabulary of 5,000 words (a few minutes of setup, done only when the benchmark runs), then time each
// of searchBenchQueries 200 times (PLAUDIT_SEARCH_BENCH_RUNS) for a page of 20 hits and report p50 and p99 in milliseconds. Run by
// hand: go test ./sqlstore -run XXX -bench 'Search.*1M' -benchtime 1x -timeout 60m
//
// With PLAUDIT_SEARCH_BENCH_SQLITE (a file path) the SQLite benchmark keeps its database there, as the
// PostgreSQL one does with PLAUDIT_SEARCH_BENCH_DSN.
func BenchmarkSearchSQLite1M(b *testing.B) {
	path := os.Getenv("PLAUDIT_SEARCH_BENCH_SQLITE")
	if path == "" {
		path = filepath.Join(b.TempDir(), "plaudit.db")
	}
	benchSearch1M(b, path)
}

// BenchmarkSearchPostgres1M is BenchmarkSearchSQLite1M on PostgreSQL.
// With PLAUDIT_SEARCH_BENCH_DSN it uses that database instead of a scratch schema, and keeps it: the
// posts are stored only when it holds none, so that repeated runs (after a change to the query) skip the
// minutes of setup.
func BenchmarkSearchPostgres1M(b *testing.B) {
	dsn := os.Getenv("PLAUDIT_SEARCH_BENCH_DSN")
	if dsn == "" {
		dsn = testenv.Postgres(b)
	}
	benchSearch1M(b, dsn)
}

func benchSearch1M(b *testing.B, dsn string) {
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	var n int
	if err := st.SQL().QueryRowContext(ctx, "SELECT count(*) FROM events").Scan(&n); err != nil {
		b.Fatal(err)
	} else if n >= searchBenchPosts {
		b.Logf("the store holds %d events: not storing the posts again", n)
	} else {
		storeSearchPosts(ctx, b, st)
	}
	searchQueries(ctx, b, st)
}

// storeSearchPosts stores the benchmark's 1M posts.
func storeSearchPosts(ctx context.Context, b *testing.B, st *sqlstore.DB) {
	start := time.Now()
	ap, err := st.BeginAppend(ctx)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	zipf := rand.NewZipf(rng, 1.1, 1, 4999)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	sources := []plaudit.Source{plaudit.SourceX, plaudit.SourceGitHub, plaudit.SourceFarcaster}
	batch := make([]plaudit.Event, 0, 2000)
	for i := range searchBenchPosts {
		n := 12 + rng.IntN(29)
		var sb strings.Builder
		for j := range n {
			if j > 0 {
				sb.WriteByte(' ')
			}
			sb.WriteString("w" + strconv.FormatUint(zipf.Uint64()+1, 10))
		}
		batch = append(batch, plaudit.Event{Source: sources[i%3], ExternalID: strconv.Itoa(i), Kind: plaudit.KindPost,
			Actor: "a" + strconv.Itoa(i%5000), Content: sb.String(), Time: base.Add(time.Duration(i) * time.Second)})
		if len(batch) == cap(batch) || i == searchBenchPosts-1 {
			if _, err := ap.AppendEvents(ctx, batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
			if i%100_000 == 99_999 || i == searchBenchPosts-1 {
				if err := ap.Commit(ctx); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	if err := ap.Close(); err != nil {
		b.Fatal(err)
	}
	b.Logf("stored %d posts in %s", searchBenchPosts, time.Since(start).Round(time.Second))
}

// searchQueries times searchBenchQueries.
func searchQueries(ctx context.Context, b *testing.B, st *sqlstore.DB) {
	// The first search indexes the whole log on SQLite (the index is filled lazily); time it apart.
	start := time.Now()
	if _, err := st.SearchEvents(ctx, plaudit.SearchQuery{Terms: []plaudit.SearchTerm{{Words: []string{"w1"}}}, Limit: 1}); err != nil {
		b.Fatal(err)
	}
	b.Logf("first search (on SQLite it indexes the log) in %s", time.Since(start).Round(10*time.Millisecond))
	var err error
	runs := 200
	if s := os.Getenv("PLAUDIT_SEARCH_BENCH_RUNS"); s != "" {
		if runs, err = strconv.Atoi(s); err != nil || runs < 1 {
			b.Fatalf("PLAUDIT_SEARCH_BENCH_RUNS=%q: want a positive integer", s)
		}
	}
	b.ResetTimer()
	for range b.N {
		for _, bq := range searchBenchQueries {
			terms, err := plaudit.ParseSearchQuery(bq.q)
			if err != nil {
				b.Fatal(err)
			}
			q := plaudit.SearchQuery{Terms: terms, Limit: 20}
			if bq.source != "" {
				q.Sources = []plaudit.Source{plaudit.Source(bq.source)}
			}
			var took []time.Duration
			hits := 0
			for range runs {
				t0 := time.Now()
				h, err := st.SearchEvents(ctx, q)
				if err != nil {
					b.Fatal(err)
				}
				took = append(took, time.Since(t0))
				hits = len(h)
			}
			slices.Sort(took)
			p50, p99 := took[len(took)/2], took[len(took)*99/100]
			b.ReportMetric(float64(p50.Microseconds())/1000, bq.name+"_p50_ms")
			b.ReportMetric(float64(p99.Microseconds())/1000, bq.name+"_p99_ms")
			b.Logf("%-14s %-10s hits %2d  p50 %8s  p99 %8s", bq.name, bq.q, hits, p50.Round(10*time.Microsecond), p99.Round(10*time.Microsecond))
		}
	}
}
