package portal

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"sync"
	"time"
)

// Cookie names. The session cookie holds a random token (never the API key); the pre-login CSRF cookie
// holds the token the sign-in form must repeat (double submit), since there is no session yet to keep it.
const (
	SessionCookie = "plaudit_portal"
	CSRFCookie    = "plaudit_portal_csrf"
	// CSRFField is the hidden form field every POST form carries.
	CSRFField = "csrf"
)

// session is one signed-in member: the hash of the member key it was opened with (re-checked on every
// request, so that revoking the key ends the session), the member, its CSRF token and when it ends.
type session struct {
	keyHash []byte
	member  string
	csrf    string
	expires time.Time
}

// sessions keeps the sessions in memory, by SHA-256 of their token: a restart signs everyone out, and a
// token read from memory could not be replayed as a cookie.
type sessions struct {
	mu  sync.Mutex
	m   map[[32]byte]*session
	ttl time.Duration
	now func() time.Time
}

func newToken() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("portal: no randomness: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// open starts a session and returns its cookie token.
func (s *sessions) open(keyHash []byte, member string) (string, *session) {
	tok := newToken()
	ss := &session{keyHash: keyHash, member: member, csrf: newToken(), expires: s.now().Add(s.ttl)}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for k, v := range s.m { // forget ended sessions as new ones begin
		if !now.Before(v.expires) {
			delete(s.m, k)
		}
	}
	s.m[sha256.Sum256([]byte(tok))] = ss
	return tok, ss
}

// get returns the live session of the request's cookie, or nil.
func (s *sessions) get(r *http.Request) *session {
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" || len(c.Value) > 100 {
		return nil
	}
	k := sha256.Sum256([]byte(c.Value))
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.m[k]
	if ss == nil {
		return nil
	}
	if !s.now().Before(ss.expires) {
		delete(s.m, k)
		return nil
	}
	return ss
}

// close ends the request's session, if any.
func (s *sessions) close(r *http.Request) {
	if c, err := r.Cookie(SessionCookie); err == nil {
		s.mu.Lock()
		delete(s.m, sha256.Sum256([]byte(c.Value)))
		s.mu.Unlock()
	}
}

// sameToken compares two tokens in constant time; empty never matches.
func sameToken(a, b string) bool {
	return a != "" && b != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
