package service

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"regexp"
	"time"

	"github.com/plaudit/plaudit"
)

// Sign-in through an outside identity provider (Discord's OAuth 2.0) for the admin panel and the member
// portal, and the portal's sessions. The web edges speak OAuth; what must outlive one process — the
// one-time states with their PKCE verifiers, the panel users of outside identities and the portal's
// sessions — is kept by the store (SignInStore), so that a restart or a second `plaudit serve` behind a
// load balancer sees the same sign-ins.

// OAuthSignInTTL is how long an OAuth sign-in may take between the redirect to the provider and the
// callback.
const OAuthSignInTTL = 10 * time.Minute

// OAuthSignIn is a pending OAuth 2.0 sign-in: the one-time state sent to the provider, what it signs in to
// (Purpose: "panel" or "portal"), the PKCE code verifier (never sent to the browser) and where to go
// after.
type OAuthSignIn struct {
	State    string
	Purpose  string
	Verifier string
	Next     string
	Expires  time.Time
}

// PortalSession is a signed-in member of the portal. The token lives only in the browser's cookie; the
// store keeps its SHA-256 hash. A session opened with a member key keeps the key's hash (KeyHash), re-checked
// on every request so that revoking the key ends it; one opened with Discord keeps the Discord user id
// (DiscordUser), whose link to Member is re-checked the same way.
type PortalSession struct {
	Hash        []byte
	Member      string
	KeyHash     []byte
	DiscordUser string
	Created     time.Time
	Expires     time.Time
}

// SignInStore keeps the OAuth sign-ins, the panel users of outside identities and the portal's sessions
// (sqlstore.DB implements it).
type SignInStore interface {
	// PutOAuthSignIn stores a pending sign-in.
	PutOAuthSignIn(ctx context.Context, o *OAuthSignIn) error
	// TakeOAuthSignIn removes and returns the pending sign-in of state, nil when there is none: a state
	// is taken once.
	TakeOAuthSignIn(ctx context.Context, state string) (*OAuthSignIn, error)
	// DeleteExpiredOAuthSignIns removes the sign-ins that expired before at.
	DeleteExpiredOAuthSignIns(ctx context.Context, at time.Time) (int64, error)
	// PutExternalUser creates the panel user named u.Name without a password, or sets the role of the
	// one that exists (never of a local user with a password), and sets u.ID.
	PutExternalUser(ctx context.Context, u *User) error
	// CreatePortalSession stores a portal session.
	CreatePortalSession(ctx context.Context, ps *PortalSession) error
	// PortalSessionByHash returns the portal session of a token hash, or ENOTFOUND.
	PortalSessionByHash(ctx context.Context, hash []byte) (*PortalSession, error)
	// DeletePortalSession removes a portal session; an absent one is no error.
	DeletePortalSession(ctx context.Context, hash []byte) error
	// DeleteExpiredPortalSessions removes the portal sessions that expired before at.
	DeleteExpiredPortalSessions(ctx context.Context, at time.Time) (int64, error)
}

func (s *Service) signInStore() (SignInStore, error) {
	ss, ok := s.store.(SignInStore)
	if !ok {
		return nil, plaudit.Errorf(plaudit.EINTERNAL, "the store %T keeps no sign-ins", s.store)
	}
	return ss, nil
}

// StartOAuthSignIn records a one-time state and PKCE verifier for an OAuth sign-in to purpose ("panel" or
// "portal"), going to next after.
func (s *Service) StartOAuthSignIn(ctx context.Context, purpose, next string) (*OAuthSignIn, error) {
	if purpose != "panel" && purpose != "portal" {
		return nil, plaudit.Errorf(plaudit.EINVALID, "sign-in purpose %q: want panel or portal", purpose)
	}
	st, err := s.signInStore()
	if err != nil {
		return nil, err
	}
	now := s.now()
	if n, err := st.DeleteExpiredOAuthSignIns(ctx, now); err == nil && n > 0 {
		s.log.Info("expired oauth sign-ins removed", "states", n)
	}
	// The verifier is 64 characters of base64url: within PKCE's 43 to 128 (RFC 7636 §4.1), like /connect's.
	o := &OAuthSignIn{State: randomToken(), Purpose: purpose, Verifier: randomToken() + randomToken(), Next: next,
		Expires: now.Add(OAuthSignInTTL)}
	if err := st.PutOAuthSignIn(ctx, o); err != nil {
		return nil, fmt.Errorf("start %s sign-in: %w", purpose, err)
	}
	return o, nil
}

// TakeOAuthSignIn uses up the pending sign-in of state: an unknown, used, expired or other-purpose state is
// EUNAUTHORIZED (a callback replayed, forged or too late).
func (s *Service) TakeOAuthSignIn(ctx context.Context, purpose, state string) (*OAuthSignIn, error) {
	st, err := s.signInStore()
	if err != nil {
		return nil, err
	}
	refused := plaudit.Errorf(plaudit.EUNAUTHORIZED, "this sign-in was used already, has expired or was not started here: sign in again")
	if state == "" || len(state) > 128 {
		return nil, refused
	}
	o, err := st.TakeOAuthSignIn(ctx, state)
	if err != nil {
		return nil, fmt.Errorf("take %s sign-in: %w", purpose, err)
	}
	if o == nil || o.Purpose != purpose || !s.now().Before(o.Expires) {
		return nil, refused
	}
	return o, nil
}

// PanelRoleMap maps Discord role ids to panel roles (discord.panel_roles): a member holding any role of
// Admin is admin, else of Core core, else of Viewer viewer.
type PanelRoleMap struct {
	Admin, Core, Viewer []string
}

// Configured reports whether any role maps to a panel role.
func (m PanelRoleMap) Configured() bool { return len(m.Admin)+len(m.Core)+len(m.Viewer) > 0 }

// RoleOf returns the highest panel role that one of roles maps to, and false when none does.
func (m PanelRoleMap) RoleOf(roles []string) (plaudit.Role, bool) {
	has := func(ids []string) bool {
		for _, id := range ids {
			for _, r := range roles {
				if r == id {
					return true
				}
			}
		}
		return false
	}
	switch {
	case has(m.Admin):
		return plaudit.RoleAdmin, true
	case has(m.Core):
		return plaudit.RoleCore, true
	case has(m.Viewer):
		return plaudit.RoleViewer, true
	}
	return "", false
}

// ExternalIdentity is a person an outside provider vouched for, with the panel role they get now.
type ExternalIdentity struct {
	Provider string // "discord"
	ID       string // the provider's user id
	Display  string // the provider's user name, for the log only
	Role     plaudit.Role
}

var (
	providerName = regexp.MustCompile(`^[a-z]{1,16}$`)
	externalID   = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)
)

// SignInExternal opens a panel session for an outside identity: the panel user "PROVIDER:ID" (a name no
// local account can have, and without a password, so it signs in only this way) is created or given the
// role id.Role, which the caller read from the provider at this sign-in, and a session of ttl
// (DefaultSessionTTL when ≤ 0) is opened exactly as a password sign-in opens one.
func (s *Service) SignInExternal(ctx context.Context, id ExternalIdentity, ttl time.Duration) (*Signin, error) {
	if !providerName.MatchString(id.Provider) {
		return nil, plaudit.Errorf(plaudit.EINVALID, "sign-in provider %q: want 1 to 16 lower-case letters", clip(id.Provider, 20))
	}
	if !externalID.MatchString(id.ID) {
		return nil, plaudit.Errorf(plaudit.EINVALID, "%s user id %q: want 1 to 64 letters, digits, '.', '-' or '_'", id.Provider, clip(id.ID, 70))
	}
	if !validPanelRole(id.Role) {
		return nil, plaudit.Errorf(plaudit.EINVALID, "role %q: want admin, core or viewer", id.Role)
	}
	us, err := s.users()
	if err != nil {
		return nil, err
	}
	st, err := s.signInStore()
	if err != nil {
		return nil, err
	}
	u := &User{Name: id.Provider + ":" + id.ID, Role: id.Role, Created: s.actionTime(), CreatedBy: id.Provider + " sign-in"}
	if err := st.PutExternalUser(ctx, u); err != nil {
		return nil, fmt.Errorf("sign in %s: %w", u.Name, err)
	}
	in, err := s.openSession(ctx, us, u, ttl)
	if err != nil {
		return nil, err
	}
	s.log.Info("panel sign-in", "user", u.Name, "via", id.Provider, "display", clip(id.Display, 40), "role", u.Role, "expires", in.Expires)
	return in, nil
}

// OpenPortalSession opens a portal session for ps.Member (with ps.KeyHash or ps.DiscordUser, one of them)
// that lasts ttl, and returns the token for the browser's cookie with the session stored.
func (s *Service) OpenPortalSession(ctx context.Context, ps PortalSession, ttl time.Duration) (string, *PortalSession, error) {
	if ps.Member == "" || (len(ps.KeyHash) == 0) == (ps.DiscordUser == "") {
		return "", nil, plaudit.Errorf(plaudit.EINVALID, "portal session: want a member and either a key hash or a Discord user")
	}
	if ttl <= 0 {
		return "", nil, plaudit.Errorf(plaudit.EINVALID, "portal session: the duration must be positive, got %s", ttl)
	}
	st, err := s.signInStore()
	if err != nil {
		return "", nil, err
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", nil, fmt.Errorf("portal session: random token: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(raw[:])
	now := s.now().UTC()
	ps.Hash, ps.Created, ps.Expires = hashToken(token), now, now.Add(ttl)
	if err := st.CreatePortalSession(ctx, &ps); err != nil {
		return "", nil, fmt.Errorf("portal session of %s: %w", ps.Member, err)
	}
	if n, err := st.DeleteExpiredPortalSessions(ctx, now); err == nil && n > 0 {
		s.log.Info("expired portal sessions removed", "sessions", n)
	}
	return token, &ps, nil
}

// PortalSessionOf returns the stored, unexpired portal session of token; anything else is EUNAUTHORIZED
// (an expired session is removed). The caller still re-checks the key or the Discord link.
func (s *Service) PortalSessionOf(ctx context.Context, token string) (*PortalSession, error) {
	st, err := s.signInStore()
	if err != nil {
		return nil, err
	}
	return liveSession(ctx, s, token, "portal session", "portal session", st.PortalSessionByHash,
		func(ps *PortalSession) ([]byte, time.Time) { return ps.Hash, ps.Expires }, st.DeletePortalSession)
}

// ClosePortalSession ends the portal session of token at once; an unknown token is no error.
func (s *Service) ClosePortalSession(ctx context.Context, token string) error {
	st, err := s.signInStore()
	if err != nil {
		return err
	}
	if err := st.DeletePortalSession(ctx, hashToken(token)); err != nil {
		return fmt.Errorf("end portal session: %w", err)
	}
	return nil
}

// SessionCSRF is the CSRF token of a session's forms, derived from its token: only the browser holding the
// cookie can know it, and nothing needs storing.
func SessionCSRF(token string) string {
	h := sha256.Sum256([]byte("plaudit session csrf v1\x00" + token))
	return base64.RawURLEncoding.EncodeToString(h[:])
}
