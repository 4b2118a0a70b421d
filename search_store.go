package plaudit

import (
	"context"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// MaxSearchTerms bounds the words and phrases of one search query, so that a hostile query cannot make the
// full-text engine do unbounded work.
const MaxSearchTerms = 32

// MaxSearchLimit bounds the hits of one search page.
const MaxSearchLimit = 1000

// SearchTerm is one word, or one "quoted phrase" of several words, of a search query. Words hold only
// letters and digits: every other character of the user's input separates words, so no full-text query
// syntax (NEAR, *, -, parentheses, column filters) ever reaches a store.
type SearchTerm struct {
	Words []string // lower-cased; more than one for a quoted phrase
}

// Phrase reports whether the term is a quoted phrase of more than one word.
func (t SearchTerm) Phrase() bool { return len(t.Words) > 1 }

// SearchQuery selects events by the text of their content, ranked by full-text relevance.
type SearchQuery struct {
	Terms   []SearchTerm // every term must match (AND), or with Any at least one; from ParseSearchQuery
	Any     bool         // match events with any term rather than all ("more like this")
	Exclude int64        // an event Seq to leave out (the event a "more like this" search starts from); 0 for none
	Sources []Source     // empty for every source
	Since   time.Time    // inclusive, by event time; zero for no bound
	Until   time.Time    // exclusive, by event time; zero for no bound
	Limit   int          // hits per page, 1..MaxSearchLimit
	Offset  int          // hits to skip: the page's cursor
}

// SearchHit is one event that matched a search, with its relevance (higher is better; comparable only
// within one query on one store) and a short snippet of its content around the matched terms.
type SearchHit struct {
	Event   Event   `json:"event"`
	Rank    float64 `json:"rank"`
	Snippet string  `json:"snippet"`
}

// SearchStore finds events by the text of their content. Both stores implement it: SQLite with an FTS5
// index, PostgreSQL with a GIN index over event_search.content_tsv (to_tsvector('simple', content)). Both
// indexes are filled lazily by the first search after an append, so appends never wait for them.
type SearchStore interface {
	// SearchEvents returns the events whose content matches every term of q, best first; hits of equal
	// rank come in Seq order, so a page is the same every time.
	SearchEvents(ctx context.Context, q SearchQuery) ([]SearchHit, error)
}

// ParseSearchQuery splits a user's query into terms: words of letters and digits, and "quoted phrases".
// Any other character separates words, so input is never interpreted as full-text query syntax. It returns
// an EINVALID error naming the problem for an unbalanced quote, a query with no words, or one with more
// than MaxSearchTerms terms.
func ParseSearchQuery(s string) ([]SearchTerm, error) {
	if !utf8.ValidString(s) {
		return nil, Errorf(EINVALID, "search query: not valid UTF-8")
	}
	if strings.Count(s, `"`)%2 != 0 {
		return nil, Errorf(EINVALID, "search query %q: unbalanced double quote", s)
	}
	var terms []SearchTerm
	for i, part := range strings.Split(s, `"`) {
		words := SplitSearchWords(part)
		if len(words) == 0 {
			continue
		}
		if i%2 == 1 { // inside quotes: one phrase
			terms = append(terms, SearchTerm{Words: words})
			continue
		}
		for _, w := range words {
			terms = append(terms, SearchTerm{Words: []string{w}})
		}
	}
	if len(terms) == 0 {
		return nil, Errorf(EINVALID, "search query %q: no words to search for (words are letters and digits)", s)
	}
	if len(terms) > MaxSearchTerms {
		return nil, Errorf(EINVALID, "search query: %d terms, at most %d", len(terms), MaxSearchTerms)
	}
	return terms, nil
}

// SplitSearchWords returns the lower-cased runs of letters and digits of s: the words a search matches,
// so that callers building queries from text (a "more like this" search) split it as the parser does.
func SplitSearchWords(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}
