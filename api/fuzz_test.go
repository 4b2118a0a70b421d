package api

import (
	"errors"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/service"
)

// requestBodies are the JSON request bodies the resource routes decode, by name.
var requestBodies = map[string]func() any{
	"close":           func() any { return new(CloseRequest) },
	"flag":            func() any { return new(RaiseFlagRequest) },
	"flag-decision":   func() any { return new(FlagDecisionRequest) },
	"appeal":          func() any { return new(AppealRequest) },
	"appeal-decision": func() any { return new(AppealDecisionRequest) },
	"audit-draw":      func() any { return new(AuditDrawRequest) },
	"audit-review":    func() any { return new(AuditReviewRequest) },
	"job":             func() any { return new(TriggerRequest) },
}

// FuzzDecodeBody decodes arbitrary bytes as every request body: it never panics, and what it refuses is
// an invalid-input error that WriteError answers with 400.
func FuzzDecodeBody(f *testing.F) {
	for _, s := range []string{
		`{"through":"2026-01-26T00:00:00Z"}`, `{"at":"2026-01-05T00:00:00Z","program":"acme"}`,
		`{"subject":"member:ana","reason":"spam","by":"bo"}`, `{"decision":"confirm","by":"m","exclude_epochs":2}`,
		`{"outcome":"upheld","by":"m"}`, `{"size":3}`, `{"rate":0.25}`, `{"rate":"0.1234567"}`,
		`{"event":"x/1","status":"passed","by":"m"}`, `{"kind":"score"}`, `{"kind":"score"} {}`, `{"x":1}`, `[]`, ``, `nul`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for name, mk := range requestBodies {
			err := decodeStrict(data, mk())
			if err == nil {
				continue
			}
			var ve *plaudit.ValidationError
			if !errors.As(err, &ve) || len(ve.Errors) == 0 {
				t.Fatalf("%s: %q: not a validation error: %v", name, data, err)
			}
			rec := httptest.NewRecorder()
			WriteError(rec, err)
			if rec.Code != 400 || rec.Header().Get("Content-Type") != ProblemContentType {
				t.Fatalf("%s: %q: answered %d %s", name, data, rec.Code, rec.Header().Get("Content-Type"))
			}
		}
	})
}

// FuzzQuery parses arbitrary query strings for the routes' parameters: no panic, and a refusal always
// names a parameter or the query string as a whole.
func FuzzQuery(f *testing.F) {
	for _, s := range []string{
		"source=github;x", "limit=5&limit=6", "cursor=" + encodeCursor(5), "cursor=abc&limit=1000", "week=2026-W02",
		"window=7d&min_points=1.5", "window=2026-W53", "since=2026-01-01T00:00:00Z&after=3", "%zz", "kind=,", "q=&q=",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.URL.RawQuery = raw
		if _, err := eventFilter(r); err != nil {
			checkQueryError(t, raw, err)
		}
		q := ParseQuery(r, "q", "kind", "cursor", "limit", "week", "window", "min_points")
		q.String("q")
		q.Enum("kind", "", "community", "project")
		p := q.Page()
		if p.Offset < 0 || p.Limit < 1 || p.Limit > MaxPageLimit {
			t.Fatalf("%q: page %+v", raw, p)
		}
		if w := q.String("window"); w != "" {
			if _, err := service.ParseCredentialWindow(w, time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC)); err != nil && plaudit.ErrorCode(err) != plaudit.EINVALID {
				t.Fatalf("window %q: %v", w, err)
			}
		}
		if err := q.Err(); err != nil {
			checkQueryError(t, raw, err)
		}
	})
}

func checkQueryError(t *testing.T, raw string, err error) {
	t.Helper()
	var ve *plaudit.ValidationError
	if !errors.As(err, &ve) || len(ve.Errors) == 0 {
		t.Fatalf("%q: %v", raw, err)
	}
	if vals, perr := url.ParseQuery(raw); perr == nil && !vals.Has("") {
		for _, fe := range ve.Errors {
			if fe.Field == "" {
				t.Fatalf("%q parses, but the refusal names no parameter: %v", raw, err)
			}
		}
	}
}
