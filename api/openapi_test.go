package api

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/service"
)

var openAPIMethods = []string{"get", "put", "post", "delete", "patch", "head", "options"}

// openAPIOperations reads the document's operations as "METHOD /path" → their x-roles (nil for a public
// operation, whose security is empty).
func openAPIOperations(t *testing.T) (ops map[string][]plaudit.Role, public map[string]bool) {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]struct {
			Roles    []plaudit.Role `json:"x-roles"`
			Security *[]any         `json:"security"`
		} `json:"paths"`
	}
	b, err := OpenAPIJSON()
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	ops, public = map[string][]plaudit.Role{}, map[string]bool{}
	for path, item := range doc.Paths {
		for method, op := range item {
			if !slices.Contains(openAPIMethods, method) {
				continue
			}
			key := strings.ToUpper(method) + " " + path
			if op.Security != nil && len(*op.Security) == 0 {
				public[key] = true
				if len(op.Roles) > 0 {
					t.Errorf("%s: public (security: []) but x-roles %v", key, op.Roles)
				}
				continue
			}
			ops[key] = op.Roles
		}
	}
	return ops, public
}

// TestOpenAPIMatchesRoutes checks the document against the server's route table: every route is
// documented, every documented operation is a route, public ones are public, and each operation's x-roles
// are exactly the roles its route admits.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	s := NewServer(openTestStore(t), Options{Logger: quiet()})
	ops, public := openAPIOperations(t)
	routes := s.Roles()
	for pattern, roles := range routes {
		docRoles, ok := ops[pattern]
		if !ok {
			t.Errorf("route %s is not in api/openapi.yaml (add it with x-roles %v)", pattern, roles)
			continue
		}
		want, got := sortedRoles(roles), sortedRoles(docRoles)
		if !slices.Equal(want, got) {
			t.Errorf("%s: api/openapi.yaml says x-roles %v, the route admits %v", pattern, got, want)
		}
	}
	for op := range ops {
		if _, ok := routes[op]; !ok {
			t.Errorf("api/openapi.yaml documents %s, which is not an authenticated route", op)
		}
	}
	for p := range s.public {
		if !public[p] {
			t.Errorf("public route %s is not in api/openapi.yaml as public (security: [])", p)
		}
	}
	for p := range public {
		if !s.public[p] {
			t.Errorf("api/openapi.yaml documents %s as public, which it is not", p)
		}
	}
}

func sortedRoles(rs []plaudit.Role) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	sort.Strings(out)
	return out
}

// newValidator validates the document with libopenapi-validator (OpenAPI 3.1, JSON Schema 2020-12) and
// returns the validator for responses.
func newValidator(t *testing.T) validator.Validator {
	t.Helper()
	b, err := OpenAPIJSON()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := libopenapi.NewDocument(b)
	if err != nil {
		t.Fatal(err)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatalf("validator: %v", errs)
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		for _, e := range verrs {
			t.Errorf("openapi.yaml: %s: %s", e.Message, e.Reason)
			for _, f := range e.SchemaValidationErrors {
				t.Errorf("  %s: %s", f.FieldPath, f.Reason)
			}
		}
		t.FailNow()
	}
	return v
}

// TestOpenAPIValid validates the document, and checks that the served one is the embedded one.
func TestOpenAPIValid(t *testing.T) {
	newValidator(t)
	s := NewServer(openTestStore(t), Options{Logger: quiet()})
	ts := httptestServer(t, s)
	resp, err := http.Get(ts + "/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil || resp.StatusCode != 200 || doc["openapi"] != "3.1.0" {
		t.Fatalf("GET /v1/openapi.json: %d %v %v", resp.StatusCode, err, doc["openapi"])
	}
}

// TestResponsesMatchSchemas sends real requests to a server over a real store and checks each answer, the
// problems included, against the document's schema for it.
func TestResponsesMatchSchemas(t *testing.T) {
	v := newValidator(t)
	f := newFixture(t, "")
	ms, err := f.svc.Members(t.Context(), "")
	if err != nil || len(ms) == 0 {
		t.Fatalf("members: %d, %v", len(ms), err)
	}
	member := ms[0].Handle
	b, err := f.svc.Leaderboard(t.Context(), service.LeaderboardRequest{Limit: 1})
	if err != nil || len(b.Entries) == 0 {
		t.Fatalf("leaderboard: %v", err)
	}
	top := b.Entries[0].Member
	x, err := f.svc.Explain(t.Context(), top, nil)
	if err != nil || len(x.Scores) == 0 {
		t.Fatalf("explain %s: %v", top, err)
	}
	eps, err := f.svc.Epochs(t.Context(), "")
	if err != nil || len(eps) == 0 {
		t.Fatalf("epochs: %v", err)
	}
	epoch := "/v1/epochs/" + url.PathEscape(eps[0].ID)
	ce, err := f.svc.Epoch(t.Context(), eps[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	paid := ""
	for _, a := range ce.Allocations {
		if a.Paid != nil && a.Paid.Sign() > 0 {
			paid = a.Member
			break
		}
	}
	doc := string(fixturePolicy(t))
	var ev *plaudit.Event
	if err := f.svc.ScanEvents(t.Context(), plaudit.EventFilter{Limit: 1}, func(e *plaudit.Event) error { ev = e; return nil }); err != nil || ev == nil {
		t.Fatalf("an event: %v", err)
	}
	for _, tc := range []struct {
		method, path, ct, body string
		status                 int
	}{
		{"GET", "/healthz", "", "", 200},
		{"GET", "/v1/stats", "", "", 200},
		{"GET", "/v1/witness/epochs", "", "", 200},
		{"GET", "/v1/witness/epochs/" + url.PathEscape(eps[0].ID), "", "", 200},
		{"POST", "/v1/witness/epochs/" + url.PathEscape(eps[0].ID) + "/resolve", "application/json", `{"resolution":"overruled","reason":"x"}`, 404},
		{"GET", "/v1/reviews", "", "", 200},
		{"GET", epoch + "/reviews", "", "", 200},
		{"POST", epoch + "/reviews/1", "application/json", `{"decision":"approve","reason":"x"}`, 404},
		{"POST", epoch + "/reviews/1", "application/json", `{"decision":"maybe","reason":"x"}`, 400},
		{"POST", epoch + "/reviews/one", "application/json", `{"decision":"approve","reason":"x"}`, 400},
		{"GET", "/v1/events?limit=2", "", "", 200},
		{"GET", "/v1/events?source=github;x", "", "", 400},
		{"GET", "/v1/events?actor=" + url.QueryEscape(ev.Actor) + "&limit=5", "", "", 200},
		{"GET", "/v1/events/" + string(ev.Source) + "/" + url.PathEscape(ev.ExternalID), "", "", 200},
		{"GET", "/v1/events/x/no-such-event", "", "", 404},
		{"GET", "/v1/events/nope/1", "", "", 404},
		{"GET", "/v1/members?limit=5", "", "", 200},
		{"GET", "/v1/members?q=" + member, "", "", 200},
		{"GET", "/v1/members/" + top, "", "", 200},
		{"GET", "/v1/members/nobody-at-all", "", "", 404},
		{"GET", "/v1/leaderboard?limit=3", "", "", 200},
		{"GET", "/v1/leaderboard?week=2026-W02&limit=3", "", "", 200},
		{"GET", "/v1/leaderboard?week=2026-W54", "", "", 400},
		{"GET", "/v1/leaderboard?epoch=" + url.QueryEscape(eps[0].ID) + "&limit=3", "", "", 200},
		{"GET", "/v1/leaderboard?program=" + url.QueryEscape(eps[0].Program) + "&limit=3", "", "", 200},
		{"GET", "/v1/leaderboard?program=nobody", "", "", 404},
		{"GET", "/v1/leaderboard?program=" + url.QueryEscape(eps[0].Program) + "&week=2026-W02", "", "", 400},
		{"GET", "/v1/explanations/members/" + top, "", "", 200},
		{"GET", "/v1/explanations/events/" + escapeEventKey(x.Scores[0].Event), "", "", 200},
		{"GET", "/v1/explanations/events/x/nope", "", "", 404},
		{"GET", "/v1/epochs?limit=1", "", "", 200},
		{"GET", epoch, "", "", 200},
		{"GET", epoch + "/allocations?limit=3", "", "", 200},
		{"GET", epoch + "/export?format=json", "", "", 200},
		{"GET", epoch + "/export?format=csv", "", "", 200},
		{"GET", epoch + "/export?format=xml", "", "", 400},
		{"GET", epoch + "/verdicts?limit=3", "", "", 200},
		{"GET", epoch + "/proofs/" + paid, "", "", 200},
		{"GET", "/v1/epochs/acme@2031-01-06T00:00:00Z", "", "", 404},
		{"GET", "/v1/policies/active", "", "", 200},
		{"GET", "/v1/policies/" + b.Policy.Hash, "", "", 200},
		{"GET", "/v1/policies?limit=5", "", "", 200},
		{"GET", "/v1/policies/" + b.Policy.Hash + "/diff", "", "", 200},
		{"GET", "/v1/policies/" + b.Policy.Hash + "/diff?against=sha256:00", "", "", 404},
		{"POST", "/v1/policies/validate", "application/yaml", doc, 200},
		{"POST", "/v1/policies/validate", "application/yaml", "name: [", 400},
		{"POST", "/v1/policies/preview?limit=2", "application/yaml", doc, 200},
		{"GET", "/v1/credentials/" + top + "?min_points=10&window=2026-W02", "", "", 200},
		{"GET", "/v1/flags?status=open", "", "", 200},
		{"GET", "/v1/flags/12345", "", "", 404},
		{"GET", "/v1/ledger/balances?limit=3", "", "", 200},
		{"GET", "/v1/ledger/postings?limit=2", "", "", 200},
		{"GET", "/v1/ledger/eng/weights", "", "", 200},
		{"GET", "/v1/ledger/eng/weights?at=2026-01-01T00:00:00Z", "", "", 200},
		{"GET", "/v1/ledger/eng/weights?at=soon", "", "", 400},
		{"GET", "/v1/ledger/eng/weights?at=1999-01-01T00:00:00Z", "", "", 400},
		{"GET", "/v1/audits/" + url.PathEscape(eps[0].ID), "", "", 200},
		{"POST", "/v1/jobs", "application/json", `{"kind":"score"}`, 503},
		{"GET", "/v1/openapi.json", "", "", 200},
	} {
		req, resp, body := f.do(tc.method, tc.path, tc.ct, tc.body)
		if resp.StatusCode != tc.status {
			t.Errorf("%s %s: %d, want %d: %.300s", tc.method, tc.path, resp.StatusCode, tc.status, body)
			continue
		}
		if ok, errs := v.ValidateHttpResponse(req, resp); !ok {
			for _, e := range errs {
				t.Errorf("%s %s: %d: %s: %s", tc.method, tc.path, resp.StatusCode, e.Message, e.Reason)
				for _, fe := range e.SchemaValidationErrors {
					t.Errorf("  %s: %s", fe.FieldPath, fe.Reason)
				}
			}
		}
	}
}

// escapeEventKey escapes an event key source/id for a path: the id is one segment, its slashes %2F.
func escapeEventKey(key string) string {
	src, id, _ := strings.Cut(key, "/")
	return src + "/" + url.PathEscape(id)
}
