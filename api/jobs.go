package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/jobs"
)

// JobsAPI is what the /v1/jobs routes need of the job scheduler: *jobs.Scheduler implements it. The
// scheduler is made by `plaudit serve` after the API server, so serve passes one whose scheduler it sets
// later (see cmd/plaudit/serve_jobs.go).
type JobsAPI interface {
	// List returns the runs f selects, newest first.
	List(ctx context.Context, f jobs.Filter) ([]*jobs.Run, error)
	// Get returns one run, or ENOTFOUND.
	Get(ctx context.Context, id int64) (*jobs.Run, error)
	// Trigger enqueues a job of kind; alreadyRunning when one was queued or running (its id is returned).
	Trigger(ctx context.Context, kind string, args json.RawMessage) (id int64, alreadyRunning bool, err error)
	// Kinds lists the job kinds, sorted.
	Kinds() []string
}

func init() {
	Register(func(s *Server) {
		s.Route("GET /v1/jobs", s.listJobs, plaudit.RoleAdmin, plaudit.RoleCore, plaudit.RoleViewer)
		s.Route("GET /v1/jobs/{id}", s.getJob, plaudit.RoleAdmin, plaudit.RoleCore, plaudit.RoleViewer)
		s.Route("POST /v1/jobs", s.triggerJob, plaudit.RoleAdmin, plaudit.RoleCore)
	})
}

// MaxJobHistory is how far back GET /v1/jobs pages: the newest runs.
const MaxJobHistory = 10_000

// jobsOrFail returns the scheduler, answering 503 when the process runs none.
func (s *Server) jobsOrFail(w http.ResponseWriter) JobsAPI {
	if s.Jobs == nil {
		writeError(w, http.StatusServiceUnavailable, CodeUnavailable, "this server runs no job scheduler")
	}
	return s.Jobs
}

// JobsPage is the body of GET /v1/jobs.
type JobsPage struct {
	Jobs []*jobs.Run `json:"jobs"`
	Next string      `json:"next,omitempty"`
}

// listJobs lists the job history, newest first, of one kind or all.
func (s *Server) listJobs(w http.ResponseWriter, r *http.Request) {
	q := ParseQuery(r, "kind", "cursor", "limit")
	kind, page := q.String("kind"), q.Page()
	if err := q.Err(); err != nil {
		WriteError(w, err)
		return
	}
	j := s.jobsOrFail(w)
	if j == nil {
		return
	}
	// The history has no cursor of its own: read through the end of the page and one more.
	runs, err := j.List(r.Context(), jobs.Filter{Kind: kind, Limit: min(page.Offset+page.Limit+1, MaxJobHistory)})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var out JobsPage
	out.Jobs, out.Next = Paginate(nonNil(runs), page)
	WriteJSON(w, http.StatusOK, out)
}

// getJob answers one run of the history.
func (s *Server) getJob(w http.ResponseWriter, r *http.Request) {
	if err := ParseQuery(r).Err(); err != nil {
		WriteError(w, err)
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		WriteError(w, plaudit.Errorf(plaudit.ENOTFOUND, "no job %q: a job id is a positive number", r.PathValue("id")))
		return
	}
	j := s.jobsOrFail(w)
	if j == nil {
		return
	}
	run, err := j.Get(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, run)
}

// TriggerRequest is the body of POST /v1/jobs.
type TriggerRequest struct {
	Kind string `json:"kind"` // score, rescore, integrity, epoch-close, …
}

// TriggerResponse is the body of an answer to POST /v1/jobs.
type TriggerResponse struct {
	ID             int64  `json:"id"`
	Kind           string `json:"kind"`
	AlreadyRunning bool   `json:"already_running"` // a job of the kind was queued or running: that is its id
}

// triggerJob enqueues a job of the posted kind for the scheduler to run soon (202), or points at the one already
// queued or running.
func (s *Server) triggerJob(w http.ResponseWriter, r *http.Request) {
	if err := ParseQuery(r).Err(); err != nil {
		WriteError(w, err)
		return
	}
	var body TriggerRequest
	if !decodeBody(w, r, &body) {
		return
	}
	j := s.jobsOrFail(w)
	if j == nil {
		return
	}
	kind := body.Kind
	known := false
	for _, k := range j.Kinds() {
		known = known || k == kind
	}
	if !known {
		WriteError(w, plaudit.Errorf(plaudit.ENOTFOUND, "no job kind %q (kinds: %v)", kind, j.Kinds()))
		return
	}
	id, already, err := j.Trigger(r.Context(), kind, nil)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	WriteJSON(w, http.StatusAccepted, TriggerResponse{ID: id, Kind: kind, AlreadyRunning: already})
}
