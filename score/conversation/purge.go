package conversation

import (
	"strings"
)

// Purge removes from a comment's markdown what must not be scored, exactly as the reference's data purge
// does: quoted lines, everything from the first slash-command line on, HTML comments, footnotes, and it
// rewrites bare URLs as markdown links ([url](url)) so that every link is counted the same way. The result is
// trimmed; an empty result means the comment is dropped.
func Purge(body string) string {
	s := removeQuotedLines(body)
	s = removeFromCommand(s)
	s = removeHTMLComments(s)
	s = removeFootnoteSection(s)
	s = removeFootnoteDefinitions(s)
	s = removeFootnoteRefs(s)
	s = linkBareURLs(s)
	return strings.TrimFunc(s, isJSSpace)
}

// isLineTerminator reports whether r ends a line for JavaScript's multiline ^ and $.
func isLineTerminator(r rune) bool { return r == '\n' || r == '\r' || r == 0x2028 || r == 0x2029 }

// lineEnd returns the index of the first line terminator at or after i, or len(s).
func lineEnd(s string, i int) int {
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\n' || c == '\r':
			return i
		case c == 0xE2 && i+2 < len(s) && s[i+1] == 0x80 && (s[i+2] == 0xA8 || s[i+2] == 0xA9):
			return i
		}
	}
	return i
}

// atLineStart reports whether i is where JavaScript's multiline ^ matches: 0 or just after a line
// terminator.
func atLineStart(s string, i int) bool {
	if i == 0 {
		return true
	}
	// the rune before i
	j := i - 1
	for j > 0 && s[j]&0xC0 == 0x80 {
		j--
	}
	r, _ := decodeRune(s[j:])
	return isLineTerminator(r)
}

// removeQuotedLines is .replace(/^>.*$/gm, "").
func removeQuotedLines(s string) string {
	if !strings.Contains(s, ">") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for start := 0; start < len(s); {
		end := lineEnd(s, start)
		if s[start] != '>' {
			b.WriteString(s[start:end])
		}
		// copy the terminator, then go on at the next line start
		if end < len(s) {
			_, size := decodeRune(s[end:])
			b.WriteString(s[end : end+size])
			end += size
		}
		start = end
		if start == len(s) {
			break
		}
	}
	return b.String()
}

// removeFromCommand is .replace(/^\/[a-z][\w-]*(?:\s[\s\S]*)?$/im, ""): the first line that starts with a
// slash command, and everything after it, goes.
func removeFromCommand(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] != '/' || !atLineStart(s, i) {
			continue
		}
		j := i + 1
		if j >= len(s) || !isASCIILetter(s[j]) {
			continue
		}
		j++
		for j < len(s) && (isWordByte(s[j]) || s[j] == '-') {
			j++
		}
		if j == len(s) {
			return s[:i]
		}
		r, _ := decodeRune(s[j:])
		if isJSSpace(r) {
			return s[:i]
		}
	}
	return s
}

func isASCIILetter(b byte) bool { return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') }

// removeHTMLComments is .replace(/<!--[\s\S]*?-->/g, "").
func removeHTMLComments(s string) string {
	for {
		i := strings.Index(s, "<!--")
		if i < 0 {
			return s
		}
		j := strings.Index(s[i+4:], "-->")
		if j < 0 {
			return s
		}
		s = s[:i] + s[i+4+j+3:]
	}
}

// removeFootnoteSection is .replace(/^###### .*?\[\^\d+\^][\s\S]*$/gm, ""): a footnote heading line and
// everything after it.
func removeFootnoteSection(s string) string {
	if !strings.Contains(s, "###### ") {
		return s
	}
	for start := 0; start < len(s); {
		end := lineEnd(s, start)
		if strings.HasPrefix(s[start:end], "###### ") && hasNumberedFootnoteRef(s[start+7:end]) {
			return s[:start]
		}
		if end == len(s) {
			break
		}
		_, size := decodeRune(s[end:])
		start = end + size
	}
	return s
}

// hasNumberedFootnoteRef reports whether line contains [^digits^].
func hasNumberedFootnoteRef(line string) bool {
	for k := 0; k < len(line); k++ {
		if !strings.HasPrefix(line[k:], "[^") {
			continue
		}
		j := k + 2
		for j < len(line) && line[j] >= '0' && line[j] <= '9' {
			j++
		}
		if j > k+2 && strings.HasPrefix(line[j:], "^]") {
			return true
		}
	}
	return false
}

// footnoteRef returns the length of a footnote reference \[\^[\w-]+\^?] at the start of s, or 0.
func footnoteRef(s string) int {
	if !strings.HasPrefix(s, "[^") {
		return 0
	}
	j := 2
	for j < len(s) && (isWordByte(s[j]) || s[j] == '-') {
		j++
	}
	if j == 2 {
		return 0
	}
	if j < len(s) && s[j] == '^' {
		j++
	}
	if j < len(s) && s[j] == ']' {
		return j + 1
	}
	return 0
}

// removeFootnoteDefinitions is .replace(/^\[\^[\w-]+\^?]:.*$/gm, "").
func removeFootnoteDefinitions(s string) string {
	if !strings.Contains(s, "[^") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] == '[' && atLineStart(s, i) {
			if n := footnoteRef(s[i:]); n > 0 && i+n < len(s) && s[i+n] == ':' {
				i = lineEnd(s, i)
				continue
			}
		}
		_, size := decodeRune(s[i:])
		b.WriteString(s[i : i+size])
		i += size
	}
	return b.String()
}

// removeFootnoteRefs is .replace(/\[\^[\w-]+\^?]/g, "").
func removeFootnoteRefs(s string) string {
	if !strings.Contains(s, "[^") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if n := footnoteRef(s[i:]); n > 0 {
			i += n
			continue
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

// isURLByte reports whether the rune continues a bare URL: [^\s<>"'\]].
func isURLRune(r rune) bool {
	if isJSSpace(r) {
		return false
	}
	switch r {
	case '<', '>', '"', '\'', ']':
		return false
	}
	return true
}

// linkBareURLs is .replaceAll(/(?<!]\(|["'=])(https?:\/\/[^\s<>"'\]]+)(?!\)|["'])/gi, "[$1]($1)"), with the
// regular expression's backtracking: a URL followed by ")" or a quote is shortened until it is not.
func linkBareURLs(s string) string {
	if !containsFold(s, "http") {
		return s
	}
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); {
		if s[i] != 'h' && s[i] != 'H' {
			i++
			continue
		}
		var scheme int
		switch {
		case hasPrefixFold(s[i:], "https://"):
			scheme = 8
		case hasPrefixFold(s[i:], "http://"):
			scheme = 7
		default:
			i++
			continue
		}
		if i >= 2 && s[i-2:i] == "](" || i >= 1 && (s[i-1] == '"' || s[i-1] == '\'' || s[i-1] == '=') {
			i++
			continue
		}
		// Greedy run of URL characters, as rune boundaries.
		ends := []int{}
		j := i + scheme
		for j < len(s) {
			r, size := decodeRune(s[j:])
			if !isURLRune(r) {
				break
			}
			j += size
			ends = append(ends, j)
		}
		matched := -1
		for k := len(ends) - 1; k >= 0; k-- {
			e := ends[k]
			if e < len(s) && (s[e] == ')' || s[e] == '"' || s[e] == '\'') {
				continue
			}
			matched = e
			break
		}
		if matched < 0 {
			i++
			continue
		}
		u := s[i:matched]
		b.WriteString(s[last:i])
		b.WriteString("[" + u + "](" + u + ")")
		last = matched
		i = matched
	}
	b.WriteString(s[last:])
	return b.String()
}

// hasPrefixFold is an ASCII case-insensitive strings.HasPrefix.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// containsFold is an ASCII case-insensitive strings.Contains.
func containsFold(s, sub string) bool {
	if sub == "" {
		return true
	}
	lo, up := sub[0]|0x20, sub[0]&^0x20
	for i := 0; i+len(sub) <= len(s); i++ {
		if (s[i] == lo || s[i] == up) && hasPrefixFold(s[i:], sub) {
			return true
		}
	}
	return false
}
