package api

import (
	"net/http"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/service"
)

func init() {
	Register(func(s *Server) {
		s.Route("GET /v1/events/{source}/{id}/invalidation", s.invalidationPreview, plaudit.RoleAdmin, plaudit.RoleCore, plaudit.RoleViewer)
		s.Route("POST /v1/events/{source}/{id}/invalidate", s.invalidateEvent, plaudit.RoleAdmin, plaudit.RoleCore)
	})
}

// InvalidateRequest is the body of POST /v1/events/{source}/{id}/invalidate.
type InvalidateRequest struct {
	Reason string `json:"reason"` // why the event is invalid; required, shown wherever its points are explained
}

// eventKey is the key source/id of an event route.
func eventKey(r *http.Request) string { return r.PathValue("source") + "/" + r.PathValue("id") }

// invalidationPreview answers what an event contributes to the points now under the active policy, per
// member, and whether it is invalidated (service.InvalidationPreview); it changes nothing.
func (s *Server) invalidationPreview(w http.ResponseWriter, r *http.Request) {
	if err := ParseQuery(r).Err(); err != nil {
		WriteError(w, err)
		return
	}
	eff, err := s.Service.InvalidationPreview(r.Context(), eventKey(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, eff)
}

// invalidateEvent records the calling operator's invalidation of an event in the event log and answers 201
// with the effect before and after (service.InvalidateEvent): 404 for an unknown event, 409 when it is
// invalidated already, 400 for a missing reason or an event that carries no points.
func (s *Server) invalidateEvent(w http.ResponseWriter, r *http.Request) {
	if err := ParseQuery(r).Err(); err != nil {
		WriteError(w, err)
		return
	}
	var body InvalidateRequest
	if !decodeBody(w, r, &body) {
		return
	}
	if body.Reason == "" {
		WriteError(w, fieldError("reason", "required: why the event is invalid"))
		return
	}
	res, err := s.Service.InvalidateEvent(r.Context(), service.InvalidateRequest{Event: eventKey(r), By: operatorOf(r), Reason: body.Reason})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	WriteJSON(w, http.StatusCreated, res)
}
