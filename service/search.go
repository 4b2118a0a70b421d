package service

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/plaudit/plaudit"
)

// DefaultSearchLimit is the page size of a search that names none.
const DefaultSearchLimit = 20

// likeTerms is how many of an event's words a "more like this" search looks for.
const likeTerms = 16

// SearchRequest is a search as the CLI and the API take it: a query, or the key of an event to find
// similar events to, with filters and a page.
type SearchRequest struct {
	Query   string           // words and "quoted phrases"; exclusive with Like
	Like    string           // "source/id" of a stored event: find events similar to it
	Sources []plaudit.Source // empty for every source
	Since   time.Time        // inclusive; zero for no bound
	Until   time.Time        // exclusive; zero for no bound
	Limit   int              // 0 for DefaultSearchLimit
	Cursor  string           // the NextCursor of the previous page; "" for the first
	// Embeddings, when set (search.embeddings), ranks by cosine similarity of embeddings instead of by
	// full-text relevance; nil searches offline.
	Embeddings *Embeddings
}

// SearchPage is one page of search hits, best first.
type SearchPage struct {
	Hits       []plaudit.SearchHit `json:"hits"`
	NextCursor string              `json:"next_cursor,omitempty"` // "" on the last page
}

// Search ranks stored events by full-text relevance to a query, or, with Like, by similarity to a stored
// event (its most distinctive words, any of which may match; the event itself is left out). Bad input
// (an unbalanced quote, no words, an unknown source, a bad cursor or limit, an unknown event) is an
// EINVALID or ENOTFOUND error naming it.
func (s *Service) Search(ctx context.Context, r SearchRequest) (*SearchPage, error) {
	ss, ok := s.store.(plaudit.SearchStore)
	if !ok {
		return nil, plaudit.Errorf(plaudit.EINTERNAL, "search: the store does not support search")
	}
	if r.Embeddings == nil {
		if em, ok := defaultEmbeddings.Load(s); ok {
			r.Embeddings = em.(*Embeddings)
		}
	}
	q := plaudit.SearchQuery{Sources: r.Sources, Since: r.Since, Until: r.Until, Limit: r.Limit}
	if q.Limit == 0 {
		q.Limit = DefaultSearchLimit
	}
	if q.Limit < 1 || q.Limit > plaudit.MaxSearchLimit {
		return nil, plaudit.Errorf(plaudit.EINVALID, "search: limit %d, want 1..%d", r.Limit, plaudit.MaxSearchLimit)
	}
	for _, src := range r.Sources {
		if !src.Valid() {
			return nil, plaudit.Errorf(plaudit.EINVALID, "search: unknown source %q", src)
		}
	}
	if !r.Since.IsZero() && !r.Until.IsZero() && !r.Until.After(r.Since) {
		return nil, plaudit.Errorf(plaudit.EINVALID, "search: until %s is not after since %s", r.Until.Format(time.RFC3339), r.Since.Format(time.RFC3339))
	}
	if r.Cursor != "" {
		n, err := strconv.Atoi(r.Cursor)
		if err != nil || n < 0 {
			return nil, plaudit.Errorf(plaudit.EINVALID, "search: bad cursor %q", r.Cursor)
		}
		q.Offset = n
	}
	switch {
	case r.Query != "" && r.Like != "":
		return nil, plaudit.Errorf(plaudit.EINVALID, "search: give a query or like, not both")
	case r.Like != "" && !strings.Contains(r.Like, "/"):
		return nil, plaudit.Errorf(plaudit.EINVALID, "search: like %q: want SOURCE/ID", r.Like)
	case r.Embeddings != nil:
		return s.semanticSearch(ctx, r, q)
	case r.Like != "":
		src, id, ok := strings.Cut(r.Like, "/")
		if !ok || src == "" || id == "" {
			return nil, plaudit.Errorf(plaudit.EINVALID, "search: like %q: want SOURCE/ID", r.Like)
		}
		e, err := s.Event(ctx, plaudit.Source(src), id)
		if err != nil {
			return nil, fmt.Errorf("search like %s: %w", r.Like, err)
		}
		q.Terms = distinctiveTerms(e.Content)
		if len(q.Terms) == 0 {
			return &SearchPage{Hits: []plaudit.SearchHit{}}, nil
		}
		q.Any, q.Exclude = true, e.Seq
	default:
		terms, err := plaudit.ParseSearchQuery(r.Query)
		if err != nil {
			return nil, err
		}
		q.Terms = terms
	}
	hits, err := ss.SearchEvents(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	page := &SearchPage{Hits: hits}
	if page.Hits == nil {
		page.Hits = []plaudit.SearchHit{}
	}
	if len(hits) == q.Limit {
		page.NextCursor = strconv.Itoa(q.Offset + q.Limit)
	}
	return page, nil
}

// distinctiveTerms picks the words of content that a similar post most likely shares: distinct words of
// three or more characters, longest first (ties in byte order, so the choice is deterministic), at most
// likeTerms of them. The store's ranking (bm25, ts_rank) then weighs rare words over common ones.
func distinctiveTerms(content string) []plaudit.SearchTerm {
	seen := map[string]bool{}
	var words []string
	for _, t := range plaudit.SplitSearchWords(content) {
		if len([]rune(t)) >= 3 && !seen[t] {
			seen[t] = true
			words = append(words, t)
		}
	}
	sort.Slice(words, func(i, j int) bool {
		if len(words[i]) != len(words[j]) {
			return len(words[i]) > len(words[j])
		}
		return words[i] < words[j]
	})
	words = words[:min(len(words), likeTerms)]
	terms := make([]plaudit.SearchTerm, len(words))
	for i, w := range words {
		terms[i] = plaudit.SearchTerm{Words: []string{w}}
	}
	return terms
}
