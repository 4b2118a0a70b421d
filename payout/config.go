package payout

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/plaudit/plaudit"
)

// The environment variables a signing key comes from.
const (
	EnvSignerKey    = "PLAUDIT_SIGNER_KEY"         // 0x-hex secp256k1 key, for an operator signing by hand
	EnvSignerSealed = "PLAUDIT_SIGNER_SEALED"      // a sealed box holding KEY:OWNER_ID[:REPO_ID], URL-safe base64
	EnvX25519Key    = "PLAUDIT_X25519_PRIVATE_KEY" // the X25519 key that opens it, URL-safe base64
	EnvOwnerID      = "PLAUDIT_OWNER_ID"           // who is signing: the owner id the sealed key must be bound to
	EnvRepoID       = "PLAUDIT_REPO_ID"            // and the repository id, when the key is bound to one
)

// SignerConfig says where the signing key comes from: a plain key, or a sealed key with the X25519 key that
// opens it and the owner (and repository) on whose behalf it is used. It prints without its secrets.
type SignerConfig struct {
	Key              string // plain key (PLAUDIT_SIGNER_KEY)
	Sealed           string // sealed key (PLAUDIT_SIGNER_SEALED, or a policy's evmPrivateEncrypted)
	X25519PrivateKey string // PLAUDIT_X25519_PRIVATE_KEY
	OwnerID          int64  // the owner running the payout
	RepoID           int64  // the repository running the payout, 0 if none
}

// SignerConfigFromEnv reads the PLAUDIT_SIGNER_* variables through getenv (os.Getenv in production, a map in
// tests). Owner and repository ids that are set but not integers are an error.
func SignerConfigFromEnv(getenv func(string) string) (SignerConfig, error) {
	c := SignerConfig{Key: getenv(EnvSignerKey), Sealed: getenv(EnvSignerSealed), X25519PrivateKey: getenv(EnvX25519Key)}
	for _, f := range []struct {
		name string
		dst  *int64
	}{{EnvOwnerID, &c.OwnerID}, {EnvRepoID, &c.RepoID}} {
		v := strings.TrimSpace(getenv(f.name))
		if v == "" {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return c, plaudit.Errorf(plaudit.EINVALID, "%s: want a non-negative integer id", f.name)
		}
		*f.dst = n
	}
	return c, nil
}

// Signer returns the configured Signer: the plain key, or the sealed key if it is bound to OwnerID (and
// RepoID). Setting both, or neither, is an error.
func (c SignerConfig) Signer() (*Signer, error) {
	switch {
	case c.Key != "" && c.Sealed != "":
		return nil, plaudit.Errorf(plaudit.EINVALID, "signing key: set %s or %s, not both", EnvSignerKey, EnvSignerSealed)
	case c.Key != "":
		s, err := NewSigner(c.Key)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", EnvSignerKey, err)
		}
		return s, nil
	case c.Sealed != "":
		if c.X25519PrivateKey == "" {
			return nil, plaudit.Errorf(plaudit.EINVALID, "signing key: %s is set but %s, which opens it, is not", EnvSignerSealed, EnvX25519Key)
		}
		if c.OwnerID <= 0 {
			return nil, plaudit.Errorf(plaudit.EINVALID, "signing key: a sealed key needs the owner id it is used for (%s)", EnvOwnerID)
		}
		return OpenSealedKey(c.Sealed, c.X25519PrivateKey, c.OwnerID, c.RepoID)
	}
	return nil, plaudit.Errorf(plaudit.EINVALID, "no signing key: set %s (0x-hex), or %s with %s and %s", EnvSignerKey, EnvSignerSealed, EnvX25519Key, EnvOwnerID)
}

// String describes the configuration without its secrets.
func (c SignerConfig) String() string {
	set := func(s string) string {
		if s == "" {
			return "unset"
		}
		return redacted
	}
	return fmt.Sprintf("signer config (key %s, sealed %s, x25519 %s, owner %d, repo %d)", set(c.Key), set(c.Sealed), set(c.X25519PrivateKey), c.OwnerID, c.RepoID)
}

// GoString is String, for %#v.
func (c SignerConfig) GoString() string { return c.String() }

// Format implements fmt.Formatter so that every verb prints String, never the fields.
func (c SignerConfig) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(c.String())) }
