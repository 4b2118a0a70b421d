package plaudit_test

import (
	"errors"
	"strings"
	"testing"
	"unicode"

	"github.com/plaudit/plaudit"
)

func TestParseSearchQuery(t *testing.T) {
	terms, err := plaudit.ParseSearchQuery(`Go NEAR(x* -y content:z) "Fast  Compiler"`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tm := range terms {
		got = append(got, strings.Join(tm.Words, "+"))
	}
	if want := "go near x y content z fast+compiler"; strings.Join(got, " ") != want {
		t.Fatalf("got %q, want %q", strings.Join(got, " "), want)
	}
	for _, bad := range []string{`"open`, `*-()`, ``, strings.Repeat("w ", plaudit.MaxSearchTerms+1), "\xff"} {
		var pe *plaudit.Error
		if _, err := plaudit.ParseSearchQuery(bad); !errors.As(err, &pe) || pe.Code != plaudit.EINVALID {
			t.Fatalf("%q: got %v, want an invalid error", bad, err)
		}
	}
}

// FuzzParseSearchQuery checks that any input either fails as EINVALID or yields 1..MaxSearchTerms terms of
// non-empty words made only of lower-case letters and digits: nothing a full-text engine reads as syntax.
func FuzzParseSearchQuery(f *testing.F) {
	for _, s := range []string{`go compiler`, `"a b" c`, `NEAR(a b)`, `content:x`, `a* -b (c`, `"`, `""`, "\x00é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		terms, err := plaudit.ParseSearchQuery(s)
		if err != nil {
			var pe *plaudit.Error
			if !errors.As(err, &pe) || pe.Code != plaudit.EINVALID {
				t.Fatalf("%q: error %v is not EINVALID", s, err)
			}
			return
		}
		if len(terms) == 0 || len(terms) > plaudit.MaxSearchTerms {
			t.Fatalf("%q: %d terms", s, len(terms))
		}
		for _, tm := range terms {
			if len(tm.Words) == 0 {
				t.Fatalf("%q: empty term", s)
			}
			for _, w := range tm.Words {
				if w == "" {
					t.Fatalf("%q: empty word", s)
				}
				for _, r := range w {
					if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
						t.Fatalf("%q: word %q has %q", s, w, r)
					}
				}
			}
		}
	})
}
