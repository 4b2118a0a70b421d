package plaudit

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"sort"
)

// TrustValue is one member's raw EigenTrust global trust in an epoch's committed reputation vector, kept as
// the bits of its float64 so that it is stored, sent and hashed exactly (no decimal rounding).
type TrustValue struct {
	Member string `json:"member"`
	Bits   uint64 `json:"trust_bits"`
}

// SortTrust sorts vs by member id: the canonical order of a committed reputation vector.
func SortTrust(vs []TrustValue) {
	sort.Slice(vs, func(i, j int) bool { return vs[i].Member < vs[j].Member })
}

// ReputationHash is the commitment to an epoch's reputation vector: the SHA-256 (hex) of, for each value in
// member id order, the id's length (4 bytes, big-endian), the id, and the trust's float64 bits (8 bytes,
// big-endian). The length prefix makes the encoding unambiguous. vs is not modified; it need not be sorted.
// A witness that is given the vector checks it against the hash before checking it by one EigenTrust
// iteration (reputation.CheckFixedPoint).
func ReputationHash(vs []TrustValue) string {
	sorted := append([]TrustValue(nil), vs...)
	SortTrust(sorted)
	h := sha256.New()
	var buf [8]byte
	for _, v := range sorted {
		binary.BigEndian.PutUint32(buf[:4], uint32(len(v.Member)))
		h.Write(buf[:4])
		h.Write([]byte(v.Member))
		binary.BigEndian.PutUint64(buf[:], v.Bits)
		h.Write(buf[:])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// EpochReputationStore is implemented by stores that keep the committed reputation vector of epochs
// (EpochClose.Reputation): what verify and witnesses check an epoch's Epoch.ReputationHash against.
type EpochReputationStore interface {
	// EpochReputation returns the committed vector of epoch, by member id; empty when none was committed.
	EpochReputation(ctx context.Context, epoch string) ([]TrustValue, error)
}
