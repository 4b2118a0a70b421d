package payout

import (
	"context"
	"math/big"
	"testing"

	"github.com/plaudit/plaudit"
)

func TestFromAllocations(t *testing.T) {
	w1 := "0x1111111111111111111111111111111111111111"
	w2 := "0x2222222222222222222222222222222222222222"
	allocs := []plaudit.Allocation{
		{Member: "carol", Wallet: w2, Paid: big.NewInt(2500000000000000000)},
		{Member: "alice", Wallet: w1, Paid: big.NewInt(3000000000000000000)},
		{Member: "alice-alt", Wallet: w1, Paid: big.NewInt(2000000000000000000)}, // same wallet: summed
		{Member: "bob", Paid: big.NewInt(7)},                                     // no wallet
		{Member: "dave", Wallet: "0x12", Paid: big.NewInt(1)},                    // bad wallet
		{Member: "erin", Wallet: w2, Paid: big.NewInt(0)},                        // nothing to pay
		{Member: "frank", Wallet: w2},                                            // nil
	}
	leaves, unpaid := FromAllocations(allocs)
	if len(leaves) != 2 || leaves[0].Address.String() != w1 || leaves[0].Amount.String() != "5000000000000000000" {
		t.Fatalf("leaves %+v", leaves)
	}
	if len(unpaid) != 2 || unpaid[0].Member != "bob" || unpaid[1].Member != "dave" {
		t.Fatalf("unpaid %+v", unpaid)
	}
	// the README example again: 0x11… gets 5e18, 0x22… gets 2.5e18
	root, _, err := Root(leaves)
	if err != nil || root.String() != "0xd4dee0beab2d53f2cc83e567171bd2820e49898130a22622b10ead383e90bd77" {
		t.Fatalf("root %s %v", root, err)
	}
	s, _ := NewSigner(anvilKey0)
	signed, err := SignClaims(context.Background(), s, ClaimOptions{Domain: Domain{ChainID: 1, Permit2: CanonicalPermit2}, Program: "p", Epoch: "1"}, Claims(leaves))
	if err != nil || len(signed) != 2 {
		t.Fatalf("%v", err)
	}
}
