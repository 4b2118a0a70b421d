package text

import (
	"strconv"
	"strings"
	"unicode"
)

// Signal is one content finding on a text: which check fired and what it matched.
type Signal struct {
	Check  string // "farming", "generic", "repetition", "emoji", "links", "shouting"
	Detail string // what matched, e.g. `farming word "gm" in a 2-word text`
}

// FarmingWords are the seeds' engagement-farming keywords (Farcaster seed: gm, gn, ser, fren, lfg, wagmi, ngmi).
var FarmingWords = []string{"gm", "gn", "ser", "fren", "lfg", "wagmi", "ngmi"}

// GenericReplies are replies that fit under any post: the cast seed's list and the commonest raid-bot lines.
var GenericReplies = []string{
	"gm", "gn", "thanks", "thank you", "nice", "cool", "great", "agree", "yes", "no",
	"great post", "love this", "so true", "this is the way", "bullish", "to the moon", "lets go", "let's go",
	"amazing", "awesome", "based", "facts", "well said", "100%", "this", "wow",
}

// Signals returns the content findings on s, in a fixed order of checks. The emoji check needs at least
// three emoji besides the seed's ratio (more than 0.3 per word): "Agreed 💯" is a reply, not spam.
func Signals(s string) []Signal {
	var out []Signal
	trimmed := strings.TrimSpace(s)
	words := Normalize(trimmed)
	fields := strings.Fields(trimmed)
	if len(fields) <= 3 {
		for _, w := range words {
			if contains(FarmingWords, w) {
				out = append(out, Signal{"farming", `farming word "` + w + `" in a text of ` + itoa(len(fields)) + " words"})
				break
			}
		}
	}
	low := strings.Join(words, " ")
	if contains(GenericReplies, low) || contains(GenericReplies, strings.ToLower(trimmed)) {
		out = append(out, Signal{"generic", `generic reply "` + truncate(trimmed, 40) + `"`})
	}
	if r, n := longestRun(trimmed); n >= 5 {
		out = append(out, Signal{"repetition", `"` + string(r) + `" repeated ` + itoa(n) + " times in a row"})
	}
	if e := emojiCount(trimmed); e >= 3 && e*10 > 3*len(fields) {
		out = append(out, Signal{"emoji", itoa(e) + " emoji in " + itoa(len(fields)) + " words"})
	}
	if l := strings.Count(strings.ToLower(trimmed), "http"); l >= 3 && l*2 >= len(fields) {
		out = append(out, Signal{"links", itoa(l) + " links in " + itoa(len(fields)) + " words"})
	}
	if letters, upper := caseCount(trimmed); letters >= 12 && upper*10 >= letters*8 {
		out = append(out, Signal{"shouting", "mostly capital letters"})
	}
	return out
}

// longestRun returns the rune repeated most times in a row in s, ignoring line breaks.
func longestRun(s string) (rune, int) {
	var best, prev rune
	bestN, n := 0, 0
	for _, r := range s {
		if r == '\n' || r == '\r' {
			continue
		}
		if r == prev {
			n++
		} else {
			prev, n = r, 1
		}
		if n > bestN {
			best, bestN = r, n
		}
	}
	return best, bestN
}

// emojiCount counts code points in U+1F300–U+1F9FF, the range the cast seed calls emoji.
func emojiCount(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x1F300 && r <= 0x1F9FF {
			n++
		}
	}
	return n
}

func caseCount(s string) (letters, upper int) {
	for _, r := range s {
		if unicode.IsLetter(r) {
			letters++
			if unicode.IsUpper(r) {
				upper++
			}
		}
	}
	return
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func truncate(s string, n int) string {
	if runeLen(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

func itoa(n int) string { return strconv.Itoa(n) }
