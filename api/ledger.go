package api

import (
	"net/http"

	"github.com/plaudit/plaudit"
)

func init() {
	Register(func(s *Server) {
		s.Route("GET /v1/ledger/balances", s.listBalances, plaudit.RoleAdmin, plaudit.RoleCore, plaudit.RoleViewer)
		s.Route("GET /v1/ledger/postings", s.listPostings, plaudit.RoleAdmin, plaudit.RoleCore, plaudit.RoleViewer)
	})
}

// BalancesPage is the body of GET /v1/ledger/balances.
type BalancesPage struct {
	Balances []plaudit.Balance `json:"balances"`
	Next     string            `json:"next,omitempty"`
}

// listBalances lists the ledger's balances, of the accounts whose name starts with prefix or all.
func (s *Server) listBalances(w http.ResponseWriter, r *http.Request) {
	q := ParseQuery(r, "prefix", "cursor", "limit")
	prefix, page := q.String("prefix"), q.Page()
	if err := q.Err(); err != nil {
		WriteError(w, err)
		return
	}
	bs, err := s.Service.Balances(r.Context(), prefix)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var out BalancesPage
	out.Balances, out.Next = Paginate(nonNil(bs), page)
	WriteJSON(w, http.StatusOK, out)
}

// PostingsPage is the body of GET /v1/ledger/postings.
type PostingsPage struct {
	Postings []*plaudit.Posting `json:"postings"`
	Next     string             `json:"next,omitempty"`
}

// MaxPostingsScan is how many postings GET /v1/ledger/postings pages through.
const MaxPostingsScan = 100_000

// listPostings lists postings, of one account or one origin (kind:id) or all, in the ledger's order.
func (s *Server) listPostings(w http.ResponseWriter, r *http.Request) {
	q := ParseQuery(r, "account", "origin", "cursor", "limit")
	f := plaudit.PostingFilter{Account: q.String("account"), Origin: q.String("origin")}
	page := q.Page()
	if err := q.Err(); err != nil {
		WriteError(w, err)
		return
	}
	f.Limit = min(page.Offset+page.Limit+1, MaxPostingsScan)
	ps, err := s.Service.Postings(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var out PostingsPage
	out.Postings, out.Next = Paginate(nonNil(ps), page)
	WriteJSON(w, http.StatusOK, out)
}
