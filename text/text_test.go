package text

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func TestSimilarityEstimatesJaccard(t *testing.T) {
	base := "the new staking dashboard finally shows delegation history per validator and I think that makes the governance vote much easier to follow for newcomers"
	edits := []string{
		base,
		base + " honestly",
		strings.Replace(base, "finally", "now", 1),
		strings.Replace(base, "dashboard finally shows delegation history", "page lists rewards", 1),
		"completely different words about a weekend hiking trip in the mountains with friends and a dog",
	}
	for _, e := range edits {
		a, _ := Sign(base)
		b, _ := Sign(e)
		est, exact := Similarity(&a, &b), Jaccard(base, e)
		if math.Abs(est-exact) > 0.15 {
			t.Errorf("estimate %.3f vs exact %.3f for %q", est, exact, e)
		}
	}
}

func TestSignDeterministic(t *testing.T) {
	a, _ := Sign("Hello, world! This is Plaudit.")
	b, _ := Sign("hello world this is plaudit")
	if a != b {
		t.Fatal("normalisation should make these equal")
	}
	// A fixed value guards against accidental changes of the hash family, which would change every stored
	// similarity: the first signature position of a known text.
	if a[0] != 859249552 || a[1] != 495683877 || a[127] != 1106509506 {
		t.Fatalf("signature changed: %d %d %d", a[0], a[1], a[127])
	}
	if _, ok := Sign("!!! ..."); ok {
		t.Fatal("a text without words has no signature")
	}
}

func TestIndexFindsNearDuplicates(t *testing.T) {
	x := NewIndex(0.5)
	x.AddCorpus("spam:1", "claim your free airdrop now at the link in bio before it is gone forever")
	texts := map[string]string{
		"a": "I reviewed the treasury proposal and the runway numbers look off by a quarter, can someone check the spreadsheet",
		"b": "I reviewed the treasury proposal and the runway numbers look off by a quarter, can someone please check the spreadsheet",
		"c": "Shipping the new docs site this week, feedback on the navigation very welcome",
		"d": "Claim your FREE airdrop now at the link in bio before it is gone forever!!",
	}
	order := []string{"a", "b", "c", "d"}
	got := map[string][]Match{}
	for _, id := range order {
		got[id] = x.Add(id, texts[id])
	}
	if len(got["a"]) != 0 || len(got["c"]) != 0 {
		t.Fatalf("unexpected matches: a=%v c=%v", got["a"], got["c"])
	}
	if len(got["b"]) != 1 || got["b"][0].ID != "a" || got["b"][0].Similarity < 0.7 {
		t.Fatalf("b should match a: %v", got["b"])
	}
	if len(got["d"]) != 1 || !got["d"][0].Corpus || got["d"][0].ID != "spam:1" {
		t.Fatalf("d should match the spam corpus: %v", got["d"])
	}
	if m := x.Query("Shipping the new docs site this week, feedback on the navigation very welcome"); len(m) != 1 || m[0].ID != "c" {
		t.Fatalf("query: %v", m)
	}
}

func TestIndexRecallAndPrecision(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	vocab := strings.Fields("token vote proposal treasury grant docs bug fix release validator stake reward epoch merge review design api wallet bridge audit community call forum roadmap metrics dashboard node client sdk test")
	sentence := func(n int) []string {
		w := make([]string, n)
		for i := range w {
			w[i] = vocab[rng.IntN(len(vocab))]
		}
		return w
	}
	x := NewIndex(0.5)
	found, planted := 0, 0
	falsePos := 0
	for i := 0; i < 2000; i++ {
		w := sentence(25)
		x.Add(fmt.Sprintf("orig%d", i), strings.Join(w, " "))
		if i%10 == 0 { // a lightly edited copy: one word changed near the end
			planted++
			w[22] = "changed"
			if m := x.Add(fmt.Sprintf("copy%d", i), strings.Join(w, " ")); len(m) > 0 && m[0].ID == fmt.Sprintf("orig%d", i) {
				found++
			}
		}
	}
	for i := 0; i < 500; i++ {
		if len(x.Query(strings.Join(sentence(25), " "))) > 0 {
			falsePos++
		}
	}
	if found*100 < planted*95 {
		t.Fatalf("recall %d/%d", found, planted)
	}
	if falsePos > 5 {
		t.Fatalf("false positives %d/500", falsePos)
	}
}

func TestSignals(t *testing.T) {
	tests := []struct {
		text  string
		check string
	}{
		{"gm", "farming"},
		{"gm ser wagmi", "farming"},
		{"gm everyone, here is my long analysis of the vote", ""},
		{"Thank you", "generic"},
		{"great post", "generic"},
		{"hellooooooo friends", "repetition"},
		{"🚀🚀 🔥", "emoji"},
		{"Agreed 💯", ""},
		{"THIS PROJECT IS GOING TO EXPLODE BUY NOW", "shouting"},
		{"http://a http://b http://c", "links"},
		{"A careful review of the grant budget with two questions about milestones.", ""},
	}
	for _, tt := range tests {
		sig := Signals(tt.text)
		if tt.check == "" {
			if len(sig) != 0 {
				t.Errorf("%q: want no signals, got %v", tt.text, sig)
			}
			continue
		}
		ok := false
		for _, s := range sig {
			ok = ok || s.Check == tt.check
		}
		if !ok {
			t.Errorf("%q: want %s, got %v", tt.text, tt.check, sig)
		}
	}
}

func FuzzIndex(f *testing.F) {
	f.Add("gm", "gm gm gm")
	f.Add("", "\xff\xfe")
	f.Add("a b c d e f", "a b c d e g")
	f.Fuzz(func(t *testing.T, a, b string) {
		x := NewIndex(0.5)
		x.Add("a", a)
		for _, m := range x.Add("b", b) {
			if m.Similarity < 0.5 || m.Similarity > 1 {
				t.Fatalf("similarity %v", m.Similarity)
			}
		}
		Signals(a)
	})
}

var benchTexts = func() []string {
	rng := rand.New(rand.NewPCG(3, 4))
	vocab := strings.Fields("the a of and to in is it you that he was for on are with as I his they be at one have this from or had by word but what some we can out other were all there when up use your how said an each she which do their time if will way about many then them write would like so these her long make thing see him two has look more day could go come did number sound no most people my over know water than call first who may down side been now find")
	out := make([]string, 10000)
	for i := range out {
		n := 8 + rng.IntN(40)
		w := make([]string, n)
		for j := range w {
			w[j] = vocab[rng.IntN(len(vocab))]
		}
		out[i] = strings.Join(w, " ")
	}
	return out
}()

// BenchmarkIndexAdd measures near-duplicate detection: sign a text and check it against everything indexed
// so far, then index it. Reported as texts/s; the target is ≥ 50,000 per core.
func BenchmarkIndexAdd(b *testing.B) {
	x := NewIndex(0.5)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		x.Add("t", benchTexts[i%len(benchTexts)])
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "texts/s")
}

func TestIndexMaxMatches(t *testing.T) {
	x := NewIndex(0.5)
	x.MaxMatches = 3
	const s = "the same long enough spam text posted again and again in every thread"
	for i := 0; i < 10; i++ {
		x.Add(fmt.Sprint(i), s)
	}
	if m := x.Query(s); len(m) != 3 {
		t.Fatalf("want 3 matches, got %d", len(m))
	}
	x.MaxMatches = 0
	if m := x.Query(s); len(m) != 10 {
		t.Fatalf("want all 10 matches, got %d", len(m))
	}
}

// TestAddSignature checks that indexing texts by their signatures (Sign, then AddSignature) finds the same
// matches as Add, and that there are some.
func TestAddSignature(t *testing.T) {
	texts := []string{
		"the quick brown fox jumps over the lazy dog today",
		"the quick brown fox jumps over the lazy dog again today",
		"an entirely different sentence about rust and go programs",
		"the quick brown fox jumps over the lazy dog today",
		"!!! ??? ...",
	}
	a, b := NewIndex(0.5), NewIndex(0.5)
	found := 0
	for i, s := range texts {
		want := a.Add(strconv.Itoa(i), s)
		var got []Match
		if sig, ok := Sign(s); ok {
			got = b.AddSignature(strconv.Itoa(i), &sig)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("text %d: AddSignature found %v, Add %v", i, got, want)
		}
		found += len(want)
	}
	if found < 3 {
		t.Fatalf("only %d matches: the comparison says too little", found)
	}
}
