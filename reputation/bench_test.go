package reputation

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/plaudit/plaudit/graph"
)

// powerLaw returns a deterministic synthetic interaction graph of n nodes and m edges: out-degrees and
// in-degrees both follow Zipf laws (a few members engage and are engaged with a lot, most a little), node
// popularity is shuffled so that hubs are spread over the index range, and a tenth of the nodes trust no
// one. Every 1000th node is pre-trusted.
func powerLaw(n, m int, seed uint64) (src, dst []int32, w []float64, ids []string, p []float64) {
	rng := rand.New(rand.NewPCG(seed, 2))
	perm := rng.Perm(n)
	active := n * 9 / 10
	zOut := rand.NewZipf(rng, 1.2, 10, uint64(active-1))
	zIn := rand.NewZipf(rng, 1.1, 10, uint64(n-1))
	src, dst, w = make([]int32, m), make([]int32, m), make([]float64, m)
	for k := 0; k < m; k++ {
		// Half the edges come from the Zipf head, half uniformly, so that every active node has some.
		if k%2 == 0 {
			src[k] = int32(perm[zOut.Uint64()] % active)
		} else {
			src[k] = int32(rng.IntN(active))
		}
		dst[k] = int32(perm[zIn.Uint64()])
		w[k] = float64(1 + rng.IntN(3))
	}
	ids = make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("%07d", i)
	}
	p = make([]float64, n)
	for i := 0; i < n; i += 1000 {
		p[i] = 1
	}
	return src, dst, w, ids, p
}

var bench struct {
	once sync.Once
	g    *graph.Graph
	p    []float64
}

func benchGraph(b *testing.B) (*graph.Graph, []float64) {
	bench.once.Do(func() {
		src, dst, w, ids, p := powerLaw(1_000_000, 10_000_000, 1)
		g, err := graph.FromCOO(ids, src, dst, w, nil)
		if err != nil {
			b.Fatal(err)
		}
		bench.g, bench.p = g, p
	})
	return bench.g, bench.p
}

// cpuTime returns the user and system CPU time the process has used, in seconds: on a shared machine it
// shows the work done apart from the time spent waiting for a core.
func cpuTime() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// vmHWM returns the process's peak resident set size in bytes, from /proc/self/status.
func vmHWM() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb * 1024
		}
	}
	return 0
}

// BenchmarkEigenTrust1M runs EigenTrust to an L1 change below 1e-9 on a 1,000,000-node, 10,000,000-edge
// power-law graph (built once, outside the timer). It reports the iterations and the process's peak RSS.
func BenchmarkEigenTrust1M(b *testing.B) {
	g, p := benchGraph(b)
	b.ResetTimer()
	var r *Result
	cpu0 := cpuTime()
	for b.Loop() {
		var err error
		r, err = EigenTrust(g, p, Params{Tolerance: 1e-9})
		if err != nil {
			b.Fatal(err)
		}
	}
	if r.Delta >= 1e-9 {
		b.Fatalf("not converged: %g", r.Delta)
	}
	b.ReportMetric((cpuTime()-cpu0)/float64(b.N), "cpu-s/op")
	b.ReportMetric(float64(r.Iterations), "iterations")
	b.ReportMetric(vmHWM()/(1<<20), "peak-RSS-MiB")
	b.ReportMetric(float64(g.Edges()), "edges")
}

// BenchmarkEigenTrustIterate1M is BenchmarkEigenTrust1M without normalising the matrix: the iterations alone.
func BenchmarkEigenTrustIterate1M(b *testing.B) {
	g, p := benchGraph(b)
	m := NewMatrix(g)
	b.ResetTimer()
	var r *Result
	cpu0 := cpuTime()
	for b.Loop() {
		var err error
		if r, err = m.EigenTrust(p, Params{Tolerance: 1e-9}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric((cpuTime()-cpu0)/float64(b.N), "cpu-s/op")
	b.ReportMetric(float64(r.Iterations), "iterations")
}

// BenchmarkBuild1M builds the CSR graph of BenchmarkEigenTrust1M from its edge list (10,000,000 edges).
func BenchmarkBuild1M(b *testing.B) {
	src, dst, w, ids, _ := powerLaw(1_000_000, 10_000_000, 1)
	b.ResetTimer()
	cpu0 := cpuTime()
	for b.Loop() {
		if _, err := graph.FromCOO(ids, src, dst, w, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric((cpuTime()-cpu0)/float64(b.N), "cpu-s/op")
	b.ReportMetric(vmHWM()/(1<<20), "peak-RSS-MiB")
}
