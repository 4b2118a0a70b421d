package api

import (
	"context"
	"errors"
	"io"
	"math"
	"mime"
	"net/http"
	"strconv"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/eventio"
)

// EventResult is the outcome of one event of a POST /v1/events batch.
type EventResult struct {
	Index  int          `json:"index"`
	Status string       `json:"status"` // accepted, duplicate or rejected
	Seq    int64        `json:"seq,omitempty"`
	Error  *ResultError `json:"error,omitempty"`
}

// ResultError says why an event was rejected.
type ResultError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// PostEventsResponse is the body of a 200 answer to POST /v1/events.
type PostEventsResponse struct {
	Results   []EventResult `json:"results"`
	Accepted  int           `json:"accepted"`
	Duplicate int           `json:"duplicate"`
	Rejected  int           `json:"rejected"`
}

// postEvents appends a batch of events. Each event is accepted, found to be a duplicate, or rejected on its
// own: a bad event does not block the good ones beside it. Only a body that is not JSON of the right shape
// is refused whole (400), since then no event in it can be trusted.
func (s *Server) postEvents(w http.ResponseWriter, r *http.Request) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		writeError(w, http.StatusUnsupportedMediaType, plaudit.EINVALID, "Content-Type must be application/json")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.maxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, plaudit.EINVALID, "request body larger than "+strconv.FormatInt(mbe.Limit, 10)+" bytes: send fewer events per request")
			return
		}
		writeError(w, http.StatusBadRequest, plaudit.EINVALID, "read request body: "+err.Error())
		return
	}
	parts, err := eventio.SplitBatch(body, plaudit.MaxBatch)
	if err != nil {
		WriteError(w, err)
		return
	}
	resp := PostEventsResponse{Results: make([]EventResult, len(parts))}
	valid := make([]plaudit.Event, 0, len(parts))
	index := make([]int, 0, len(parts)) // position in the request of each valid event
	for i, raw := range parts {
		resp.Results[i].Index = i
		var ev plaudit.Event
		if errs := eventio.ParseEvent(raw, &ev); errs != nil {
			s.metrics.event(ev.Source, string(plaudit.Rejected))
			field, reason := eventio.BatchError(errs)
			resp.Results[i].Status = string(plaudit.Rejected)
			resp.Results[i].Error = &ResultError{Field: field, Reason: reason}
			resp.Rejected++
			continue
		}
		if refusal := appendRefusal(CallerOf(r.Context()), &ev); refusal != nil {
			s.metrics.event(ev.Source, string(plaudit.Rejected))
			resp.Results[i].Status = string(plaudit.Rejected)
			resp.Results[i].Error = refusal
			resp.Rejected++
			continue
		}
		valid = append(valid, ev)
		index = append(index, i)
	}
	if len(valid) > 0 {
		ctx, cancel := context.WithTimeout(r.Context(), s.storeTimeout)
		// Signed native events (docs/events.md): a signature that fails, or an unsigned native event
		// where the program requires signatures, refuses the whole request (400 or 403) and stores nothing.
		if err := s.Service.CheckEventSignatures(ctx, valid, index); err != nil {
			cancel()
			s.fail(w, r, err)
			return
		}
		results, err := s.Service.AppendEvents(ctx, valid)
		if err != nil {
			s.internal(ctx, w, r, err)
			cancel()
			return
		}
		cancel()
		for j, ar := range results {
			s.metrics.event(valid[j].Source, string(ar.Status))
			res := &resp.Results[index[j]]
			res.Status, res.Seq = string(ar.Status), ar.Seq
			switch ar.Status {
			case plaudit.Accepted:
				resp.Accepted++
			case plaudit.Duplicate:
				resp.Duplicate++
			default:
				resp.Rejected++
				res.Seq = 0
				if ar.Error != nil {
					res.Error = &ResultError{Field: ar.Error.Field, Reason: ar.Error.Reason}
				} else {
					res.Error = &ResultError{Reason: "rejected by the store"}
				}
			}
		}
	}
	WriteJSON(w, http.StatusOK, resp)
}

// Page limits of GET /v1/events.
const (
	DefaultLimit = 100
	MaxLimit     = 10_000
)

// EventsPage is the body of an answer to GET /v1/events. When the page is full, Next is the "after" value
// that fetches the next page.
type EventsPage struct {
	Events []*plaudit.Event `json:"events"`
	Next   int64            `json:"next,omitempty"`
}

// getEvent answers one stored event by source and external id (path-escaped: github/acme%2Fwidgets%2347).
func (s *Server) getEvent(w http.ResponseWriter, r *http.Request) {
	if err := ParseQuery(r).Err(); err != nil {
		WriteError(w, err)
		return
	}
	e, err := s.Service.Event(r.Context(), plaudit.Source(r.PathValue("source")), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, e)
}

// getEvents lists events in log order. Filters: source, kind and actor (repeated or comma-separated), since and
// until (RFC3339, event time, since inclusive, until exclusive), after (a seq), limit (1–10000).
func (s *Server) getEvents(w http.ResponseWriter, r *http.Request) {
	f, err := eventFilter(r)
	if err != nil {
		WriteError(w, err)
		return
	}
	page := EventsPage{Events: []*plaudit.Event{}}
	err = s.Service.ScanEvents(r.Context(), f, func(e *plaudit.Event) error {
		page.Events = append(page.Events, e)
		return nil
	})
	if err != nil {
		s.internal(r.Context(), w, r, err)
		return
	}
	if len(page.Events) == f.Limit {
		page.Next = page.Events[len(page.Events)-1].Seq
	}
	WriteJSON(w, http.StatusOK, page)
}

func eventFilter(r *http.Request) (plaudit.EventFilter, error) {
	q := ParseQuery(r, "source", "kind", "actor", "since", "until", "after", "limit")
	f := plaudit.EventFilter{Limit: DefaultLimit}
	for _, v := range q.List("source") {
		src := plaudit.Source(v)
		if !src.Valid() {
			q.fail("source", "unknown source %q", v)
			continue
		}
		f.Sources = append(f.Sources, src)
	}
	for _, v := range q.List("kind") {
		if !anyKnownKind(plaudit.Kind(v)) {
			q.fail("kind", "unknown kind %q", v)
			continue
		}
		f.Kinds = append(f.Kinds, plaudit.Kind(v))
	}
	f.Actors = q.List("actor")
	f.Since, f.Until = q.Time("since"), q.Time("until")
	f.AfterSeq = q.Int("after", 0, 0, math.MaxInt64)
	f.Limit = int(q.Int("limit", DefaultLimit, 1, MaxLimit))
	return f, q.Err()
}

// anyKnownKind reports whether k is a kind of some source.
func anyKnownKind(k plaudit.Kind) bool {
	for _, src := range plaudit.Sources {
		if plaudit.KnownKind(src, k) {
			return true
		}
	}
	return false
}

func (s *Server) getStats(w http.ResponseWriter, r *http.Request) {
	if err := ParseQuery(r).Err(); err != nil {
		WriteError(w, err)
		return
	}
	st, err := s.Store.EventStats(r.Context())
	if err != nil {
		s.internal(r.Context(), w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, st)
}
