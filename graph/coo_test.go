package graph

import (
	"math/rand/v2"
	"reflect"
	"testing"
)

// fromCOOReference is FromCOO as it was before rows were sorted in place: two stable counting sorts over
// every edge (by target, then by source). It is the reference the faster FromCOO must match bit for bit.
func fromCOOReference(ids []string, src, dst []int32, w []float64, cnt []int32) *Graph {
	n, m := len(ids), len(src)
	perm := referenceCountingSort(n, m, func(k int32) int32 { return dst[k] }, nil)
	perm = referenceCountingSort(n, m, func(k int32) int32 { return src[k] }, perm)
	g := &Graph{IDs: ids, Off: make([]int64, n+1)}
	g.Dst, g.W, g.Count = []int32{}, []float64{}, []int32{}
	prevS, prevD := int32(-1), int32(-1)
	for _, k := range perm {
		s, d := src[k], dst[k]
		if s == d || w[k] == 0 {
			continue
		}
		c := int32(1)
		if cnt != nil {
			c = cnt[k]
		}
		if s == prevS && d == prevD {
			last := len(g.Dst) - 1
			g.W[last] += w[k]
			g.Count[last] = satAdd(g.Count[last], c)
			continue
		}
		g.Dst = append(g.Dst, d)
		g.W = append(g.W, w[k])
		g.Count = append(g.Count, c)
		g.Off[s+1] = int64(len(g.Dst))
		prevS, prevD = s, d
	}
	for i := 1; i <= n; i++ {
		if g.Off[i] < g.Off[i-1] {
			g.Off[i] = g.Off[i-1]
		}
	}
	return g
}

func referenceCountingSort(n, m int, key func(int32) int32, in []int32) []int32 {
	start := make([]int64, n+1)
	for k := 0; k < m; k++ {
		start[key(int32(k))+1]++
	}
	for i := 0; i < n; i++ {
		start[i+1] += start[i]
	}
	out := make([]int32, m)
	for x := 0; x < m; x++ {
		k := int32(x)
		if in != nil {
			k = in[x]
		}
		kk := key(k)
		out[start[kk]] = k
		start[kk]++
	}
	return out
}

// randomCOO is m edges over n nodes with a heavy source (a row long enough for the stable sort, not the
// insertion sort), repeated pairs with different weights (so that the order of summing shows in the
// bits), self-loops, zero weights and counts.
func randomCOO(n, m int, seed uint64) (ids []string, src, dst []int32, w []float64, cnt []int32) {
	rng := rand.New(rand.NewPCG(seed, 9))
	ids = make([]string, n)
	for i := range ids {
		ids[i] = string(rune('a'+i/26/26/26%26)) + string(rune('a'+i/26/26%26)) + string(rune('a'+i/26%26)) + string(rune('a'+i%26))
	}
	src, dst, w, cnt = make([]int32, m), make([]int32, m), make([]float64, m), make([]int32, m)
	for k := range m {
		src[k] = int32(rng.IntN(n))
		if k%3 == 0 {
			src[k] = 0
		}
		dst[k] = int32(rng.IntN(min(n, 40)))
		if k%2 == 0 {
			dst[k] = int32(rng.IntN(n))
		}
		w[k] = rng.Float64() * 1e3
		if k%17 == 0 {
			w[k] = 0
		}
		cnt[k] = int32(1 + rng.IntN(5))
	}
	return
}

// TestFromCOOMatchesReference: FromCOO gives the two-counting-sort build's graph bit for bit, with and
// without counts, on small and large inputs.
func TestFromCOOMatchesReference(t *testing.T) {
	for _, c := range []struct{ n, m int }{{1, 0}, {3, 10}, {50, 1000}, {700, 300_000}, {100_000, 300_000}} {
		for seed := range uint64(3) {
			ids, src, dst, w, cnt := randomCOO(c.n, c.m, seed)
			for _, counts := range [][]int32{nil, cnt} {
				want := fromCOOReference(ids, src, dst, w, counts)
				got, err := FromCOO(ids, src, dst, w, counts)
				if err != nil {
					t.Fatal(err)
				}
				if len(want.Dst) == 0 {
					want.Dst, want.W, want.Count = got.Dst, got.W, got.Count
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("n=%d m=%d seed=%d counts=%v: the graph differs from the reference", c.n, c.m, seed, counts != nil)
				}
			}
		}
	}
}

// BenchmarkFromCOO compares FromCOO with the reference build on 1M nodes and 10M edges with a power-law
// source: go test ./graph -run XXX -bench FromCOO -count 5 | benchstat -col /impl -
func BenchmarkFromCOO(b *testing.B) {
	const n, m = 1_000_000, 10_000_000
	rng := rand.New(rand.NewPCG(1, 2))
	zipf := rand.NewZipf(rng, 1.2, 10, n-1)
	ids := make([]string, n)
	for i := range ids {
		ids[i] = string(rune('a'+i/26/26/26/26%26)) + string(rune('a'+i/26/26/26%26)) + string(rune('a'+i/26/26%26)) +
			string(rune('a'+i/26%26)) + string(rune('a'+i%26))
	}
	src, dst, w := make([]int32, m), make([]int32, m), make([]float64, m)
	for k := range m {
		src[k], dst[k], w[k] = int32(zipf.Uint64()), int32(rng.IntN(n)), float64(1+rng.IntN(3))
	}
	b.Run("impl=reference", func(b *testing.B) {
		for b.Loop() {
			fromCOOReference(ids, src, dst, w, nil)
		}
	})
	b.Run("impl=rows", func(b *testing.B) {
		for b.Loop() {
			if _, err := FromCOO(ids, src, dst, w, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}
