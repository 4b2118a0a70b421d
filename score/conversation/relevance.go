package conversation

import (
	"context"
	"math"
	"path"
	"slices"
	"strings"

	"github.com/shopspring/decimal"
)

// RelevanceItem is one comment whose relevance to the specification is wanted.
type RelevanceItem struct {
	ID       int64
	Author   string
	Content  string
	Role     Role
	DiffHunk string // review comments: the code they are about
}

// RelevanceProvider rates comments' relevance to a specification, each in [0, 1]. Comments missing from the
// answer count as fully relevant, as in the reference.
type RelevanceProvider interface {
	Relevance(ctx context.Context, specification string, comments []RelevanceItem) (map[int64]decimal.Decimal, error)
}

// Fixed gives every comment the same relevance: how Ubiquity's recorded results were made (0.8), and a
// simple policy when no model is wanted.
type Fixed decimal.Decimal

// Relevance implements RelevanceProvider.
func (f Fixed) Relevance(_ context.Context, _ string, comments []RelevanceItem) (map[int64]decimal.Decimal, error) {
	out := make(map[int64]decimal.Decimal, len(comments))
	for _, c := range comments {
		out[c.ID] = decimal.Decimal(f)
	}
	return out, nil
}

// TFIDF is the offline default relevance model: the cosine similarity of a comment's TF-IDF vector with the
// specification's, over the documents of the conversation, its square root mapped to [Floor, 1] and rounded
// to two decimals.
// It is deterministic, needs no network, and rewards comments that talk about what the specification talks
// about.
type TFIDF struct {
	// Floor is the relevance of a comment that shares no term with the specification (default 0.1 when zero).
	Floor decimal.Decimal
}

// Relevance implements RelevanceProvider.
func (m TFIDF) Relevance(_ context.Context, specification string, comments []RelevanceItem) (map[int64]decimal.Decimal, error) {
	floor := m.Floor
	if floor.IsZero() {
		floor = d("0.1")
	}
	docs := make([][]string, 0, len(comments)+1)
	docs = append(docs, terms(specification))
	for _, c := range comments {
		docs = append(docs, terms(c.Content+" "+c.DiffHunk))
	}
	v := newTermVectors(docs)
	spec := v.vector(0, nil)
	var doc []termWeight
	out := make(map[int64]decimal.Decimal, len(comments))
	for i, c := range comments {
		// Cosine similarities of short texts are small even when on topic (0.05–0.4); the square root spreads
		// them over the scale: relevance = floor + (1 − floor) · √sim, rounded to 2 decimals.
		doc = v.vector(i+1, doc[:0])
		sim := math.Sqrt(cosine(spec, doc))
		s := decimal.NewFromFloat(sim).Round(6)
		r := floor.Add(decimal.NewFromInt(1).Sub(floor).Mul(s)).Round(2)
		if r.GreaterThan(decimal.NewFromInt(1)) {
			r = decimal.NewFromInt(1)
		}
		out[c.ID] = r
	}
	return out, nil
}

// termVectors are the TF-IDF vectors of a conversation's documents: each document's terms numbered in the
// terms' sorted order and sorted, so that a vector lists its terms in sorted order (the order cosine sums
// in, for determinism) without a map or a sort of strings per document.
type termVectors struct {
	docs [][]int32 // each document's term numbers, sorted
	df   []int     // by term number: the documents holding it
	n    float64   // the documents
}

func newTermVectors(docs [][]string) *termVectors {
	num := map[string]int32{}
	var names []string
	v := &termVectors{docs: make([][]int32, len(docs)), n: float64(len(docs))}
	for i, doc := range docs {
		ids := make([]int32, len(doc))
		for j, t := range doc {
			id, ok := num[t]
			if !ok {
				id = int32(len(names))
				num[t] = id
				names = append(names, t)
			}
			ids[j] = id
		}
		v.docs[i] = ids
	}
	// Renumber the terms in sorted order.
	byName := make([]int32, len(names))
	for i := range byName {
		byName[i] = int32(i)
	}
	slices.SortFunc(byName, func(a, b int32) int { return strings.Compare(names[a], names[b]) })
	rank := make([]int32, len(names))
	for r, id := range byName {
		rank[id] = int32(r)
	}
	v.df = make([]int, len(names))
	for _, ids := range v.docs {
		for j, id := range ids {
			ids[j] = rank[id]
		}
		slices.Sort(ids)
		for j, id := range ids {
			if j == 0 || ids[j-1] != id {
				v.df[id]++
			}
		}
	}
	return v
}

// termWeight is one term of a TF-IDF vector: its number and weight.
type termWeight struct {
	term   int32
	weight float64
}

// vector appends document i's TF-IDF vector, in sorted term order, to dst: (1 + ln tf) · ln(1 + N/df).
func (v *termVectors) vector(i int, dst []termWeight) []termWeight {
	ids := v.docs[i]
	for j := 0; j < len(ids); {
		k := j
		for k < len(ids) && ids[k] == ids[j] {
			k++
		}
		f := float64(k - j)
		dst = append(dst, termWeight{ids[j], float64(1+math.Log(f)) * math.Log(1+v.n/float64(v.df[ids[j]]))})
		j = k
	}
	return dst
}

// cosine is the cosine similarity of two sparse vectors in sorted term order, summed in that order for
// determinism.
func cosine(a, b []termWeight) float64 {
	var dot, na, nb float64
	j := 0
	for _, x := range a {
		na += float64(x.weight * x.weight)
		for j < len(b) && b[j].term < x.term {
			j++
		}
		if j < len(b) && b[j].term == x.term {
			dot += float64(x.weight * b[j].weight) // explicit rounding: no fused multiply-add, the same result everywhere
		}
	}
	for _, y := range b {
		nb += float64(y.weight * y.weight)
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return dot / (math.Sqrt(na) * math.Sqrt(nb))
}

// stopWords are English function words that say nothing about a topic.
var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a an and are as at be but by can could do does for from has have how i if in
		into is it its just like may me might my no not of on or our should so some such than that the their them
		then there these they this to was we were what when which who will with would you your also about more
		very can't don't it's i'm http https com www github`) {
		m[w] = true
	}
	return m
}()

// terms splits text into lower-case word terms, without stop words and one-letter words.
func terms(text string) []string {
	var out []string
	words(strings.ToLower(text), func(w string) {
		if len(w) > 1 && !stopWords[w] {
			out = append(out, w)
		}
	})
	return out
}

// globMatch matches a file name against a glob pattern: path.Match syntax, plus ** for any number of path
// segments and patterns without a slash matching the base name anywhere.
func globMatch(pattern, name string) bool {
	if !strings.Contains(pattern, "/") && !strings.Contains(pattern, "**") {
		ok, _ := path.Match(pattern, path.Base(name))
		return ok
	}
	return matchSegments(strings.Split(pattern, "/"), strings.Split(name, "/"))
}

func matchSegments(p, n []string) bool {
	for len(p) > 0 {
		if p[0] == "**" {
			if len(p) == 1 {
				return true
			}
			for i := 0; i <= len(n); i++ {
				if matchSegments(p[1:], n[i:]) {
					return true
				}
			}
			return false
		}
		if len(n) == 0 {
			return false
		}
		if ok, _ := path.Match(p[0], n[0]); !ok {
			return false
		}
		p, n = p[1:], n[1:]
	}
	return len(n) == 0
}
