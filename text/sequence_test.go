package text

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// TestSequenceMatchesIndex checks that a Sequence gives, text by text, exactly what an Index given the
// corpus and then the same texts in the same order gives (matches, order and the MaxMatches cut), over
// texts with planted copies, spam repeated past MaxMatches, corpus hits and wordless corpus entries.
func TestSequenceMatchesIndex(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	vocab := strings.Fields("token vote proposal treasury grant docs bug fix release validator stake reward epoch merge review design api wallet bridge audit community call forum roadmap")
	sentence := func(n int) []string {
		w := make([]string, n)
		for i := range w {
			w[i] = vocab[rng.IntN(len(vocab))]
		}
		return w
	}
	corpus := []string{"claim your free airdrop now at the link below before it ends", "!!!", "send eth to this address and get double back guaranteed today"}
	corpusIDs := []string{"corpus:0", "corpus:1", "corpus:2"}
	var texts []string
	for i := 0; i < 3000; i++ {
		w := sentence(12 + rng.IntN(20))
		switch {
		case i%9 == 0 && len(texts) > 0: // a lightly edited copy of an earlier text
			w = strings.Fields(texts[rng.IntN(len(texts))])
			w[len(w)/2] = "changed"
		case i%23 == 0: // spam, repeated more often than MaxMatches
			w = strings.Fields("the same long enough spam text posted again and again in every thread")
		case i%31 == 0:
			w = append(strings.Fields(corpus[2*(i%2)]), "please")
		}
		texts = append(texts, strings.Join(w, " "))
	}
	sigs := make([]Signature, len(texts))
	for i, s := range texts {
		var ok bool
		if sigs[i], ok = Sign(s); !ok {
			t.Fatalf("text %d has no words", i)
		}
	}
	for _, max := range []int{0, 8} {
		x := NewIndex(0.5)
		x.MaxMatches = max
		for i, s := range corpus {
			x.AddCorpus(corpusIDs[i], s)
		}
		reads := 0
		q, err := NewSequence(0.5, corpus, corpusIDs, len(texts), func(i int, sig *Signature) error { reads++; *sig = sigs[i]; return nil })
		if err != nil {
			t.Fatal(err)
		}
		q.MaxMatches = max
		if q.Len() != len(texts) || reads != len(texts) {
			t.Fatalf("Len %d, %d signatures read to build, want %d", q.Len(), reads, len(texts))
		}
		id := func(i int) string { return fmt.Sprint("t", i) }
		found, corpusHits, cut := 0, 0, 0
		for i := range texts {
			want := x.AddSignature(id(i), &sigs[i])
			got, err := q.Matches(i, id)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("MaxMatches %d, text %d: the sequence found %v, the index %v", max, i, got, want)
			}
			found += len(got)
			if len(got) > 0 && got[0].Corpus {
				corpusHits++
			}
			if max > 0 && len(got) == max {
				cut++
			}
		}
		if found < 300 || corpusHits == 0 || (max > 0 && cut == 0) {
			t.Fatalf("MaxMatches %d: %d matches, %d of the corpus, %d cut: the comparison says too little", max, found, corpusHits, cut)
		}
	}
}

// TestSequenceErrors checks that a failing reader and a text out of range are reported with the text's
// number, and mismatched corpus ids are refused.
func TestSequenceErrors(t *testing.T) {
	broken := errors.New("disk gone")
	sig, _ := Sign("some words to sign here")
	fail := -1
	read := func(i int, s *Signature) error {
		if i == fail {
			return broken
		}
		*s = sig
		return nil
	}
	if _, err := NewSequence(0.5, []string{"a b c"}, nil, 0, read); err == nil {
		t.Fatal("corpus without ids accepted")
	}
	q, err := NewSequence(0.5, nil, nil, 3, read)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := q.Matches(3, strconv.Itoa); err == nil || !strings.Contains(err.Error(), "no text 3") {
		t.Fatalf("out of range: %v", err)
	}
	fail = 1
	if _, err := q.Matches(2, strconv.Itoa); !errors.Is(err, broken) || !strings.Contains(err.Error(), "signature 1") {
		t.Fatalf("a candidate's read failing: %v", err)
	}
	if _, err := NewSequence(0.5, nil, nil, 3, read); !errors.Is(err, broken) {
		t.Fatalf("a read failing while building: %v", err)
	}
}
