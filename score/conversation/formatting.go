package conversation

import (
	"net/url"
	"strings"

	"github.com/shopspring/decimal"
	"golang.org/x/net/html"
)

// TagCount is how many elements of one tag a comment has, and the score of each.
type TagCount struct {
	Score        decimal.Decimal `json:"score"`
	ElementCount int             `json:"elementCount"`
}

// Words is the word part of a comment's reward.
type Words struct {
	WordCount int             `json:"wordCount"`
	WordValue decimal.Decimal `json:"wordValue"`
	Result    decimal.Decimal `json:"result"`
}

// ReadabilityScore is the Flesch reading ease of a comment and its normalised score in [0, 1].
type ReadabilityScore struct {
	FleschKincaid float64 `json:"fleschKincaid"`
	Syllables     int     `json:"syllables"`
	Sentences     int     `json:"sentences"`
	Score         float64 `json:"score"`
}

// Formatting is the result of evaluating one comment's markdown for one role.
type Formatting struct {
	Tags        map[string]*TagCount
	Words       Words
	Readability ReadabilityScore
	// Total is round2((tags + words) · (1 + weight · readability) · multiplier): the reward before
	// authorship, relevance and priority.
	Total      decimal.Decimal
	Multiplier decimal.Decimal
}

// TagsResult is Σ score · count over the tags, rounded to 3 decimals.
func (f *Formatting) TagsResult() decimal.Decimal {
	sum := decimal.Zero
	for _, k := range sortedKeys(f.Tags) {
		t := f.Tags[k]
		sum = add(sum, mul(t.Score, decimal.NewFromInt(int64(t.ElementCount))))
	}
	return round(sum, 3)
}

// Evaluate renders markdown as GitHub-flavoured HTML and scores its elements, words and readability under the
// rules of role. commentURL is the comment's own address: links to it earn nothing.
func (c *Config) Evaluate(markdown string, role Role, commentURL string) (*Formatting, error) {
	body, err := renderBody(markdown)
	if err != nil {
		return nil, err
	}
	rules, ok := c.Formatting[role]
	f := &Formatting{Tags: map[string]*TagCount{}}
	urls := c.walk(body, rules.Tags, commentURL, f.Tags)
	if len(urls) > 0 {
		a := rules.Tags["a"] // a missing rule scores 0 (the reference fails here)
		if t := f.Tags["a"]; t != nil {
			t.ElementCount += len(urls)
		} else {
			f.Tags["a"] = &TagCount{Score: a.Score, ElementCount: len(urls)}
		}
	}
	text := textContent(body)
	wordValue := decimal.Zero
	if ok {
		wordValue = rules.WordValue
		f.Multiplier = rules.Multiplier
	}
	n := countWords(strings.TrimFunc(c.removeURLs(text), isJSSpace))
	f.Words = Words{WordCount: n, WordValue: wordValue, Result: WordValue(n, c.WordCountExponent, wordValue)}
	f.Readability = fleschKincaid(text, toFloat(c.Readability.Target))

	sum := decimal.Zero
	for _, k := range sortedKeys(f.Tags) {
		t := f.Tags[k]
		sum = add(sum, mul(t.Score, decimal.NewFromInt(int64(t.ElementCount))))
	}
	sum = add(sum, f.Words.Result)
	if c.Readability.Enabled {
		sum = add(sum, mul(mul(fromFloat(f.Readability.Score), c.Readability.Weight), sum))
	}
	f.Total = round(mul(sum, f.Multiplier), 2)
	return f, nil
}

// walk scores body's elements in document order, removing those without a rule and emptying those whose
// words do not count, and returns the unique link targets found. In compatibility mode it walks a live list
// as the reference does: removing an element shifts the list, so the element after it is not visited.
func (c *Config) walk(body *html.Node, tags map[string]TagRule, commentURL string, counts map[string]*TagCount) []string {
	list := elements(make([]*html.Node, 0, 32), body)
	// Text URLs can only be found if the text holds "http" somewhere; most comments' does not.
	anyURL := hasURLText(body)
	var urls []string
	seen := map[string]bool{}
	addURL := func(u string) {
		if u != "" && !seen[u] {
			seen[u] = true
			urls = append(urls, u)
		}
	}
	for i := 0; i < len(list); i++ {
		el := list[i]
		name := el.Data
		rule, ok := tags[name]
		if !ok {
			n := countElements(el)
			if el.Parent != nil {
				el.Parent.RemoveChild(el)
			}
			list = append(list[:i], list[i+1+n:]...)
			if !c.Compat {
				i-- // visit the element that moved into this place
			}
			continue
		}
		if !rule.CountWords {
			n := countElements(el)
			removeChildren(el)
			list = append(list[:i+1], list[i+1+n:]...)
			if name != "img" { // images are usually empty anyway: they keep their score
				continue
			}
		}
		if name == "a" {
			if u := c.anchorTarget(el, commentURL); u != "" {
				addURL(u)
			}
			continue
		}
		if anyURL {
			for _, u := range c.textURLs(textContent(el)) {
				addURL(cutFragment(u))
			}
		}
		if t := counts[name]; t != nil {
			t.ElementCount++
		} else {
			counts[name] = &TagCount{Score: rule.Score, ElementCount: 1}
		}
	}
	return urls
}

// anchorTarget returns the link target an <a> element counts for, or "" when it counts for none: no href, a
// link to the comment itself, or (outside compatibility mode) anything but an explicit http(s) link.
func (c *Config) anchorTarget(el *html.Node, commentURL string) string {
	href, _ := attr(el, "href")
	if href == "" {
		return ""
	}
	if !c.Compat {
		lower := strings.ToLower(href)
		if !strings.HasPrefix(lower, "http://") && !strings.HasPrefix(lower, "https://") {
			return "" // mailto:, relative and fragment links are not references
		}
		if t := strings.TrimSpace(textContent(el)); strings.HasPrefix(strings.ToLower(t), "www.") && strings.HasSuffix(href, t) {
			return "" // a www. autolink is a bare domain in text, not a link someone wrote
		}
	}
	if sameBaseURL(href, commentURL) {
		return ""
	}
	return cutFragment(href)
}

// cutFragment cuts u at the first # or ?.
func cutFragment(u string) string {
	if i := strings.IndexAny(u, "#?"); i >= 0 {
		return u[:i]
	}
	return u
}

// sameBaseURL reports whether a and b have the same scheme, host and path. Unparseable or relative URLs
// equal nothing.
func sameBaseURL(a, b string) bool {
	ba, ok1 := baseURL(a)
	bb, ok2 := baseURL(b)
	return ok1 && ok2 && ba == bb
}

func baseURL(s string) (string, bool) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || u.Scheme == "" {
		return "", false
	}
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Host)
	if (scheme == "https" && strings.HasSuffix(host, ":443")) || (scheme == "http" && strings.HasSuffix(host, ":80")) {
		host = host[:strings.LastIndexByte(host, ':')]
	}
	path := u.EscapedPath()
	if path == "" && (scheme == "http" || scheme == "https") {
		path = "/"
	}
	return scheme + "://" + host + path, true
}

// textURLs finds the http(s) URLs in text. In compatibility mode a URL runs to the next whitespace,
// trailing punctuation included; otherwise trailing punctuation and unbalanced closing brackets are cut off,
// as GitHub's autolinker cuts them.
func (c *Config) textURLs(text string) []string {
	var out []string
	for i := 0; i < len(text); {
		j := indexURL(text[i:])
		if j < 0 {
			break
		}
		start := i + j
		end := start
		for end < len(text) {
			r, size := decodeRune(text[end:])
			if isJSSpace(r) {
				break
			}
			end += size
		}
		u := text[start:end]
		if !c.Compat {
			u = trimURL(u)
		}
		out = append(out, u)
		i = end
	}
	return out
}

// removeURLs deletes every URL from text, as the reference does before counting words.
func (c *Config) removeURLs(text string) string {
	if indexURL(text) < 0 {
		return text
	}
	var b strings.Builder
	for {
		j := indexURL(text)
		if j < 0 {
			b.WriteString(text)
			return b.String()
		}
		b.WriteString(text[:j])
		end := j
		for end < len(text) {
			r, size := decodeRune(text[end:])
			if isJSSpace(r) {
				break
			}
			end += size
		}
		u := text[j:end]
		if !c.Compat {
			u = trimURL(u)
		}
		text = text[j+len(u):]
	}
}

// indexURL returns the index of the first "http://" or "https://" in s, or -1.
func indexURL(s string) int {
	off := 0
	for {
		k := strings.Index(s[off:], "http")
		if k < 0 {
			return -1
		}
		p := off + k
		rest := s[p+4:]
		if strings.HasPrefix(rest, "://") || strings.HasPrefix(rest, "s://") {
			return p
		}
		off = p + 4
	}
}

// trimURL cuts trailing punctuation and unbalanced closing brackets off a URL found in text.
func trimURL(u string) string {
	for len(u) > 0 {
		last := u[len(u)-1]
		switch last {
		case '.', ',', ':', ';', '!', '?', '*', '_', '~', '\'', '"':
			u = u[:len(u)-1]
			continue
		case ')', ']', '}', '>':
			open := map[byte]byte{')': '(', ']': '[', '}': '{', '>': '<'}[last]
			if strings.Count(u, string(open)) < strings.Count(u, string(last)) {
				u = u[:len(u)-1]
				continue
			}
		}
		return u
	}
	return u
}
