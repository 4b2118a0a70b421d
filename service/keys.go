package service

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/plaudit/plaudit"
)

// Key is a stored API key (never the key itself: its hash).
type Key = plaudit.APIKey

// keyBytes is how many random bytes a key holds, after its prefix.
const keyBytes = 32

// maxKeyName is the longest name a key may have, in characters.
const maxKeyName = 100

// NewKey describes a key to create.
type NewKey struct {
	Name   string       // what the key is for ("discord bot"); optional
	Role   plaudit.Role // what it may do
	Member string       // for a member key, the member it is bound to (a handle or an account key); "" otherwise
	By     string       // who creates it, for the record
}

// CreatedKey is a key just created: the stored record and the secret, which exists nowhere else and is
// shown once.
type CreatedKey struct {
	Key    *Key   `json:"key"`
	Secret string `json:"secret"`
}

// LogValue logs the key's record, never its secret.
func (c CreatedKey) LogValue() slog.Value {
	return slog.GroupValue(slog.Int64("id", c.Key.ID), slog.String("name", c.Key.Name), slog.String("role", string(c.Key.Role)))
}

// HashKey returns the SHA-256 hash under which a key is stored.
func HashKey(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// CreateKey creates an API key and returns it with its secret, which is not stored (only its hash is) and
// cannot be shown again. A member key must name an existing member (a handle, or an account key such as
// x:1001, resolved to its member's handle); keys of other roles must not name one. Problems are EINVALID,
// an unknown member ENOTFOUND.
func (s *Service) CreateKey(ctx context.Context, nk NewKey) (*CreatedKey, error) {
	if !nk.Role.Valid() {
		return nil, plaudit.Errorf(plaudit.EINVALID, "role %q: want one of %s", nk.Role, roleList())
	}
	if err := checkKeyName(nk.Name); err != nil {
		return nil, err
	}
	k := &Key{Name: nk.Name, Role: nk.Role, Created: s.actionTime(), CreatedBy: nk.By}
	switch {
	case nk.Role == plaudit.RoleMember && nk.Member == "":
		return nil, plaudit.Errorf(plaudit.EINVALID, "a member key must name its member (--member HANDLE)")
	case nk.Role != plaudit.RoleMember && nk.Member != "":
		return nil, plaudit.Errorf(plaudit.EINVALID, "only a member key names a member; a %s key acts for no member", nk.Role)
	case nk.Member != "":
		dir, err := s.directory(ctx)
		if err != nil {
			return nil, fmt.Errorf("create key: %w", err)
		}
		m, err := findMember(dir, nk.Member)
		if err != nil {
			return nil, err
		}
		k.Member = m.Handle
	}
	var raw [keyBytes]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return nil, fmt.Errorf("create key: random bytes: %w", err)
	}
	secret := plaudit.KeyPrefix + base64.RawURLEncoding.EncodeToString(raw[:])
	k.Hash = HashKey(secret)
	if err := s.store.CreateKey(ctx, k); err != nil {
		return nil, fmt.Errorf("create key: %w", err)
	}
	s.log.Info("API key created", "id", k.ID, "name", k.Name, "role", k.Role, "member", k.Member, "by", k.CreatedBy)
	return &CreatedKey{Key: k, Secret: secret}, nil
}

func checkKeyName(name string) error {
	if !utf8.ValidString(name) || utf8.RuneCountInString(name) > maxKeyName {
		return plaudit.Errorf(plaudit.EINVALID, "key name: want at most %d characters of valid UTF-8", maxKeyName)
	}
	for _, r := range name {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
			return plaudit.Errorf(plaudit.EINVALID, "key name: no control or bidirectional-override characters (found %U)", r)
		}
	}
	return nil
}

func roleList() string {
	names := make([]string, len(plaudit.Roles))
	for i, r := range plaudit.Roles {
		names[i] = string(r)
	}
	return strings.Join(names, ", ")
}

// Keys returns every API key, revoked ones included, by id; never a secret.
func (s *Service) Keys(ctx context.Context) ([]*Key, error) {
	keys, err := s.store.Keys(ctx)
	if err != nil {
		return nil, fmt.Errorf("list keys: %w", err)
	}
	return keys, nil
}

// HasKeys reports whether any API key was ever created (revoked ones count: a server that had keys never
// falls back to answering without one).
func (s *Service) HasKeys(ctx context.Context) (bool, error) {
	keys, err := s.Keys(ctx)
	if err != nil {
		return false, err
	}
	return len(keys) > 0, nil
}

// RevokeKey revokes the key with the given id at once and for good, and returns it; an unknown id is
// ENOTFOUND. Revoking a revoked key changes nothing.
func (s *Service) RevokeKey(ctx context.Context, id int64) (*Key, error) {
	k, err := s.store.RevokeKey(ctx, id, s.actionTime())
	if err != nil {
		return nil, fmt.Errorf("revoke key %d: %w", id, err)
	}
	s.log.Info("API key revoked", "id", k.ID, "name", k.Name, "role", k.Role)
	return k, nil
}

// Authenticate returns the active key whose secret is token and records its use (at most once a minute).
// An unknown, malformed or revoked key is EUNAUTHORIZED; the token never appears in an error.
func (s *Service) Authenticate(ctx context.Context, token string) (*Key, error) {
	if !strings.HasPrefix(token, plaudit.KeyPrefix) || len(token) > 256 {
		return nil, plaudit.Errorf(plaudit.EUNAUTHORIZED, "invalid API key")
	}
	hash := HashKey(token)
	k, err := s.store.KeyByHash(ctx, hash)
	if plaudit.ErrorCode(err) == plaudit.ENOTFOUND {
		return nil, plaudit.Errorf(plaudit.EUNAUTHORIZED, "invalid API key")
	} else if err != nil {
		return nil, fmt.Errorf("authenticate: %w", err)
	}
	if subtle.ConstantTimeCompare(k.Hash, hash) != 1 {
		return nil, plaudit.Errorf(plaudit.EUNAUTHORIZED, "invalid API key")
	}
	if !k.Active() {
		return nil, plaudit.Errorf(plaudit.EUNAUTHORIZED, "API key %d was revoked", k.ID)
	}
	if now := s.now().UTC(); now.Sub(k.LastUsed) >= time.Minute {
		// The store writes at most once a minute per key even when requests race here.
		if err := s.store.TouchKey(ctx, k.ID, now); err != nil {
			s.log.Warn("record an API key's use", "id", k.ID, "err", err)
		} else {
			k.LastUsed = now
		}
	}
	return k, nil
}
