package poe

import (
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
)

// wordSetReference is how the comment rules split a text before word lists: strings.ToLower, then
// strings.FieldsFunc at every rune that is not a-z, 0-9 or above 127, into a set.
func wordSetReference(s string) map[string]struct{} {
	out := map[string]struct{}{}
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127)
	}) {
		out[w] = struct{}{}
	}
	return out
}

// jaccardReference is |a ∩ b| / |a ∪ b| of two sets, rounded down: the similarity the duplicate rule was
// published with.
func jaccardReference(a, b map[string]struct{}) plaudit.Ratio {
	if len(a) == 0 && len(b) == 0 {
		return 0
	}
	inter := 0
	for w := range a {
		if _, ok := b[w]; ok {
			inter++
		}
	}
	return plaudit.Ratio(int64(inter) * int64(plaudit.One) / int64(len(a)+len(b)-inter))
}

// checkWords checks that word lists of a and b count and compare as the reference sets do.
func checkWords(t *testing.T, a, b string) {
	t.Helper()
	var wa, wb wordList
	wa.reset(a)
	wb.reset(b)
	ra, rb := wordSetReference(a), wordSetReference(b)
	if wa.len() != len(ra) {
		t.Fatalf("%q: %d distinct words, the reference %d", a, wa.len(), len(ra))
	}
	for i, span := range wa.words {
		w := string(wa.word(span))
		if _, ok := ra[w]; !ok {
			t.Fatalf("%q: word %q is not the reference's", a, w)
		}
		if i > 0 && string(wa.word(wa.words[i-1])) >= w {
			t.Fatalf("%q: words not sorted and distinct at %q", a, w)
		}
	}
	if got, want := jaccard(&wa, &wb), jaccardReference(ra, rb); got != want {
		t.Fatalf("jaccard(%q, %q) = %s, the reference %s", a, b, got, want)
	}
	// The size bound never skips a comment as similar as a threshold.
	sim := jaccard(&wa, &wb)
	for _, min := range []plaudit.Ratio{0, 1, plaudit.One / 3, plaudit.One / 2, 800_000, plaudit.One - 1, plaudit.One} {
		if !similarSizes(wa.len(), wb.len(), min) && sim >= min {
			t.Fatalf("%q and %q are %s similar, but their sizes %d and %d were held to be below %s", a, b, sim, wa.len(), wb.len(), min)
		}
	}
	// A list reused for another text holds only that text's words.
	wa.reset(b)
	if wa.len() != len(rb) || jaccard(&wa, &wb) != jaccardReference(rb, rb) {
		t.Fatalf("a list reused for %q: %d words, the reference %d", b, wa.len(), len(rb))
	}
}

var wordPairs = [][2]string{
	{"", ""},
	{"", "one word"},
	{"Great point about the Merkle roots, thanks!", "great point about the merkle roots thanks"},
	{"The THE the tHe", "the"},
	{"Ünïcödé ÉTÉ été straße STRASSE", "été ÉTÉ strasse"},
	{"tabs\tand\nnewlines,\r\npunctuation...only", "and tabs only"},
	{"emoji 🔥🔥 fire🔥 x", "fire🔥 emoji"},
	{"invalid \xff\xfe bytes \xc3", "bytes \xff invalid"},
	{"a1 b2 c3 ... 42 0x1f", "0x1f 42 a1"},
	{"İstanbul ǅ ß ﬁ", "i̇stanbul ǆ"},
	{"under_score dash-word dot.word", "under score dash word"},
	{"one two three four five", "one two three four five six"},
	{"one two three four", "one two three four five"},
}

func TestWordListMatchesSets(t *testing.T) {
	for _, p := range wordPairs {
		checkWords(t, p[0], p[1])
		checkWords(t, p[1], p[0])
	}
}

func FuzzWordList(f *testing.F) {
	for _, p := range wordPairs {
		f.Add(p[0], p[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) { checkWords(t, a, b) })
}

// BenchmarkNearDuplicateWords compares one comment with another as the near-duplicate check does, with
// word lists and with the sets they replaced (the baseline, measured in the same run).
func BenchmarkNearDuplicateWords(b *testing.B) {
	texts := []string{
		"After a week with the ambassador program: it broke my old workflow. It seems to me that quality matters more than volume here.",
		"Honestly the new epoch rewards make sense, the points for replies feel fair and the explanations help a lot.",
		"Could someone explain how the reputation weight works? I read the docs but the example with likes confused me.",
	}
	b.Run("lists", func(b *testing.B) {
		var w, o wordList
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			w.reset(texts[i%3])
			o.reset(texts[(i+1)%3])
			_ = jaccard(&w, &o)
		}
	})
	b.Run("sets", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			_ = jaccardReference(wordSetReference(texts[i%3]), wordSetReference(texts[(i+1)%3]))
		}
	})
}
