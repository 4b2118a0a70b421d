package web

import (
	"errors"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/policy"
)

// FuzzSafeNext checks that the post-sign-in destination, which comes from the query or the form, is
// always the panel's own path or nothing: never another site.
func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"/admin/", "/admin/leaderboard?board=week", "//evil.example/admin/", "https://evil.example", "/admin/\\\\evil", "/admin/\r\nSet-Cookie: x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, next string) {
		got := safeNext(next)
		if got == "" {
			return
		}
		if got != next || !strings.HasPrefix(got, Prefix) || strings.HasPrefix(got, "//") || strings.ContainsAny(got, "\\\r\n") {
			t.Fatalf("safeNext(%q) = %q", next, got)
		}
	})
}

// FuzzDocumentErrors feeds edited policies to the parser and the rules page's error placement: it never
// panics, and every error line it shows is a line of the document.
func FuzzDocumentErrors(f *testing.F) {
	src, err := policy.PresetSource("default")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(src))
	f.Add(strings.Replace(string(src), "weight: 0.2", "weight: lots", 1))
	f.Add("name: [\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, doc string) {
		_, err := policy.Parse([]byte(doc), "fuzz")
		if err == nil {
			return
		}
		msgs, lines := documentErrors(doc, err)
		if len(msgs) == 0 {
			t.Fatalf("no message for %v", err)
		}
		n := strings.Count(doc, "\n") + 1
		for _, l := range lines {
			if !l.Gap && (l.N < 1 || l.N > n) {
				t.Fatalf("line %d of a %d-line document", l.N, n)
			}
		}
		var ve *plaudit.ValidationError
		if errors.As(err, &ve) && len(msgs) != len(ve.Errors) {
			t.Fatalf("%d messages for %d errors", len(msgs), len(ve.Errors))
		}
	})
}
