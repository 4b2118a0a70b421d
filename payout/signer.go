package payout

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"log/slog"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"

	"github.com/plaudit/plaudit"
)

// Signer holds the secp256k1 key that signs payout claims. It never shows the key: String, GoString, Format,
// LogValue and MarshalText all print "[redacted]", so a Signer passed to fmt, log/slog or encoding/json by
// mistake leaks nothing. The only way to use the key is to sign with it.
type Signer struct {
	key  *secp256k1.PrivateKey
	addr Address
}

// redacted is what a Signer prints instead of its key.
const redacted = "[redacted]"

// NewSigner parses a 32-byte secp256k1 private key written as 64 hex digits, with or without 0x (the form of
// PLAUDIT_SIGNER_KEY and of the key inside Ubiquity's sealed boxes). Its errors never quote the input.
func NewSigner(hexKey string) (*Signer, error) { return signerFromHex([]byte(hexKey)) }

// signerFromHex is NewSigner on bytes, so that a key opened from a sealed box is never copied into an
// immutable (and so uncleared) string.
func signerFromHex(s []byte) (*Signer, error) {
	s = bytes.TrimSpace(s)
	if len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		s = s[2:]
	}
	if len(s) != 64 {
		return nil, plaudit.Errorf(plaudit.EINVALID, "signing key: want 32 bytes as 64 hex digits (got %d characters)", len(s))
	}
	var b [32]byte
	defer clear(b[:])
	if _, err := hex.Decode(b[:], s); err != nil {
		return nil, plaudit.Errorf(plaudit.EINVALID, "signing key: not hex")
	}
	var k secp256k1.ModNScalar
	if overflow := k.SetBytes(&b); overflow != 0 || k.IsZero() {
		k.Zero()
		return nil, plaudit.Errorf(plaudit.EINVALID, "signing key: not a valid secp256k1 private key (zero or not below the curve order)")
	}
	key := secp256k1.NewPrivateKey(&k)
	k.Zero()
	return &Signer{key: key, addr: pubkeyAddress(key.PubKey())}, nil
}

// pubkeyAddress is the Ethereum address of a public key: the last 20 bytes of keccak256(X || Y).
func pubkeyAddress(pub *secp256k1.PublicKey) Address {
	h := keccak256(pub.SerializeUncompressed()[1:])
	var a Address
	copy(a[:], h[12:])
	return a
}

// Address returns the signer's Ethereum address: the owner whose tokens Permit2 moves when a claim is used.
func (s *Signer) Address() Address { return s.addr }

// Signature is an Ethereum signature r || s || v, 65 bytes, v = 27 or 28, s in the lower half of the curve
// order (as ecrecover and OpenZeppelin's ECDSA require).
type Signature [65]byte

// String returns the signature as 0x-hex, the form Permit2's permitTransferFrom takes.
func (sig Signature) String() string { return "0x" + hex.EncodeToString(sig[:]) }

// MarshalText encodes the signature as 0x-hex.
func (sig Signature) MarshalText() ([]byte, error) { return []byte(sig.String()), nil }

// UnmarshalText parses a signature with ParseSignature.
func (sig *Signature) UnmarshalText(b []byte) error {
	v, err := ParseSignature(string(b))
	if err != nil {
		return err
	}
	*sig = v
	return nil
}

// ParseSignature parses 0x followed by 130 hex digits (r, s, v). v may be 27/28 or 0/1.
func ParseSignature(s string) (Signature, error) {
	var sig Signature
	if len(s) != 132 || (s[:2] != "0x" && s[:2] != "0X") {
		return sig, fmt.Errorf("signature: want 0x followed by 130 hex digits")
	}
	if _, err := hex.Decode(sig[:], []byte(s[2:])); err != nil {
		return Signature{}, fmt.Errorf("signature: not hex")
	}
	if sig[64] < 27 {
		sig[64] += 27
	}
	if sig[64] != 27 && sig[64] != 28 {
		return Signature{}, fmt.Errorf("signature: v must be 27 or 28")
	}
	return sig, nil
}

// SignHash signs a 32-byte digest (an EIP-712 digest, never a raw message) with RFC 6979 deterministic nonces:
// the same key and digest always give the same signature, which is what lets an epoch's claims be signed twice
// and compared byte for byte.
func (s *Signer) SignHash(digest Hash) (Signature, error) {
	if s == nil || s.key == nil {
		return Signature{}, plaudit.Errorf(plaudit.EINVALID, "sign: no signing key (destroyed or never loaded)")
	}
	compact := ecdsa.SignCompact(s.key, digest[:], false) // <27+recid><r><s>, low s
	var sig Signature
	recid := compact[0] - 27
	if recid > 1 {
		// r overflowed the curve order: probability ~2^-128, and Ethereum's v cannot say it.
		return sig, plaudit.Errorf(plaudit.EINTERNAL, "sign: recovery id %d has no Ethereum form", recid)
	}
	copy(sig[:64], compact[1:])
	sig[64] = 27 + recid
	return sig, nil
}

// RecoverAddress returns the address whose key produced sig over digest, as ecrecover does on chain.
func RecoverAddress(digest Hash, sig Signature) (Address, error) {
	if sig[64] != 27 && sig[64] != 28 {
		return Address{}, fmt.Errorf("recover: v must be 27 or 28")
	}
	var compact [65]byte
	compact[0] = sig[64]
	copy(compact[1:], sig[:64])
	pub, _, err := ecdsa.RecoverCompact(compact[:], digest[:])
	if err != nil {
		return Address{}, fmt.Errorf("recover: %w", err)
	}
	return pubkeyAddress(pub), nil
}

// Destroy overwrites the key in memory. The Signer cannot sign afterwards.
func (s *Signer) Destroy() {
	if s.key != nil {
		s.key.Zero()
		s.key = nil
	}
}

// String implements fmt.Stringer without the key.
func (s *Signer) String() string { return redacted }

// GoString implements fmt.GoStringer without the key, for %#v.
func (s *Signer) GoString() string { return redacted }

// Format implements fmt.Formatter: every verb (%v, %+v, %#v, %s, %x, %q…) prints "[redacted]".
func (s *Signer) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(redacted)) }

// LogValue implements slog.LogValuer so that a Signer logged by log/slog shows only its public address.
func (s *Signer) LogValue() slog.Value {
	return slog.GroupValue(slog.String("key", redacted), slog.String("address", s.addr.String()))
}

// MarshalText implements encoding.TextMarshaler so that JSON, YAML and text encoders print no key.
func (s *Signer) MarshalText() ([]byte, error) { return []byte(redacted), nil }
