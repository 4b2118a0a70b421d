// Package payout turns an epoch's settled amounts into payouts that anyone can check: an OpenZeppelin-compatible
// Merkle distribution (a root to publish, a proof per member), Permit2 PermitTransferFrom claims signed with
// EIP-712, and the handling of the signing key (from the environment or from a libsodium sealed box bound to
// one owner, as in the Ubiquity seed).
//
// Everything here is deterministic: the same (address, amount) set gives the same root in any input order, the
// same claim gives the same nonce and, through RFC 6979, the same signature. Amounts are uint256 base units held
// in math/big; nothing here touches a float.
package payout

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"math/big"
	"strings"

	"golang.org/x/crypto/sha3"
)

// Address is a 20-byte Ethereum address.
type Address [20]byte

// String returns the address in its EIP-55 mixed-case checksum form, the form wallets and explorers show.
func (a Address) String() string { return string(a.appendChecksum(newHasher(), make([]byte, 0, 42))) }

// appendChecksum appends the EIP-55 form of a to dst using k, for writers of many addresses.
func (a Address) appendChecksum(k *hasher, dst []byte) []byte {
	var lower [40]byte
	hex.Encode(lower[:], a[:])
	var h Hash
	k.sum(&h, lower[:])
	dst = append(dst, '0', 'x')
	for i, c := range lower {
		nibble := h[i/2]
		if i%2 == 0 {
			nibble >>= 4
		}
		if c >= 'a' && nibble&0xf >= 8 {
			c -= 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// appendHex appends h as 0x-hex to dst.
func (h Hash) appendHex(dst []byte) []byte {
	return hex.AppendEncode(append(dst, '0', 'x'), h[:])
}

// MarshalText encodes the address in checksum form, so that JSON documents carry what wallets display.
func (a Address) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText parses an address with ParseAddress.
func (a *Address) UnmarshalText(b []byte) error {
	v, err := ParseAddress(string(b))
	if err != nil {
		return err
	}
	*a = v
	return nil
}

// ParseAddress parses "0x" followed by 40 hex digits. All-lower and all-upper case are accepted as they are;
// mixed case must be a valid EIP-55 checksum, because a mixed-case address with a wrong checksum is a typo.
func ParseAddress(s string) (Address, error) {
	var a Address
	if len(s) != 42 || (s[:2] != "0x" && s[:2] != "0X") {
		return a, fmt.Errorf("address %q: want 0x followed by 40 hex digits", clip(s))
	}
	body := s[2:]
	if _, err := hex.Decode(a[:], []byte(body)); err != nil {
		return Address{}, fmt.Errorf("address %q: not hex", clip(s))
	}
	if body != strings.ToLower(body) && body != strings.ToUpper(body) && a.String()[2:] != body {
		return Address{}, fmt.Errorf("address %q: bad EIP-55 checksum (want %s)", s, a.String())
	}
	return a, nil
}

// clip shortens untrusted input quoted in an error message.
func clip(s string) string {
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}

// maxUint256 is 2^256 - 1, the largest amount, nonce or deadline Permit2 and the ABI accept.
var maxUint256 = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1))

// MaxUint256 returns 2^256 - 1, the "never expires" deadline Ubiquity's permits use.
func MaxUint256() *big.Int { return new(big.Int).Set(maxUint256) }

// ParseUint256 parses a decimal integer, or a 0x-prefixed hex integer, in [0, 2^256).
func ParseUint256(s string) (*big.Int, error) {
	if s == "" {
		return nil, fmt.Errorf("empty number")
	}
	digits, base := s, 10
	if len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X") {
		digits, base = s[2:], 16
	}
	if len(digits) > 80 {
		return nil, fmt.Errorf("number %q: more than 256 bits", clip(s))
	}
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		ok := c >= '0' && c <= '9'
		if base == 16 {
			ok = ok || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
		}
		if !ok {
			if base == 10 {
				return nil, fmt.Errorf("number %q: want a decimal integer (base units, no sign, point or exponent)", clip(s))
			}
			return nil, fmt.Errorf("number %q: not hex", clip(s))
		}
	}
	v, ok := new(big.Int).SetString(digits, base)
	if !ok {
		return nil, fmt.Errorf("number %q: not an integer", clip(s))
	}
	if v.Cmp(maxUint256) > 0 {
		return nil, fmt.Errorf("number %q: more than 2^256-1", clip(s))
	}
	return v, nil
}

// checkUint256 reports whether v fits an ABI uint256.
func checkUint256(name string, v *big.Int) error {
	if v == nil {
		return fmt.Errorf("%s: missing", name)
	}
	if v.Sign() < 0 {
		return fmt.Errorf("%s: negative", name)
	}
	if v.Cmp(maxUint256) > 0 {
		return fmt.Errorf("%s: more than 2^256-1", name)
	}
	return nil
}

// Hash is a 32-byte Keccak-256 digest: a Merkle node, a leaf, a root, an EIP-712 digest.
type Hash [32]byte

// String returns the hash as 0x-prefixed lower-case hex.
func (h Hash) String() string { return "0x" + hex.EncodeToString(h[:]) }

// MarshalText encodes the hash as 0x-hex.
func (h Hash) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalText parses a hash with ParseHash.
func (h *Hash) UnmarshalText(b []byte) error {
	v, err := ParseHash(string(b))
	if err != nil {
		return err
	}
	*h = v
	return nil
}

// ParseHash parses "0x" followed by 64 hex digits.
func ParseHash(s string) (Hash, error) {
	var h Hash
	if len(s) != 66 || (s[:2] != "0x" && s[:2] != "0X") {
		return h, fmt.Errorf("hash %q: want 0x followed by 64 hex digits", clip(s))
	}
	if _, err := hex.Decode(h[:], []byte(s[2:])); err != nil {
		return Hash{}, fmt.Errorf("hash %q: not hex", clip(s))
	}
	return h, nil
}

// keccak256 is Ethereum's Keccak-256 (the original Keccak padding, not FIPS SHA3-256).
func keccak256(parts ...[]byte) Hash {
	k := sha3.NewLegacyKeccak256()
	for _, p := range parts {
		k.Write(p)
	}
	var h Hash
	k.Sum(h[:0])
	return h
}

// Keccak256 returns Ethereum's Keccak-256 of the concatenated parts.
func Keccak256(parts ...[]byte) Hash { return keccak256(parts...) }

// hasher is a reusable Keccak-256 state for hot loops: building a million-leaf tree allocates nothing per node.
type hasher struct {
	k   hash.Hash
	r   io.Reader // k's squeeze side: reading the digest, unlike Sum, does not copy the state
	buf [64]byte
}

func newHasher() *hasher {
	k := sha3.NewLegacyKeccak256()
	return &hasher{k: k, r: k.(io.Reader)}
}

// sum hashes b into out.
func (h *hasher) sum(out *Hash, b []byte) {
	h.k.Reset()
	h.k.Write(b)
	h.r.Read(out[:])
}

// pair is OpenZeppelin's commutative node hash: keccak256 of the two children in ascending byte order.
func (h *hasher) pair(out *Hash, a, b *Hash) {
	if cmpHash(a, b) <= 0 {
		copy(h.buf[:32], a[:])
		copy(h.buf[32:], b[:])
	} else {
		copy(h.buf[:32], b[:])
		copy(h.buf[32:], a[:])
	}
	h.sum(out, h.buf[:])
}

// cmpHash compares hashes as big-endian unsigned integers (byte-wise), as OpenZeppelin's compare does.
func cmpHash(a, b *Hash) int {
	for i := 0; i < 32; i += 8 {
		x, y := binary.BigEndian.Uint64(a[i:]), binary.BigEndian.Uint64(b[i:])
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

// word32 left-pads v into a 32-byte ABI word. v must be in [0, 2^256).
func word32(v *big.Int) (w [32]byte) {
	v.FillBytes(w[:])
	return w
}

// addressWord left-pads an address into a 32-byte ABI word.
func addressWord(a Address) (w [32]byte) {
	copy(w[12:], a[:])
	return w
}
