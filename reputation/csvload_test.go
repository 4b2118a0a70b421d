package reputation

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/plaudit/plaudit/graph"
)

// serialGraph is the graph the serial reader builds from paths and extra nodes.
func serialGraph(t testing.TB, paths []string, extra map[string]float64) *graph.Graph {
	t.Helper()
	b := graph.NewBuilder()
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.ReadEdges(f, p); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	for _, id := range sortedKeys(extra) {
		b.AddNode(id)
	}
	return b.Build()
}

func writeFile(t testing.TB, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if strings.HasSuffix(name, ".gz") {
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		zw := gzip.NewWriter(f)
		zw.Write([]byte(body))
		zw.Close()
		f.Close()
		return p
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestParallelLoadMatchesSerial: the parallel reader builds the serial reader's graph, bit for bit, for
// every shape of input the serial one accepts (headers, quotes, comments, CRLF, whitespace lists, gzip,
// repeated pairs summed in file order, self-loops, several files and pre-trusted nodes without edges).
func TestParallelLoadMatchesSerial(t *testing.T) {
	dir := t.TempDir()
	var big strings.Builder
	big.WriteString("i,j,v\r\n")
	rng := rand.New(rand.NewPCG(1, 2))
	for k := range 300_000 { // more than one part of 4 MiB
		fmt.Fprintf(&big, "n%d, \"n%d\" ,%g\r\n", rng.IntN(5000), rng.IntN(5000), rng.Float64()*float64(k%7))
		if k%1000 == 0 {
			big.WriteString("# a comment\n\n")
		}
	}
	var num, padded strings.Builder
	num.WriteString("i,j,v\n")
	padded.WriteString("i,j,v\n")
	for k := range 300_000 {
		fmt.Fprintf(&num, "%d,%d,%g\n", rng.IntN(20000), rng.IntN(200), float64(k%5))
		fmt.Fprintf(&padded, "%07d,%07d,%d\n", rng.IntN(5000), rng.IntN(5000), 1+k%3)
	}
	cases := map[string][]string{
		// Ids that are numbers: read as numbers, the same graph.
		"numbers":         {writeFile(t, dir, "n.csv", num.String())},
		"numbers padded":  {writeFile(t, dir, "p.csv", padded.String())},
		"numbers small":   {writeFile(t, dir, "s.csv", "9,10,1\n10,100,2\n0,9,0.5\n100,9,1\n9,10,3\n\"7\", 8 ,1\n")},
		"numbers spaces":  {writeFile(t, dir, "s.txt", "# numbers\n007 042\n042\t100 2.5\n")},
		"numbers mixed":   {writeFile(t, dir, "m.csv", "1,2,1\n01,2,1\n")},
		"numbers + ids":   {writeFile(t, dir, "x.csv", "1,2,1\n"), writeFile(t, dir, "y.csv", "2,b,1\n")},
		"numbers huge":    {writeFile(t, dir, "h.csv", "1,2,1\n123456789012345678,2,1\n")},
		"numbers too big": {writeFile(t, dir, "t.csv", "1,2,1\n1234567890123456789,2,1\n")},
		"numbers 15":      {writeFile(t, dir, "w.csv", "1,2,123456789012345\n2,1,1234567890123456\n")},
		"csv":             {writeFile(t, dir, "a.csv", "i,j,v\na,b,1\nb,c,0.5\na,b,2.25\nc,c,4\n\"q\"\"x\",a,1e-3\n")},
		"no header":       {writeFile(t, dir, "b.csv", "1,2,1\n2,3,2\n3,1,1e308\n")},
		"whitespace":      {writeFile(t, dir, "c.txt", "% KONECT\n1 2\n2\t3 0.5\n  3 1 2  \n")},
		"gzip+two":        {writeFile(t, dir, "d.csv.gz", "i,j,v\nx,y,1\n"), writeFile(t, dir, "e.txt", "y x 3\nx y 1\n")},
		"big":             {writeFile(t, dir, "big.csv", big.String())},
		"empty":           {writeFile(t, dir, "f.csv", "i,j,v\n")},
	}
	for name, paths := range cases {
		t.Run(name, func(t *testing.T) {
			extra := map[string]float64{"zz-seed": 1, "a": 2}
			if strings.HasPrefix(name, "numbers") {
				extra = map[string]float64{"5": 1, "100": 2}
				if name == "numbers padded" {
					extra = map[string]float64{"0000005": 1, "0009999": 2}
				}
			}
			want := serialGraph(t, paths, extra)
			got, err := loadEdgesParallel(paths, sortedKeys(extra))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("parallel graph differs: %d nodes %d edges, serial %d nodes %d edges", got.Len(), got.Edges(), want.Len(), want.Edges())
			}
			if g, err := LoadGraph(paths, extra); err != nil || !reflect.DeepEqual(g, want) {
				t.Fatalf("LoadGraph: %v", err)
			}
		})
	}
}

// TestParallelLoadErrors: input the serial reader refuses is refused with its messages (line and field).
func TestParallelLoadErrors(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"negative":   "i,j,v\na,b,-1\n",
		"not number": "i,j,v\na,b,1\na,b,x\n",
		"fields":     "a b c d\n",
		"empty id":   "i,j,v\n,b,1\n",
		"bad utf8":   "i,j,v\n\xff,b,1\n",
		"nan":        "a b NaN\n",
	} {
		p := writeFile(t, dir, strings.ReplaceAll(name, " ", "_")+".csv", body)
		_, err := LoadGraph([]string{p}, nil)
		_, serr := graph.LoadEdges(p)
		if err == nil || serr == nil || err.Error() != serr.Error() {
			t.Errorf("%s: LoadGraph %v, serial reader %v", name, err, serr)
		}
	}
	if _, err := LoadGraph([]string{filepath.Join(dir, "missing.csv")}, nil); err == nil || !strings.Contains(err.Error(), "load edges") {
		t.Errorf("missing file: %v", err)
	}
}

// BenchmarkReputationCSV1M runs `plaudit reputation --edges` end to end (the built binary) on the
// 1,000,000-node, 10,000,000-edge graph of BenchmarkEigenTrust1M written as OpenRank CSV, and reports the
// command's wall time and peak RSS (from the child's rusage).
func BenchmarkReputationCSV1M(b *testing.B) {
	path := csv1M(b)
	dir := b.TempDir()
	bin := filepath.Join(dir, "plaudit")
	build := exec.Command("go", "build", "-o", bin, "../cmd/plaudit")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	b.ResetTimer()
	var wall, cpu, rss float64
	for b.Loop() {
		cmd := exec.Command(bin, "reputation", "--edges", path, "--tolerance", "1e-9", "--out", filepath.Join(dir, "scores.csv"))
		start := time.Now()
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%v\n%s", err, out)
		}
		wall += time.Since(start).Seconds()
		st := cmd.ProcessState
		cpu += (st.UserTime() + st.SystemTime()).Seconds()
		if ru, ok := st.SysUsage().(*syscall.Rusage); ok {
			rss = max(rss, float64(ru.Maxrss)/1024)
		}
	}
	b.ReportMetric(wall/float64(b.N), "wall-s/op")
	b.ReportMetric(cpu/float64(b.N), "cpu-s/op")
	b.ReportMetric(rss, "peak-RSS-MiB")
}

// BenchmarkLoadCSV1M reads the same CSV in the process, without the iterations: parallel (LoadGraph)
// and serial (graph.LoadEdges, the reader before issue 16).
func BenchmarkLoadCSV1M(b *testing.B) {
	path := csv1M(b)
	for _, bc := range []struct {
		name string
		load func() error
	}{
		{"parallel", func() error { _, err := LoadGraph([]string{path}, nil); return err }},
		{"serial", func() error { _, err := graph.LoadEdges(path); return err }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			cpu0 := cpuTime()
			for b.Loop() {
				if err := bc.load(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric((cpuTime()-cpu0)/float64(b.N), "cpu-s/op")
		})
	}
}

// csv1M writes BenchmarkEigenTrust1M's graph as OpenRank CSV (about 190 MB) in b's temporary directory.
func csv1M(b *testing.B) string {
	path := filepath.Join(b.TempDir(), "edges.csv")
	src, dst, w, ids, _ := powerLaw(1_000_000, 10_000_000, 1)
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	bw.WriteString("i,j,v\n")
	for k := range src {
		fmt.Fprintf(bw, "%s,%s,%g\n", ids[src[k]], ids[dst[k]], w[k])
	}
	if err := bw.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	return path
}

// TestNumericPath: edge lists whose ids are all numbers that each stand for one string are read as
// numbers; the others (leading zeros with lengths that differ, an id past maxDenseID, a pre-trusted id
// that is not a number) are read with dictionaries (TestParallelLoadMatchesSerial checks both give the
// serial graph).
func TestNumericPath(t *testing.T) {
	for _, c := range []struct {
		name, body string
		extra      []string
		want       bool
	}{
		{"plain", "i,j,v\n1,2,1\n10,9,2\n", []string{"3"}, true},
		{"padded", "0001 0002\n0010 0009\n", nil, true},
		{"lengths and zeros", "1,2,1\n01,2,1\n", nil, false},
		{"past the dense bound", "1,33554432,1\n", nil, false},
		{"pre-trusted name", "1,2,1\n", []string{"alice"}, false},
		{"a name", "1,2,1\nbob,2,1\n", nil, false},
	} {
		chunks, err := parseEdges([]byte(c.body))
		if err != nil {
			t.Fatal(err)
		}
		_, ok, err := numericGraph(chunks, c.extra)
		if err != nil || ok != c.want {
			t.Errorf("%s: read as numbers %v (%v), want %v", c.name, ok, err, c.want)
		}
	}
}
