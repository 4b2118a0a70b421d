package api

import (
	"bytes"
	"net/http"
	"slices"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/payout"
	"github.com/plaudit/plaudit/service"
)

func init() {
	Register(func(s *Server) {
		readers := []plaudit.Role{plaudit.RoleAdmin, plaudit.RoleCore, plaudit.RoleViewer, plaudit.RoleWitness}
		s.Route("GET /v1/epochs", s.listEpochs, readers...)
		s.Route("GET /v1/epochs/{id}", s.getEpoch, readers...)
		s.Route("GET /v1/epochs/{id}/allocations", s.listAllocations, readers...)
		s.Route("GET /v1/epochs/{id}/export", s.exportEpoch, readers...)
		s.Route("GET /v1/epochs/{id}/verdicts", s.listEpochVerdicts, readers...)
		s.Route("GET /v1/epochs/{id}/proofs/{member}", s.getProof, append(readers, plaudit.RoleMember)...)
		s.Route("GET /v1/epochs/{id}/claims", s.getClaims, append(readers, plaudit.RoleMember)...)
		s.Route("POST /v1/epochs/close", s.closeEpochs, plaudit.RoleAdmin, plaudit.RoleCore)
	})
}

// EpochsPage is the body of GET /v1/epochs.
type EpochsPage struct {
	Epochs []*plaudit.Epoch `json:"epochs"`
	Next   string           `json:"next,omitempty"`
}

// listEpochs lists the closed epochs, oldest first, of one program or all.
func (s *Server) listEpochs(w http.ResponseWriter, r *http.Request) {
	q := ParseQuery(r, "program", "cursor", "limit")
	program, page := q.String("program"), q.Page()
	if err := q.Err(); err != nil {
		WriteError(w, err)
		return
	}
	eps, err := s.Service.Epochs(r.Context(), program)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var out EpochsPage
	out.Epochs, out.Next = Paginate(eps, page)
	WriteJSON(w, http.StatusOK, out)
}

// getEpoch answers one closed epoch's totals and Merkle root.
func (s *Server) getEpoch(w http.ResponseWriter, r *http.Request) {
	if err := ParseQuery(r).Err(); err != nil {
		WriteError(w, err)
		return
	}
	ce, err := s.Service.Epoch(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, ce.Epoch)
}

// AllocationsPage is the body of GET /v1/epochs/{id}/allocations.
type AllocationsPage struct {
	Allocations []plaudit.Allocation `json:"allocations"`
	Next        string               `json:"next,omitempty"`
}

// listAllocations lists a closed epoch's allocations by member.
func (s *Server) listAllocations(w http.ResponseWriter, r *http.Request) {
	q := ParseQuery(r, "cursor", "limit")
	page := q.Page()
	if err := q.Err(); err != nil {
		WriteError(w, err)
		return
	}
	ce, err := s.Service.Epoch(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var out AllocationsPage
	out.Allocations, out.Next = Paginate(nonNil(ce.Allocations), page)
	WriteJSON(w, http.StatusOK, out)
}

// exportEpoch answers a closed epoch as CSV or JSON, the bytes of `plaudit epoch export`.
func (s *Server) exportEpoch(w http.ResponseWriter, r *http.Request) {
	q := ParseQuery(r, "format")
	format := q.Enum("format", "csv", service.EpochExportFormats...)
	if err := q.Err(); err != nil {
		WriteError(w, err)
		return
	}
	var buf bytes.Buffer
	if err := s.Service.ExportEpoch(r.Context(), &buf, r.PathValue("id"), format); err != nil {
		s.fail(w, r, err)
		return
	}
	ct := "text/csv; charset=utf-8"
	if format == "json" {
		ct = "application/json"
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(http.StatusOK)
	w.Write(buf.Bytes())
}

// VerdictsPage is the body of GET /v1/epochs/{id}/verdicts.
type VerdictsPage struct {
	Verdicts []plaudit.Verdict `json:"verdicts"`
	Next     string            `json:"next,omitempty"`
}

// listEpochVerdicts lists the verdicts a closed epoch was settled with: an input a witness checks.
func (s *Server) listEpochVerdicts(w http.ResponseWriter, r *http.Request) {
	q := ParseQuery(r, "cursor", "limit")
	page := q.Page()
	if err := q.Err(); err != nil {
		WriteError(w, err)
		return
	}
	vs, err := s.Service.EpochVerdicts(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var out VerdictsPage
	out.Verdicts, out.Next = Paginate(nonNil(vs), page)
	WriteJSON(w, http.StatusOK, out)
}

// ProofResponse is the body of GET /v1/epochs/{id}/proofs/{member}: a payout's Merkle proof. Amount is
// a decimal string of base units (it may exceed what a JSON number holds exactly).
type ProofResponse struct {
	Epoch  string   `json:"epoch"`
	Member string   `json:"member"`
	Wallet string   `json:"wallet"`
	Amount string   `json:"amount"`
	Leaf   string   `json:"leaf"`
	Proof  []string `json:"proof"`
	Root   string   `json:"root"`
}

// getProof answers the Merkle proof of a member's (or a wallet's) payout in a closed epoch. A member key
// reads only its own.
func (s *Server) getProof(w http.ResponseWriter, r *http.Request) {
	if err := ParseQuery(r).Err(); err != nil {
		WriteError(w, err)
		return
	}
	key := r.PathValue("member")
	if m := memberKey(r); m != "" && !service.ValidWallet(key) && key != m {
		ownOnly(w, r, key)
		return
	}
	p, err := s.Service.EpochProofFor(r.Context(), r.PathValue("id"), key)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !ownOnly(w, r, p.Member) {
		return
	}
	out := ProofResponse{Epoch: p.Epoch, Member: p.Member, Wallet: p.Wallet.String(), Amount: p.Amount.String(),
		Leaf: p.Leaf.String(), Proof: make([]string, len(p.Proof)), Root: p.Root.String()}
	for i, h := range p.Proof {
		out.Proof[i] = h.String()
	}
	WriteJSON(w, http.StatusOK, out)
}

// CloseRequest is the body of POST /v1/epochs/close: close the epoch containing at, every pending epoch
// through through, or (neither) the next pending epoch, of program (the active policy's when empty).
type CloseRequest struct {
	Program string     `json:"program,omitempty"`
	At      *time.Time `json:"at,omitempty"`
	Through *time.Time `json:"through,omitempty"`
}

// ClosedEpochSummary is one epoch a close request closed (or found closed).
type ClosedEpochSummary struct {
	ID           string `json:"id"`
	Already      bool   `json:"already"` // it was closed before: nothing was written
	Members      int    `json:"members"`
	Paid         string `json:"paid"` // base units
	Root         string `json:"root"`
	Verdicts     int    `json:"verdicts"`
	IntegrityRan bool   `json:"integrity_ran"`
}

// CloseResponse is the body of an answer to POST /v1/epochs/close.
type CloseResponse struct {
	Program  string               `json:"program"`
	Policy   string               `json:"policy"`
	Rescored bool                 `json:"rescored"`
	LogSeq   int64                `json:"log_seq"`
	Epochs   []ClosedEpochSummary `json:"epochs"`
	// Open is the next epoch, still open, when every pending one was asked for.
	Open *EpochWindow `json:"open,omitempty"`
}

// EpochWindow is an epoch's id and times.
type EpochWindow struct {
	ID    string    `json:"id"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// closeEpochs closes epochs in order through service.CloseEpochs.
func (s *Server) closeEpochs(w http.ResponseWriter, r *http.Request) {
	if err := ParseQuery(r).Err(); err != nil {
		WriteError(w, err)
		return
	}
	var body CloseRequest
	if !decodeBody(w, r, &body) {
		return
	}
	req := service.CloseRequest{Program: body.Program, Operator: operatorOf(r)}
	if body.At != nil {
		req.At = *body.At
	}
	if body.Through != nil {
		req.Through = *body.Through
	}
	res, err := s.Service.CloseEpochs(r.Context(), req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := CloseResponse{Program: res.Program.Name, Policy: res.Policy.Hash(), Rescored: res.Rescored, LogSeq: res.LogSeq,
		Epochs: make([]ClosedEpochSummary, len(res.Epochs))}
	for i, ce := range res.Epochs {
		out.Epochs[i] = ClosedEpochSummary{ID: ce.Window.ID, Already: ce.Already, Verdicts: ce.Verdicts, IntegrityRan: ce.IntegrityRan, Paid: "0"}
		if ce.Epoch != nil {
			out.Epochs[i].Members, out.Epochs[i].Root = ce.Epoch.Members, ce.Epoch.Root
			if ce.Epoch.Paid != nil {
				out.Epochs[i].Paid = ce.Epoch.Paid.String()
			}
		}
	}
	if res.Open != nil {
		out.Open = &EpochWindow{ID: res.Open.ID, Start: res.Open.Start, End: res.Open.End}
	}
	WriteJSON(w, http.StatusOK, out)
}

// ClaimsResponse is the body of GET /v1/epochs/{id}/claims: the epoch's Permit2 claims, signed by the
// server's payout key, one per wallet paid (a member key sees only its own), and the members owed an
// amount but without a wallet.
type ClaimsResponse struct {
	*service.ClaimSet
	Unpaid []UnpaidMember `json:"unpaid"`
}

// UnpaidMember is a member owed an amount (base units) that no claim pays, and why.
type UnpaidMember struct {
	Member string `json:"member"`
	Amount string `json:"amount"`
	Reason string `json:"reason"`
}

// getClaims signs and answers the Permit2 claims of a closed epoch. Signing is deterministic, so asking
// again gives the same claims, and the nonces come from the epoch, so no claim can be paid twice.
func (s *Server) getClaims(w http.ResponseWriter, r *http.Request) {
	if err := ParseQuery(r).Err(); err != nil {
		WriteError(w, err)
		return
	}
	if s.claims == nil {
		writeError(w, http.StatusServiceUnavailable, CodeUnavailable, "this server has no payout signer: set payout.signer_key (or signer_sealed) and payout.chain_id in its config")
		return
	}
	set, unpaid, err := s.Service.EpochClaims(r.Context(), s.claims.Key, r.PathValue("id"), payout.ClaimOptions{Domain: s.claims.Domain})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if m := memberKey(r); m != "" {
		own := set.Claims[:0:0]
		for _, c := range set.Claims {
			if slices.Contains(c.Members, m) {
				own = append(own, c)
			}
		}
		set.Claims = own
	}
	out := ClaimsResponse{ClaimSet: set, Unpaid: []UnpaidMember{}}
	for _, u := range unpaid {
		if m := memberKey(r); m == "" || u.Member == m {
			out.Unpaid = append(out.Unpaid, UnpaidMember{Member: u.Member, Amount: u.Amount.String(), Reason: u.Reason})
		}
	}
	WriteJSON(w, http.StatusOK, out)
}
