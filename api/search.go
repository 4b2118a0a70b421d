package api

import (
	"net/http"
	"strconv"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/service"
)

func init() {
	Register(func(s *Server) {
		s.Route("GET /v1/search", s.search, plaudit.RoleAdmin, plaudit.RoleCore, plaudit.RoleViewer)
	})
}

// SearchPage is the body of GET /v1/search: hits best first, and the cursor of the next page.
type SearchPage struct {
	Hits []plaudit.SearchHit `json:"hits"`
	Next string              `json:"next,omitempty"` // the cursor of the next page; absent on the last
}

// search ranks stored events by full-text relevance to q, or by similarity to the event like names
// (source/id). Filters: source (repeated or comma-separated), since and until (event time), limit and
// cursor. A bad query (an unbalanced quote, no words, both q and like) is a 400 naming it.
func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	q := ParseQuery(r, "q", "like", "source", "since", "until", "limit", "cursor")
	req := service.SearchRequest{Query: q.String("q"), Like: q.String("like")}
	if req.Query == "" && req.Like == "" {
		q.fail("q", "give q (words, \"quoted phrases\") or like (source/id)")
	}
	for _, v := range q.List("source") {
		src := plaudit.Source(v)
		if !src.Valid() {
			q.fail("source", "unknown source %q", v)
			continue
		}
		req.Sources = append(req.Sources, src)
	}
	req.Since, req.Until = q.Time("since"), q.Time("until")
	p := q.Page()
	if err := q.Err(); err != nil {
		WriteError(w, err)
		return
	}
	req.Limit = p.Limit
	if p.Offset > 0 {
		req.Cursor = strconv.Itoa(p.Offset)
	}
	page, err := s.Service.Search(r.Context(), req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := SearchPage{Hits: page.Hits}
	if page.NextCursor != "" {
		next, err := strconv.Atoi(page.NextCursor)
		if err != nil {
			s.internal(r.Context(), w, r, err)
			return
		}
		out.Next = encodeCursor(next)
	}
	WriteJSON(w, http.StatusOK, out)
}
