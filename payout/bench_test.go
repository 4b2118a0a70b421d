package payout

import (
	"context"
	"io"
	"math/big"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"
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
	cpu := cpuTime()
	for b.Loop() {
		if _, _, err := Root(leaves); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu)
}

// cpuTime is the CPU time this process has used, user plus system. On a machine shared with other work,
// wall time measures the queue as much as the code; CPU time per operation does not.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU adds a cpu-s/op metric: CPU seconds (all threads) per operation since start.
func reportCPU(b *testing.B, start time.Duration) {
	if b.N > 0 {
		b.ReportMetric((cpuTime()-start).Seconds()/float64(b.N), "cpu-s/op")
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
	cpu := cpuTime()
	for b.Loop() {
		for i := range tree.Len() {
			buf = tree.AppendProof(buf[:0], i)
		}
	}
	reportCPU(b, cpu)
}

// BenchmarkWriteProofs100k is the proofs file for 100,000 members (to io.Discard).
func BenchmarkWriteProofs100k(b *testing.B) {
	_, tree, _ := Root(benchLeaves(100_000))
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	for b.Loop() {
		if err := WriteProofs(io.Discard, tree); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu)
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
	cpu := cpuTime()
	for b.Loop() {
		if _, err := SignClaims(context.Background(), s, opts, claims); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu)
}
