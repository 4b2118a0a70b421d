package api

import (
	"net/http"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/service"
)

func init() {
	Register(func(s *Server) {
		s.Route("GET /v1/ledger/eng/weights", s.listENGWeights, plaudit.RoleAdmin, plaudit.RoleCore, plaudit.RoleViewer)
	})
}

// listENGWeights lists every member's ENG governance weight and wallet, as they stood at the query's at
// (RFC 3339; default now): the body snapshot-style governance tools read. It is not paginated: a snapshot
// is taken whole. The body is the same document as `plaudit ledger eng weights --format json`.
func (s *Server) listENGWeights(w http.ResponseWriter, r *http.Request) {
	q := ParseQuery(r, "at")
	at := q.Time("at")
	if err := q.Err(); err != nil {
		WriteError(w, err)
		return
	}
	if !at.IsZero() {
		if err := service.CheckTime(at, "at"); err != nil {
			WriteError(w, err)
			return
		}
	}
	at, ws, err := s.Service.ENGWeights(r.Context(), at)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, service.NewENGWeightsDoc(at, ws))
}
