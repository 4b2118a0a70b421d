package portal

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"log/slog"
	"net/http"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/service"
)

// Cookie names. The session cookie holds a random token (never the API key); the pre-login CSRF cookie
// holds the token the sign-in form must repeat (double submit), since there is no session yet to keep it.
const (
	SessionCookie = "plaudit_portal"
	CSRFCookie    = "plaudit_portal_csrf"
	// CSRFField is the hidden form field every POST form carries.
	CSRFField = "csrf"
)

// session is one signed-in member: the hash of the member key it was opened with or the Discord user who
// signed in (either re-checked on every request, so that revoking the key or the link ends the session),
// the member, its CSRF token and when it ends.
type session struct {
	keyHash     []byte
	discordUser string
	member      string
	csrf        string
	expires     time.Time
}

// sessions keeps the sessions in the store (service.OpenPortalSession: table portal_sessions, by SHA-256 of
// their token), so that a restart signs nobody out and every `plaudit serve` behind a load balancer knows
// every session; a token read from the database could not be replayed as a cookie. The CSRF token of a
// session's forms is derived from its token (service.SessionCSRF), so nothing else is stored.
type sessions struct {
	svc *service.Service
	ttl time.Duration
	log *slog.Logger
}

func newSessions(svc *service.Service, ttl time.Duration, log *slog.Logger) *sessions {
	return &sessions{svc: svc, ttl: ttl, log: log}
}

func newToken() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("portal: no randomness: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// open starts a session of ps.Member (with ps.KeyHash or ps.DiscordUser) and returns its cookie token.
func (s *sessions) open(ctx context.Context, ps service.PortalSession) (string, *session, error) {
	tok, stored, err := s.svc.OpenPortalSession(ctx, ps, s.ttl)
	if err != nil {
		return "", nil, err
	}
	return tok, sessionOf(tok, stored), nil
}

func sessionOf(tok string, ps *service.PortalSession) *session {
	return &session{keyHash: ps.KeyHash, discordUser: ps.DiscordUser, member: ps.Member, csrf: service.SessionCSRF(tok), expires: ps.Expires}
}

// get returns the live session of the request's cookie, or nil.
func (s *sessions) get(r *http.Request) *session {
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" || len(c.Value) > 100 {
		return nil
	}
	ps, err := s.svc.PortalSessionOf(r.Context(), c.Value)
	if err != nil {
		if plaudit.ErrorCode(err) != plaudit.EUNAUTHORIZED && r.Context().Err() == nil {
			s.log.Warn("portal: read a session", "err", err)
		}
		return nil
	}
	return sessionOf(c.Value, ps)
}

// close ends the request's session, if any, in the store: the cookie stops working wherever it was copied.
func (s *sessions) close(r *http.Request) error {
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		return nil
	}
	return s.svc.ClosePortalSession(r.Context(), c.Value)
}

// sameToken compares two tokens in constant time; empty never matches.
func sameToken(a, b string) bool {
	return a != "" && b != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
