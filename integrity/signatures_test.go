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
	var s signatures
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
