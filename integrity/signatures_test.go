package integrity

import (
	"strings"
	"testing"

	"github.com/plaudit/plaudit/text"
)

// TestSignaturesSpill checks that signatures read back the same from memory and, past sigsInMemory, from
// the file, in any order, and that a number out of range is refused.
func TestSignaturesSpill(t *testing.T) {
	old := sigsInMemory
	sigsInMemory = 3
	defer func() { sigsInMemory = old }()
	s := signatures{budget: sigBudget(1)}
	var want []text.Signature
	for i := 0; i < 10; i++ {
		sig, ok := text.Sign(strings.Repeat("word ", i+1) + "and some more words here")
		if !ok {
			t.Fatal("no signature")
		}
		want = append(want, sig)
		if err := s.add(&sig); err != nil {
			t.Fatal(err)
		}
		if s.spilled() != (i >= 3) {
			t.Fatalf("after %d signatures spilled = %v", i+1, s.spilled())
		}
		var got text.Signature
		if err := s.read(i/2, &got); err != nil || got != want[i/2] {
			t.Fatalf("after %d added, signature %d read back wrong (%v)", i+1, i/2, err)
		}
	}
	for _, k := range []int{9, 0, 5, 3, 2, 8} {
		var got text.Signature
		if err := s.read(k, &got); err != nil || got != want[k] {
			t.Fatalf("signature %d read back wrong (%v)", k, err)
		}
	}
	var got text.Signature
	if err := s.read(10, &got); err == nil {
		t.Fatal("signature 10 of 10 read")
	}
	if err := s.close(); err != nil {
		t.Fatal(err)
	}
}

// TestSignaturesCache checks the file's read cache: signatures read back right in order, out of order,
// across blocks that share a slot, and after more were added to a block already read.
func TestSignaturesCache(t *testing.T) {
	old := sigsInMemory
	sigsInMemory = 3
	defer func() { sigsInMemory = old }()
	s := signatures{budget: sigBudget(1)}
	defer s.close()
	sigOf := func(k int) text.Signature {
		var sig text.Signature
		for i := range sig {
			sig[i] = uint32(k*1000 + i)
		}
		return sig
	}
	n := sigBlock*(sigCached+2) + 5
	for k := 0; k < n; k++ {
		sig := sigOf(k)
		if err := s.add(&sig); err != nil {
			t.Fatal(err)
		}
	}
	check := func(k int) {
		t.Helper()
		var got text.Signature
		if err := s.read(k, &got); err != nil || got != sigOf(k) {
			t.Fatalf("signature %d read back as %d… (%v)", k, got[0], err)
		}
	}
	for k := 0; k < n; k++ {
		check(k)
	}
	for _, k := range []int{0, sigBlock * sigCached, 1, sigBlock*sigCached + 1, sigBlock + 7, sigBlock*(sigCached+1) + 7, 2, n - 1} {
		check(k)
	}
	for k := n; k < n+sigBlock; k++ { // the last block grows after it was read
		sig := sigOf(k)
		if err := s.add(&sig); err != nil {
			t.Fatal(err)
		}
		check(k - 1)
		check(k) // in order: from the block read before signature k was added, unless read again
	}
}

// TestSigBudget checks that the budget is whole up to sigsFullBudget members and shrinks past it.
func TestSigBudget(t *testing.T) {
	for _, c := range []struct{ members, want int }{
		{0, sigsInMemory}, {sigsFullBudget, sigsInMemory}, {2 * sigsFullBudget, sigsInMemory / 2}, {4 * sigsFullBudget, sigsInMemory / 4},
	} {
		if got := sigBudget(c.members); got != c.want {
			t.Errorf("sigBudget(%d) = %d, want %d", c.members, got, c.want)
		}
	}
}
