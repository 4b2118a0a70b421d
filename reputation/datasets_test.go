package reputation

import (
	"bytes"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit/internal/testenv"
)

// checkSane checks what must hold of any converged result: every score ≥ 0, the sum 1, a second run
// identical to the bit.
func checkSane(t *testing.T, name string, run func() *Result) *Result {
	t.Helper()
	start := time.Now()
	r := run()
	elapsed := time.Since(start)
	if r.Delta >= r.Tolerance {
		t.Fatalf("%s: not converged: %g", name, r.Delta)
	}
	var sum float64
	for i, s := range r.Scores {
		if !(s >= 0) {
			t.Fatalf("%s: score of %s is %v", name, r.IDs[i], s)
		}
		sum += s
	}
	if math.Abs(sum-1) > 1e-9 {
		t.Errorf("%s: scores sum to %.17g", name, sum)
	}
	var a, b bytes.Buffer
	if err := WriteScores(&a, r); err != nil {
		t.Fatal(err)
	}
	if err := WriteScores(&b, run()); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Errorf("%s: two runs differ", name)
	}
	top := r.Ranking()[:5]
	t.Logf("%s: %d nodes, %d iterations, L1 change %.3g, %v (graph loaded); top %v", name, len(r.IDs), r.Iterations, r.Delta, elapsed.Round(time.Millisecond), top)
	return r
}

func TestFarcasterDegen(t *testing.T) {
	dir := testenv.Shared(t, "datasets/farcaster-degen")
	seed, err := LoadPretrust(filepath.Join(dir, "seed.csv"))
	if err != nil {
		t.Fatal(err)
	}
	g, err := LoadGraph([]string{filepath.Join(dir, "trust.csv")}, seed)
	if err != nil {
		t.Fatal(err)
	}
	var lines int64
	for _, c := range g.Count {
		lines += int64(c)
	}
	// 161,613 tips, 97,162 distinct (tipper, tipped) pairs once repeated tips are summed.
	if len(seed) != 12372 || lines != 161613 || g.Edges() != 97162 {
		t.Fatalf("%d seeds, %d lines, %d edges: not the dataset the README describes", len(seed), lines, g.Edges())
	}
	p, err := Pretrust(g, seed)
	if err != nil {
		t.Fatal(err)
	}
	r := checkSane(t, "farcaster-degen", func() *Result {
		r, err := EigenTrust(g, p, Params{})
		if err != nil {
			t.Fatal(err)
		}
		return r
	})
	// The heaviest seed (FID 15357, 79.5% of the seed weight) holds at least its share a·p of the trust.
	if s := r.Score("15357"); s < 0.5*0.79 {
		t.Errorf("FID 15357: %v, want at least a·p ≈ 0.397", s)
	}
	// Nothing reaches a node that is neither pre-trusted nor trusted by anyone: such nodes score 0 exactly.
	tr := g.Transpose()
	for i, id := range g.IDs {
		if seed[id] == 0 && tr.Off[i+1] == tr.Off[i] && r.Scores[i] != 0 {
			t.Fatalf("%s has no pre-trust and no in-edge but scores %v", id, r.Scores[i])
		}
	}
}

func TestHiggsTwitter(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 500,000 edges")
	}
	dir := testenv.Shared(t, "datasets/higgs-twitter")
	var files []string
	for _, f := range []string{"reply.edgelist", "mention.edgelist", "retweet.edgelist.gz"} {
		files = append(files, filepath.Join(dir, f))
	}
	g, err := LoadGraph(files, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("higgs-twitter: %d nodes, %d distinct edges", g.Len(), g.Edges())
	if g.Len() < 250000 || g.Edges() < 400000 {
		t.Fatalf("%d nodes, %d edges: not the dataset the README describes", g.Len(), g.Edges())
	}
	// No seed file: uniform pre-trust (PageRank with damping 1−a), and a second run seeded on the top 100.
	r := checkSane(t, "higgs-twitter uniform", func() *Result {
		r, err := EigenTrust(g, Uniform(g), Params{})
		if err != nil {
			t.Fatal(err)
		}
		return r
	})
	seeds := map[string]float64{}
	for _, x := range r.Ranking()[:100] {
		seeds[x.ID] = 1
	}
	p, _ := Pretrust(g, seeds)
	r2 := checkSane(t, "higgs-twitter top-100 seeds", func() *Result {
		r, err := EigenTrust(g, p, Params{})
		if err != nil {
			t.Fatal(err)
		}
		return r
	})
	// The most trusted account under uniform pre-trust stays near the top when it is one of the seeds.
	top := r.Ranking()[0].ID
	for _, x := range r2.Ranking()[:10] {
		if x.ID == top {
			return
		}
	}
	t.Errorf("uniform top %s fell out of the seeded top 10", top)
}

func TestWriteScoresQuotes(t *testing.T) {
	r := &Result{IDs: []string{"a,b", "c"}, Scores: []float64{0.25, 0.75}}
	var b bytes.Buffer
	if err := WriteScores(&b, r); err != nil {
		t.Fatal(err)
	}
	if want := "id,score\nc,0.75\n\"a,b\",0.25\n"; b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
	if _, err := ReadPretrust(strings.NewReader("i,v\n1,-2\n"), "seed.csv"); err == nil || !strings.Contains(err.Error(), "seed.csv: 1 invalid\n  line 2: field v: -2 is negative") {
		t.Errorf("bad seed: %v", err)
	}
}
