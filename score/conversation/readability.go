package conversation

import (
	"math"
	"strings"
	"unicode/utf8"
)

// isJSSpace reports whether r is white space for JavaScript's \s and String.prototype.trim.
func isJSSpace(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', ' ', 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF:
		return true
	}
	return r >= 0x2000 && r <= 0x200A
}

func decodeRune(s string) (rune, int) {
	if s[0] < utf8.RuneSelf {
		return rune(s[0]), 1
	}
	return utf8.DecodeRuneInString(s)
}

// isWordByte reports whether b is in JavaScript's \w: [A-Za-z0-9_].
func isWordByte(b byte) bool {
	return b == '_' || (b >= '0' && b <= '9') || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z')
}

// words calls fn on each match of /\b\w+\b/g in text: each maximal run of ASCII word characters.
func words(text string, fn func(string)) {
	for i := 0; i < len(text); {
		if !isWordByte(text[i]) {
			i++
			continue
		}
		j := i
		for j < len(text) && isWordByte(text[j]) {
			j++
		}
		fn(text[i:j])
		i = j
	}
}

// countWords counts the matches of /\b\w+\b/g in text.
func countWords(text string) int {
	n := 0
	in := false
	for i := 0; i < len(text); i++ {
		w := isWordByte(text[i])
		if w && !in {
			n++
		}
		in = w
	}
	return n
}

// countSentences counts the pieces of text split at runs of . ! ? that are not blank.
func countSentences(text string) int {
	n := 0
	start := 0
	flush := func(piece string) {
		if strings.TrimFunc(piece, isJSSpace) != "" {
			n++
		}
	}
	for i := 0; i < len(text); i++ {
		switch text[i] {
		case '.', '!', '?':
			flush(text[start:i])
			for i+1 < len(text) && (text[i+1] == '.' || text[i+1] == '!' || text[i+1] == '?') {
				i++
			}
			start = i + 1
		}
	}
	flush(text[start:])
	return n
}

func isSyllableVowel(b byte) bool {
	switch b {
	case 'a', 'e', 'i', 'o', 'u', 'y':
		return true
	}
	return false
}

// countSyllables estimates the syllables of an ASCII word as the reference does: words of up to three
// letters have one; otherwise a silent ending (-es or -e after a consonant other than l, or -ed) and a leading
// y are dropped and each run of one or two vowels counts one, with at least one in all.
func countSyllables(word string) int {
	if len(word) <= 3 {
		return 1
	}
	var buf [64]byte
	w := buf[:0]
	for i := 0; i < len(word); i++ {
		b := word[i]
		if b >= 'A' && b <= 'Z' {
			b += 'a' - 'A'
		}
		w = append(w, b)
	}
	// /(?:[^laeiouy]es|ed|[^laeiouy]e)$/ → ""
	n := len(w)
	switch {
	case n >= 3 && w[n-2] == 'e' && w[n-1] == 's' && !isSyllableVowel(w[n-3]) && w[n-3] != 'l':
		w = w[:n-3]
	case n >= 2 && w[n-2] == 'e' && w[n-1] == 'd':
		w = w[:n-2]
	case n >= 2 && w[n-1] == 'e' && !isSyllableVowel(w[n-2]) && w[n-2] != 'l':
		w = w[:n-2]
	}
	// /^y/ → ""
	if len(w) > 0 && w[0] == 'y' {
		w = w[1:]
	}
	// /[aeiouy]{1,2}/g
	count := 0
	for i := 0; i < len(w); {
		if !isSyllableVowel(w[i]) {
			i++
			continue
		}
		count++
		if i+1 < len(w) && isSyllableVowel(w[i+1]) {
			i += 2
		} else {
			i++
		}
	}
	if count == 0 {
		return 1
	}
	return count
}

// fleschKincaid computes the Flesch reading ease of text and normalises it to [0, 1] around target, in
// float64 exactly as the reference computes it in JavaScript numbers.
func fleschKincaid(text string, target float64) ReadabilityScore {
	sentences := countSentences(text)
	wordCount, syllables := 0, 0
	for i := 0; i < len(text); {
		if !isWordByte(text[i]) {
			i++
			continue
		}
		j := i + 1
		for j < len(text) && isWordByte(text[j]) {
			j++
		}
		wordCount++
		syllables += countSyllables(text[i:j])
		i = j
	}
	wps := float64(wordCount) / float64(max(1, sentences))
	spw := float64(syllables) / float64(max(1, wordCount))
	fk := 0.0
	if sentences != 0 && wordCount != 0 {
		a := float64(1.015 * wps)
		b := float64(84.6 * spw)
		fk = float64(206.835-a) - b
	}
	var score float64
	switch {
	case fk > 100:
		score = 1
	case fk <= 0:
		score = 0
	default:
		distance := math.Abs(float64(fk - target))
		score = math.Max(0, math.Min(1, float64(100-distance)/100))
	}
	// The reported ease is clamped to [0, 100], as the reference reports it.
	fk = math.Max(0, math.Min(100, fk))
	return ReadabilityScore{FleschKincaid: fk, Syllables: syllables, Sentences: sentences, Score: score}
}
