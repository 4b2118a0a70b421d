package api

import (
	"net/http"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/service"
)

func init() {
	Register(func(s *Server) {
		s.Route("GET /v1/credentials/{subject}", s.getCredential, plaudit.RoleAdmin, plaudit.RoleCore, plaudit.RoleViewer, plaudit.RoleMember)
	})
}

// CredentialResponse is the body of GET /v1/credentials/{subject}: whether the member meets the rule (at
// least min_points in the window under the active policy) and with what. A subject that names no member
// answers eligible false with member "".
type CredentialResponse struct {
	Subject   string         `json:"subject"`
	Member    string         `json:"member"`
	Eligible  bool           `json:"eligible"`
	Points    plaudit.Points `json:"points"`
	MinPoints plaudit.Points `json:"min_points"`
	Scores    int            `json:"scores"`
	Window    string         `json:"window"`
	Since     *time.Time     `json:"since,omitempty"`
	Until     *time.Time     `json:"until,omitempty"`
	Policy    string         `json:"policy"`
}

// getCredential answers a quest or role platform's question: does this handle, account or wallet have at
// least min_points in window (all, 7d, 30d, … up to 366d, or an ISO week 2026-W02)? A member key asks only
// about itself.
func (s *Server) getCredential(w http.ResponseWriter, r *http.Request) {
	q := ParseQuery(r, "min_points", "window")
	var req service.CredentialRequest
	if v := q.String("min_points"); v != "" {
		p, err := plaudit.ParsePoints(v)
		if err != nil || p < 0 {
			q.fail("min_points", "want points of 0 or more (a decimal with at most six fractional digits), got %q", v)
		}
		req.MinPoints = p
	}
	var err error
	if req.Window, err = service.ParseCredentialWindow(q.String("window"), s.Service.Now()); err != nil {
		q.fail("window", "%s", plaudit.ErrorMessage(err))
	}
	if err := q.Err(); err != nil {
		WriteError(w, err)
		return
	}
	req.Subject = r.PathValue("subject")
	c, err := s.Service.Credential(r.Context(), req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if memberKey(r) != "" && !ownOnly(w, r, c.Member) {
		return
	}
	out := CredentialResponse{Subject: c.Subject, Member: c.Member, Eligible: c.Eligible, Points: c.Points, MinPoints: c.MinPoints,
		Scores: c.Scores, Window: c.Window.Name, Policy: c.Policy}
	if !c.Window.Since.IsZero() {
		out.Since, out.Until = &c.Window.Since, &c.Window.Until
	}
	WriteJSON(w, http.StatusOK, out)
}
