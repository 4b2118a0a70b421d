package api

import (
	"net/http"
	"strconv"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/service"
)

func init() {
	Register(func(s *Server) {
		operators := []plaudit.Role{plaudit.RoleAdmin, plaudit.RoleCore}
		readers := []plaudit.Role{plaudit.RoleAdmin, plaudit.RoleCore, plaudit.RoleViewer}
		s.Route("POST /v1/flags", s.raiseFlag, plaudit.RoleAdmin, plaudit.RoleCore, plaudit.RoleMember)
		s.Route("GET /v1/flags", s.listFlags, readers...)
		s.Route("GET /v1/flags/{id}", s.getFlag, readers...)
		s.Route("POST /v1/flags/{id}/decision", s.decideFlag, operators...)
		s.Route("POST /v1/flags/{id}/appeal", s.appealFlag, plaudit.RoleAdmin, plaudit.RoleCore, plaudit.RoleMember)
		s.Route("POST /v1/flags/{id}/appeal/decision", s.decideAppeal, operators...)
		s.Route("GET /v1/audits/{epoch}", s.listAudit, plaudit.RoleAdmin, plaudit.RoleCore, plaudit.RoleViewer, plaudit.RoleWitness)
		s.Route("POST /v1/audits/{epoch}/draw", s.drawAudit, operators...)
		s.Route("POST /v1/audits/{epoch}/reviews", s.reviewAudit, operators...)
		s.Route("POST /v1/adoptions", s.adoptFeedback, operators...)
	})
}

// actingMember returns the member a flag or an appeal is filed as: a member key's own member (a different
// by is refused, 403), else by, which is required. It answers the error itself and returns "" when refused.
func actingMember(w http.ResponseWriter, r *http.Request, by string) string {
	if m := memberKey(r); m != "" {
		if by != "" && by != m {
			WriteError(w, plaudit.Errorf(plaudit.EFORBIDDEN, "a member key acts only as its own member (%s), not as %q", m, by))
			return ""
		}
		return m
	}
	if by == "" {
		WriteError(w, &plaudit.ValidationError{Input: "request body", Errors: []*plaudit.FieldError{{Index: -1, Field: "by", Reason: "required: the member who acts"}}})
		return ""
	}
	return by
}

// flagID reads the {id} of a flag route, answering 404 when it is not a flag id.
func flagID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		WriteError(w, plaudit.Errorf(plaudit.ENOTFOUND, "no flag %q: a flag id is a positive number", r.PathValue("id")))
		return 0, false
	}
	return id, true
}

// RaiseFlagRequest is the body of POST /v1/flags.
type RaiseFlagRequest struct {
	Subject string `json:"subject"`      // an event key source/id, or member:HANDLE
	Reason  string `json:"reason"`       // why
	By      string `json:"by,omitempty"` // the member raising it; a member key's own member when left out
}

// raiseFlag raises a flag (201). A member key raises flags as itself.
func (s *Server) raiseFlag(w http.ResponseWriter, r *http.Request) {
	if err := ParseQuery(r).Err(); err != nil {
		WriteError(w, err)
		return
	}
	var body RaiseFlagRequest
	if !decodeBody(w, r, &body) {
		return
	}
	by := actingMember(w, r, body.By)
	if by == "" {
		return
	}
	f, err := s.Service.RaiseFlag(r.Context(), body.Subject, by, body.Reason)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	WriteJSON(w, http.StatusCreated, f)
}

// FlagsPage is the body of GET /v1/flags.
type FlagsPage struct {
	Flags []plaudit.Flag `json:"flags"`
	Next  string         `json:"next,omitempty"`
}

// listFlags lists flags, filtered by status, member or subject.
func (s *Server) listFlags(w http.ResponseWriter, r *http.Request) {
	q := ParseQuery(r, "status", "member", "subject", "cursor", "limit")
	f := plaudit.FlagFilter{
		Status:  plaudit.FlagStatus(q.Enum("status", "", string(plaudit.FlagOpen), string(plaudit.FlagConfirmed), string(plaudit.FlagRejected), string(plaudit.FlagOverturned))),
		Member:  q.String("member"),
		Subject: q.String("subject"),
	}
	page := q.Page()
	if err := q.Err(); err != nil {
		WriteError(w, err)
		return
	}
	flags, err := s.Service.Flags(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var out FlagsPage
	out.Flags, out.Next = Paginate(nonNil(flags), page)
	WriteJSON(w, http.StatusOK, out)
}

// getFlag answers one flag with its history.
func (s *Server) getFlag(w http.ResponseWriter, r *http.Request) {
	if err := ParseQuery(r).Err(); err != nil {
		WriteError(w, err)
		return
	}
	id, ok := flagID(w, r)
	if !ok {
		return
	}
	d, err := s.Service.Flag(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.History = nonNil(d.History)
	WriteJSON(w, http.StatusOK, d)
}

// FlagDecisionRequest is the body of POST /v1/flags/{id}/decision.
type FlagDecisionRequest struct {
	Decision      string `json:"decision"` // confirm or reject
	By            string `json:"by"`       // the moderator (a member)
	Note          string `json:"note,omitempty"`
	ExcludeEpochs int    `json:"exclude_epochs,omitempty"` // confirm only: exclude the member from this many epochs
}

// decideFlag confirms or rejects an open flag as a moderator.
func (s *Server) decideFlag(w http.ResponseWriter, r *http.Request) {
	if err := ParseQuery(r).Err(); err != nil {
		WriteError(w, err)
		return
	}
	id, ok := flagID(w, r)
	if !ok {
		return
	}
	var body FlagDecisionRequest
	if !decodeBody(w, r, &body) {
		return
	}
	var f *service.FlagDecision
	var err error
	switch body.Decision {
	case "confirm":
		f, err = s.Service.ConfirmFlag(r.Context(), id, body.By, body.Note, body.ExcludeEpochs)
	case "reject":
		if body.ExcludeEpochs != 0 {
			err = fieldError("exclude_epochs", "only a confirmation excludes")
			break
		}
		f, err = s.Service.RejectFlag(r.Context(), id, body.By, body.Note)
	default:
		err = fieldError("decision", "want confirm or reject, got "+strconv.Quote(body.Decision))
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, f)
}

// fieldError is invalid input in one field of the request body.
func fieldError(field, reason string) error {
	return &plaudit.ValidationError{Input: "request body", Errors: []*plaudit.FieldError{{Index: -1, Field: field, Reason: reason}}}
}

// AppealRequest is the body of POST /v1/flags/{id}/appeal.
type AppealRequest struct {
	Reason string `json:"reason"`
	By     string `json:"by,omitempty"` // the flagged member; a member key's own member when left out
}

// appealFlag records the flagged member's appeal of a confirmed flag. A member key appeals as itself.
func (s *Server) appealFlag(w http.ResponseWriter, r *http.Request) {
	if err := ParseQuery(r).Err(); err != nil {
		WriteError(w, err)
		return
	}
	id, ok := flagID(w, r)
	if !ok {
		return
	}
	var body AppealRequest
	if !decodeBody(w, r, &body) {
		return
	}
	by := actingMember(w, r, body.By)
	if by == "" {
		return
	}
	f, err := s.Service.AppealFlag(r.Context(), id, by, body.Reason)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, f)
}

// AppealDecisionRequest is the body of POST /v1/flags/{id}/appeal/decision.
type AppealDecisionRequest struct {
	Outcome string `json:"outcome"` // upheld or overturned
	By      string `json:"by"`      // the moderator, not the one who confirmed the flag
	Note    string `json:"note,omitempty"`
}

// decideAppeal upholds or overturns an appeal as a moderator.
func (s *Server) decideAppeal(w http.ResponseWriter, r *http.Request) {
	if err := ParseQuery(r).Err(); err != nil {
		WriteError(w, err)
		return
	}
	id, ok := flagID(w, r)
	if !ok {
		return
	}
	var body AppealDecisionRequest
	if !decodeBody(w, r, &body) {
		return
	}
	o := plaudit.AppealOutcome(body.Outcome)
	if o != plaudit.AppealUpheld && o != plaudit.AppealOverturned {
		WriteError(w, fieldError("outcome", "want upheld or overturned, got "+strconv.Quote(body.Outcome)))
		return
	}
	f, err := s.Service.DecideAppeal(r.Context(), id, body.By, o, body.Note)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, f)
}

// AuditPage is the body of GET /v1/audits/{epoch}: the entries, and the seed the sample was drawn from
// (the closed epoch's Merkle root, or its digest when nothing was paid) with the rule, so that anyone can
// redraw it.
type AuditPage struct {
	Seed     string               `json:"seed,omitempty"`
	SeedFrom string               `json:"seed_from,omitempty"`
	Rule     string               `json:"rule"`
	Entries  []plaudit.AuditEntry `json:"entries"`
	Next     string               `json:"next,omitempty"`
}

// auditStatuses are service.AuditStatuses as the strings ?status= accepts.
var auditStatuses = func() []string {
	ss := make([]string, len(service.AuditStatuses))
	for i, st := range service.AuditStatuses {
		ss[i] = string(st)
	}
	return ss
}()

// listAudit lists an epoch's audit sample in rank order, of one status or all.
func (s *Server) listAudit(w http.ResponseWriter, r *http.Request) {
	q := ParseQuery(r, "status", "cursor", "limit")
	status := plaudit.AuditStatus(q.Enum("status", "", auditStatuses...))
	page := q.Page()
	if err := q.Err(); err != nil {
		WriteError(w, err)
		return
	}
	aq, err := s.Service.Audit(r.Context(), r.PathValue("epoch"), status)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := AuditPage{Seed: aq.Seed, SeedFrom: aq.SeedFrom, Rule: aq.Rule}
	out.Entries, out.Next = Paginate(nonNil(aq.Entries), page)
	WriteJSON(w, http.StatusOK, out)
}

// AuditDrawRequest is the body of POST /v1/audits/{epoch}/draw: a sample of size events, or of rate (0 to
// 1) of the rewarded events.
type AuditDrawRequest struct {
	Size int            `json:"size,omitempty"`
	Rate *plaudit.Ratio `json:"rate,omitempty"`
}

// AuditDrawResponse is the body of an answer to POST /v1/audits/{epoch}/draw.
type AuditDrawResponse struct {
	Epoch    string   `json:"epoch"`
	Seed     string   `json:"seed"`      // the closed epoch's Merkle root (or digest): redraw with Rule
	SeedFrom string   `json:"seed_from"` // root or digest
	Rule     string   `json:"rule"`
	Rewarded int      `json:"rewarded"`
	Sample   []string `json:"sample"`
	By       string   `json:"by"`
}

// drawAudit draws (or draws again, identically) an epoch's audit sample.
func (s *Server) drawAudit(w http.ResponseWriter, r *http.Request) {
	if err := ParseQuery(r).Err(); err != nil {
		WriteError(w, err)
		return
	}
	var body AuditDrawRequest
	if !decodeBody(w, r, &body) {
		return
	}
	d, err := s.Service.DrawAudit(r.Context(), service.AuditDrawRequest{Epoch: r.PathValue("epoch"), Size: body.Size, Rate: body.Rate, By: operatorOf(r)})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, AuditDrawResponse{Epoch: d.Epoch, Seed: d.Seed, SeedFrom: d.SeedFrom, Rule: service.AuditRule, Rewarded: d.Rewarded, Sample: nonNil(d.Sample), By: d.By})
}

// AuditReviewRequest is the body of POST /v1/audits/{epoch}/reviews.
type AuditReviewRequest struct {
	Event  string `json:"event"`  // the sampled event key source/id
	Status string `json:"status"` // passed or failed
	By     string `json:"by"`     // the moderator
	Note   string `json:"note,omitempty"`
}

// reviewAudit records a moderator's review of a sampled event: 204 for a pass, 201 with the flag a failed
// audit opens on the event.
func (s *Server) reviewAudit(w http.ResponseWriter, r *http.Request) {
	if err := ParseQuery(r).Err(); err != nil {
		WriteError(w, err)
		return
	}
	var body AuditReviewRequest
	if !decodeBody(w, r, &body) {
		return
	}
	st := plaudit.AuditStatus(body.Status)
	if st != plaudit.AuditPassed && st != plaudit.AuditFailed {
		WriteError(w, fieldError("status", "want passed or failed, got "+strconv.Quote(body.Status)))
		return
	}
	f, err := s.Service.ReviewAudit(r.Context(), r.PathValue("epoch"), body.Event, st, body.By, body.Note)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if f != nil {
		WriteJSON(w, http.StatusCreated, f)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// AdoptionRequest is the body of POST /v1/adoptions: an operator adopts a member's feedback.
type AdoptionRequest struct {
	Feedback string `json:"feedback"` // the feedback event's key source/id
	Note     string `json:"note,omitempty"`
}

// adoptFeedback records the calling operator's adoption of a member's feedback in the event log (201).
func (s *Server) adoptFeedback(w http.ResponseWriter, r *http.Request) {
	if err := ParseQuery(r).Err(); err != nil {
		WriteError(w, err)
		return
	}
	var body AdoptionRequest
	if !decodeBody(w, r, &body) {
		return
	}
	if body.Feedback == "" {
		WriteError(w, fieldError("feedback", "required: the feedback event's key source/id"))
		return
	}
	a, err := s.Service.AdoptFeedback(r.Context(), body.Feedback, operatorOf(r), body.Note)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	WriteJSON(w, http.StatusCreated, a)
}
