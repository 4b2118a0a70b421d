package sqlstore

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/plaudit/plaudit"
)

var _ plaudit.UserStore = (*DB)(nil)

const userColumns = "id, name, role, hash, created_ns, created_by"

// CreateUser stores a panel user and sets its ID; a name already taken is ECONFLICT.
func (db *DB) CreateUser(ctx context.Context, u *plaudit.User) error {
	return db.InTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, db.Rebind("SELECT count(*) FROM panel_users WHERE name = ?"), u.Name).Scan(&n); err != nil {
			return fmt.Errorf("create user: %w", err)
		}
		if n > 0 {
			return plaudit.Errorf(plaudit.ECONFLICT, "create user: the name %q is taken", u.Name)
		}
		err := tx.QueryRowContext(ctx, db.Rebind(`INSERT INTO panel_users (name, role, hash, created_ns, created_by)
			VALUES (?, ?, ?, ?, ?) RETURNING id`), u.Name, string(u.Role), u.Hash, nsOf(u.Created), u.CreatedBy).Scan(&u.ID)
		if err != nil {
			return fmt.Errorf("create user: %w", err)
		}
		return nil
	})
}

// UserByName returns the user named name, or ENOTFOUND.
func (db *DB) UserByName(ctx context.Context, name string) (*plaudit.User, error) {
	u, err := scanUser(db.db.QueryRowContext(ctx, db.Rebind("SELECT "+userColumns+" FROM panel_users WHERE name = ?"), name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, plaudit.Errorf(plaudit.ENOTFOUND, "no user named %q", name)
	} else if err != nil {
		return nil, fmt.Errorf("read user: %w", err)
	}
	return u, nil
}

// UserByID returns the user with the id, or ENOTFOUND.
func (db *DB) UserByID(ctx context.Context, id int64) (*plaudit.User, error) {
	u, err := scanUser(db.db.QueryRowContext(ctx, db.Rebind("SELECT "+userColumns+" FROM panel_users WHERE id = ?"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, plaudit.Errorf(plaudit.ENOTFOUND, "no user with id %d", id)
	} else if err != nil {
		return nil, fmt.Errorf("read user %d: %w", id, err)
	}
	return u, nil
}

// Users returns every panel user by id.
func (db *DB) Users(ctx context.Context) ([]*plaudit.User, error) {
	rows, err := db.db.QueryContext(ctx, "SELECT "+userColumns+" FROM panel_users ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var out []*plaudit.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return out, nil
}

// CreateSession stores a panel session under its token's hash.
func (db *DB) CreateSession(ctx context.Context, s *plaudit.Session) error {
	if len(s.Hash) == 0 {
		return plaudit.Errorf(plaudit.EINVALID, "create session: no hash")
	}
	_, err := db.db.ExecContext(ctx, db.Rebind("INSERT INTO panel_sessions (hash, user_id, created_ns, expires_ns) VALUES (?, ?, ?, ?)"),
		hex.EncodeToString(s.Hash), s.User, nsOf(s.Created), nsOf(s.Expires))
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// SessionByHash returns the session stored under hash, or ENOTFOUND.
func (db *DB) SessionByHash(ctx context.Context, hash []byte) (*plaudit.Session, error) {
	var (
		s                plaudit.Session
		h                string
		created, expires int64
	)
	err := db.db.QueryRowContext(ctx, db.Rebind("SELECT hash, user_id, created_ns, expires_ns FROM panel_sessions WHERE hash = ?"),
		hex.EncodeToString(hash)).Scan(&h, &s.User, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, plaudit.Errorf(plaudit.ENOTFOUND, "no such session")
	} else if err != nil {
		return nil, fmt.Errorf("read session: %w", err)
	}
	if s.Hash, err = hex.DecodeString(h); err != nil {
		return nil, fmt.Errorf("read session: stored hash is not hex: %w", err)
	}
	s.Created, s.Expires = timeOf(created), timeOf(expires)
	return &s, nil
}

// DeleteSession removes the session stored under hash, if any.
func (db *DB) DeleteSession(ctx context.Context, hash []byte) error {
	if _, err := db.db.ExecContext(ctx, db.Rebind("DELETE FROM panel_sessions WHERE hash = ?"), hex.EncodeToString(hash)); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// DeleteExpiredSessions removes the sessions that expired before at.
func (db *DB) DeleteExpiredSessions(ctx context.Context, at time.Time) (int64, error) {
	res, err := db.db.ExecContext(ctx, db.Rebind("DELETE FROM panel_sessions WHERE expires_ns < ?"), nsOf(at))
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

func scanUser(row interface{ Scan(...any) error }) (*plaudit.User, error) {
	var (
		u       plaudit.User
		role    string
		created int64
	)
	if err := row.Scan(&u.ID, &u.Name, &role, &u.Hash, &created, &u.CreatedBy); err != nil {
		return nil, err
	}
	u.Role, u.Created = plaudit.Role(role), timeOf(created)
	return &u, nil
}
