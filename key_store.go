package plaudit

import (
	"context"
	"time"
)

// KeyPrefix starts every API key Plaudit issues, so that a leaked key is recognisable (by secret scanners,
// by people) for what it is.
const KeyPrefix = "plk_"

// APIKey is a stored API key: who may call the API with which role. The key itself is never stored, only
// its SHA-256 hash, so a key is shown once, when it is created.
type APIKey struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Role      Role      `json:"role"`
	Member    string    `json:"member,omitempty"` // the member handle a member key is bound to
	Hash      []byte    `json:"-"`                // SHA-256 of the key
	Created   time.Time `json:"created"`
	LastUsed  time.Time `json:"last_used,omitzero"`
	Revoked   time.Time `json:"revoked,omitzero"`
	CreatedBy string    `json:"created_by,omitempty"`
}

// Active reports whether the key has not been revoked.
func (k *APIKey) Active() bool { return k.Revoked.IsZero() }

// KeyStore keeps the API keys, hashed.
type KeyStore interface {
	// CreateKey stores k (its Hash set, its ID ignored) and sets k.ID. A hash already stored is ECONFLICT.
	CreateKey(ctx context.Context, k *APIKey) error

	// KeyByHash returns the key with the given SHA-256 hash, revoked or not, or an ENOTFOUND error.
	KeyByHash(ctx context.Context, hash []byte) (*APIKey, error)

	// Keys returns every key, revoked ones included, by id.
	Keys(ctx context.Context) ([]*APIKey, error)

	// RevokeKey marks the key revoked at the given time and returns it; revoking a revoked key keeps its
	// first revocation time. An unknown id is ENOTFOUND.
	RevokeKey(ctx context.Context, id int64, at time.Time) (*APIKey, error)

	// TouchKey records that the key was used at the given time, unless a use within the minute before
	// it was recorded already: callers may call it on every request without a write each time.
	TouchKey(ctx context.Context, id int64, at time.Time) error
}
