package api_test

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/plaudit/plaudit/api"
)

// TestStrictQuery checks that GET /v1/events refuses what the standard library's parser would drop or
// ignore, with a problem naming the parameter.
func TestStrictQuery(t *testing.T) {
	db := openSQLite(t)
	srv := httptest.NewServer(api.NewServer(db, api.Options{Logger: quietLogger()}))
	defer srv.Close()
	c := &client{t: t, url: srv.URL}
	for _, tc := range []struct{ query, field, want string }{
		{"source=github;x", "", "malformed query string"},
		{"source=github&source=nope", "source", `unknown source \"nope\"`},
		{"kind=liek", "kind", `unknown kind \"liek\"`},
		{"limit=5&limit=6", "limit", "given 2 times"},
		{"limit=0", "limit", "from 1 to 10000"},
		{"after=-1", "after", "whole number"},
		{"since=2026-01-01", "since", "RFC 3339"},
		{"sauce=x", "sauce", "unknown query parameter"},
		{"source=", "source", "empty item"},
	} {
		status, body := c.do("GET", "/v1/events?"+tc.query, "", "")
		var p api.Problem
		if err := json.Unmarshal([]byte(body), &p); err != nil {
			t.Fatalf("%s: %v: %s", tc.query, err, body)
		}
		if status != 400 || p.Status != 400 || p.Code != "invalid" || p.Type != api.ProblemType+"invalid" ||
			len(p.Errors) == 0 || p.Errors[0].Field != tc.field || !strings.Contains(body, tc.want) {
			t.Errorf("%s: %d %s", tc.query, status, body)
		}
	}
	if status, body := c.do("GET", "/v1/events?source=github,x&kind=post&limit=3", "", ""); status != 200 {
		t.Fatalf("good query: %d %s", status, body)
	}
	if status, body := c.do("GET", "/v1/stats?x=1", "", ""); status != 400 || !strings.Contains(body, `"field":"x"`) {
		t.Fatalf("stats with a parameter: %d %s", status, body)
	}
}
