package payout

import (
	"context"
	"io"
	"math/big"
	"math/rand/v2"
	"testing"
)

// Settlement closes a million-member epoch in under 5 s in total; the tree must take a small part of that.
//
//	go test -run XXX -bench . -benchmem -count 5 ./payout/ | tee bench.txt; benchstat bench.txt

func benchLeaves(n int) []Leaf {
	return randomLeaves(rand.New(rand.NewPCG(uint64(n), 9)), n)
}

func benchmarkTree(b *testing.B, n int) {
	leaves := benchLeaves(n)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := Root(leaves); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTree1k(b *testing.B) { benchmarkTree(b, 1_000) }
func BenchmarkTree1M(b *testing.B) { benchmarkTree(b, 1_000_000) }

// BenchmarkProofs1M is the cost of reading every member's proof out of a built million-leaf tree.
func BenchmarkProofs1M(b *testing.B) {
	_, tree, _ := Root(benchLeaves(1_000_000))
	var buf []Hash
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for i := range tree.Len() {
			buf = tree.AppendProof(buf[:0], i)
		}
	}
}

// BenchmarkWriteProofs100k is the proofs file for 100,000 members (to io.Discard).
func BenchmarkWriteProofs100k(b *testing.B) {
	_, tree, _ := Root(benchLeaves(100_000))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := WriteProofs(io.Discard, tree); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSignClaims1k signs 1,000 Permit2 claims.
func BenchmarkSignClaims1k(b *testing.B) {
	s, _ := NewSigner(anvilKey0)
	claims := make([]Claim, 1000)
	for i := range claims {
		claims[i] = Claim{Beneficiary: Address{byte(i), byte(i >> 8), 7}, Amount: big.NewInt(int64(i + 1))}
	}
	opts := ClaimOptions{Domain: Domain{ChainID: 100, Permit2: CanonicalPermit2}, Program: "bench", Epoch: "1"}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := SignClaims(context.Background(), s, opts, claims); err != nil {
			b.Fatal(err)
		}
	}
}
