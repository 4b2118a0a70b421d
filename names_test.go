package plaudit

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// checkNames interns every name of names (a repeat is the earlier one's number) and checks lookups and
// strings against a map.
func checkNames(t *testing.T, names []string) {
	t.Helper()
	var tab nameTable
	want := map[string]int32{}
	for _, s := range names {
		if _, ok := tab.lookupString(s); ok != (want[s] != 0) {
			t.Fatalf("lookup(%q) before intern: found %v, want %v", s, ok, want[s] != 0)
		}
		n := tab.internString(s)
		if w, ok := want[s]; ok && n != w-1 {
			t.Fatalf("intern(%q) again = %d, want %d", s, n, w-1)
		} else if !ok {
			if int(n) != len(want) {
				t.Fatalf("intern(%q) = %d, want the next number %d", s, n, len(want))
			}
			want[s] = n + 1
		}
	}
	if tab.len() != len(want) {
		t.Fatalf("%d names, want %d", tab.len(), len(want))
	}
	for s, w := range want {
		n, ok := tab.lookup([]byte(s))
		if !ok || n != w-1 {
			t.Fatalf("lookup(%q) = %d %v, want %d", s, n, ok, w-1)
		}
		if got := tab.str(n); got != s {
			t.Fatalf("str(%d) = %q, want %q", n, got, s)
		}
	}
	if _, ok := tab.lookupString("\x00absent"); ok {
		t.Fatal("found a name never interned")
	}
}

func TestNameTable(t *testing.T) {
	var names []string
	for i := range 300_000 { // past several doublings of the index and chunks
		names = append(names, fmt.Sprintf("x:%d", i*7919%200_000))
	}
	names = append(names, "", "x:", strings.Repeat("long", nameChunk/3), "after the long one", "")
	checkNames(t, names)
}

// TestNameTableStringsStay checks that strings given out stay what they were as the table grows.
func TestNameTableStringsStay(t *testing.T) {
	var tab nameTable
	first := tab.str(tab.internString("discord:1"))
	for i := range 100_000 {
		tab.internString(fmt.Sprint("farcaster:", i))
	}
	if first != "discord:1" {
		t.Fatalf("an early string became %q", first)
	}
}

func FuzzNameTable(f *testing.F) {
	f.Add("x:1,x:2,x:1,,discord:9")
	f.Add(",,,")
	f.Add("a\x00b,a,a\x00b")
	f.Fuzz(func(t *testing.T, list string) {
		checkNames(t, strings.Split(list, ","))
	})
}

// BenchmarkNameLookup looks up 4,000,000 names in random order, as a million members' directory is read:
// each lookup waits on memory (the slot, then the name's record), not on the hashing.
func BenchmarkNameLookup(b *testing.B) {
	var tab nameTable
	const n = 4_000_000
	keys := make([][]byte, n)
	for i := range n {
		keys[i] = fmt.Appendf(nil, "x:%d", 1_000_000_000_000_000+i*7919)
		tab.intern(keys[i])
	}
	order := rand.New(rand.NewPCG(1, 2)).Perm(n)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, ok := tab.lookup(keys[order[i%n]]); !ok {
			b.Fatal("a name interned is missing")
		}
	}
}
