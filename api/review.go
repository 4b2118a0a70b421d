package api

import (
	"net/http"
	"strconv"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/service"
)

// The review queue routes (docs/witness.md, "Review queue"): the payout lines above a policy's
// review_above and the events drawn for a second look, which an admin or core approves or rejects before a
// witnessed epoch publishes. Anyone who reads epochs reads the queue; a witness reads it to check the draw.
func init() {
	Register(func(s *Server) {
		readers := []plaudit.Role{plaudit.RoleAdmin, plaudit.RoleCore, plaudit.RoleViewer, plaudit.RoleWitness}
		s.Route("GET /v1/reviews", s.pendingReviews, readers...)
		s.Route("GET /v1/epochs/{id}/reviews", s.epochReviews, readers...)
		s.Route("POST /v1/epochs/{id}/reviews/{item}", s.decideReview, plaudit.RoleAdmin, plaudit.RoleCore)
	})
}

// ReviewsPage is the body of GET /v1/reviews: every pending review item, by id.
type ReviewsPage struct {
	Items []service.ReviewEntry `json:"items"`
}

// pendingReviews lists the pending review items of every epoch.
func (s *Server) pendingReviews(w http.ResponseWriter, r *http.Request) {
	if err := ParseQuery(r).Err(); err != nil {
		WriteError(w, err)
		return
	}
	items, err := s.Service.PendingReviews(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, ReviewsPage{Items: nonNil(items)})
}

// epochReviews answers an epoch's review queue (drawing it the first time).
func (s *Server) epochReviews(w http.ResponseWriter, r *http.Request) {
	if err := ParseQuery(r).Err(); err != nil {
		WriteError(w, err)
		return
	}
	q, err := s.Service.EpochReviews(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, q)
}

// ReviewDecision is the body of POST /v1/epochs/{id}/reviews/{item}.
type ReviewDecision struct {
	Decision string `json:"decision"` // approve or reject
	Reason   string `json:"reason"`
}

// ReviewDecided is the answer to a decision: the item and the epoch's witness state after it.
type ReviewDecided struct {
	Item  *service.ReviewEntry  `json:"item"`
	State *service.WitnessState `json:"state"`
}

// decideReview approves or rejects one pending item, as the caller.
func (s *Server) decideReview(w http.ResponseWriter, r *http.Request) {
	item, err := strconv.ParseInt(r.PathValue("item"), 10, 64)
	if err != nil || item <= 0 {
		WriteError(w, plaudit.Errorf(plaudit.EINVALID, "path: item %q: want a review item number", r.PathValue("item")))
		return
	}
	var req ReviewDecision
	if !decodeBody(w, r, &req) {
		return
	}
	it, st, err := s.Service.DecideReview(r.Context(), r.PathValue("id"), item, req.Decision, operatorOf(r), req.Reason)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, ReviewDecided{Item: &service.ReviewEntry{ReviewItem: *it, Explain: service.ReviewExplainPath(it)}, State: st})
}
