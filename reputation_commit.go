package plaudit

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"sort"
	"time"
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

// ReputationHash is the commitment to an epoch's reputation vector: the SHA-256 (hex) of its encoding
// (EncodeTrust): for each value in member id order, the id's length (4 bytes, big-endian), the id, and the
// trust's float64 bits (8 bytes, big-endian). The length prefix makes the encoding unambiguous. vs is not
// modified; it need not be sorted. A witness that is given the vector checks it against the hash before
// checking it by one EigenTrust iteration (reputation.CheckFixedPoint).
func ReputationHash(vs []TrustValue) string {
	sum := sha256.Sum256(EncodeTrust(vs))
	return hex.EncodeToString(sum[:])
}

// EncodeTrust encodes a reputation vector exactly, in member id order, as ReputationHash hashes it: what a
// store keeps of a vector it holds in one value. vs is not modified.
func EncodeTrust(vs []TrustValue) []byte {
	sorted := append([]TrustValue(nil), vs...)
	SortTrust(sorted)
	n := 0
	for _, v := range sorted {
		n += 12 + len(v.Member)
	}
	b := make([]byte, 0, n)
	for _, v := range sorted {
		b = binary.BigEndian.AppendUint32(b, uint32(len(v.Member)))
		b = append(b, v.Member...)
		b = binary.BigEndian.AppendUint64(b, v.Bits)
	}
	return b
}

// DecodeTrust reads a vector EncodeTrust wrote, or fails on bytes it did not write.
func DecodeTrust(b []byte) ([]TrustValue, error) {
	var out []TrustValue
	for len(b) > 0 {
		if len(b) < 4 {
			return nil, fmt.Errorf("reputation vector: %d bytes left, want a 4-byte length", len(b))
		}
		n := int(binary.BigEndian.Uint32(b))
		b = b[4:]
		if len(b) < n+8 {
			return nil, fmt.Errorf("reputation vector: a member id of %d bytes and its trust do not fit in the %d bytes left", n, len(b))
		}
		out = append(out, TrustValue{Member: string(b[:n]), Bits: binary.BigEndian.Uint64(b[n:])})
		b = b[n+8:]
	}
	return out, nil
}

// ScoreReputationStore is implemented by stores that keep the reputation vector a whole-history rescore
// weighed each epoch's scores with, and the log position (through seq) of that rescore. An epoch close of a
// log the stored scores are the rescore of takes the vector from there instead of computing it again,
// which at a million members means two walks of the log.
type ScoreReputationStore interface {
	// SaveScoreReputation keeps vs as the vector of the epoch starting at start under the policy, computed
	// over the log through seq, replacing what was kept for that epoch.
	SaveScoreReputation(ctx context.Context, policyHash string, start time.Time, through int64, vs []TrustValue) error
	// ScoreReputation returns what SaveScoreReputation kept for the epoch, or an ENOTFOUND error.
	ScoreReputation(ctx context.Context, policyHash string, start time.Time) (vs []TrustValue, through int64, err error)
}

// EpochReputationStore is implemented by stores that keep the committed reputation vector of epochs
// (EpochClose.Reputation): what verify and witnesses check an epoch's Epoch.ReputationHash against.
type EpochReputationStore interface {
	// EpochReputation returns the committed vector of epoch, by member id; empty when none was committed.
	EpochReputation(ctx context.Context, epoch string) ([]TrustValue, error)
}
