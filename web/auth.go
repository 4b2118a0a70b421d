package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/plaudit/plaudit"
)

// The panel's cookies: the session, and the sign-in form's CSRF nonce (before there is a session).
const (
	sessionCookie = "plaudit_session"
	loginCookie   = "plaudit_login"
	csrfField     = "csrf"
)

func sessionToken(r *http.Request) string {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return ""
	}
	return c.Value
}

// csrfToken is the CSRF token of the forms of a session (or of the sign-in form's nonce): an HMAC keyed
// with the secret, which only the browser holding the cookie knows, so another site can neither read nor
// compute it.
func csrfToken(secret string) string {
	if secret == "" {
		return ""
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("plaudit panel csrf v1"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func checkCSRF(want, got string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}

func (p *Panel) secure(r *http.Request) bool { return r.TLS != nil || p.opts.SecureCookies }

// setCookie sets a cookie that lasts maxAge (a browser-session cookie when 0). Max-Age is relative, so
// the browser's clock does not matter; the server checks the session's expiry itself.
func (p *Panel) setCookie(w http.ResponseWriter, r *http.Request, name, value, path string, maxAge time.Duration) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: path, MaxAge: int(maxAge.Seconds()), HttpOnly: true,
		Secure: p.secure(r), SameSite: http.SameSiteStrictMode})
}

func (p *Panel) clearCookie(w http.ResponseWriter, r *http.Request, name, path string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: path, MaxAge: -1, HttpOnly: true,
		Secure: p.secure(r), SameSite: http.SameSiteStrictMode})
}

type loginData struct {
	Next, Error, Name string
	Discord           bool // "Sign in with Discord" is configured
}

// loginPage shows the sign-in form, with a fresh nonce cookie its CSRF token is bound to.
func (p *Panel) loginPage(w http.ResponseWriter, r *http.Request) {
	p.showLogin(w, r, http.StatusOK, loginData{Next: safeNext(r.URL.Query().Get("next"))})
}

func (p *Panel) showLogin(w http.ResponseWriter, r *http.Request, status int, d loginData) {
	d.Discord = p.opts.Discord != nil
	var raw [24]byte
	_, _ = rand.Read(raw[:])
	nonce := base64.RawURLEncoding.EncodeToString(raw[:])
	p.setCookie(w, r, loginCookie, nonce, Prefix+"login", 0)
	p.render(w, r, status, "login", "Sign in", &caller{csrf: csrfToken(nonce)}, d)
}

// login checks the form's CSRF token and the rate limits, signs in and sets the session cookie.
func (p *Panel) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		p.problem(w, r, http.StatusBadRequest, "Bad form", "the sign-in form could not be read")
		return
	}
	nonce := ""
	if c, err := r.Cookie(loginCookie); err == nil {
		nonce = c.Value
	}
	name, password := r.PostForm.Get("username"), r.PostForm.Get("password")
	d := loginData{Next: safeNext(r.PostForm.Get("next")), Name: name}
	if !checkCSRF(csrfToken(nonce), r.PostForm.Get(csrfField)) {
		d.Error = "The form expired or its CSRF token is wrong: try again."
		p.showLogin(w, r, http.StatusForbidden, d)
		return
	}
	ip := clientIP(r)
	if ok, wait := p.limiter.allowed(time.Now(), "user:"+name, "ip:"+ip); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		d.Error = "Too many failed sign-ins: wait " + wait.Round(time.Second).String() + " and try again."
		p.log.Warn("panel: sign-in rate limited", "user", name, "remote", ip)
		p.showLogin(w, r, http.StatusTooManyRequests, d)
		return
	}
	in, err := p.svc.SignIn(r.Context(), name, password, p.opts.SessionTTL)
	if err != nil {
		if plaudit.ErrorCode(err) != plaudit.EUNAUTHORIZED {
			p.fail(w, r, err)
			return
		}
		p.limiter.fail(time.Now(), "user:"+name, "ip:"+ip)
		d.Error = "Wrong username or password."
		p.showLogin(w, r, http.StatusUnauthorized, d)
		return
	}
	p.limiter.reset("user:" + name)
	p.clearCookie(w, r, loginCookie, Prefix+"login")
	p.setCookie(w, r, sessionCookie, in.Token, Prefix, in.Expires.Sub(p.svc.Now()))
	next := d.Next
	if next == "" {
		next = Prefix
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// logout ends the session on the server (the cookie stops working at once, wherever it was copied) and
// clears the cookie.
func (p *Panel) logout(w http.ResponseWriter, r *http.Request) {
	if err := p.svc.SignOut(r.Context(), sessionToken(r)); err != nil {
		p.fail(w, r, err)
		return
	}
	p.clearCookie(w, r, sessionCookie, Prefix)
	http.Redirect(w, r, Prefix+"login", http.StatusSeeOther)
}

// safeNext keeps a post-sign-in destination only when it is a path of the panel (no open redirect).
func safeNext(next string) string {
	if strings.HasPrefix(next, Prefix) && !strings.HasPrefix(next, "//") && !strings.ContainsAny(next, "\\\r\n") {
		return next
	}
	return ""
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// loginLimiter counts failed sign-ins per user name and per client address in fixed windows: a name gets
// limit failures per window, an address ten times as many (one office, many people).
type loginLimiter struct {
	mu     sync.Mutex
	limit  int
	window time.Duration
	fails  map[string]*failWindow
}

type failWindow struct {
	start time.Time
	n     int
}

func newLoginLimiter(limit int, window time.Duration) *loginLimiter {
	return &loginLimiter{limit: limit, window: window, fails: map[string]*failWindow{}}
}

func (l *loginLimiter) max(key string) int {
	if strings.HasPrefix(key, "ip:") {
		return 10 * l.limit
	}
	return l.limit
}

// allowed reports whether a sign-in may be tried for every key, and otherwise how long to wait.
func (l *loginLimiter) allowed(now time.Time, keys ...string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var wait time.Duration
	for _, k := range keys {
		f := l.fails[k]
		if f == nil || now.Sub(f.start) >= l.window {
			continue
		}
		if f.n >= l.max(k) {
			wait = max(wait, l.window-now.Sub(f.start))
		}
	}
	return wait == 0, wait
}

// fail counts a failed sign-in against every key.
func (l *loginLimiter) fail(now time.Time, keys ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.fails) > 100_000 { // forget finished windows rather than grow without bound
		for k, f := range l.fails {
			if now.Sub(f.start) >= l.window {
				delete(l.fails, k)
			}
		}
	}
	for _, k := range keys {
		f := l.fails[k]
		if f == nil || now.Sub(f.start) >= l.window {
			f = &failWindow{start: now}
			l.fails[k] = f
		}
		f.n++
	}
}

func (l *loginLimiter) reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.fails, key)
}
