package plaudit

import (
	"context"
	"time"
)

// User is a local account of the admin panel: a person who signs in with a name and a password and acts
// with one of the operator roles (admin, core or viewer). The password itself is never stored, only its
// memory-hard hash in PHC form ("$argon2id$v=19$m=…,t=…,p=…$salt$hash").
type User struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Role      Role      `json:"role"`
	Hash      string    `json:"-"` // the password's argon2id hash, PHC-encoded
	Created   time.Time `json:"created"`
	CreatedBy string    `json:"created_by,omitempty"`
}

// Session is a signed-in panel session. The session token lives only in the browser's cookie; the store
// keeps its SHA-256 hash, so that a read of the database signs nobody in.
type Session struct {
	Hash    []byte    `json:"-"` // SHA-256 of the session token
	User    int64     `json:"user"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
}

// UserStore keeps the panel's users and their sessions.
type UserStore interface {
	// CreateUser stores u (its ID ignored) and sets u.ID. A name already taken is ECONFLICT.
	CreateUser(ctx context.Context, u *User) error
	// UserByName returns the user with the given name, or ENOTFOUND.
	UserByName(ctx context.Context, name string) (*User, error)
	// UserByID returns the user with the given id, or ENOTFOUND.
	UserByID(ctx context.Context, id int64) (*User, error)
	// Users returns every user by id.
	Users(ctx context.Context) ([]*User, error)
	// CreateSession stores a session.
	CreateSession(ctx context.Context, s *Session) error
	// SessionByHash returns the session with the given token hash, or ENOTFOUND.
	SessionByHash(ctx context.Context, hash []byte) (*Session, error)
	// DeleteSession removes the session with the given token hash; removing an absent one is no error.
	DeleteSession(ctx context.Context, hash []byte) error
	// DeleteExpiredSessions removes the sessions that expired before at and returns how many.
	DeleteExpiredSessions(ctx context.Context, at time.Time) (int64, error)
}
