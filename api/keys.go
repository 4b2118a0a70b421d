package api

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/service"
)

// maxKeyBody is the largest body POST /v1/keys accepts.
const maxKeyBody = 16 << 10

// CreateKeyRequest is the body of POST /v1/keys.
type CreateKeyRequest struct {
	Name   string       `json:"name"`
	Role   plaudit.Role `json:"role"`
	Member string       `json:"member,omitempty"` // a member handle or account key, for a member key only
}

// KeysPage is the body of an answer to GET /v1/keys: every key, revoked ones included; never a secret.
type KeysPage struct {
	Keys []*plaudit.APIKey `json:"keys"`
}

// KeyAnswer is the body of an answer to DELETE /v1/keys/{id}: the key as it now stands.
type KeyAnswer struct {
	Key *plaudit.APIKey `json:"key"`
}

// routeKeys adds the key management routes, for admins only.
func (s *Server) routeKeys() {
	s.Route("POST /v1/keys", s.postKey, plaudit.RoleAdmin)
	s.Route("GET /v1/keys", s.getKeys, plaudit.RoleAdmin)
	s.Route("DELETE /v1/keys/{id}", s.deleteKey, plaudit.RoleAdmin)
}

// postKey creates a key and answers 201 with it and its secret, which is never shown again.
func (s *Server) postKey(w http.ResponseWriter, r *http.Request) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		writeError(w, http.StatusUnsupportedMediaType, plaudit.EINVALID, "Content-Type must be application/json")
		return
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxKeyBody))
	dec.DisallowUnknownFields()
	var req CreateKeyRequest
	if err := dec.Decode(&req); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, plaudit.EINVALID, "request body larger than "+strconv.FormatInt(mbe.Limit, 10)+" bytes")
			return
		}
		WriteError(w, plaudit.Errorf(plaudit.EINVALID, "body: want {\"name\",\"role\",\"member\"}: %v", err))
		return
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		WriteError(w, plaudit.Errorf(plaudit.EINVALID, "body: trailing data after the JSON object"))
		return
	}
	created, err := s.Service.CreateKey(r.Context(), service.NewKey{Name: req.Name, Role: req.Role, Member: req.Member, By: callerName(CallerOf(r.Context()))})
	if err != nil {
		s.internal(r.Context(), w, r, err)
		return
	}
	WriteJSON(w, http.StatusCreated, created)
}

// getKeys lists every key.
func (s *Server) getKeys(w http.ResponseWriter, r *http.Request) {
	if len(r.URL.Query()) > 0 {
		WriteError(w, plaudit.Errorf(plaudit.EINVALID, "GET /v1/keys takes no query parameters"))
		return
	}
	keys, err := s.Service.Keys(r.Context())
	if err != nil {
		s.internal(r.Context(), w, r, err)
		return
	}
	if keys == nil {
		keys = []*plaudit.APIKey{}
	}
	WriteJSON(w, http.StatusOK, KeysPage{Keys: keys})
}

// deleteKey revokes a key.
func (s *Server) deleteKey(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		WriteError(w, plaudit.Errorf(plaudit.EINVALID, "id: want a key id (a positive number), got %q", r.PathValue("id")))
		return
	}
	k, err := s.Service.RevokeKey(r.Context(), id)
	if err != nil {
		s.internal(r.Context(), w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, KeyAnswer{Key: k})
}

// callerName names a caller for the record of what it created.
func callerName(c *Caller) string {
	switch {
	case c == nil:
		return "api"
	case c.KeyID != 0:
		return "api key " + strconv.FormatInt(c.KeyID, 10)
	default:
		return "api " + c.Name
	}
}
