package payout

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/curve25519"
	"golang.org/x/crypto/nacl/box"

	"github.com/plaudit/plaudit"
)

// Sealed keys follow the Ubiquity seed (conversation-rewards' evmPrivateEncrypted): the plaintext
// "KEY:OWNER_ID" or "KEY:OWNER_ID:REPO_ID" (KEY a secp256k1 key in hex, OWNER_ID the GitHub organization or
// user id, REPO_ID a repository id) is sealed with libsodium's crypto_box_seal to the operator's X25519 public
// key, and the ciphertext and X25519 keys are written in URL-safe base64 without padding. Binding the key to
// an owner (and optionally a repository) means a leaked ciphertext cannot pay from the partner's wallet in
// anyone else's organization: the box opens anywhere the X25519 key is, but the key inside refuses to sign
// for another owner.

// decodeBase64 reads libsodium's URLSAFE_NO_PADDING form, and for convenience the padded and standard forms.
func decodeBase64(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.RawURLEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.StdEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, fmt.Errorf("not base64")
}

// x25519Key decodes an X25519 private key and derives its public key (the scalar base multiple).
func x25519Key(privateKey string) (priv, pub *[32]byte, err error) {
	b, err := decodeBase64(privateKey)
	if err != nil || len(b) != 32 {
		clear(b)
		return nil, nil, plaudit.Errorf(plaudit.EINVALID, "X25519 private key: want 32 bytes in URL-safe base64")
	}
	priv = new([32]byte)
	copy(priv[:], b)
	clear(b)
	p, err := curve25519.X25519(priv[:], curve25519.Basepoint)
	if err != nil {
		clear(priv[:])
		return nil, nil, plaudit.Errorf(plaudit.EINVALID, "X25519 private key: %v", err)
	}
	pub = new([32]byte)
	copy(pub[:], p)
	return priv, pub, nil
}

// X25519PublicKey returns the public key, in URL-safe base64 without padding, of an X25519 private key: what an
// operator publishes so that partners can seal their keys to it.
func X25519PublicKey(privateKey string) (string, error) {
	priv, pub, err := x25519Key(privateKey)
	if err != nil {
		return "", err
	}
	clear(priv[:])
	return base64.RawURLEncoding.EncodeToString(pub[:]), nil
}

// OpenSealedBox opens a libsodium crypto_box_seal ciphertext (ephemeral public key, then the box) with the
// recipient's X25519 private key. The caller should clear the returned plaintext when done.
func OpenSealedBox(sealed []byte, priv, pub *[32]byte) ([]byte, error) {
	if len(sealed) < box.AnonymousOverhead {
		return nil, plaudit.Errorf(plaudit.EINVALID, "sealed box: %d bytes is shorter than the %d-byte overhead", len(sealed), box.AnonymousOverhead)
	}
	msg, ok := box.OpenAnonymous(nil, sealed, pub, priv)
	if !ok {
		return nil, plaudit.Errorf(plaudit.EINVALID, "sealed box: cannot open (wrong X25519 key, or the ciphertext is damaged)")
	}
	return msg, nil
}

// SealedKeyBinding is who a sealed key may sign for.
type SealedKeyBinding struct {
	OwnerID int64 // GitHub organization or user id
	RepoID  int64 // repository id, 0 when the key may be used in every repository of the owner
}

// OpenSealedKey opens a sealed signing key (URL-safe base64) with the operator's X25519 private key (URL-safe
// base64) and returns a Signer, if and only if the key is bound to ownerID, and, when bound to a repository,
// to repoID. A key bound to another owner or repository, or to nobody, is refused with plaudit.EFORBIDDEN.
// No error or log line ever contains the key, the plaintext or the X25519 private key.
func OpenSealedKey(sealed, x25519PrivateKey string, ownerID, repoID int64) (*Signer, error) {
	priv, pub, err := x25519Key(x25519PrivateKey)
	if err != nil {
		return nil, err
	}
	defer clear(priv[:])
	ct, err := decodeBase64(sealed)
	if err != nil {
		return nil, plaudit.Errorf(plaudit.EINVALID, "sealed key: ciphertext is not URL-safe base64")
	}
	plain, err := OpenSealedBox(ct, priv, pub)
	if err != nil {
		return nil, err
	}
	defer clear(plain)
	signer, bound, err := parseSealedPlaintext(plain)
	if err != nil {
		return nil, err
	}
	if bound.OwnerID != ownerID {
		signer.Destroy()
		return nil, plaudit.Errorf(plaudit.EFORBIDDEN, "signing key is bound to owner %d and may not be used by owner %d", bound.OwnerID, ownerID)
	}
	if bound.RepoID != 0 && bound.RepoID != repoID {
		signer.Destroy()
		return nil, plaudit.Errorf(plaudit.EFORBIDDEN, "signing key is bound to repository %d of owner %d and may not be used in repository %d", bound.RepoID, bound.OwnerID, repoID)
	}
	return signer, nil
}

// parseSealedPlaintext splits "KEY:OWNER_ID[:REPO_ID]". A bare KEY is refused: Ubiquity accepts it only for its
// own organizations, for backwards compatibility, and Plaudit has no such past.
func parseSealedPlaintext(plain []byte) (*Signer, SealedKeyBinding, error) {
	var b SealedKeyBinding
	parts := bytes.Split(bytes.TrimSpace(plain), []byte(":"))
	switch {
	case len(parts) == 1:
		return nil, b, plaudit.Errorf(plaudit.EFORBIDDEN, "sealed key is not bound to an owner: seal KEY:OWNER_ID or KEY:OWNER_ID:REPO_ID")
	case len(parts) > 3:
		return nil, b, plaudit.Errorf(plaudit.EINVALID, "sealed key: want KEY:OWNER_ID or KEY:OWNER_ID:REPO_ID, got %d fields", len(parts))
	}
	id := func(field string, v []byte) (int64, error) {
		n, err := strconv.ParseInt(string(v), 10, 64)
		if err != nil || n <= 0 {
			return 0, plaudit.Errorf(plaudit.EINVALID, "sealed key: %s is not a positive integer", field)
		}
		return n, nil
	}
	var err error
	if b.OwnerID, err = id("OWNER_ID", parts[1]); err != nil {
		return nil, b, err
	}
	if len(parts) == 3 {
		if b.RepoID, err = id("REPO_ID", parts[2]); err != nil {
			return nil, b, err
		}
	}
	signer, err := signerFromHex(parts[0])
	if err != nil {
		return nil, b, fmt.Errorf("sealed key: %w", err)
	}
	return signer, b, nil
}

// SealKey seals "KEY:OWNER_ID[:REPO_ID]" to an X25519 public key (URL-safe base64) with crypto_box_seal and
// returns the ciphertext in URL-safe base64 without padding, the form Ubiquity's evmPrivateEncrypted takes. A
// repoID of 0 binds the key to the owner only.
func SealKey(hexKey string, bind SealedKeyBinding, recipientPublicKey string) (string, error) {
	if bind.OwnerID <= 0 || bind.RepoID < 0 {
		return "", plaudit.Errorf(plaudit.EINVALID, "seal key: owner id must be positive and repository id not negative")
	}
	s, err := NewSigner(hexKey)
	if err != nil {
		return "", err
	}
	s.Destroy()
	pb, err := decodeBase64(recipientPublicKey)
	if err != nil || len(pb) != 32 {
		return "", plaudit.Errorf(plaudit.EINVALID, "seal key: X25519 public key: want 32 bytes in URL-safe base64")
	}
	var pub [32]byte
	copy(pub[:], pb)
	plain := []byte(strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(hexKey), "0x"), "0X") + ":" + strconv.FormatInt(bind.OwnerID, 10))
	if bind.RepoID != 0 {
		plain = append(plain, ":"+strconv.FormatInt(bind.RepoID, 10)...)
	}
	defer clear(plain)
	ct, err := box.SealAnonymous(nil, plain, &pub, rand.Reader)
	if err != nil {
		return "", plaudit.Errorf(plaudit.EINTERNAL, "seal key: %v", err)
	}
	return base64.RawURLEncoding.EncodeToString(ct), nil
}
