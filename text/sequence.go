package text

import (
	"fmt"
	"slices"
	"sort"
)

// Sequence finds near-duplicates among texts whose signatures are all known before the first is looked
// up, taken in a fixed order: Matches(i) returns what an Index would return from AddSignature for text i
// after the corpus and texts 0…i-1 had been added to it (the same matches, in the same order, cut at the
// same MaxMatches). It is Index for a caller that has signed every text first — the integrity checks sign
// a window's texts as they stream past and compare them afterwards in time order.
//
// It holds, per band, the texts' band hashes sorted (12 bytes a band a text: 192 bytes a text) instead of
// Index's maps and chains (about 600), and not the signatures: it reads them through a SignatureReader,
// so that the caller keeps them where it likes (a file, for a window of millions of texts). It is not
// safe for concurrent use.
type Sequence struct {
	// MaxMatches, when positive, stops a lookup once it has found that many matches (Index.MaxMatches).
	MaxMatches int

	threshold float64
	read      SignatureReader
	corpus    []Signature // the corpus's signatures: docs 0…len(corpus)-1; text i is doc len(corpus)+i
	corpusIDs []string
	n         int
	bands     [Bands]sortedBand
	seen      []uint32
	stamp     uint32
	sig, cand Signature
}

// SignatureReader reads the signature of text i (0 ≤ i < n, in the Sequence's order) into sig.
type SignatureReader func(i int, sig *Signature) error

// sortedBand is one band's hashes of every doc, sorted by hash, then doc.
type sortedBand struct {
	hash []uint64
	doc  []int32
}

func (b *sortedBand) Len() int { return len(b.hash) }
func (b *sortedBand) Less(i, j int) bool {
	return b.hash[i] < b.hash[j] || (b.hash[i] == b.hash[j] && b.doc[i] < b.doc[j])
}
func (b *sortedBand) Swap(i, j int) {
	b.hash[i], b.hash[j] = b.hash[j], b.hash[i]
	b.doc[i], b.doc[j] = b.doc[j], b.doc[i]
}

// NewSequence returns the sequence of n texts read through read, after the known-spam texts of corpus
// (named corpusIDs; a corpus text without words is left out, as Index.AddCorpus leaves it), that reports
// matches with estimated similarity ≥ threshold. It reads every signature once, in order.
func NewSequence(threshold float64, corpus, corpusIDs []string, n int, read SignatureReader) (*Sequence, error) {
	if len(corpusIDs) != len(corpus) {
		return nil, fmt.Errorf("text: %d corpus texts but %d ids", len(corpus), len(corpusIDs))
	}
	q := &Sequence{threshold: threshold, read: read, n: n}
	for i, s := range corpus {
		if sig, ok := Sign(s); ok {
			q.corpus = append(q.corpus, sig)
			q.corpusIDs = append(q.corpusIDs, corpusIDs[i])
		}
	}
	docs := len(q.corpus) + n
	if docs > 1<<31-1 {
		return nil, fmt.Errorf("text: %d texts are more than a sequence numbers", docs)
	}
	for b := range q.bands {
		q.bands[b] = sortedBand{hash: make([]uint64, docs), doc: make([]int32, docs)}
	}
	put := func(doc int, sig *Signature) {
		for b := range q.bands {
			q.bands[b].hash[doc] = bandHash(sig, b)
			q.bands[b].doc[doc] = int32(doc)
		}
	}
	for i := range q.corpus {
		put(i, &q.corpus[i])
	}
	for i := 0; i < n; i++ {
		if err := read(i, &q.sig); err != nil {
			return nil, fmt.Errorf("text: signature %d: %w", i, err)
		}
		put(len(q.corpus)+i, &q.sig)
	}
	for b := range q.bands {
		sort.Sort(&q.bands[b])
	}
	q.seen = make([]uint32, docs)
	return q, nil
}

// Len returns the number of texts in the sequence, the corpus not counted.
func (q *Sequence) Len() int { return q.n }

// Matches returns the corpus texts and the texts before i that text i nearly duplicates, most similar first
// (ties by order), named by id for a text and by its corpus id for a corpus text.
func (q *Sequence) Matches(i int, id func(i int) string) ([]Match, error) {
	if i < 0 || i >= q.n {
		return nil, fmt.Errorf("text: no text %d in a sequence of %d", i, q.n)
	}
	if err := q.read(i, &q.sig); err != nil {
		return nil, fmt.Errorf("text: signature %d: %w", i, err)
	}
	q.stamp++
	if q.stamp == 0 { // wrapped: clear stamps
		clear(q.seen)
		q.stamp = 1
	}
	type hit struct {
		doc int32
		sim float64
	}
	var hits []hit
	self := int32(len(q.corpus) + i)
scan:
	for b := range q.bands {
		band := &q.bands[b]
		h := bandHash(&q.sig, b)
		// The docs of this band's bucket that come before self, latest first: Index's chain order.
		lo, _ := slices.BinarySearch(band.hash, h)
		hi := lo + sort.Search(len(band.hash)-lo, func(k int) bool { return band.hash[lo+k] != h || band.doc[lo+k] >= self })
		for k := hi - 1; k >= lo; k-- {
			doc := band.doc[k]
			if q.seen[doc] == q.stamp {
				continue
			}
			q.seen[doc] = q.stamp
			cand := &q.cand
			if int(doc) < len(q.corpus) {
				cand = &q.corpus[doc]
			} else if err := q.read(int(doc)-len(q.corpus), cand); err != nil {
				return nil, fmt.Errorf("text: signature %d: %w", int(doc)-len(q.corpus), err)
			}
			if s := Similarity(&q.sig, cand); s >= q.threshold {
				hits = append(hits, hit{doc, s})
				if q.MaxMatches > 0 && len(hits) >= q.MaxMatches {
					break scan
				}
			}
		}
	}
	if len(hits) == 0 {
		return nil, nil
	}
	sort.Slice(hits, func(a, b int) bool {
		if hits[a].sim != hits[b].sim {
			return hits[a].sim > hits[b].sim
		}
		return hits[a].doc < hits[b].doc
	})
	out := make([]Match, len(hits))
	for k, h := range hits {
		if int(h.doc) < len(q.corpus) {
			out[k] = Match{ID: q.corpusIDs[h.doc], Similarity: h.sim, Corpus: true}
		} else {
			out[k] = Match{ID: id(int(h.doc) - len(q.corpus)), Similarity: h.sim}
		}
	}
	return out, nil
}
