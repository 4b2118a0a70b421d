package moderation

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"sort"

	"github.com/plaudit/plaudit"
)

// SampleRank is the rank of an event key in epoch epochID's audit draw: the hex SHA-256 of the epoch id, a
// NUL byte and the key. Anyone with the epoch id and the list of rewarded events can recompute it.
func SampleRank(epochID, key string) string {
	h := sha256.Sum256([]byte(epochID + "\x00" + key))
	return hex.EncodeToString(h[:])
}

// Sample draws epoch epochID's audit sample from the rewarded event keys: it ranks each distinct key by
// SampleRank and returns the n lowest, in rank order. The draw is deterministic — the same epoch and the
// same rewarded events always give the same sample, whatever their order — and unpredictable before the
// epoch id and its events are fixed. It is the whole algorithm:
//
//	sort keys by hex(sha256(epochID + "\x00" + key)) ascending; take the first n.
func Sample(epochID string, rewarded []string, n int) []string {
	type ranked struct {
		key  string
		rank [sha256.Size]byte // byte order is the order of the hex text
	}
	seen := make(map[string]bool, len(rewarded))
	rs := make([]ranked, 0, len(rewarded))
	buf := make([]byte, 0, len(epochID)+64)
	for _, k := range rewarded {
		if !seen[k] {
			seen[k] = true
			buf = append(append(append(buf[:0], epochID...), 0), k...)
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
