package api

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/plaudit/plaudit"
)

// RateLimit is the token bucket every caller (each API key, each PLAUDIT_API_TOKENS token, the loopback
// client of a server without keys) gets: PerSecond requests a second on average, in bursts of up to Burst.
type RateLimit struct {
	PerSecond float64
	Burst     int
}

// DefaultRateLimit is the per-key limit unless Options.RateLimit says otherwise: generous for a bot or a
// panel, low enough that one runaway key cannot take the server for itself.
var DefaultRateLimit = RateLimit{PerSecond: 50, Burst: 100}

// DefaultMaxBodyInFlight bounds the request bodies being received at once, in bytes, unless
// Options.MaxBodyInFlight says otherwise: two full-size bodies, so that a flood of large posts is answered
// 503 instead of taking the server's memory.
const DefaultMaxBodyInFlight = 64 << 20

// CodeRateLimited is the error code of a 429 answer: the key sent more requests than its rate limit allows;
// retry after the Retry-After header's number of seconds.
const CodeRateLimited = "rate_limited"

// queryKeyParams are query parameters in which clients put keys by habit; a request carrying one is
// refused, since a key in a URL ends up in logs, proxies and browser histories.
var queryKeyParams = []string{"token", "key", "access_token", "api_key", "apikey"}

// authenticate finds the caller of a request: an API key from the store or a PLAUDIT_API_TOKENS token (an
// admin), both only as "Authorization: Bearer KEY"; or, when the server has neither tokens nor keys, a
// loopback client (an admin). A key in the query string or a cookie is refused (401).
func (s *Server) authenticate(r *http.Request) (*Caller, error) {
	q := r.URL.Query()
	for _, p := range queryKeyParams {
		if q.Has(p) {
			return nil, plaudit.Errorf(plaudit.EUNAUTHORIZED, "a key is never accepted in the query string (%s=): send it as Authorization: Bearer KEY, and revoke a key that was sent in a URL", p)
		}
	}
	auth := r.Header.Get("Authorization")
	if auth == "" {
		for _, c := range r.Cookies() {
			if strings.HasPrefix(c.Value, plaudit.KeyPrefix) {
				return nil, plaudit.Errorf(plaudit.EUNAUTHORIZED, "a key is never accepted from a cookie: send it as Authorization: Bearer KEY")
			}
		}
		if len(s.tokens) == 0 {
			has, err := s.hasKeys(r.Context())
			if err != nil {
				return nil, err
			}
			if !has {
				if !isLoopback(r.RemoteAddr) {
					return nil, plaudit.Errorf(plaudit.EFORBIDDEN, "this server has no API keys or tokens and answers only local clients")
				}
				return &Caller{Name: "loopback", Role: plaudit.RoleAdmin, limitKey: "loopback"}, nil
			}
		}
		return nil, plaudit.Errorf(plaudit.EUNAUTHORIZED, "missing API key: send Authorization: Bearer KEY")
	}
	scheme, token, ok := strings.Cut(auth, " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return nil, plaudit.Errorf(plaudit.EUNAUTHORIZED, "malformed Authorization header: want Authorization: Bearer KEY")
	}
	if strings.HasPrefix(token, plaudit.KeyPrefix) {
		k, err := s.Service.Authenticate(r.Context(), token)
		if err == nil {
			return &Caller{KeyID: k.ID, Name: k.Name, Role: k.Role, Member: k.Member, limitKey: "key:" + strconv.FormatInt(k.ID, 10)}, nil
		}
		if plaudit.ErrorCode(err) != plaudit.EUNAUTHORIZED || len(s.tokens) == 0 {
			return nil, err
		}
	}
	sum := sha256.Sum256([]byte(token))
	match, which := 0, 0
	for i := range s.tokens { // no early exit: the time taken does not depend on which token matched
		m := subtle.ConstantTimeCompare(sum[:], s.tokens[i][:])
		which = subtle.ConstantTimeSelect(m, i, which)
		match |= m
	}
	if match != 1 {
		return nil, plaudit.Errorf(plaudit.EUNAUTHORIZED, "invalid API key")
	}
	return &Caller{Name: "PLAUDIT_API_TOKENS", Role: plaudit.RoleAdmin, limitKey: "token:" + strconv.Itoa(which)}, nil
}

// hasKeys reports whether the store holds any API key; once it does, the answer is kept.
func (s *Server) hasKeys(ctx context.Context) (bool, error) {
	if s.keysSeen.Load() {
		return true, nil
	}
	has, err := s.Service.HasKeys(ctx)
	if err != nil {
		return false, err
	}
	if has {
		s.keysSeen.Store(true)
	}
	return has, nil
}

// admits reports whether role is one of roles.
func admits(roles []plaudit.Role, role plaudit.Role) bool {
	for _, r := range roles {
		if r == role {
			return true
		}
	}
	return false
}

func roleNames(roles []plaudit.Role) string {
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	return strings.Join(names, ", ")
}

// forbiddenRole is the 403 of a caller whose role the route does not admit.
func forbiddenRole(c *Caller, pattern string, roles []plaudit.Role) error {
	return plaudit.Errorf(plaudit.EFORBIDDEN, "the %s role may not call %s (allowed: %s)", c.Role, pattern, roleNames(roles))
}

// appendRefusal says why the caller may not append ev, or nil when it may. Only admin and core keys may
// append operator events (source plaudit) and identity events (link, unlink, merge, tier, wallet), which
// change members and where their payouts go; an ingest key appends platform activity only.
func appendRefusal(c *Caller, ev *plaudit.Event) *ResultError {
	if c == nil || c.Role == plaudit.RoleAdmin || c.Role == plaudit.RoleCore {
		return nil
	}
	if c.Role != plaudit.RoleIngest {
		return &ResultError{Reason: "the " + string(c.Role) + " role may not append events"}
	}
	if ev.Source == plaudit.SourcePlaudit {
		return &ResultError{Field: "source", Reason: "the ingest role may not append operator events (source plaudit): use an admin or core key"}
	}
	if ev.Kind.IsIdentity() {
		return &ResultError{Field: "kind", Reason: "the ingest role may not append identity events (" + string(ev.Kind) + "): use an admin or core key"}
	}
	return nil
}

// limiter holds a token bucket per caller.
type limiter struct {
	rate    float64
	burst   float64
	now     func() time.Time
	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time // when buckets were last swept of full ones
}

// sweepEvery is how often the limiter forgets the buckets that have refilled: a full bucket is the same as
// no bucket, so forgetting it changes no answer and keeps the map as small as the keys recently active.
const sweepEvery = time.Minute

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(l RateLimit) *limiter {
	if l.PerSecond <= 0 {
		l.PerSecond = DefaultRateLimit.PerSecond
	}
	if l.Burst <= 0 {
		l.Burst = max(DefaultRateLimit.Burst, int(math.Ceil(l.PerSecond)))
	}
	return &limiter{rate: l.PerSecond, burst: float64(l.Burst), now: time.Now, buckets: map[string]*bucket{}}
}

// allow takes a token from key's bucket, or says how long until one is there.
func (l *limiter) allow(key string) (bool, time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) >= sweepEvery {
		l.sweep(now)
	}
	b := l.buckets[key]
	if b == nil {
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	if d := now.Sub(b.last); d > 0 {
		b.tokens = math.Min(l.burst, b.tokens+d.Seconds()*l.rate)
	}
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
}

// sweep deletes the buckets that have refilled by now.
func (l *limiter) sweep(now time.Time) {
	full := time.Duration(l.burst / l.rate * float64(time.Second))
	for k, b := range l.buckets {
		if now.Sub(b.last) >= full {
			delete(l.buckets, k)
		}
	}
	l.swept = now
}

// retryAfter renders a wait as a Retry-After value: whole seconds, at least 1.
func retryAfter(d time.Duration) string {
	return strconv.FormatInt(max(1, int64(math.Ceil(d.Seconds()))), 10)
}

// bodyBudget bounds the bytes of the request bodies being received at once.
type bodyBudget struct {
	mu   sync.Mutex
	used int64
	max  int64
}

// acquire reserves n bytes, or reports false when they do not fit beside the bodies in flight.
func (b *bodyBudget) acquire(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used > 0 && b.used+n > b.max {
		return false
	}
	b.used += n
	return true
}

func (b *bodyBudget) release(n int64) {
	b.mu.Lock()
	b.used -= n
	b.mu.Unlock()
}

// bodyReservation is how many bytes of the body budget a request needs: its Content-Length, or the body
// limit when it has none (chunked) or a larger one (which the handler refuses with 413 past the limit).
func (s *Server) bodyReservation(r *http.Request) int64 {
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
		return 0
	}
	if r.ContentLength > 0 && r.ContentLength < s.maxBody {
		return r.ContentLength
	}
	return s.maxBody
}
