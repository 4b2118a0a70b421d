// Package api serves Plaudit's REST API over HTTP: events in (POST /v1/events), events and statistics out
// (GET /v1/events, GET /v1/stats), health and readiness checks (GET /healthz, GET /readyz) and Prometheus
// metrics (GET /metrics).
//
// A Server is an http.Handler on the standard library's ServeMux (Go 1.22 patterns such as
// "GET /v1/events/{key}"), wrapped in API-key authentication, role checks, rate limits and request
// logging. Every error is an RFC 9457 problem (application/problem+json, see Problem) with the HTTP status
// chosen from the plaudit error code (StatusOf) and the code itself in "code", so that clients branch on
// the code and show the detail.
//
// # Adding routes
//
// Other areas add their endpoints without editing this file, in one of two ways:
//
//   - In package api, a file of their own (scores.go, ledger.go) calls Register from an init function; the
//     function runs for every new Server and adds routes with s.Handle / s.HandleFunc:
//
//     func init() {
//     api.Register(func(s *api.Server) { s.HandleFunc("GET /v1/scores", s.listScores) })
//     }
//
//   - From outside (cmd/plaudit), call s.Handle on the Server that NewServer returned before serving it.
//
// Routes added with Route declare their roles; Handle and HandleFunc (deprecated) admit admins only;
// HandlePublic adds a route that needs no key (health checks, webhooks that carry their own signature). Handlers use s.Store, and answer
// with WriteJSON and WriteError.
//
// # Authentication and roles
//
// Every non-public request needs "Authorization: Bearer KEY": an API key from the store (plaudit key
// create, POST /v1/keys; its caller has the key's role and, for a member key, its member) or one of the
// PLAUDIT_API_TOKENS tokens, which act as admin keys; otherwise it gets 401. A key in the query string
// (?token=, ?key=, ?access_token=) or a cookie is refused with 401. With neither tokens nor keys the server
// answers only clients on the loopback interface, as admin (and `plaudit serve` refuses to listen anywhere
// else). GET /healthz and GET /readyz need no key.
//
// Every authenticated route is added with Route and the roles it admits (Server.Roles is the table); a
// caller of another role gets 403 naming its role. Each caller has a token bucket (Options.RateLimit;
// 429 with Retry-After past it), and the request bodies received at once are bounded
// (Options.MaxBodyInFlight; 503 with Retry-After past it).
//
// # Operations
//
// GET /readyz runs the store's readiness check (ping, migrations applied) and every ReadyCheck given in
// Options.Ready or added with AddReadyCheck, and answers 503 naming the checks that failed. GET /metrics
// serves Options.Registry (NewRegistry if nil), into which other components register their collectors.
// When the store is busy (sqlstore.IsBusy) or does not answer within Options.StoreTimeout, the API answers
// 503 with code "unavailable" and Retry-After instead of an internal error.
package api

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/payout"
	"github.com/plaudit/plaudit/service"
	"github.com/plaudit/plaudit/sqlstore"
)

// DefaultMaxBody is the largest request body accepted unless Options.MaxBodyBytes says otherwise: room for
// a full batch of plaudit.MaxBatch typical events (a few hundred bytes each) with margin.
const DefaultMaxBody = 32 << 20

// DefaultStoreTimeout is how long POST /v1/events waits on the store unless Options.StoreTimeout says
// otherwise: well under the HTTP server's write timeout, so that a client stuck behind a busy store hears
// 503 and retries instead of waiting for a connection to be cut.
const DefaultStoreTimeout = 5 * time.Second

// RetryAfter is the Retry-After header (in seconds) of a 503 answer to a busy store.
const RetryAfter = "1"

// CodeUnavailable is the error code of a 503 answer: the store is busy or slow; try again after the
// Retry-After header's number of seconds.
const CodeUnavailable = "unavailable"

// Options configure a Server.
type Options struct {
	Tokens       []string     // admin bearer tokens (PLAUDIT_API_TOKENS); with none and no keys in the store, loopback clients only
	Logger       *slog.Logger // request log; slog.Default() if nil
	MaxBodyBytes int64        // request body limit; DefaultMaxBody if 0

	// Registry receives the API's metrics and is what GET /metrics serves; NewRegistry() if nil. Pass the
	// registry the process's other components register into.
	Registry *prometheus.Registry
	// Ready are readiness checks GET /readyz runs besides the store's own.
	Ready []ReadyCheck
	// StoreTimeout bounds the wait on the store of each POST /v1/events; DefaultStoreTimeout if 0.
	StoreTimeout time.Duration
	// NeynarWebhook serves POST /webhooks/neynar, a public route that verifies its own signature (package
	// source/neynar); nil answers the route 404, as a server without a farcaster section does.
	NeynarWebhook http.Handler
	// ReadyTimeout bounds each readiness check; DefaultReadyTimeout if 0.
	ReadyTimeout time.Duration
	// Service is the application layer the API's use cases go through (appending events, …); a Service
	// over the store with default options if nil. Pass the process's own, so that appends reach its
	// scheduler.
	Service *service.Service
	// RateLimit is every caller's token bucket; DefaultRateLimit where zero.
	RateLimit RateLimit
	// MaxBodyInFlight bounds the bytes of request bodies received at once; past it a request with a body
	// is answered 503 with Retry-After. DefaultMaxBodyInFlight if 0.
	MaxBodyInFlight int64
	// Jobs is the job scheduler behind /v1/jobs (history and trigger); those routes answer 503 when nil.
	Jobs JobsAPI
	// Claims signs the Permit2 claims of GET /v1/epochs/{id}/claims; that route answers 503 when nil.
	Claims *ClaimSigner
}

// ClaimSigner is the key and EIP-712 domain the server signs Permit2 claims with (the config's payout
// section).
type ClaimSigner struct {
	Key    payout.SignerConfig
	Domain payout.Domain
}

// Server is Plaudit's HTTP API. Create it with NewServer; it is an http.Handler.
type Server struct {
	Store    plaudit.Store
	Service  *service.Service // the application layer every use case goes through
	Logger   *slog.Logger
	Registry *prometheus.Registry // the registry GET /metrics serves; register more collectors into it
	Jobs     JobsAPI              // the job scheduler behind /v1/jobs; nil when the process runs none
	claims   *ClaimSigner

	maxBody      int64
	storeTimeout time.Duration
	readyTimeout time.Duration
	tokens       [][sha256.Size]byte
	mux          *http.ServeMux
	public       map[string]bool           // patterns that need no token
	roles        map[string][]plaudit.Role // the roles each authenticated pattern admits
	metrics      *metrics
	limiter      *limiter
	bodies       bodyBudget
	keysSeen     atomic.Bool // the store holds API keys (once it does, it always will)
	boardPages   pageCache   // encoded leaderboard pages of the board's current version

	readyMu sync.Mutex
	ready   []ReadyCheck

	githubWebhook http.Handler // POST /webhooks/github; nil until SetGitHubWebhook (see webhooks.go)
}

var (
	hooksMu sync.Mutex
	hooks   []func(*Server)
)

// Register adds a function that every new Server runs after adding the built-in routes: the hook through
// which other areas add their endpoints. Call it from an init function.
func Register(fn func(*Server)) {
	hooksMu.Lock()
	defer hooksMu.Unlock()
	hooks = append(hooks, fn)
}

// NewServer returns a Server over store with the built-in routes and every Register-ed hook applied.
func NewServer(store plaudit.Store, opts Options) *Server {
	s := &Server{
		Store:        store,
		Service:      opts.Service,
		Logger:       opts.Logger,
		Registry:     opts.Registry,
		Jobs:         opts.Jobs,
		claims:       opts.Claims,
		maxBody:      opts.MaxBodyBytes,
		storeTimeout: opts.StoreTimeout,
		readyTimeout: opts.ReadyTimeout,
		mux:          http.NewServeMux(),
		public:       map[string]bool{},
		roles:        map[string][]plaudit.Role{},
		ready:        append([]ReadyCheck(nil), opts.Ready...),
		limiter:      newLimiter(opts.RateLimit),
		bodies:       bodyBudget{max: opts.MaxBodyInFlight},
	}
	if s.bodies.max <= 0 {
		s.bodies.max = DefaultMaxBodyInFlight
	}
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	if s.Service == nil {
		s.Service = service.New(store, service.Options{Logger: s.Logger})
	}
	if s.maxBody <= 0 {
		s.maxBody = DefaultMaxBody
	}
	if s.storeTimeout <= 0 {
		s.storeTimeout = DefaultStoreTimeout
	}
	if s.readyTimeout <= 0 {
		s.readyTimeout = DefaultReadyTimeout
	}
	if s.Registry == nil {
		s.Registry = NewRegistry()
	}
	s.metrics = newMetrics(s.Registry)
	for _, t := range opts.Tokens {
		if t = strings.TrimSpace(t); t != "" {
			s.tokens = append(s.tokens, sha256.Sum256([]byte(t)))
		}
	}
	s.HandlePublic("GET /healthz", http.HandlerFunc(s.healthz))
	s.HandlePublic("GET /readyz", http.HandlerFunc(s.readyz))
	if opts.NeynarWebhook != nil {
		s.HandlePublic("POST /webhooks/neynar", opts.NeynarWebhook)
	} else {
		s.HandlePublic("POST /webhooks/neynar", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			WriteError(w, plaudit.Errorf(plaudit.ENOTFOUND, "no Farcaster source: the server's configuration has no farcaster section"))
		}))
	}
	s.HandlePublic("POST /webhooks/github", http.HandlerFunc(s.serveGitHubWebhook))
	s.Route("GET /metrics", s.metricsHandler().ServeHTTP, plaudit.RoleAdmin, plaudit.RoleCore, plaudit.RoleViewer)
	s.Route("POST /v1/events", s.postEvents, plaudit.RoleAdmin, plaudit.RoleCore, plaudit.RoleIngest)
	s.Route("GET /v1/events", s.getEvents, plaudit.RoleAdmin, plaudit.RoleCore, plaudit.RoleViewer, plaudit.RoleWitness)
	s.Route("GET /v1/events/{source}/{id}", s.getEvent, plaudit.RoleAdmin, plaudit.RoleCore, plaudit.RoleViewer, plaudit.RoleWitness)
	s.Route("GET /v1/stats", s.getStats, plaudit.RoleAdmin, plaudit.RoleCore, plaudit.RoleViewer, plaudit.RoleWitness)
	s.routeKeys()
	hooksMu.Lock()
	defer hooksMu.Unlock()
	for _, fn := range hooks {
		fn(s)
	}
	return s
}

// Handle adds a route that requires authentication. pattern is a ServeMux pattern ("POST /v1/things").
//
// Deprecated: use Route, which says which roles may call it.
func (s *Server) Handle(pattern string, h http.Handler) {
	s.Route(pattern, h.ServeHTTP, plaudit.RoleAdmin)
}

// HandleFunc adds a route that requires authentication.
//
// Deprecated: use Route, which says which roles may call it.
func (s *Server) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	s.Route(pattern, h, plaudit.RoleAdmin)
}

// Route adds a route that requires authentication and one of roles. pattern is a ServeMux pattern ("POST
// /v1/things"). The table of every route's roles is Server.Roles; a route may narrow further by looking at
// CallerOf(r.Context()) (a member key sees only its own member).
func (s *Server) Route(pattern string, h http.HandlerFunc, roles ...plaudit.Role) {
	if len(roles) == 0 {
		panic("api: route " + pattern + " declares no role")
	}
	s.roles[pattern] = append([]plaudit.Role(nil), roles...)
	s.mux.Handle(pattern, h)
}

// Roles returns the roles each authenticated route admits, by pattern: the table the route × role test
// walks.
func (s *Server) Roles() map[string][]plaudit.Role {
	out := make(map[string][]plaudit.Role, len(s.roles))
	for p, rs := range s.roles {
		out[p] = append([]plaudit.Role(nil), rs...)
	}
	return out
}

// HandlePublic adds a route that needs no token: for health checks, and for webhooks that authenticate
// themselves with a signature.
func (s *Server) HandlePublic(pattern string, h http.Handler) {
	s.public[pattern] = true
	s.mux.Handle(pattern, h)
}

// AuthRequired reports whether the server was given tokens (API keys in the store require authentication
// too; see authenticate).
func (s *Server) AuthRequired() bool { return len(s.tokens) > 0 }

// ServeHTTP authenticates the request, routes it and logs it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	var pattern string // the route that matched, for the metrics
	rw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	defer func() {
		if v := recover(); v != nil {
			s.Logger.Error("api: panic", "method", r.Method, "path", r.URL.Path, "panic", v)
			if !rw.wrote {
				WriteError(rw, plaudit.Errorf(plaudit.EINTERNAL, "internal error"))
			}
		}
		level := slog.LevelInfo
		if rw.status >= 500 {
			level = slog.LevelError
		}
		// The query is left out: it holds filters, never secrets, but nothing requires it; the
		// Authorization header is never logged.
		took := time.Since(start)
		s.Logger.Log(r.Context(), level, "api request", "method", r.Method, "path", r.URL.Path, "status", rw.status,
			"bytes", rw.bytes, "duration", took.Round(time.Microsecond), "remote", r.RemoteAddr)
		s.metrics.observe(pattern, rw.status, took)
	}()
	var h http.Handler
	h, pattern = s.mux.Handler(r)
	if pattern == "" {
		// No route: let the mux decide between 404 and 405 (and set Allow), but answer in JSON.
		cw := &captureWriter{header: http.Header{}}
		h.ServeHTTP(cw, r)
		if allow := cw.header.Get("Allow"); allow != "" {
			rw.Header().Set("Allow", allow)
		}
		switch cw.status {
		case http.StatusMethodNotAllowed:
			writeError(rw, cw.status, plaudit.EINVALID, "method "+r.Method+" not allowed here (allowed: "+cw.header.Get("Allow")+")")
		case http.StatusNotFound, 0:
			writeError(rw, http.StatusNotFound, plaudit.ENOTFOUND, "no such endpoint: "+r.URL.Path)
		default: // a redirect to a cleaned path
			for k, v := range cw.header {
				rw.Header()[k] = v
			}
			rw.WriteHeader(cw.status)
		}
		return
	}
	if !s.public[pattern] {
		c, err := s.authenticate(r)
		if err != nil {
			switch plaudit.ErrorCode(err) {
			case plaudit.EUNAUTHORIZED:
				rw.Header().Set("WWW-Authenticate", `Bearer realm="plaudit"`)
			case plaudit.EINTERNAL:
				s.internal(r.Context(), rw, r, err)
				return
			}
			WriteError(rw, err)
			return
		}
		if ok, wait := s.limiter.allow(c.limitKey); !ok {
			rw.Header().Set("Retry-After", retryAfter(wait))
			writeError(rw, http.StatusTooManyRequests, CodeRateLimited, "rate limit of this key exceeded: retry after "+retryAfter(wait)+" s")
			return
		}
		if roles := s.roles[pattern]; !admits(roles, c.Role) {
			WriteError(rw, forbiddenRole(c, pattern, roles))
			return
		}
		r = r.WithContext(WithCaller(r.Context(), c))
	}
	if n := s.bodyReservation(r); n > 0 {
		if !s.bodies.acquire(n) {
			rw.Header().Set("Retry-After", RetryAfter)
			writeError(rw, http.StatusServiceUnavailable, CodeUnavailable, "too many large requests in flight: try again in a moment")
			return
		}
		defer s.bodies.release(n)
		r.Body = http.MaxBytesReader(rw, r.Body, s.maxBody)
	}
	s.mux.ServeHTTP(rw, r)
}

func isLoopback(remoteAddr string) bool {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// StatusOf maps a plaudit error code to an HTTP status.
func StatusOf(code string) int {
	switch code {
	case plaudit.EINVALID:
		return http.StatusBadRequest
	case plaudit.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case plaudit.EFORBIDDEN:
		return http.StatusForbidden
	case plaudit.ENOTFOUND:
		return http.StatusNotFound
	case plaudit.ECONFLICT:
		return http.StatusConflict
	case CodeUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// ProblemType is the prefix of every problem's type URI: the type of a problem with code "invalid" is
// "urn:plaudit:problem:invalid". docs/api.md lists the codes.
const ProblemType = "urn:plaudit:problem:"

// ProblemContentType is the media type of every error response (RFC 9457).
const ProblemContentType = "application/problem+json"

// Problem is the body of every error response, an RFC 9457 problem document: type and title name the kind of
// problem, status is the HTTP status, detail says what was wrong (naming the field or parameter), code is
// the plaudit error code clients branch on, and Errors lists every field of a request that failed
// validation, with the line of a posted document when it has lines.
type Problem struct {
	Type   string         `json:"type"`
	Title  string         `json:"title"`
	Status int            `json:"status"`
	Detail string         `json:"detail"`
	Code   string         `json:"code"`
	Errors []ProblemField `json:"errors,omitempty"`
}

// ProblemField is one invalid field of a request: its name (a JSON path such as "attrs.tier", or a query
// parameter), why, and the 1-based line of a posted document (0, left out, when the input has no lines).
type ProblemField struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
	Line   int    `json:"line,omitempty"`
}

// problemTitles are the titles of the problem types, by code.
var problemTitles = map[string]string{
	plaudit.EINVALID:      "Invalid request",
	plaudit.EUNAUTHORIZED: "Unauthorized",
	plaudit.EFORBIDDEN:    "Forbidden",
	plaudit.ENOTFOUND:     "Not found",
	plaudit.ECONFLICT:     "Conflict",
	CodeUnavailable:       "Service unavailable",
	plaudit.EINTERNAL:     "Internal error",
}

// WriteError answers with err's status and an application/problem+json body (Problem). A
// *plaudit.ValidationError or *plaudit.FieldError in err's chain is invalid input, answered 400 with every
// field in errors. Internal errors are answered with a generic detail (plaudit.ErrorMessage), so that nothing
// internal leaks: log them before calling it.
func WriteError(w http.ResponseWriter, err error) {
	var ve *plaudit.ValidationError
	var fe *plaudit.FieldError
	var fields []ProblemField
	code, detail := plaudit.ErrorCode(err), plaudit.ErrorMessage(err)
	switch {
	case errors.As(err, &ve) && code == plaudit.EINTERNAL:
		code = plaudit.EINVALID
		msgs := make([]string, 0, len(ve.Errors))
		for _, f := range ve.Errors {
			fields = append(fields, ProblemField{Field: f.Field, Reason: f.Reason, Line: f.Line})
			msgs = append(msgs, f.Error())
		}
		detail = ve.Input + ": " + strings.Join(msgs, "; ")
	case errors.As(err, &fe) && code == plaudit.EINTERNAL:
		code, detail = plaudit.EINVALID, fe.Error()
		fields = []ProblemField{{Field: fe.Field, Reason: fe.Reason, Line: fe.Line}}
	}
	writeProblem(w, Problem{Status: StatusOf(code), Code: code, Detail: detail, Errors: fields})
}

// writeError answers with status and a problem of code with detail message.
func writeError(w http.ResponseWriter, status int, code, message string) {
	writeProblem(w, Problem{Status: status, Code: code, Detail: message})
}

// writeProblem fills in the problem's type and title and writes it.
func writeProblem(w http.ResponseWriter, p Problem) {
	if p.Code == "" {
		p.Code = plaudit.EINTERNAL
	}
	p.Type = ProblemType + p.Code
	if p.Title = problemTitles[p.Code]; p.Title == "" {
		p.Title = http.StatusText(p.Status)
	}
	b, err := json.Marshal(p)
	if err != nil { // cannot happen: a Problem is strings and numbers
		b = []byte(`{"type":"` + ProblemType + `internal","title":"Internal error","status":500,"detail":"internal error","code":"internal"}`)
		p.Status = http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", ProblemContentType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(p.Status)
	w.Write(append(b, '\n'))
}

// WriteJSON answers with status and v as JSON.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, plaudit.EINTERNAL, "internal error")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// internal logs err (which may hold details that must not reach the client) and answers 500, or 503 with
// Retry-After when the store was busy (sqlstore.IsBusy) or ran out of time (ctx, the context the store was
// called with, ended while the request's own did not).
func (s *Server) internal(ctx context.Context, w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() != nil {
		return // the client went away
	}
	if sqlstore.IsBusy(err) || ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) {
		s.Logger.Warn("api: store unavailable", "method", r.Method, "path", r.URL.Path, "err", err)
		w.Header().Set("Retry-After", RetryAfter)
		writeError(w, http.StatusServiceUnavailable, CodeUnavailable, "the store is busy: try again in a moment")
		return
	}
	if plaudit.ErrorCode(err) == plaudit.EINTERNAL {
		s.Logger.Error("api: internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	WriteError(w, err)
}

// statusWriter records the status and size of a response for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// captureWriter keeps the status and headers a handler writes and drops its body.
type captureWriter struct {
	header http.Header
	status int
}

func (w *captureWriter) Header() http.Header { return w.header }
func (w *captureWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}
func (w *captureWriter) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return len(b), nil
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
