package payout

import "math/big"

// The EIP-712 encoding helpers, exported for other typed data than Permit2's (the witnesses' attestations,
// package witness), so that there is one implementation of each ABI word and of the digest.

// Uint256Word is the ABI encoding of a uint256: v big-endian in 32 bytes. v must fit (checkUint256).
func Uint256Word(v *big.Int) [32]byte { return word32(v) }

// AddressWord is the ABI encoding of an address: left-padded to 32 bytes.
func AddressWord(a Address) [32]byte { return addressWord(a) }

// TypedDataDigest is the EIP-712 digest keccak256("\x19\x01" || domainSeparator || structHash): what a key
// signs and what ecrecover is given on chain.
func TypedDataDigest(domainSeparator, structHash Hash) Hash {
	return keccak256([]byte{0x19, 0x01}, domainSeparator[:], structHash[:])
}

// CheckUint256 reports whether v fits an ABI uint256 (not nil, not negative, below 2^256), naming it name.
func CheckUint256(name string, v *big.Int) error { return checkUint256(name, v) }
