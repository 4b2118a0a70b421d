package text

import "sort"

// LSH banding: the first Bands×Rows signature values are cut into Bands bands of Rows values; two texts become
// candidates when any band is equal. With 16 bands of 4 rows a pair at Jaccard 0.7 is a candidate with
// probability 0.99, at 0.5 with 0.64 and at 0.3 with 0.12; candidates are then checked against the threshold
// with the full signature, so the banding decides speed, not the answer's precision.
const (
	Bands = 16
	Rows  = 4
)

// Match is a near-duplicate found by an Index: which indexed text, and how similar (estimated Jaccard of
// word 3-gram sets).
type Match struct {
	ID         string
	Similarity float64
	Corpus     bool // the match is an entry of the known-spam corpus, not a community text
}

// Index finds near-duplicates among texts added to it, incrementally: Add reports the earlier texts a new
// one nearly duplicates. It is not safe for concurrent use.
type Index struct {
	// MaxMatches, when positive, stops a query once it has found that many matches: the matches returned are
	// then the first found, most similar first among them. Near-duplicate spam puts thousands of copies in
	// one bucket; a caller that needs only "is this a copy, and of what" sets it to keep a query's cost flat.
	MaxMatches int

	threshold float64
	buckets   [Bands]map[uint64]int32 // band hash → last doc in the bucket
	chain     []int32                 // chain[doc*Bands+band] → previous doc in the same bucket, or -1
	sigs      []Signature
	ids       []string
	corpus    []bool
	seen      []uint32 // per doc: the query stamp that last saw it, to check each candidate once
	stamp     uint32
	hashes    []uint64
}

// NewIndex returns an empty index that reports matches with estimated similarity ≥ threshold.
func NewIndex(threshold float64) *Index {
	x := &Index{threshold: threshold}
	for i := range x.buckets {
		x.buckets[i] = map[uint64]int32{}
	}
	return x
}

// Len returns the number of texts indexed.
func (x *Index) Len() int { return len(x.ids) }

// AddCorpus indexes a known-spam text: later texts that match it are reported with Corpus set.
func (x *Index) AddCorpus(id, s string) {
	sig, ok := Sign(s)
	if ok {
		x.insert(id, &sig, true)
	}
}

// Add indexes s under id and returns the earlier texts it nearly duplicates, most similar first (ties by
// order of addition). Texts without words are not indexed and match nothing.
func (x *Index) Add(id, s string) []Match {
	x.hashes = shingleHashes(x.hashes[:0], Normalize(s))
	sig, ok := signHashes(x.hashes)
	if !ok {
		return nil
	}
	m := x.query(&sig)
	x.insert(id, &sig, false)
	return m
}

// Query returns the indexed texts that s nearly duplicates, without adding s.
func (x *Index) Query(s string) []Match {
	sig, ok := Sign(s)
	if !ok {
		return nil
	}
	return x.query(&sig)
}

func bandHash(sig *Signature, band int) uint64 {
	h := uint64(fnvOffset) ^ uint64(band)*0x9e3779b97f4a7c15
	for _, v := range sig[band*Rows : (band+1)*Rows] {
		h ^= uint64(v)
		h *= 0x100000001b3
		h ^= h >> 29
	}
	return h
}

func (x *Index) query(sig *Signature) []Match {
	x.stamp++
	if x.stamp == 0 { // wrapped: clear stamps
		for i := range x.seen {
			x.seen[i] = 0
		}
		x.stamp = 1
	}
	type hit struct {
		doc int32
		sim float64
	}
	var hits []hit
scan:
	for b := 0; b < Bands; b++ {
		doc, ok := x.buckets[b][bandHash(sig, b)]
		for ok && doc >= 0 {
			if x.seen[doc] != x.stamp {
				x.seen[doc] = x.stamp
				if s := Similarity(sig, &x.sigs[doc]); s >= x.threshold {
					hits = append(hits, hit{doc, s})
					if x.MaxMatches > 0 && len(hits) >= x.MaxMatches {
						break scan
					}
				}
			}
			doc = x.chain[int(doc)*Bands+b]
		}
	}
	if len(hits) == 0 {
		return nil
	}
	sort.Slice(hits, func(i, j int) bool {
		if hits[i].sim != hits[j].sim {
			return hits[i].sim > hits[j].sim
		}
		return hits[i].doc < hits[j].doc
	})
	out := make([]Match, len(hits))
	for i, h := range hits {
		out[i] = Match{ID: x.ids[h.doc], Similarity: h.sim, Corpus: x.corpus[h.doc]}
	}
	return out
}

func (x *Index) insert(id string, sig *Signature, corpus bool) {
	doc := int32(len(x.ids))
	x.ids = append(x.ids, id)
	x.sigs = append(x.sigs, *sig)
	x.corpus = append(x.corpus, corpus)
	x.seen = append(x.seen, 0)
	for b := 0; b < Bands; b++ {
		h := bandHash(sig, b)
		prev, ok := x.buckets[b][h]
		if !ok {
			prev = -1
		}
		x.chain = append(x.chain, prev)
		x.buckets[b][h] = doc
	}
}

// AddSignature is Add for a text already signed with Sign (whose ok was true): it indexes sig under id and
// returns the earlier texts it nearly duplicates. It lets a caller sign texts as they stream past in one
// order and index them later in another, keeping signatures instead of the texts.
func (x *Index) AddSignature(id string, sig *Signature) []Match {
	m := x.query(sig)
	x.insert(id, sig, false)
	return m
}
