package api

import (
	"encoding/json"
	"net/http"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/service"
	"github.com/plaudit/plaudit/witness"
)

// The witness routes (docs/witness.md): a witness lists the epochs waiting for publication, fetches an
// epoch's inputs, and posts its signed attestation or dispute; an admin resolves disputes.
func init() {
	Register(func(s *Server) {
		readers := []plaudit.Role{plaudit.RoleAdmin, plaudit.RoleCore, plaudit.RoleViewer, plaudit.RoleWitness}
		s.Route("GET /v1/witness/epochs", s.pendingWitnessEpochs, readers...)
		s.Route("GET /v1/witness/epochs/{id}", s.getWitnessState, readers...)
		s.Route("GET /v1/witness/epochs/{id}/inputs", s.getEpochInputs, plaudit.RoleAdmin, plaudit.RoleWitness)
		s.Route("POST /v1/witness/epochs/{id}/attestations", s.postWitnessStatement, plaudit.RoleAdmin, plaudit.RoleWitness)
		s.Route("POST /v1/witness/epochs/{id}/disputes", s.postWitnessStatement, plaudit.RoleAdmin, plaudit.RoleWitness)
		s.Route("POST /v1/witness/epochs/{id}/resolve", s.resolveDisputes, plaudit.RoleAdmin)
	})
}

// WitnessEpochsPage is the body of GET /v1/witness/epochs.
type WitnessEpochsPage struct {
	Epochs []*service.WitnessState `json:"epochs"`
}

// pendingWitnessEpochs lists the closed epochs not yet published (publishing those that are due).
func (s *Server) pendingWitnessEpochs(w http.ResponseWriter, r *http.Request) {
	q := ParseQuery(r, "program")
	program := q.String("program")
	if err := q.Err(); err != nil {
		WriteError(w, err)
		return
	}
	sts, err := s.Service.PublishDue(r.Context(), program)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, WitnessEpochsPage{Epochs: nonNil(sts)})
}

// getWitnessState answers where an epoch stands with its witnesses.
func (s *Server) getWitnessState(w http.ResponseWriter, r *http.Request) {
	st, err := s.Service.WitnessState(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, st)
}

// getEpochInputs streams an epoch's inputs as the JSON Lines document service.EpochInputsFormat.
func (s *Server) getEpochInputs(w http.ResponseWriter, r *http.Request) {
	in, err := s.Service.EpochInputs(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(http.StatusOK)
	if err := in.WriteJSON(w); err != nil {
		s.Logger.Warn("api: write epoch inputs", "epoch", in.Epoch.ID, "err", err)
	}
}

// postWitnessStatement records a signed attestation (…/attestations) or dispute (…/disputes).
func (s *Server) postWitnessStatement(w http.ResponseWriter, r *http.Request) {
	body, ok := readBody(w, r, witness.MaxMessage, "application/json")
	if !ok {
		return
	}
	want := "Attestation"
	if r.Pattern == "POST /v1/witness/epochs/{id}/disputes" {
		want = "Dispute"
	}
	var head struct {
		TypedData struct {
			PrimaryType string `json:"primaryType"`
		} `json:"typed_data"`
	}
	if err := decodeLoose(body, &head); err != nil || head.TypedData.PrimaryType != want {
		WriteError(w, plaudit.Errorf(plaudit.EINVALID, "typed_data.primaryType: want %s on this route", want))
		return
	}
	rec, st, err := s.Service.RecordWitness(r.Context(), r.PathValue("id"), body)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	WriteJSON(w, http.StatusCreated, WitnessStatement{Record: rec, State: st})
}

// WitnessStatement is the answer to a posted attestation or dispute: the record and the epoch's state.
type WitnessStatement struct {
	Record *plaudit.WitnessRecord `json:"record"`
	State  *service.WitnessState  `json:"state"`
}

// ResolveRequest is the body of POST /v1/witness/epochs/{id}/resolve.
type ResolveRequest struct {
	Resolution string `json:"resolution"` // fixed or overruled
	Reason     string `json:"reason"`
}

// resolveDisputes resolves an epoch's open disputes, as the calling admin.
func (s *Server) resolveDisputes(w http.ResponseWriter, r *http.Request) {
	var req ResolveRequest
	if !decodeBody(w, r, &req) {
		return
	}
	st, err := s.Service.ResolveDisputes(r.Context(), r.PathValue("id"), operatorOf(r), req.Resolution, req.Reason)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, st)
}

// decodeLoose reads JSON into v ignoring fields v does not name (the witness message is checked strictly
// by the service).
func decodeLoose(b []byte, v any) error { return json.Unmarshal(b, v) }
