package service_test

import (
	"context"
	"encoding/hex"
	"math/big"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/chain"
	"github.com/plaudit/plaudit/chain/chaintest"
	"github.com/plaudit/plaudit/payout"
	"github.com/plaudit/plaudit/service"
)

// TestSelector checks the selector computation against known vectors: ERC-20 transfer's a9059cbb and
// Permit2's invalidateUnorderedNonces 3ff9dcb1 (as in Permit2's ISignatureTransfer ABI).
func TestSelector(t *testing.T) {
	for sig, want := range map[string]string{"transfer(address,uint256)": "a9059cbb", service.InvalidateNoncesSignature: "3ff9dcb1"} {
		got := service.Selector(sig)
		if hex.EncodeToString(got[:]) != want {
			t.Errorf("selector of %s: %x, want %s", sig, got, want)
		}
	}
	// Nonces 5 and 7 (word 0) and 256+1 (word 1): two calls, words ascending, ABI-encoded arguments.
	calls := service.InvalidationCalls([]*big.Int{big.NewInt(257), big.NewInt(5), big.NewInt(7)})
	want := []service.NonceCall{
		{WordPos: "0", Mask: "160", Calldata: "0x3ff9dcb1" + strings.Repeat("0", 64) + strings.Repeat("0", 62) + "a0"},
		{WordPos: "1", Mask: "2", Calldata: "0x3ff9dcb1" + strings.Repeat("0", 63) + "1" + strings.Repeat("0", 63) + "2"},
	}
	if len(calls) != 2 || calls[0] != want[0] || calls[1] != want[1] {
		t.Fatalf("calls %+v\nwant %+v", calls, want)
	}
}

// TestClaimAllSupersedes: once a claim-all batch is issued its single claims read in-batch (with or without
// a chain) and the batch is what is offered; the panel's retirement lists the invalidateUnorderedNonces
// calls for exactly the single claims' nonces (and the batch's); a single claim used before the batch
// breaks it: the other claim reads claimable again, saying the batch must not be used.
func TestClaimAllSupersedes(t *testing.T) {
	ctx := context.Background()
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		svc := setUp(t, st)
		closeTwoWeeks(t, svc)
		member, _ := paidTwice(t, svc)
		key := &service.ClaimKey{Key: payout.SignerConfig{Key: testSignerKey}, Domain: payout.Domain{ChainID: 100, Permit2: payout.CanonicalPermit2}}
		mes, err := svc.MemberPayouts(ctx, key, member)
		if err != nil {
			t.Fatal(err)
		}
		claims := []*service.PortalClaim{mes[0].Payout.Claim, mes[1].Payout.Claim}
		token := claims[0].Permit.Token
		if rs, err := svc.ClaimBatchRetirements(ctx); err != nil || len(rs) != 0 {
			t.Fatalf("retirements before any batch: %+v %v", rs, err)
		}
		b, err := svc.IssueClaimAll(ctx, key, claims, token)
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.ReadClaimStatuses(ctx, service.ChainView{}, claims); err != nil {
			t.Fatal(err)
		}
		for _, c := range claims {
			if c.Status.State != service.ClaimInBatch || c.Status.Batch != b.Permit.Nonce.String() {
				t.Fatalf("without a chain: %+v, want in-batch of %s", c.Status, b.Permit.Nonce)
			}
		}
		again, err := service.ClaimAll(key, claims, token)
		if err != nil || again.Signature != b.Signature {
			t.Fatalf("the in-batch claims do not give the same batch again: %v", err)
		}

		rs, err := svc.ClaimBatchRetirements(ctx)
		if err != nil || len(rs) != 1 || rs[0].Nonce != b.Permit.Nonce.String() {
			t.Fatalf("retirements: %+v %v", rs, err)
		}
		if len(rs[0].Retire) != len(b.Invalidate) {
			t.Fatalf("retire %+v, the batch's own list %+v", rs[0].Retire, b.Invalidate)
		}
		batchOwn := map[string]string{}
		for _, inv := range b.Invalidate {
			batchOwn[inv.WordPos] = inv.Mask
		}
		for i, call := range rs[0].Retire {
			if batchOwn[call.WordPos] != call.Mask || !strings.HasPrefix(call.Calldata, "0x3ff9dcb1") || len(call.Calldata) != 2+8+128 {
				t.Fatalf("retire call %d: %+v, want the batch's own %v", i, call, batchOwn)
			}
		}
		for _, c := range claims {
			w, bit := payout.NonceWord(c.Permit.Nonce)
			found := false
			for _, call := range rs[0].Retire {
				m, _ := new(big.Int).SetString(call.Mask, 10)
				found = found || (call.WordPos == w.String() && m.Bit(int(bit)) == 1)
			}
			if !found {
				t.Fatalf("no call retires the claim of %s", c.Epoch)
			}
		}
		if bw, bbit := payout.NonceWord(b.Permit.Nonce); rs[0].RetireBatch.WordPos != bw.String() || rs[0].RetireBatch.Mask != new(big.Int).Lsh(big.NewInt(1), bbit).String() {
			t.Fatalf("retire the batch: %+v", rs[0].RetireBatch)
		}

		node := chaintest.New(t, payout.CanonicalPermit2)
		rpc, _ := chain.New(node.URL, nil)
		node.SetBalance(token, b.Owner, big.NewInt(1e12))
		node.SetAllowance(token, b.Owner, payout.CanonicalPermit2, big.NewInt(1e12))
		view := service.ChainView{Reader: rpc}
		if err := svc.ReadClaimStatuses(ctx, view, claims); err != nil || claims[0].Status.State != service.ClaimInBatch || claims[1].Status.State != service.ClaimInBatch {
			t.Fatalf("nothing used: %+v %+v %v", claims[0].Status, claims[1].Status, err)
		}
		node.UseNonce(b.Owner, claims[0].Permit.Nonce) // a copy of the first single claim was used
		if err := svc.ReadClaimStatuses(ctx, view, claims); err != nil {
			t.Fatal(err)
		}
		if claims[0].Status.State != service.ClaimClaimed || claims[1].Status.State != service.ClaimClaimable ||
			!strings.Contains(claims[1].Status.Detail, "must not be used: "+claims[0].Epoch+" was used on its own") || claims[1].Status.Batch != b.Permit.Nonce.String() {
			t.Fatalf("a broken batch: %+v / %+v", claims[0].Status, claims[1].Status)
		}
		// The owner retires the broken batch as the panel says (its nonce set, with the invalidation in the
		// logs): the batch paid nothing, and the other claim stands on its own, in no batch.
		node.UseNonce(b.Owner, b.Permit.Nonce)
		word, bit := payout.NonceWord(b.Permit.Nonce)
		inv := make([]byte, 64)
		word.FillBytes(inv[:32])
		new(big.Int).SetBit(new(big.Int), int(bit), 1).FillBytes(inv[32:])
		node.AddLog(chain.Log{Address: payout.CanonicalPermit2, Topics: []payout.Hash{chain.TopicUnorderedNonceInvalidation, chain.AddressTopic(b.Owner)},
			Data: inv, BlockNumber: 970, TxHash: payout.Keccak256([]byte("retire the batch"))})
		view.LogsFromBlock = 1
		if err := svc.ReadClaimStatuses(ctx, view, claims); err != nil {
			t.Fatal(err)
		}
		if s := claims[1].Status; s.State != service.ClaimClaimable || s.Batch != "" || strings.Contains(s.Detail, "batch") {
			t.Fatalf("after the batch is retired: %+v, want claimable on its own", s)
		}
	})
}
