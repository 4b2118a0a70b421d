package gen

import (
	"bufio"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/internal/testenv"
)

// topShare returns the share of the total held by the top fraction f of the counts.
func topShare(counts map[string]int, f float64) float64 {
	v := make([]int, 0, len(counts))
	total := 0
	for _, n := range counts {
		v = append(v, n)
		total += n
	}
	sort.Sort(sort.Reverse(sort.IntSlice(v)))
	top := 0
	for _, n := range v[:max(1, int(float64(len(v))*f))] {
		top += n
	}
	return float64(top) / float64(max(total, 1))
}

// higgsInDegree reads a SNAP Higgs edge list ("source target weight" lines) into in-degrees weighted by
// the number of interactions, as the generated events count them.
func higgsInDegree(t *testing.T, path string) map[string]int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		r = zr
	}
	in := map[string]int{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) < 2 {
			continue
		}
		w := 1
		if len(fs) > 2 {
			if n, err := strconv.Atoi(fs[2]); err == nil && n > 0 {
				w = n
			}
		}
		in[fs[1]] += w
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return in
}

// TestAttentionLikeRealTwitter compares how concentrated attention is in a generated community with the
// Higgs Twitter dataset: the share of replies and reposts that the most-engaged 10% of accounts receive
// should fall between what real replies (less concentrated) and real retweets (more) show.
func TestAttentionLikeRealTwitter(t *testing.T) {
	dir := testenv.Shared(t, "datasets/higgs-twitter")
	replyReal := topShare(higgsInDegree(t, filepath.Join(dir, "reply.edgelist")), 0.1)
	retweetReal := topShare(higgsInDegree(t, filepath.Join(dir, "retweet.edgelist.gz")), 0.1)
	c := generate(t, std)
	in := map[plaudit.Kind]map[string]int{plaudit.KindReply: {}, plaudit.KindRepost: {}}
	for i := range c.events {
		e := &c.events[i]
		if m := in[e.Kind]; m != nil && e.Source == plaudit.SourceX && e.TargetAuthor != "" {
			m[e.TargetAuthor]++
		}
	}
	lo, hi := replyReal*0.8, retweetReal*1.1
	t.Logf("top 10%% share of in-degree: Higgs replies %.2f, retweets %.2f; generated replies %.2f, reposts %.2f",
		replyReal, retweetReal, topShare(in[plaudit.KindReply], 0.1), topShare(in[plaudit.KindRepost], 0.1))
	for k, m := range in {
		if s := topShare(m, 0.1); s < lo || s > hi {
			t.Errorf("%s: top 10%% of accounts receive %.2f, want between %.2f and %.2f", k, s, lo, hi)
		}
	}
}
