package embedding

import (
	"encoding/binary"
	"fmt"
	"math"
	"runtime"
	"sort"
	"sync"
)

// Encode writes a vector as little-endian float32s: the form the store keeps.
func Encode(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

// DecodeVector reads a vector Encode wrote.
func DecodeVector(b []byte) ([]float32, error) {
	if len(b)%4 != 0 || len(b) == 0 {
		return nil, fmt.Errorf("embedding: a vector of %d bytes, want a positive multiple of 4", len(b))
	}
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v, nil
}

// Index holds unit vectors by event seq, in one flat slab, and finds the most similar to a query by
// exhaustive cosine similarity (a dot product of unit vectors) on every CPU. Exhaustive search is exact and
// deterministic: the same vectors and query give the same hits, ties in seq order. Safe for concurrent use.
type Index struct {
	mu   sync.RWMutex
	dims int
	seqs []int64
	slab []float32
	last int64 // the highest seq added
}

// Len returns how many vectors the index holds.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return len(ix.seqs)
}

// Last returns the highest seq added (0 when empty).
func (ix *Index) Last() int64 {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.last
}

// Add adds the vector of event seq; vectors must all have one length, and seqs come in increasing order
// (a seq not above the last one added is ignored: the store is read in seq order).
func (ix *Index) Add(seq int64, v []float32) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.dims == 0 {
		ix.dims = len(v)
	}
	if len(v) != ix.dims || len(v) == 0 {
		return fmt.Errorf("embedding: a vector of %d numbers in an index of %d", len(v), ix.dims)
	}
	if len(ix.seqs) > 0 && seq <= ix.last {
		return nil
	}
	ix.seqs = append(ix.seqs, seq)
	ix.slab = append(ix.slab, v...)
	ix.last = max(ix.last, seq)
	return nil
}

// Hit is one similar vector: its event seq and cosine similarity.
type Hit struct {
	Seq   int64
	Score float32
}

// Search returns the k vectors most similar to q, best first (ties by seq), leaving out those keep
// refuses (keep nil keeps all).
func (ix *Index) Search(q []float32, k int, keep func(seq int64) bool) ([]Hit, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if len(ix.seqs) == 0 || k <= 0 {
		return nil, nil
	}
	if len(q) != ix.dims {
		return nil, fmt.Errorf("embedding: a query of %d numbers for vectors of %d (was the model changed?)", len(q), ix.dims)
	}
	n := len(ix.seqs)
	workers := min(runtime.GOMAXPROCS(0), max(1, n/20000))
	parts := make([][]Hit, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lo, hi := w*n/workers, (w+1)*n/workers
			top := make([]Hit, 0, k+1)
			for i := lo; i < hi; i++ {
				if keep != nil && !keep(ix.seqs[i]) {
					continue
				}
				h := Hit{Seq: ix.seqs[i], Score: Dot(ix.slab[i*ix.dims:(i+1)*ix.dims], q)}
				if len(top) == k && !better(h, top[k-1]) {
					continue
				}
				// Insert in order: k is small (a page), so insertion beats a heap.
				p := sort.Search(len(top), func(j int) bool { return better(h, top[j]) })
				if len(top) < k {
					top = append(top, Hit{})
				}
				copy(top[p+1:], top[p:len(top)-1])
				top[p] = h
			}
			parts[w] = top
		}()
	}
	wg.Wait()
	var all []Hit
	for _, p := range parts {
		all = append(all, p...)
	}
	sort.Slice(all, func(i, j int) bool { return better(all[i], all[j]) })
	if len(all) > k {
		all = all[:k]
	}
	return all, nil
}

// Dot is the dot product of two vectors of one length (of unit vectors: their cosine similarity). It sums
// in eight independent running totals, combined in a fixed order, so that the CPU overlaps the additions
// (one total waits on each addition before the next: four times slower at 1M vectors) and the result is
// the same on every run.
func Dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3, s4, s5, s6, s7 float32
	i := 0
	for ; i+8 <= len(a); i += 8 {
		x, y := a[i:i+8:i+8], b[i:i+8:i+8]
		s0 += x[0] * y[0]
		s1 += x[1] * y[1]
		s2 += x[2] * y[2]
		s3 += x[3] * y[3]
		s4 += x[4] * y[4]
		s5 += x[5] * y[5]
		s6 += x[6] * y[6]
		s7 += x[7] * y[7]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
}

func better(a, b Hit) bool {
	if a.Score != b.Score {
		return a.Score > b.Score
	}
	return a.Seq < b.Seq
}

// Vector returns a copy of the vector of event seq, if the index holds it.
func (ix *Index) Vector(seq int64) ([]float32, bool) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	i := sort.Search(len(ix.seqs), func(i int) bool { return ix.seqs[i] >= seq })
	if i == len(ix.seqs) || ix.seqs[i] != seq {
		return nil, false
	}
	return append([]float32(nil), ix.slab[i*ix.dims:(i+1)*ix.dims]...), true
}
