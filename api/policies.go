package api

import (
	"net/http"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/policy"
	"github.com/plaudit/plaudit/service"
)

func init() {
	Register(func(s *Server) {
		s.Route("GET /v1/policies/active", s.getActivePolicy, plaudit.RoleAdmin, plaudit.RoleCore, plaudit.RoleViewer)
		// A closed epoch names its policy by hash: a witness reads it to rebuild the epoch.
		s.Route("GET /v1/policies/{hash}", s.getPolicy, plaudit.RoleAdmin, plaudit.RoleCore, plaudit.RoleViewer, plaudit.RoleWitness)
		s.Route("POST /v1/policies/validate", s.validatePolicy, plaudit.RoleAdmin, plaudit.RoleCore, plaudit.RoleViewer)
		s.Route("POST /v1/policies/preview", s.previewPolicy, plaudit.RoleAdmin, plaudit.RoleCore, plaudit.RoleViewer)
		s.Route("POST /v1/policies/activate", s.activatePolicy, plaudit.RoleAdmin, plaudit.RoleCore)
		s.Route("GET /v1/policies", s.listPolicyVersions, plaudit.RoleAdmin, plaudit.RoleCore, plaudit.RoleViewer, plaudit.RoleWitness)
		s.Route("GET /v1/policies/{hash}/diff", s.diffPolicy, plaudit.RoleAdmin, plaudit.RoleCore, plaudit.RoleViewer, plaudit.RoleWitness)
	})
}

// yamlTypes are the media types a posted policy document may come as.
var yamlTypes = []string{"application/yaml", "application/x-yaml", "text/yaml"}

// policyInput is the name a posted policy document has in errors.
const policyInput = "request body"

// getActivePolicy answers the active policy as stored.
func (s *Server) getActivePolicy(w http.ResponseWriter, r *http.Request) {
	if err := ParseQuery(r).Err(); err != nil {
		WriteError(w, err)
		return
	}
	rec, err := s.Service.ActivePolicyRecord(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, rec)
}

// getPolicy answers a stored policy by hash (sha256:…).
func (s *Server) getPolicy(w http.ResponseWriter, r *http.Request) {
	if err := ParseQuery(r).Err(); err != nil {
		WriteError(w, err)
		return
	}
	rec, err := s.Service.PolicyRecord(r.Context(), r.PathValue("hash"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, rec)
}

// PolicySummary says which policy a valid document is.
type PolicySummary struct {
	Valid   bool   `json:"valid"`
	Name    string `json:"name"`
	Version int    `json:"version"`
	Hash    string `json:"hash"`
}

func summary(p *policy.Policy) PolicySummary {
	return PolicySummary{Valid: true, Name: p.Name, Version: p.Version, Hash: p.Hash()}
}

// readPolicy reads a posted YAML policy document, answering the error itself when it cannot.
func readPolicy(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	return readBody(w, r, policy.MaxSize, yamlTypes...)
}

// validatePolicy checks a posted YAML policy: 200 with its name and hash, or 400 with every problem's line
// and field.
func (s *Server) validatePolicy(w http.ResponseWriter, r *http.Request) {
	if err := ParseQuery(r).Err(); err != nil {
		WriteError(w, err)
		return
	}
	doc, ok := readPolicy(w, r)
	if !ok {
		return
	}
	p, err := s.Service.ValidatePolicy(doc, policyInput)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, summary(p))
}

// PreviewResponse is the body of POST /v1/policies/preview: the whole log scored under the active policy
// and the posted one, member by member, largest change first.
type PreviewResponse struct {
	Active       PolicySummary       `json:"active"`
	New          PolicySummary       `json:"new"`
	Events       int                 `json:"events"`
	ActivePoints plaudit.Points      `json:"active_points"`
	NewPoints    plaudit.Points      `json:"new_points"`
	Members      int                 `json:"members"`
	Rows         []service.ReplayRow `json:"rows"`
	Next         string              `json:"next,omitempty"`
}

// previewPolicy replays the log under a posted policy and compares it with the active one (service
// Replay): who gains and who loses. Nothing is stored.
func (s *Server) previewPolicy(w http.ResponseWriter, r *http.Request) {
	q := ParseQuery(r, "cursor", "limit")
	page := q.Page()
	if err := q.Err(); err != nil {
		WriteError(w, err)
		return
	}
	doc, ok := readPolicy(w, r)
	if !ok {
		return
	}
	rp, err := s.Service.PreviewPolicy(r.Context(), doc, policyInput)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := PreviewResponse{Active: summary(rp.Active), New: summary(rp.New), Events: rp.Events,
		ActivePoints: rp.ActivePoints, NewPoints: rp.NewPoints, Members: len(rp.Rows)}
	out.Rows, out.Next = Paginate(nonNil(rp.Rows), page)
	WriteJSON(w, http.StatusOK, out)
}

// activatePolicy makes a posted YAML policy the active one (service ActivatePolicy), which asks the
// scheduler to rescore.
func (s *Server) activatePolicy(w http.ResponseWriter, r *http.Request) {
	if err := ParseQuery(r).Err(); err != nil {
		WriteError(w, err)
		return
	}
	doc, ok := readPolicy(w, r)
	if !ok {
		return
	}
	p, err := s.Service.ActivatePolicy(r.Context(), doc, policyInput, operatorOf(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, summary(p))
}

// PolicyChange is one field that differs between two policies.
type PolicyChange struct {
	Path    string `json:"path"`
	Old     string `json:"old,omitempty"`
	New     string `json:"new,omitempty"`
	Added   bool   `json:"added,omitempty"`
	Removed bool   `json:"removed,omitempty"`
}

func policyChanges(ch []policy.Change) []PolicyChange {
	out := make([]PolicyChange, len(ch))
	for i, c := range ch {
		out[i] = PolicyChange{Path: c.Path, Old: c.Old, New: c.New, Added: c.Added, Removed: c.Removed}
	}
	return out
}

// PolicyVersion is one activation in the policy history.
type PolicyVersion struct {
	Hash        string         `json:"hash"`
	Name        string         `json:"name"`
	Version     int            `json:"version"`
	ActivatedAt string         `json:"activated_at"`
	ActivatedBy string         `json:"activated_by"`
	Previous    string         `json:"previous,omitempty"` // the policy it replaced
	Changes     []PolicyChange `json:"changes"`            // against the previous policy; empty for the first
}

// PolicyVersionsResponse is the body of GET /v1/policies.
type PolicyVersionsResponse struct {
	Versions []PolicyVersion `json:"versions"`
	Next     string          `json:"next,omitempty"`
}

// listPolicyVersions answers the policy history, newest activation first, each with its changes.
func (s *Server) listPolicyVersions(w http.ResponseWriter, r *http.Request) {
	q := ParseQuery(r, "cursor", "limit")
	page := q.Page()
	if err := q.Err(); err != nil {
		WriteError(w, err)
		return
	}
	hist, err := s.Service.PolicyHistory(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	items, next := Paginate(hist, page)
	out := PolicyVersionsResponse{Versions: make([]PolicyVersion, len(items)), Next: next}
	for i, v := range items {
		out.Versions[i] = PolicyVersion{Hash: v.Hash, Name: v.Name, Version: v.Version, ActivatedAt: v.ActivatedAt.Format(time.RFC3339Nano),
			ActivatedBy: v.ActivatedBy, Previous: v.Previous, Changes: policyChanges(v.Changes)}
	}
	WriteJSON(w, http.StatusOK, out)
}

// PolicyDiffResponse is the body of GET /v1/policies/{hash}/diff.
type PolicyDiffResponse struct {
	Old     string         `json:"old"`
	New     string         `json:"new"`
	Changes []PolicyChange `json:"changes"`
}

// diffPolicy answers what changed from the policy against=HASH (default: the active one) to {hash}.
func (s *Server) diffPolicy(w http.ResponseWriter, r *http.Request) {
	q := ParseQuery(r, "against")
	against := q.String("against")
	if err := q.Err(); err != nil {
		WriteError(w, err)
		return
	}
	if against == "" {
		rec, err := s.Service.ActivePolicyRecord(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		against = rec.Hash
	}
	ch, err := s.Service.PolicyDiff(r.Context(), against, r.PathValue("hash"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, PolicyDiffResponse{Old: against, New: r.PathValue("hash"), Changes: policyChanges(ch)})
}
