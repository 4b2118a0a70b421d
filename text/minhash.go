// Package text holds Plaudit's text features: near-duplicate detection with MinHash and locality-sensitive
// hashing, and the farming, generic-reply and spam signals the seeds name. Everything is deterministic: the
// same texts give the same signatures, candidates and similarities on every machine.
package text

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// SignatureSize is the number of MinHash values per text. 128 values estimate a Jaccard similarity to within
// about ±0.09 (two standard deviations at J = 0.5), enough to tell a copy from a reply.
const SignatureSize = 128

// Signature is a MinHash signature: for each of SignatureSize hash functions, the least hash over the text's
// shingles, 32 bits each (collisions at 2⁻³² per position are negligible; the index stays half the size). The share of equal positions between two signatures estimates the Jaccard similarity of their
// shingle sets.
type Signature [SignatureSize]uint32

// hash coefficients: odd multipliers and offsets from a fixed SplitMix64 stream, so that signatures are the
// same everywhere and forever.
var mulA, addB [SignatureSize]uint64

func init() {
	s := uint64(0x5eed_91a0_d17c_0de5)
	next := func() uint64 {
		s += 0x9e3779b97f4a7c15
		z := s
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
		z = (z ^ (z >> 27)) * 0x94d049bb133111eb
		return z ^ (z >> 31)
	}
	for i := range mulA {
		mulA[i] = next() | 1
		addB[i] = next()
	}
}

// ShingleSize is the number of consecutive words in a shingle. Word 3-grams separate "same text, lightly
// edited" (high overlap) from "same topic, own words" (low overlap).
const ShingleSize = 3

// Normalize lower-cases s, drops URLs' schemes' punctuation and every non-letter, non-digit rune, and returns
// the words. It is what both MinHash and the keyword signals see.
func Normalize(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\''
	})
}

// fnv64a hashes a string with FNV-1a, continuing from h.
func fnv64a(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 0x100000001b3
	}
	return h
}

const fnvOffset = 0xcbf29ce484222325

// shingleHashes returns the hashes of the text's word shingles (a text shorter than ShingleSize words is one
// shingle of all its words), appended to dst.
func shingleHashes(dst []uint64, words []string) []uint64 {
	if len(words) == 0 {
		return dst
	}
	n := ShingleSize
	if len(words) < n {
		n = len(words)
	}
	for i := 0; i+n <= len(words); i++ {
		h := uint64(fnvOffset)
		for j := 0; j < n; j++ {
			h = fnv64a(h, words[i+j])
			h = fnv64a(h, " ")
		}
		dst = append(dst, h)
	}
	return dst
}

// Sign returns the MinHash signature of s and whether s had any words. Texts without words have no
// meaningful signature and should not be indexed.
func Sign(s string) (Signature, bool) {
	var buf [64]uint64
	return signHashes(shingleHashes(buf[:0], Normalize(s)))
}

func signHashes(hs []uint64) (Signature, bool) {
	var sig Signature
	for i := range sig {
		sig[i] = ^uint32(0)
	}
	if len(hs) == 0 {
		return sig, false
	}
	for _, h := range hs {
		// Mix once so that near-equal shingle hashes spread, then derive each permutation by a multiply-add.
		x := h * 0x9e3779b97f4a7c15
		x ^= x >> 32
		for i := range sig {
			v := uint32((x*mulA[i] + addB[i]) >> 32) // multiply-shift: the high bits are the well-mixed ones
			if v < sig[i] {
				sig[i] = v
			}
		}
	}
	return sig, true
}

// Similarity estimates the Jaccard similarity of the shingle sets behind a and b: the share of equal
// positions.
func Similarity(a, b *Signature) float64 {
	eq := 0
	for i := range a {
		if a[i] == b[i] {
			eq++
		}
	}
	return float64(eq) / SignatureSize
}

// Jaccard returns the exact Jaccard similarity of the word-shingle sets of a and b, for explaining a match
// and for testing the estimate.
func Jaccard(a, b string) float64 {
	sa := map[uint64]bool{}
	for _, h := range shingleHashes(nil, Normalize(a)) {
		sa[h] = true
	}
	sb := map[uint64]bool{}
	for _, h := range shingleHashes(nil, Normalize(b)) {
		sb[h] = true
	}
	if len(sa) == 0 && len(sb) == 0 {
		return 0
	}
	inter := 0
	for h := range sa {
		if sb[h] {
			inter++
		}
	}
	return float64(inter) / float64(len(sa)+len(sb)-inter)
}

// runeLen counts runes, for the signals' length checks.
func runeLen(s string) int { return utf8.RuneCountInString(s) }
