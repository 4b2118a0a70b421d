package api

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/plaudit/plaudit"
)

// Query is a request's query string parsed strictly: parameters not declared are refused, a single-valued
// parameter given twice is refused, and a bad value is refused naming the parameter. Read values with its
// methods, then call Err: the first problem (every problem, in errors) as an invalid-input error that
// WriteError answers with 400.
//
// The standard library's URL.Query drops a pair it cannot parse (source=github;x) without a word; Query
// refuses the whole query instead.
type Query struct {
	vals    url.Values
	allowed map[string]bool
	errs    []*plaudit.FieldError
}

// ParseQuery parses r's query string, allowing only the parameters named in allowed.
func ParseQuery(r *http.Request, allowed ...string) *Query {
	q := &Query{allowed: map[string]bool{}}
	for _, a := range allowed {
		q.allowed[a] = true
	}
	vals, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		q.fail("", "malformed query string: %v (separate parameters with &, escape ; as %%3B)", err)
		return q
	}
	q.vals = vals
	var unknown []string
	if _, ok := vals[""]; ok {
		q.fail("", "a parameter without a name (%q)", "="+vals.Get(""))
		delete(vals, "")
	}
	for name := range vals {
		if !q.allowed[name] {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		want := "none"
		if len(allowed) > 0 {
			want = strings.Join(allowed, ", ")
		}
		slices.Sort(unknown)
		for _, n := range unknown {
			q.fail(n, "unknown query parameter (this route takes: %s)", want)
		}
	}
	return q
}

func (q *Query) fail(name, format string, args ...any) {
	q.errs = append(q.errs, &plaudit.FieldError{Index: -1, Field: name, Reason: fmt.Sprintf(format, args...)})
}

// Err returns nil when every parameter read was good, and otherwise a *plaudit.ValidationError naming each
// bad parameter as its field.
func (q *Query) Err() error {
	if len(q.errs) == 0 {
		return nil
	}
	return &plaudit.ValidationError{Input: "query", Errors: q.errs}
}

// Has reports whether the parameter was given.
func (q *Query) Has(name string) bool { _, ok := q.vals[name]; return ok }

// String returns the single value of name ("" when absent). Given twice or empty, it is refused.
func (q *Query) String(name string) string {
	q.mustAllow(name)
	vs, ok := q.vals[name]
	switch {
	case !ok:
		return ""
	case len(vs) > 1:
		q.fail(name, "given %d times: give it once", len(vs))
		return ""
	case vs[0] == "":
		q.fail(name, "empty value: give a value or leave the parameter out")
		return ""
	}
	return vs[0]
}

// List returns the values of a multi-valued parameter, repeated or comma-separated; an empty item is
// refused.
func (q *Query) List(name string) []string {
	q.mustAllow(name)
	var out []string
	for _, v := range q.vals[name] {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p == "" {
				q.fail(name, "empty item in %q", v)
				continue
			}
			out = append(out, p)
		}
	}
	return out
}

// Int returns the single integer value of name in [lo, hi], or def when absent.
func (q *Query) Int(name string, def, lo, hi int64) int64 {
	v := q.String(name)
	if v == "" {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < lo || n > hi {
		q.fail(name, "want a whole number from %d to %d, got %q", lo, hi, v)
		return def
	}
	return n
}

// Time returns the single RFC 3339 time value of name, or the zero time when absent.
func (q *Query) Time(name string) time.Time {
	v := q.String(name)
	if v == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		q.fail(name, "want an RFC 3339 time such as 2026-01-05T00:00:00Z, got %q", v)
		return time.Time{}
	}
	return t
}

// Enum returns the single value of name, which must be one of values, or def when absent.
func (q *Query) Enum(name, def string, values ...string) string {
	v := q.String(name)
	if v == "" {
		return def
	}
	for _, x := range values {
		if v == x {
			return v
		}
	}
	q.fail(name, "want one of %s, got %q", strings.Join(values, ", "), v)
	return def
}

// Bool returns the single boolean value of name (true or false), or false when absent.
func (q *Query) Bool(name string) bool {
	return q.Enum(name, "false", "true", "false") == "true"
}

// mustAllow panics when a handler reads a parameter it did not declare: a bug, caught by any test of the
// route.
func (q *Query) mustAllow(name string) {
	if !q.allowed[name] {
		panic("api: query parameter " + name + " read but not declared")
	}
}

// Page limits of every list but GET /v1/events (which keeps DefaultLimit and MaxLimit).
const (
	DefaultPageLimit = 100
	MaxPageLimit     = 1000
)

// Page is where a list starts and how long it is, read from the query parameters cursor and limit.
type Page struct {
	Offset int
	Limit  int
}

// Page reads the pagination parameters cursor (opaque: the next of the previous page) and limit (1 to
// MaxPageLimit, DefaultPageLimit when absent). Declare both in ParseQuery.
func (q *Query) Page() Page {
	p := Page{Limit: int(q.Int("limit", DefaultPageLimit, 1, MaxPageLimit))}
	if c := q.String("cursor"); c != "" {
		off, ok := decodeCursor(c)
		if !ok {
			q.fail("cursor", "not a cursor from this API: pass the next of the previous page as it was")
		}
		p.Offset = off
	}
	return p
}

// cursorPrefix marks the API's cursors, so that an arbitrary string is refused rather than read.
const cursorPrefix = "p1:"

func encodeCursor(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + strconv.Itoa(offset)))
}

func decodeCursor(c string) (int, bool) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || !strings.HasPrefix(string(b), cursorPrefix) {
		return 0, false
	}
	n, err := strconv.Atoi(string(b[len(cursorPrefix):]))
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

// Paginate returns the page p of items and the cursor of the next page ("" on the last page). The items
// must come in a stable order (every service list is sorted), so that a cursor keeps its meaning between
// requests while the list does not change.
func Paginate[T any](items []T, p Page) (page []T, next string) {
	if p.Offset >= len(items) {
		return []T{}, ""
	}
	end := min(p.Offset+p.Limit, len(items))
	if end < len(items) {
		next = encodeCursor(end)
	}
	return items[p.Offset:end], next
}
