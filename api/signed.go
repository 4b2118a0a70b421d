package api

import (
	"net/http"

	"github.com/plaudit/plaudit"
)

// Signed native events (docs/events.md): members' Ed25519 keys. POST /v1/events checks the signatures
// (postEvents, through service.CheckEventSignatures); this file links and revokes the keys.

func init() {
	Register(func(s *Server) {
		s.Route("POST /v1/members/{member}/keys", s.postMemberKey, plaudit.RoleAdmin, plaudit.RoleCore, plaudit.RoleMember)
	})
}

// MemberKeyRequest is the body of POST /v1/members/{member}/keys: an Ed25519 key as a did:key identifier
// to link to the member, or with Revoke to unlink.
type MemberKeyRequest struct {
	DID    string `json:"did"`
	Revoke bool   `json:"revoke,omitempty"`
}

// MemberKeyResponse is the answer: the key event appended to the log and the member as it now stands.
type MemberKeyResponse struct {
	Event  plaudit.Event   `json:"event"`
	Member *plaudit.Member `json:"member"`
}

// postMemberKey links (201) or revokes (200) an Ed25519 did:key of a member. Admin and core keys act on any
// member; a member key only on its own member, so that members can register the keys they sign with.
func (s *Server) postMemberKey(w http.ResponseWriter, r *http.Request) {
	if err := ParseQuery(r).Err(); err != nil {
		WriteError(w, err)
		return
	}
	handle := r.PathValue("member")
	if mk := memberKey(r); mk != "" {
		m, err := s.Service.Member(r.Context(), handle)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if !ownOnly(w, r, m.Handle) {
			return
		}
	}
	var req MemberKeyRequest
	if !decodeBody(w, r, &req) {
		return
	}
	if req.DID == "" {
		WriteError(w, &plaudit.FieldError{Index: -1, Field: "did", Reason: "missing: want an Ed25519 did:key (did:key:z6Mk…)"})
		return
	}
	ch, err := s.Service.KeyChange(r.Context(), handle, req.DID, req.Revoke, operatorOf(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	status := http.StatusCreated
	if req.Revoke {
		status = http.StatusOK
	}
	WriteJSON(w, status, MemberKeyResponse{Event: ch.Event, Member: ch.Member})
}
