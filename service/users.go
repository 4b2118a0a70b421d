package service

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/plaudit/plaudit"
)

// User is a local account of the admin panel.
type User = plaudit.User

// The argon2id parameters of new password hashes: OWASP's recommendation (19 MiB, 2 passes, 1 lane).
// Stored hashes carry their own parameters, so raising these later keeps old passwords working.
const (
	argonMemory  = 19 * 1024 // KiB
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// MinPasswordLen and MaxPasswordLen bound a panel password, in bytes.
const (
	MinPasswordLen = 10
	MaxPasswordLen = 1024
)

// DefaultSessionTTL is how long a panel session lasts when the caller gives no other duration.
const DefaultSessionTTL = 12 * time.Hour

// panelRoles are the roles a panel user may have: the operator roles of the API.
var panelRoles = []plaudit.Role{plaudit.RoleAdmin, plaudit.RoleCore, plaudit.RoleViewer}

// NewUser describes a panel user to create.
type NewUser struct {
	Name     string       // the login name
	Role     plaudit.Role // admin, core or viewer
	Password string       // the password, hashed with argon2id and then forgotten
	By       string       // who creates the user, for the record
}

// Signin is a session just opened: the user, the secret session token (for the browser's cookie; the
// store keeps only its hash) and when it expires.
type Signin struct {
	User    *User
	Token   string
	Expires time.Time
}

// SessionUser is the user behind a valid session token.
type SessionUser struct {
	User    *User
	Expires time.Time
}

func (s *Service) users() (plaudit.UserStore, error) {
	us, ok := s.store.(plaudit.UserStore)
	if !ok {
		return nil, plaudit.Errorf(plaudit.EINTERNAL, "this store keeps no panel users")
	}
	return us, nil
}

// CreateUser creates a panel user with an argon2id hash of the password. The name is 1 to 64 letters,
// digits, dots, dashes or underscores; the role admin, core or viewer; the password 10 to 1024 bytes.
// Problems are EINVALID, a taken name ECONFLICT.
func (s *Service) CreateUser(ctx context.Context, nu NewUser) (*User, error) {
	if err := checkUserName(nu.Name); err != nil {
		return nil, err
	}
	if !validPanelRole(nu.Role) {
		return nil, plaudit.Errorf(plaudit.EINVALID, "role %q: want admin, core or viewer", nu.Role)
	}
	if n := len(nu.Password); n < MinPasswordLen || n > MaxPasswordLen {
		return nil, plaudit.Errorf(plaudit.EINVALID, "password: want %d to %d bytes, got %d", MinPasswordLen, MaxPasswordLen, n)
	}
	us, err := s.users()
	if err != nil {
		return nil, err
	}
	hash, err := HashPassword(nu.Password)
	if err != nil {
		return nil, err
	}
	u := &User{Name: nu.Name, Role: nu.Role, Hash: hash, Created: s.actionTime(), CreatedBy: nu.By}
	if err := us.CreateUser(ctx, u); err != nil {
		return nil, fmt.Errorf("create user %s: %w", nu.Name, err)
	}
	s.log.Info("panel user created", "id", u.ID, "name", u.Name, "role", u.Role, "by", u.CreatedBy)
	return u, nil
}

// Users returns every panel user by id (never a password hash in their JSON).
func (s *Service) Users(ctx context.Context) ([]*User, error) {
	us, err := s.users()
	if err != nil {
		return nil, err
	}
	return us.Users(ctx)
}

func validPanelRole(r plaudit.Role) bool {
	for _, x := range panelRoles {
		if r == x {
			return true
		}
	}
	return false
}

func checkUserName(name string) error {
	if name == "" || utf8.RuneCountInString(name) > 64 {
		return plaudit.Errorf(plaudit.EINVALID, "user name: want 1 to 64 characters")
	}
	for _, r := range name {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || r == '-' || r == '_') {
			return plaudit.Errorf(plaudit.EINVALID, "user name %q: only letters, digits, '.', '-' and '_' (found %q)", name, r)
		}
	}
	return nil
}

// HashPassword returns the argon2id hash of password in PHC form, with a random salt.
func HashPassword(password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash password: random salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches the PHC-encoded argon2id hash, in constant time.
func CheckPassword(hash, password string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, plaudit.Errorf(plaudit.EINTERNAL, "stored password hash is not argon2id PHC")
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, plaudit.Errorf(plaudit.EINTERNAL, "stored password hash: unsupported argon2 version %q", parts[2])
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || t == 0 || p == 0 || m > 1<<22 || t > 64 {
		return false, plaudit.Errorf(plaudit.EINTERNAL, "stored password hash: bad parameters %q", parts[3])
	}
	enc := base64.RawStdEncoding
	salt, err := enc.DecodeString(parts[4])
	if err != nil {
		return false, plaudit.Errorf(plaudit.EINTERNAL, "stored password hash: bad salt")
	}
	want, err := enc.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false, plaudit.Errorf(plaudit.EINTERNAL, "stored password hash: bad key")
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummyHash is checked against when the user does not exist, so that an unknown name takes as long as a
// wrong password and does not reveal which names exist.
var dummyHash, _ = HashPassword("plaudit-no-such-user")

// SignIn checks name and password and opens a session of ttl (DefaultSessionTTL when ≤ 0). A wrong name
// or password is EUNAUTHORIZED, the same error for both; the password never appears in an error or log.
func (s *Service) SignIn(ctx context.Context, name, password string, ttl time.Duration) (*Signin, error) {
	us, err := s.users()
	if err != nil {
		return nil, err
	}
	if ttl <= 0 {
		ttl = DefaultSessionTTL
	}
	wrong := plaudit.Errorf(plaudit.EUNAUTHORIZED, "wrong username or password")
	if len(password) > MaxPasswordLen || len(name) > 256 {
		return nil, wrong
	}
	u, err := us.UserByName(ctx, name)
	if plaudit.ErrorCode(err) == plaudit.ENOTFOUND {
		_, _ = CheckPassword(dummyHash, password)
		s.log.Info("panel sign-in refused", "user", name, "why", "no such user")
		return nil, wrong
	} else if err != nil {
		return nil, fmt.Errorf("sign in: %w", err)
	}
	if u.Hash == "" { // an outside identity's user (SignInExternal): no password opens it
		_, _ = CheckPassword(dummyHash, password)
		s.log.Info("panel sign-in refused", "user", name, "why", "signs in through its provider only")
		return nil, wrong
	}
	ok, err := CheckPassword(u.Hash, password)
	if err != nil {
		return nil, fmt.Errorf("sign in %s: %w", name, err)
	}
	if !ok {
		s.log.Info("panel sign-in refused", "user", name, "why", "wrong password")
		return nil, wrong
	}
	in, err := s.openSession(ctx, us, u, ttl)
	if err != nil {
		return nil, err
	}
	s.log.Info("panel sign-in", "user", u.Name, "role", u.Role, "expires", in.Expires)
	return in, nil
}

// openSession opens a panel session of ttl (DefaultSessionTTL when ≤ 0) for u: a password sign-in and an
// outside identity's (SignInExternal) get the same kind of session.
func (s *Service) openSession(ctx context.Context, us plaudit.UserStore, u *User, ttl time.Duration) (*Signin, error) {
	if ttl <= 0 {
		ttl = DefaultSessionTTL
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return nil, fmt.Errorf("sign in: random token: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(raw[:])
	now := s.now().UTC()
	sess := &plaudit.Session{Hash: hashToken(token), User: u.ID, Created: now, Expires: now.Add(ttl)}
	if err := us.CreateSession(ctx, sess); err != nil {
		return nil, fmt.Errorf("sign in %s: %w", u.Name, err)
	}
	if n, err := us.DeleteExpiredSessions(ctx, now); err == nil && n > 0 {
		s.log.Info("expired panel sessions removed", "sessions", n)
	}
	return &Signin{User: u, Token: token, Expires: sess.Expires}, nil
}

// liveSession returns the stored session of token (read by its hash with read; fields gives its stored
// hash and expiry) when it matches and has not expired; anything else is EUNAUTHORIZED, and an expired
// session is removed with del. name is what the messages call it ("session", "portal session") and
// logName what the log line does. The panel's and the portal's sessions both pass through it.
func liveSession[T any](ctx context.Context, s *Service, token, name, logName string, read func(context.Context, []byte) (T, error),
	fields func(T) ([]byte, time.Time), del func(context.Context, []byte) error) (T, error) {
	var zero T
	none := plaudit.Errorf(plaudit.EUNAUTHORIZED, "no valid %s: sign in", name)
	if token == "" || len(token) > 128 {
		return zero, none
	}
	hash := hashToken(token)
	sess, err := read(ctx, hash)
	if plaudit.ErrorCode(err) == plaudit.ENOTFOUND {
		return zero, none
	} else if err != nil {
		return zero, fmt.Errorf("read %s: %w", name, err)
	}
	stored, expires := fields(sess)
	if subtle.ConstantTimeCompare(stored, hash) != 1 {
		return zero, none
	}
	if !s.now().Before(expires) {
		if err := del(ctx, hash); err != nil {
			s.log.Warn("remove an expired "+logName, "err", err)
		}
		return zero, plaudit.Errorf(plaudit.EUNAUTHORIZED, "the %s expired: sign in again", name)
	}
	return sess, nil
}

func hashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// Session returns the user of a session token that is stored and not expired; anything else is
// EUNAUTHORIZED (an expired session is removed).
func (s *Service) Session(ctx context.Context, token string) (*SessionUser, error) {
	us, err := s.users()
	if err != nil {
		return nil, err
	}
	sess, err := liveSession(ctx, s, token, "session", "panel session", us.SessionByHash,
		func(sess *plaudit.Session) ([]byte, time.Time) { return sess.Hash, sess.Expires }, us.DeleteSession)
	if err != nil {
		return nil, err
	}
	u, err := us.UserByID(ctx, sess.User)
	if err != nil {
		return nil, fmt.Errorf("read session's user: %w", err)
	}
	return &SessionUser{User: u, Expires: sess.Expires}, nil
}

// SignOut ends the session of token at once; an unknown token is no error.
func (s *Service) SignOut(ctx context.Context, token string) error {
	us, err := s.users()
	if err != nil {
		return err
	}
	return us.DeleteSession(ctx, hashToken(token))
}
