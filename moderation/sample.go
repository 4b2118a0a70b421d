package moderation

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"sort"

	"github.com/plaudit/plaudit"
)

// SampleRank is the rank of an event key in an audit draw from seed: the hex SHA-256 of the seed, a NUL
// byte and the key. Anyone with the published seed and the list of rewarded events can recompute it.
func SampleRank(seed, key string) string {
	h := sha256.Sum256([]byte(seed + "\x00" + key))
	return hex.EncodeToString(h[:])
}

// AuditSeed returns the seed an epoch's audit is drawn from, and which field of the closed epoch it is:
// the Merkle root of its payouts ("root"), or the digest of its allocation lines ("digest") when nothing
// was paid and there is no root. Both are fixed when the epoch closes, after every rewarded event was made,
// so nobody can compute in advance whether an event will be drawn. An open epoch has no seed (ECONFLICT).
func AuditSeed(ep *plaudit.Epoch) (seed, from string, err error) {
	switch {
	case ep == nil || ep.ClosedAt.IsZero() && ep.Digest == "":
		return "", "", plaudit.Errorf(plaudit.ECONFLICT, "audit: the epoch is not closed: its seed (the Merkle root fixed at close) does not exist yet")
	case ep.Root != "":
		return ep.Root, "root", nil
	case ep.Digest != "":
		return ep.Digest, "digest", nil
	}
	return "", "", plaudit.Errorf(plaudit.ECONFLICT, "audit %s: the closed epoch has neither a Merkle root nor a digest to seed the draw", ep.ID)
}

// Sample draws an audit sample from seed (AuditSeed) and the rewarded event keys: it ranks each distinct
// key by SampleRank and returns the n lowest, in rank order. The draw is deterministic — the same seed and
// the same rewarded events always give the same sample, whatever their order — and unpredictable before the
// seed exists. It is the whole algorithm:
//
//	sort keys by hex(sha256(seed + "\x00" + key)) ascending; take the first n.
func Sample(seed string, rewarded []string, n int) []string {
	type ranked struct {
		key  string
		rank [sha256.Size]byte // byte order is the order of the hex text
	}
	seen := make(map[string]bool, len(rewarded))
	rs := make([]ranked, 0, len(rewarded))
	buf := make([]byte, 0, len(seed)+64)
	for _, k := range rewarded {
		if !seen[k] {
			seen[k] = true
			buf = append(append(append(buf[:0], seed...), 0), k...)
			rs = append(rs, ranked{k, sha256.Sum256(buf)})
		}
	}
	sort.Slice(rs, func(i, j int) bool { return bytes.Compare(rs[i].rank[:], rs[j].rank[:]) < 0 })
	n = max(0, min(n, len(rs)))
	out := make([]string, n)
	for i := range out {
		out[i] = rs[i].key
	}
	return out
}

// SampleSize is the size of a sample at rate (ppm) out of total: rate × total rounded up, so that any
// positive rate audits at least one event of a non-empty epoch.
func SampleSize(total int, rate plaudit.Ratio) int {
	if total <= 0 || rate <= 0 {
		return 0
	}
	if rate >= plaudit.One {
		return total
	}
	return int((int64(total)*int64(rate) + int64(plaudit.One) - 1) / int64(plaudit.One))
}

// AuditEntry is one sampled event of an epoch's audit queue, and AuditStatus where it stands; both live in
// the root package so that stores keep them.
type (
	AuditEntry  = plaudit.AuditEntry
	AuditStatus = plaudit.AuditStatus
)
