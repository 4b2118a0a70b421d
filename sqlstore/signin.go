package sqlstore

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/service"
)

var _ service.SignInStore = (*DB)(nil)

// PutOAuthSignIn stores a pending OAuth sign-in (table oauth_signins, migration 00170).
func (db *DB) PutOAuthSignIn(ctx context.Context, o *service.OAuthSignIn) error {
	_, err := db.db.ExecContext(ctx, db.Rebind("INSERT INTO oauth_signins (state, purpose, verifier, next, expires_ns) VALUES (?, ?, ?, ?, ?)"),
		o.State, o.Purpose, o.Verifier, o.Next, nsOf(o.Expires))
	if err != nil {
		return fmt.Errorf("store oauth sign-in: %w", err)
	}
	return nil
}

// TakeOAuthSignIn removes and returns the pending sign-in of state in one statement (nil when there is
// none), so that two callbacks with one state cannot both have it.
func (db *DB) TakeOAuthSignIn(ctx context.Context, state string) (*service.OAuthSignIn, error) {
	var (
		o  service.OAuthSignIn
		ns int64
	)
	err := db.db.QueryRowContext(ctx, db.Rebind("DELETE FROM oauth_signins WHERE state = ? RETURNING state, purpose, verifier, next, expires_ns"), state).
		Scan(&o.State, &o.Purpose, &o.Verifier, &o.Next, &ns)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("take oauth sign-in: %w", err)
	}
	o.Expires = timeOf(ns)
	return &o, nil
}

// DeleteExpiredOAuthSignIns removes the pending sign-ins that expired before at.
func (db *DB) DeleteExpiredOAuthSignIns(ctx context.Context, at time.Time) (int64, error) {
	res, err := db.db.ExecContext(ctx, db.Rebind("DELETE FROM oauth_signins WHERE expires_ns < ?"), nsOf(at))
	if err != nil {
		return 0, fmt.Errorf("delete expired oauth sign-ins: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// PutExternalUser creates the password-less panel user u.Name or sets its role, and sets u.ID. A local
// user of that name (one with a password hash) is never changed: ECONFLICT.
func (db *DB) PutExternalUser(ctx context.Context, u *plaudit.User) error {
	err := db.db.QueryRowContext(ctx, db.Rebind(`INSERT INTO panel_users (name, role, hash, created_ns, created_by)
		VALUES (?, ?, '', ?, ?)
		ON CONFLICT (name) DO UPDATE SET role = excluded.role WHERE panel_users.hash = ''
		RETURNING id`), u.Name, string(u.Role), nsOf(u.Created), u.CreatedBy).Scan(&u.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return plaudit.Errorf(plaudit.ECONFLICT, "panel user %q is a local account with a password", u.Name)
	} else if err != nil {
		return fmt.Errorf("store external user %s: %w", u.Name, err)
	}
	u.Hash = ""
	return nil
}

// CreatePortalSession stores a portal session under its token's hash.
func (db *DB) CreatePortalSession(ctx context.Context, ps *service.PortalSession) error {
	if len(ps.Hash) == 0 {
		return plaudit.Errorf(plaudit.EINVALID, "create portal session: no hash")
	}
	_, err := db.db.ExecContext(ctx, db.Rebind(`INSERT INTO portal_sessions (hash, member, key_hash, discord_user, created_ns, expires_ns)
		VALUES (?, ?, ?, ?, ?, ?)`), hex.EncodeToString(ps.Hash), ps.Member, hex.EncodeToString(ps.KeyHash), ps.DiscordUser,
		nsOf(ps.Created), nsOf(ps.Expires))
	if err != nil {
		return fmt.Errorf("create portal session: %w", err)
	}
	return nil
}

// PortalSessionByHash returns the portal session stored under hash, or ENOTFOUND.
func (db *DB) PortalSessionByHash(ctx context.Context, hash []byte) (*service.PortalSession, error) {
	var (
		ps               service.PortalSession
		h, kh            string
		created, expires int64
	)
	err := db.db.QueryRowContext(ctx, db.Rebind("SELECT hash, member, key_hash, discord_user, created_ns, expires_ns FROM portal_sessions WHERE hash = ?"),
		hex.EncodeToString(hash)).Scan(&h, &ps.Member, &kh, &ps.DiscordUser, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, plaudit.Errorf(plaudit.ENOTFOUND, "no such portal session")
	} else if err != nil {
		return nil, fmt.Errorf("read portal session: %w", err)
	}
	if ps.Hash, err = hex.DecodeString(h); err != nil {
		return nil, fmt.Errorf("read portal session: stored hash is not hex: %w", err)
	}
	if ps.KeyHash, err = hex.DecodeString(kh); err != nil {
		return nil, fmt.Errorf("read portal session: stored key hash is not hex: %w", err)
	}
	if len(ps.KeyHash) == 0 {
		ps.KeyHash = nil
	}
	ps.Created, ps.Expires = timeOf(created), timeOf(expires)
	return &ps, nil
}

// DeletePortalSession removes the portal session stored under hash, if any.
func (db *DB) DeletePortalSession(ctx context.Context, hash []byte) error {
	if _, err := db.db.ExecContext(ctx, db.Rebind("DELETE FROM portal_sessions WHERE hash = ?"), hex.EncodeToString(hash)); err != nil {
		return fmt.Errorf("delete portal session: %w", err)
	}
	return nil
}

// DeleteExpiredPortalSessions removes the portal sessions that expired before at.
func (db *DB) DeleteExpiredPortalSessions(ctx context.Context, at time.Time) (int64, error) {
	res, err := db.db.ExecContext(ctx, db.Rebind("DELETE FROM portal_sessions WHERE expires_ns < ?"), nsOf(at))
	if err != nil {
		return 0, fmt.Errorf("delete expired portal sessions: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}
