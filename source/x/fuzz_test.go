package x_test

import (
	"os"
	"testing"

	"github.com/plaudit/plaudit/source/x"
)

func seed(f *testing.F, names ...string) {
	for _, n := range names {
		b, err := os.ReadFile("testdata/" + n)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"data":[{"id":"1"}]}`))
	f.Add([]byte(`{"data":[{"id":"x","author_id":"1"}]}`))
}

// FuzzDecodeTweets: any bytes decode to posts that each have a numeric id, author and a time, or to an
// error, and the events made of them are valid x events; it never panics.
func FuzzDecodeTweets(f *testing.F) {
	seed(f, "search_from_acmeproject.json", "search_from_alice.json", "search_mentions_acmeproject.json", "search_empty.json")
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := x.DecodeTweets(b)
		if err != nil {
			return
		}
		for _, e := range x.Events(p, false) {
			if e.ExternalID == "" || e.Actor == "" || e.Time.IsZero() {
				t.Fatalf("event without id, actor or time: %+v", e)
			}
		}
	})
}

// FuzzDecodeUsers: any bytes decode to users with numeric ids, or to an error; it never panics.
func FuzzDecodeUsers(f *testing.F) {
	seed(f, "users_liking.json")
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := x.DecodeUsers(b)
		if err != nil {
			return
		}
		for _, u := range p.Data {
			if u.ID == "" {
				t.Fatalf("user without id: %+v", u)
			}
		}
	})
}
