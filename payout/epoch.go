package payout

import (
	"math/big"
	"slices"

	"github.com/plaudit/plaudit"
)

// Unpaid is a member with an amount due whom a distribution cannot pay, and why (no wallet, a bad wallet).
// Settlement keeps their amount as carry; the report lists them.
type Unpaid struct {
	Member string
	Amount *big.Int
	Reason string
}

// FromAllocations turns an epoch's allocations into Merkle leaves: one leaf per wallet with its Paid amounts
// summed (two members sharing a wallet get one leaf, so that one claim pays both and no claim blocks another),
// in address order. Members with nothing paid are left out; members with an amount but no valid wallet are
// returned as Unpaid.
func FromAllocations(allocs []plaudit.Allocation) ([]Leaf, []Unpaid) {
	sum := make(map[Address]*big.Int)
	var unpaid []Unpaid
	for _, a := range allocs {
		if a.Paid == nil || a.Paid.Sign() <= 0 {
			continue
		}
		if a.Wallet == "" {
			unpaid = append(unpaid, Unpaid{Member: a.Member, Amount: new(big.Int).Set(a.Paid), Reason: "no wallet"})
			continue
		}
		addr, err := ParseAddress(a.Wallet)
		if err != nil {
			unpaid = append(unpaid, Unpaid{Member: a.Member, Amount: new(big.Int).Set(a.Paid), Reason: err.Error()})
			continue
		}
		if s, ok := sum[addr]; ok {
			s.Add(s, a.Paid)
		} else {
			sum[addr] = new(big.Int).Set(a.Paid)
		}
	}
	leaves := make([]Leaf, 0, len(sum))
	for addr, amount := range sum {
		leaves = append(leaves, Leaf{Address: addr, Amount: amount})
	}
	slices.SortFunc(leaves, func(x, y Leaf) int {
		for i := range x.Address {
			if x.Address[i] != y.Address[i] {
				return int(x.Address[i]) - int(y.Address[i])
			}
		}
		return 0
	})
	return leaves, unpaid
}

// Claims turns leaves into claims for SignClaims: each wallet may pull its amount through Permit2.
func Claims(leaves []Leaf) []Claim {
	out := make([]Claim, len(leaves))
	for i, l := range leaves {
		out[i] = Claim{Beneficiary: l.Address, Amount: l.Amount}
	}
	return out
}
