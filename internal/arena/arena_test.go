package arena

import (
	"strings"
	"testing"
)

// TestKeep checks that kept strings are equal to the originals, independent of them, and stay valid as
// blocks fill and new ones start.
func TestKeep(t *testing.T) {
	var a Strings
	var kept, want []string
	for i := 0; i < 100_000; i++ {
		s := strings.Repeat(string(rune('a'+i%26)), i%97)
		b := []byte(s)
		k := a.Keep(string(b))
		clear(b)
		kept, want = append(kept, k), append(want, s)
	}
	long := strings.Repeat("x", blockSize)
	kept, want = append(kept, a.Keep(long)), append(want, long)
	for i := range kept {
		if kept[i] != want[i] {
			t.Fatalf("string %d: kept %q, want %q", i, kept[i], want[i])
		}
	}
}

// TestLists checks that carved slices do not overlap: filling each to its capacity leaves every other as
// it was, and Grow keeps the contents and leaves the old array alone.
func TestLists(t *testing.T) {
	var a Lists
	var lists [][]string
	for i := 0; i < 20_000; i++ {
		s := a.Make(1 + i%7)
		for len(s) < cap(s) {
			s = append(s, strings.Repeat("v", i%5)+string(rune('A'+i%26)))
		}
		lists = append(lists, s)
	}
	for i, s := range lists {
		for _, v := range s {
			if want := strings.Repeat("v", i%5) + string(rune('A'+i%26)); v != want {
				t.Fatalf("list %d holds %q, want %q: carved slices overlap", i, v, want)
			}
		}
	}
	s := a.Make(2)
	s = append(s, "a", "b")
	old := s
	g := a.Grow(s)
	g = append(g, "c")
	g[0] = "z"
	if old[0] != "a" || len(g) != 3 || g[1] != "b" || g[2] != "c" {
		t.Fatalf("Grow: old %v, grown %v", old, g)
	}
	if big := a.Make(sliceBlock); cap(big) != sliceBlock {
		t.Fatalf("a long list got capacity %d, want %d", cap(big), sliceBlock)
	}
}

// TestKeepBytes checks that a string kept from a buffer does not change when the buffer is reused.
func TestKeepBytes(t *testing.T) {
	var a Strings
	buf := []byte("x/123")
	k := a.KeepBytes(buf)
	copy(buf, "y/456")
	if k != "x/123" || a.KeepBytes(nil) != "" || a.Keep("") != "" {
		t.Fatalf("kept %q from a buffer since rewritten, want x/123", k)
	}
}
