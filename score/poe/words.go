package poe

import (
	"bytes"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/plaudit/plaudit"
)

// wordList is the distinct lower-case words of a text (runs of letters, digits and non-ASCII runes), sorted:
// what the comment rules count and the near-duplicate check compares. The check builds one for each of up to
// 200 earlier comments on a target, so a wordList is built into buffers it reuses instead of a set of its own
// (a map of the words was three quarters of the allocations of a whole-history rescore's scorers).
type wordList struct {
	text  []byte     // the text, lower-cased
	words [][2]int32 // each distinct word's start and end in text, sorted by the word
}

// wordLists recycles the near-duplicate check's word lists between comments.
var wordLists = sync.Pool{New: func() any { return new(wordList) }}

// reset makes w the word list of s: strings.ToLower(s) split where strings.FieldsFunc splits it at every rune
// that is not a-z, 0-9 or above 127, each word once.
func (w *wordList) reset(s string) {
	w.text, w.words = w.text[:0], w.words[:0]
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		for i := 0; i < len(s); i++ {
			c := s[i]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			w.text = append(w.text, c)
		}
	} else {
		w.text = append(w.text, strings.ToLower(s)...)
	}
	start := -1
	for i := 0; i < len(w.text); {
		r, n := rune(w.text[i]), 1
		if r >= utf8.RuneSelf {
			r, n = utf8.DecodeRune(w.text[i:])
		}
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127 {
			if start < 0 {
				start = i
			}
		} else if start >= 0 {
			w.words = append(w.words, [2]int32{int32(start), int32(i)})
			start = -1
		}
		i += n
	}
	if start >= 0 {
		w.words = append(w.words, [2]int32{int32(start), int32(len(w.text))})
	}
	slices.SortFunc(w.words, func(a, b [2]int32) int { return bytes.Compare(w.word(a), w.word(b)) })
	w.words = slices.CompactFunc(w.words, func(a, b [2]int32) bool { return bytes.Equal(w.word(a), w.word(b)) })
}

// word returns the word at span.
func (w *wordList) word(span [2]int32) []byte { return w.text[span[0]:span[1]] }

// len returns how many distinct words w holds.
func (w *wordList) len() int { return len(w.words) }

// jaccard returns |a ∩ b| / |a ∪ b| of two word lists as a Ratio, rounded down.
func jaccard(a, b *wordList) plaudit.Ratio {
	if a.len() == 0 && b.len() == 0 {
		return 0
	}
	inter := 0
	for i, j := 0, 0; i < a.len() && j < b.len(); {
		switch c := bytes.Compare(a.word(a.words[i]), b.word(b.words[j])); {
		case c < 0:
			i++
		case c > 0:
			j++
		default:
			inter++
			i++
			j++
		}
	}
	union := a.len() + b.len() - inter
	return plaudit.Ratio(int64(inter) * int64(plaudit.One) / int64(union))
}

// similarSizes reports whether word lists of a and b distinct words can be at least min similar: the Jaccard
// similarity of two lists is at most the smaller count over the larger (all of the smaller shared), so a
// comment is compared only with the earlier ones whose sizes allow it.
func similarSizes(a, b int, min plaudit.Ratio) bool {
	lo, hi := a, b
	if lo > hi {
		lo, hi = hi, lo
	}
	if hi == 0 {
		return min <= 0
	}
	return plaudit.Ratio(int64(lo)*int64(plaudit.One)/int64(hi)) >= min
}
