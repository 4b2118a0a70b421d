package service

import (
	"context"
	"crypto/subtle"
	"fmt"

	"github.com/plaudit/plaudit"
)

// ActiveKey returns the active API key whose SHA-256 hash is hash (HashKey of its secret): how a web
// session, which keeps the hash of the key it was opened with and never the key, checks on every request
// that the key was not revoked since. An unknown or revoked key is EUNAUTHORIZED.
func (s *Service) ActiveKey(ctx context.Context, hash []byte) (*Key, error) {
	k, err := s.store.KeyByHash(ctx, hash)
	if plaudit.ErrorCode(err) == plaudit.ENOTFOUND {
		return nil, plaudit.Errorf(plaudit.EUNAUTHORIZED, "unknown API key")
	} else if err != nil {
		return nil, fmt.Errorf("read API key: %w", err)
	}
	if subtle.ConstantTimeCompare(k.Hash, hash) != 1 {
		return nil, plaudit.Errorf(plaudit.EUNAUTHORIZED, "unknown API key")
	}
	if !k.Active() {
		return nil, plaudit.Errorf(plaudit.EUNAUTHORIZED, "API key %d was revoked", k.ID)
	}
	return k, nil
}
