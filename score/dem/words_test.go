package dem

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// The regexps the text was read with before wordsOf scanned it and the fast paths skipped them.
var (
	wordReference = regexp.MustCompile(`[\p{L}\p{N}_]+`)
)

func wordsReference(s string) []string {
	ws := wordReference.FindAllString(s, -1)
	for i := range ws {
		ws[i] = strings.ToLower(ws[i])
	}
	return ws
}

func mentionsReference(s string) []string {
	var out []string
	for _, m := range mentionRe.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}

func hashtagsReference(s string) []string {
	var out []string
	for _, m := range hashtagRe.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}

// checkText checks that wordsOf, mentionsIn and hashtagsIn read s as the regexps do.
func checkText(t *testing.T, s string) {
	t.Helper()
	if got, want := wordsOf(s), wordsReference(s); !reflect.DeepEqual(got, want) {
		t.Fatalf("wordsOf(%q) = %q, the regexp %q", s, got, want)
	}
	if got, want := mentionsIn(s), mentionsReference(s); !reflect.DeepEqual(got, want) {
		t.Fatalf("mentionsIn(%q) = %q, the regexp %q", s, got, want)
	}
	if got, want := hashtagsIn(s), hashtagsReference(s); !reflect.DeepEqual(got, want) {
		t.Fatalf("hashtagsIn(%q) = %q, the regexp %q", s, got, want)
	}
}

var texts = []string{
	"",
	"gm",
	"Shipping the #DeFi dashboard with @plaudit_xyz today! 🚀 #web3",
	"ÜBER straße_1 ٣٤ 漢字かな mixed-case Words_and_under_scores",
	"invalid \xff\xfe utf-8 \xc3 bytes #tag\xff @name\xfe",
	"email@example.com a&#b #a#b ##x @@y @x_@y",
	"tabs\tand\nnewlines\r\n#end",
	"½ Ⅻ ² numbers and letters ǅ",
}

func TestTextReadLikeTheRegexps(t *testing.T) {
	for _, s := range texts {
		checkText(t, s)
	}
}

func FuzzTextReading(f *testing.F) {
	for _, s := range texts {
		f.Add(s)
	}
	f.Fuzz(checkText)
}
