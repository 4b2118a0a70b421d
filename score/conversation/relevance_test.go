package conversation

import (
	"context"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

// referenceTFIDF is TFIDF.Relevance as first written, with maps of strings and a sort per document: the
// numbered vectors must give exactly its relevances, float for float.
func referenceTFIDF(specification string, comments []RelevanceItem) map[int64]decimal.Decimal {
	floor := d("0.1")
	docs := [][]string{terms(specification)}
	for _, c := range comments {
		docs = append(docs, terms(c.Content+" "+c.DiffHunk))
	}
	df := map[string]int{}
	for _, doc := range docs {
		seen := map[string]bool{}
		for _, t := range doc {
			if !seen[t] {
				seen[t] = true
				df[t]++
			}
		}
	}
	n := float64(len(docs))
	vec := func(doc []string) map[string]float64 {
		tf := map[string]float64{}
		for _, t := range doc {
			tf[t]++
		}
		for t, f := range tf {
			tf[t] = float64(1+math.Log(f)) * math.Log(1+n/float64(df[t]))
		}
		return tf
	}
	sortedKeys := func(m map[string]float64) []string {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return keys
	}
	cos := func(a, b map[string]float64) float64 {
		var dot, na, nb float64
		for _, k := range sortedKeys(a) {
			na += float64(a[k] * a[k])
			if v, ok := b[k]; ok {
				dot += float64(a[k] * v)
			}
		}
		for _, k := range sortedKeys(b) {
			nb += float64(b[k] * b[k])
		}
		if na == 0 || nb == 0 {
			return 0
		}
		return dot / (math.Sqrt(na) * math.Sqrt(nb))
	}
	spec := vec(docs[0])
	out := map[int64]decimal.Decimal{}
	for i, c := range comments {
		s := decimal.NewFromFloat(math.Sqrt(cos(spec, vec(docs[i+1])))).Round(6)
		r := floor.Add(decimal.NewFromInt(1).Sub(floor).Mul(s)).Round(2)
		if r.GreaterThan(decimal.NewFromInt(1)) {
			r = decimal.NewFromInt(1)
		}
		out[c.ID] = r
	}
	return out
}

// TestTFIDFMatchesReference rates random conversations over a small vocabulary (terms repeated within and
// across comments, stop words, one-letter words, case, empty comments and diff hunks) and checks every
// relevance against the reference, and that some comments fall between the floor and 1, so that the test
// compares more than floors.
func TestTFIDFMatchesReference(t *testing.T) {
	vocab := strings.Fields("parser grammar config configuration error errors line lines token tokens Tokenize " +
		"the a of and to is x y z lunch weather test tests cache caching rate limit limits API api http github " +
		"retry retries backoff schema migration migrations index indexes ÜBER naïve 42 2026 foo_bar foo-bar")
	rng := rand.New(rand.NewPCG(1, 2))
	text := func(max int) string {
		n := rng.IntN(max + 1)
		w := make([]string, n)
		for i := range w {
			w[i] = vocab[rng.IntN(len(vocab))]
		}
		return strings.Join(w, []string{" ", ", ", ". ", "\n"}[rng.IntN(4)])
	}
	between := 0
	for round := range 400 {
		spec := text(40)
		comments := make([]RelevanceItem, 1+rng.IntN(12))
		for i := range comments {
			comments[i] = RelevanceItem{ID: int64(i + 1), Content: text(30)}
			if rng.IntN(4) == 0 {
				comments[i].DiffHunk = "@@ -1,3 +1,4 @@\n" + text(10)
			}
		}
		got, err := TFIDF{}.Relevance(context.Background(), spec, comments)
		if err != nil {
			t.Fatal(err)
		}
		want := referenceTFIDF(spec, comments)
		for _, c := range comments {
			if !got[c.ID].Equal(want[c.ID]) {
				t.Fatalf("round %d, comment %d: relevance %s, the reference gives %s\nspec %q\ncomment %q", round, c.ID, got[c.ID], want[c.ID], spec, c.Content)
			}
			if got[c.ID].GreaterThan(d("0.1")) && got[c.ID].LessThan(d("1")) {
				between++
			}
		}
	}
	if between < 100 {
		t.Fatalf("only %d relevances between the floor and 1: the comparison tells little", between)
	}
}

func BenchmarkTFIDF(b *testing.B) {
	spec := strings.Repeat("Write a parser for the configuration grammar with good errors and line numbers. ", 6)
	comments := make([]RelevanceItem, 20)
	for i := range comments {
		comments[i] = RelevanceItem{ID: int64(i), Content: strings.Repeat("The parser should tokenize the grammar; caching helps the retry backoff. ", 1+i%4)}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := (TFIDF{}).Relevance(context.Background(), spec, comments); err != nil {
			b.Fatal(err)
		}
	}
}
