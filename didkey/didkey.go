// Package didkey parses and formats Ed25519 did:key identifiers (W3C CCG did:key method,
// https://w3c-ccg.github.io/did-method-key/) and checks detached Ed25519 signatures made with them.
//
// A did:key for an Ed25519 public key is "did:key:" followed by the key's multibase form: "z" (base58btc,
// the Bitcoin alphabet) over the multicodec prefix 0xed 0x01 (ed25519-pub as an unsigned varint) and the
// 32-byte key. Every such identifier therefore begins "did:key:z6Mk". Parse accepts exactly that form and
// nothing looser (no other multibase, codec, key length, fragment or leading zeros beyond the bytes), so that
// one key has one identifier and comparing identifiers as strings compares keys.
//
// The package is pure: it imports only the standard library.
package didkey

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// Prefix is what every did:key identifier begins with.
const Prefix = "did:key:"

// MaxLen bounds the identifiers Parse reads: an Ed25519 did:key is 56 bytes, and anything much longer is
// refused before any arithmetic.
const MaxLen = 128

// multicodec ed25519-pub, as the varint that precedes the key.
var ed25519Codec = []byte{0xed, 0x01}

const alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

var alphabetIndex = func() (idx [256]int8) {
	for i := range idx {
		idx[i] = -1
	}
	for i := 0; i < len(alphabet); i++ {
		idx[alphabet[i]] = int8(i)
	}
	return idx
}()

// Format returns the did:key identifier of an Ed25519 public key. It panics when pub is not 32 bytes, as a
// key of another length is a programming error, not input.
func Format(pub ed25519.PublicKey) string {
	if len(pub) != ed25519.PublicKeySize {
		panic(fmt.Sprintf("didkey: Ed25519 public key of %d bytes", len(pub)))
	}
	return Prefix + "z" + encodeBase58(append(append([]byte{}, ed25519Codec...), pub...))
}

// Parse reads an Ed25519 did:key identifier and returns its public key. Its errors say what is wrong with
// the identifier (the caller names where it came from).
func Parse(did string) (ed25519.PublicKey, error) {
	if len(did) > MaxLen {
		return nil, fmt.Errorf("did:key too long: %d bytes, an Ed25519 did:key has 56", len(did))
	}
	rest, ok := strings.CutPrefix(did, Prefix)
	if !ok {
		return nil, errors.New(`want a did:key identifier beginning "did:key:"`)
	}
	if rest == "" {
		return nil, errors.New("did:key: missing the multibase key after \"did:key:\"")
	}
	if rest[0] != 'z' {
		return nil, fmt.Errorf("did:key: multibase prefix %q: want \"z\" (base58btc)", rest[:1])
	}
	raw, err := decodeBase58(rest[1:])
	if err != nil {
		return nil, fmt.Errorf("did:key: %w", err)
	}
	if len(raw) < len(ed25519Codec) || raw[0] != ed25519Codec[0] || raw[1] != ed25519Codec[1] {
		return nil, errors.New("did:key: not an Ed25519 key (want the multicodec prefix 0xed 0x01, ed25519-pub)")
	}
	if n := len(raw) - len(ed25519Codec); n != ed25519.PublicKeySize {
		return nil, fmt.Errorf("did:key: Ed25519 key of %d bytes, want %d", n, ed25519.PublicKeySize)
	}
	return ed25519.PublicKey(raw[len(ed25519Codec):]), nil
}

// Verify reports whether sig is a valid Ed25519 signature of msg by the key that did names. A malformed
// did or a signature of the wrong length is an error; a well-formed signature that does not verify is
// (false, nil).
func Verify(did string, msg, sig []byte) (bool, error) {
	pub, err := Parse(did)
	if err != nil {
		return false, err
	}
	if len(sig) != ed25519.SignatureSize {
		return false, fmt.Errorf("signature of %d bytes, want %d", len(sig), ed25519.SignatureSize)
	}
	return ed25519.Verify(pub, msg, sig), nil
}

var big58 = big.NewInt(58)

// encodeBase58 encodes b in base58btc: each leading zero byte is a '1', the rest is the big-endian number.
func encodeBase58(b []byte) string {
	zeros := 0
	for zeros < len(b) && b[zeros] == 0 {
		zeros++
	}
	n := new(big.Int).SetBytes(b)
	var out []byte
	mod := new(big.Int)
	for n.Sign() > 0 {
		n.DivMod(n, big58, mod)
		out = append(out, alphabet[mod.Int64()])
	}
	for i := 0; i < zeros; i++ {
		out = append(out, '1')
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return string(out)
}

// decodeBase58 decodes base58btc, refusing characters outside the alphabet.
func decodeBase58(s string) ([]byte, error) {
	if s == "" {
		return nil, errors.New("empty base58btc key")
	}
	n := new(big.Int)
	zeros := 0
	for zeros < len(s) && s[zeros] == '1' {
		zeros++
	}
	for i := 0; i < len(s); i++ {
		d := alphabetIndex[s[i]]
		if d < 0 {
			return nil, fmt.Errorf("character %q at %d is not base58btc", s[i], i)
		}
		n.Mul(n, big58)
		n.Add(n, big.NewInt(int64(d)))
	}
	return append(make([]byte, zeros), n.Bytes()...), nil
}
