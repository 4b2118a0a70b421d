// Package x is Plaudit's X source: it polls X's API v2 with an app bearer token (recent search for the
// tracked accounts' posts, replies and quotes, for mentions of them and for the keywords), turns the posts
// into canonical x events and appends them through service.AppendEvents, the one validation path, under
// X's post ids, so that polling the same period again stores nothing twice.
//
// It uses net/http rather than michimani/gotwi: the API is a handful of GET requests with JSON answers, and
// the rate-limit headers (x-rate-limit-remaining, x-rate-limit-reset) must be read on every answer, which
// net/http shows directly and a test can serve from an httptest server.
package x

import (
	"context"
	"time"
)

// DefaultAPIURL is X's API address when the configuration gives none.
const DefaultAPIURL = "https://api.x.com"

// Estimated pay-per-use prices (February 2026), in thousandths of a US cent per item read: $0.005 per post
// read and $0.010 per user read. They only estimate a run's cost for its job result; nothing is settled on
// them.
const (
	PostReadMilliCents = 500
	UserReadMilliCents = 1000
)

// State is what the source keeps in the store besides events: each query's since_id and the reads counted
// per UTC day. sqlstore.DB implements it (tables x_checkpoints and x_reads).
type State interface {
	// XSinceID returns the since_id of query ("" when none).
	XSinceID(ctx context.Context, query string) (string, error)
	// SetXSinceID stores the since_id of query.
	SetXSinceID(ctx context.Context, query, sinceID string) error
	// XReads returns the posts and users read on a UTC day.
	XReads(ctx context.Context, day string) (posts, users int64, err error)
	// AddXReads adds to a UTC day's reads.
	AddXReads(ctx context.Context, day string, posts, users int64) error
}

// Day returns the UTC day of t as the budget counts it.
func Day(t time.Time) string { return t.UTC().Format("2006-01-02") }
