package plaudit

import (
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
)

// MemberPayout is a member's kind and payout wallet as of a log position: what an epoch close pays each
// member by. A member absent from a list of them is a community member without a wallet.
type MemberPayout struct {
	Member string
	Kind   MemberKind
	Wallet string // lower case; "" when the member has none
}

// MemberPayoutStore is implemented by stores that keep the members' kinds and wallets as a whole-history
// rescore found them at the end of the log it read (through seq). An epoch close of a log whose stored
// scores are that rescore's takes them from here instead of replaying the log's identity events, which at
// a million members are millions of events.
type MemberPayoutStore interface {
	// SaveMemberPayouts keeps ms as the members' kinds and wallets of the log through seq, replacing what
	// was kept before.
	SaveMemberPayouts(ctx context.Context, through int64, ms []MemberPayout) error
	// MemberPayouts returns what SaveMemberPayouts kept, or an ENOTFOUND error.
	MemberPayouts(ctx context.Context) (ms []MemberPayout, through int64, err error)
}

// EncodeMemberPayouts encodes ms in member order, one value a store keeps them in: for each member its
// handle, kind and wallet, each as a uvarint length and its bytes. ms is not modified.
func EncodeMemberPayouts(ms []MemberPayout) []byte {
	sorted := slices.Clone(ms)
	slices.SortFunc(sorted, func(a, b MemberPayout) int { return strings.Compare(a.Member, b.Member) })
	n := 0
	for _, m := range sorted {
		n += 3*binary.MaxVarintLen32 + len(m.Member) + len(m.Kind) + len(m.Wallet)
	}
	b := make([]byte, 0, n)
	for _, m := range sorted {
		for _, s := range [3]string{m.Member, string(m.Kind), m.Wallet} {
			b = binary.AppendUvarint(b, uint64(len(s)))
			b = append(b, s...)
		}
	}
	return b
}

// DecodeMemberPayouts reads what EncodeMemberPayouts wrote, or fails, naming the entry, on bytes it did not
// write.
func DecodeMemberPayouts(b []byte) ([]MemberPayout, error) {
	var out []MemberPayout
	for len(b) > 0 {
		var f [3]string
		for i := range f {
			n, k := binary.Uvarint(b)
			if k <= 0 || n > uint64(len(b)-k) {
				return nil, fmt.Errorf("member payouts: entry %d: a bad length with %d bytes left", len(out), len(b))
			}
			f[i] = string(b[k : k+int(n)])
			b = b[k+int(n):]
		}
		if f[0] == "" {
			return nil, fmt.Errorf("member payouts: entry %d has no member", len(out))
		}
		out = append(out, MemberPayout{Member: f[0], Kind: MemberKind(f[1]), Wallet: f[2]})
	}
	return out, nil
}
