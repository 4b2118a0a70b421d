// Package web is Plaudit's admin panel at /admin/: server-rendered pages (html/template) over the service
// layer, with every asset embedded in the binary (no front-end build, no CDN, no script at all). Operators
// sign in with a local account (plaudit user create) or with Discord (discord_signin.go); a session cookie carries the sign-in, every form
// carries a CSRF token bound to the session, and every route states the roles that may use it, as the API's
// routes do.
package web

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/jobs"
	"github.com/plaudit/plaudit/payout"
	"github.com/plaudit/plaudit/service"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Prefix is where the panel is mounted.
const Prefix = "/admin/"

// Jobs is what the panel needs of the job scheduler (*jobs.Scheduler implements it): the history and the
// trigger.
type Jobs interface {
	// List returns the runs f selects, newest first.
	List(ctx context.Context, f jobs.Filter) ([]*jobs.Run, error)
	// Trigger enqueues a job of kind; alreadyRunning when one was queued or running.
	Trigger(ctx context.Context, kind string, args json.RawMessage) (id int64, alreadyRunning bool, err error)
	// Kinds lists the job kinds, sorted.
	Kinds() []string
}

// ClaimSigner signs an epoch's Permit2 claims for the downloads of the epoch page.
type ClaimSigner struct {
	Key    payout.SignerConfig
	Domain payout.Domain
}

// Options configure a Panel.
type Options struct {
	// Service is the application layer every page calls (required).
	Service *service.Service
	// Jobs returns the job scheduler, or nil when the process runs none (the jobs page then says so). It
	// is a function because serve starts the scheduler after the panel is built.
	Jobs func() Jobs
	// Claims signs the Permit2 claims download; nil leaves it out.
	Claims *ClaimSigner
	// Logger receives sign-ins, refusals and errors (slog.Default() when nil).
	Logger *slog.Logger
	// SessionTTL is how long a session lasts (service.DefaultSessionTTL when 0).
	SessionTTL time.Duration
	// SecureCookies marks the cookies Secure even on plain HTTP requests: for a panel behind a proxy that
	// ends TLS. Requests over TLS always get Secure cookies.
	SecureCookies bool
	// LoginLimit is how many failed sign-ins one user name, or ten times as many one client address, may
	// make per LoginWindow before further attempts are refused with 429 (defaults 5 and 15 minutes).
	LoginLimit  int
	LoginWindow time.Duration
	// Discord, when set, adds "Sign in with Discord" to the login page (discord_signin.go).
	Discord *DiscordSignIn
}

// Panel is the admin panel: an http.Handler for everything under Prefix.
type Panel struct {
	svc     *service.Service
	opts    Options
	log     *slog.Logger
	mux     *http.ServeMux
	roles   map[string][]plaudit.Role // authenticated routes by pattern
	public  map[string]bool
	pages   map[string]*template.Template
	static  http.Handler
	limiter *loginLimiter
}

// New returns the panel over o.Service.
func New(o Options) (*Panel, error) {
	if o.Service == nil {
		return nil, errors.New("web: no service")
	}
	if o.SessionTTL <= 0 {
		o.SessionTTL = service.DefaultSessionTTL
	}
	if o.LoginLimit <= 0 {
		o.LoginLimit = 5
	}
	if o.LoginWindow <= 0 {
		o.LoginWindow = 15 * time.Minute
	}
	p := &Panel{svc: o.Service, opts: o, log: o.Logger, mux: http.NewServeMux(), roles: map[string][]plaudit.Role{},
		public: map[string]bool{}, limiter: newLoginLimiter(o.LoginLimit, o.LoginWindow)}
	if p.log == nil {
		p.log = slog.Default()
	}
	var err error
	if p.pages, err = parsePages(); err != nil {
		return nil, err
	}
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, err
	}
	p.static = http.StripPrefix(Prefix+"static/", http.FileServer(http.FS(sub)))
	p.routes()
	return p, nil
}

var (
	readers   = []plaudit.Role{plaudit.RoleAdmin, plaudit.RoleCore, plaudit.RoleViewer}
	operators = []plaudit.Role{plaudit.RoleAdmin, plaudit.RoleCore}
)

// routes declares every page and form of the panel with the roles that may use it.
func (p *Panel) routes() {
	p.publicRoute("GET /admin/static/", p.static.ServeHTTP)
	p.publicRoute("GET /admin/login", p.loginPage)
	p.publicRoute("POST /admin/login", p.login)
	p.publicRoute("GET "+DiscordLoginPath, p.discordLogin)
	p.publicRoute("GET "+DiscordCallbackPath, p.discordCallback)
	p.route("POST /admin/logout", p.logout, readers...)

	p.route("GET /admin/{$}", p.overview, readers...)
	p.route("GET /admin/events", p.events, readers...)
	p.route("GET /admin/events/invalidate", p.invalidatePage, readers...)
	p.route("POST /admin/events/invalidate", p.invalidate, operators...)
	p.route("GET /admin/leaderboard", p.leaderboard, readers...)
	p.route("GET /admin/leaderboard.csv", p.leaderboardCSV, readers...)
	p.route("GET /admin/rules", p.rules, readers...)
	p.route("POST /admin/rules/preview", p.rulesPreview, operators...)
	p.route("POST /admin/rules/publish", p.rulesPublish, operators...)
	p.route("GET /admin/jobs", p.jobs, readers...)
	p.route("POST /admin/jobs/trigger", p.jobTrigger, operators...)
	p.route("GET /admin/epochs", p.epochs, readers...)
	p.route("POST /admin/epochs/close", p.epochClose, operators...)
	p.route("GET /admin/epochs/{id}", p.epoch, readers...)
	p.route("GET /admin/epochs/{id}/verify", p.epochVerify, readers...)
	p.route("GET /admin/epochs/{id}/download/{file}", p.epochDownload, readers...)
	p.route("GET /admin/epochs/{id}/reviews", p.epochReviews, readers...)
	p.route("POST /admin/epochs/{id}/reviews/{item}", p.reviewDecide, operators...)
	p.route("GET /admin/integrity", p.integrity, readers...)
	p.route("POST /admin/integrity/flags/{id}", p.flagDecide, operators...)
	p.route("POST /admin/integrity/appeals/{id}", p.appealDecide, operators...)
	p.route("GET /admin/members", p.members, readers...)
	p.route("GET /admin/members/{handle}", p.member, readers...)
	p.route("POST /admin/members/{handle}/tier", p.memberTier, operators...)
	p.route("POST /admin/members/{handle}/link", p.memberLink, operators...)
	p.route("POST /admin/members/{handle}/merge", p.memberMerge, operators...)
}

func (p *Panel) route(pattern string, h http.HandlerFunc, roles ...plaudit.Role) {
	if len(roles) == 0 {
		panic("web: route " + pattern + " declares no role")
	}
	p.roles[pattern] = roles
	p.mux.HandleFunc(pattern, h)
}

func (p *Panel) publicRoute(pattern string, h http.HandlerFunc) {
	p.public[pattern] = true
	p.mux.HandleFunc(pattern, h)
}

// Roles returns the roles of every authenticated route by pattern: the table the route × role test walks.
func (p *Panel) Roles() map[string][]plaudit.Role {
	out := make(map[string][]plaudit.Role, len(p.roles))
	for k, v := range p.roles {
		out[k] = append([]plaudit.Role(nil), v...)
	}
	return out
}

// Public lists the routes that answer without a session, sorted: the sign-in page, its form, Sign in with
// Discord's start and callback, and the embedded stylesheet.
func (p *Panel) Public() []string {
	var out []string
	for k := range p.public {
		out = append(out, k)
	}
	sortStrings(out)
	return out
}

// contentSecurityPolicy allows nothing but the panel's own stylesheet and images: no script at all, no
// framing, forms posting only to the panel.
const contentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// ServeHTTP sets the security headers, finds the route, checks the session, the role and (for forms) the
// CSRF token, and serves the page.
func (p *Panel) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	if r.TLS != nil {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	if r.URL.Path == "/admin" {
		http.Redirect(w, r, Prefix, http.StatusMovedPermanently)
		return
	}
	handler, pattern := p.mux.Handler(r)
	if pattern == "" {
		handler.ServeHTTP(w, r) // the mux's 404, 405 or redirect
		return
	}
	if p.public[pattern] {
		if !strings.HasPrefix(pattern, "GET /admin/static/") {
			h.Set("Cache-Control", "no-store")
		}
		handler.ServeHTTP(w, r)
		return
	}
	h.Set("Cache-Control", "no-store")
	token := sessionToken(r)
	su, err := p.svc.Session(r.Context(), token)
	if err != nil {
		if plaudit.ErrorCode(err) != plaudit.EUNAUTHORIZED {
			p.fail(w, r, err)
			return
		}
		p.clearCookie(w, r, sessionCookie, Prefix)
		if r.Method == http.MethodGet {
			http.Redirect(w, r, Prefix+"login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		p.problem(w, r, http.StatusUnauthorized, "Sign in first", plaudit.ErrorMessage(err))
		return
	}
	if !admits(p.roles[pattern], su.User.Role) {
		p.problem(w, r, http.StatusForbidden, "Not allowed", "the role "+string(su.User.Role)+" may not do this")
		return
	}
	c := &caller{user: su.User, token: token, csrf: csrfToken(token)}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		r.Body = http.MaxBytesReader(w, r.Body, maxForm)
		if err := r.ParseForm(); err != nil {
			p.problem(w, r, http.StatusBadRequest, "Bad form", "the form could not be read: "+err.Error())
			return
		}
		if !checkCSRF(c.csrf, r.PostForm.Get(csrfField)) {
			p.log.Warn("panel: form without a valid CSRF token refused", "user", su.User.Name, "path", r.URL.Path)
			p.problem(w, r, http.StatusForbidden, "Form refused", "the form's CSRF token is missing or wrong: reload the page and try again")
			return
		}
	}
	// The mux serves it (not handler directly), so that the route's path values are set.
	p.mux.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), callerKey{}, c)))
}

// maxForm bounds a form's body: a policy document is the largest thing posted.
const maxForm = 1 << 20

func admits(roles []plaudit.Role, r plaudit.Role) bool {
	for _, x := range roles {
		if x == r {
			return true
		}
	}
	return false
}

// caller is the signed-in user of a request.
type caller struct {
	user  *plaudit.User
	token string
	csrf  string
}

type callerKey struct{}

func callerOf(r *http.Request) *caller {
	c, _ := r.Context().Value(callerKey{}).(*caller)
	return c
}

// operatorName is what the panel records as who did something: "panel:NAME".
func operatorName(r *http.Request) string {
	if c := callerOf(r); c != nil {
		return "panel:" + c.user.Name
	}
	return "panel"
}
