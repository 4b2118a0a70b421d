package service_test

import (
	"context"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/chain"
	"github.com/plaudit/plaudit/chain/chaintest"
	"github.com/plaudit/plaudit/payout"
	"github.com/plaudit/plaudit/service"
)

// closeTwoWeeks closes the community's first two weekly epochs.
func closeTwoWeeks(t *testing.T, svc *service.Service) {
	t.Helper()
	res, err := svc.CloseEpochs(context.Background(), service.CloseRequest{Through: at("2026-01-18"), Verdicts: []plaudit.Verdict{}, Operator: "test"})
	if err != nil || len(res.Epochs) != 2 {
		t.Fatalf("close two weeks: %+v %v", res, err)
	}
}

// paidTwice returns a member paid to a valid wallet in both of the first two epochs, with the wallet.
func paidTwice(t *testing.T, svc *service.Service) (string, payout.Address) {
	t.Helper()
	eps, err := svc.PortalEpochs(context.Background())
	if err != nil || len(eps) != 2 {
		t.Fatalf("portal epochs %v %v", eps, err)
	}
	count := map[string]int{}
	for _, ep := range eps {
		ce, err := svc.Epoch(context.Background(), ep.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range ce.Allocations {
			if a.Paid != nil && a.Paid.Sign() > 0 && service.ValidWallet(a.Wallet) {
				count[a.Member]++
			}
		}
	}
	best := ""
	for m, n := range count {
		if n == 2 && (best == "" || m < best) {
			best = m
		}
	}
	if best == "" {
		t.Fatal("no member is paid in both epochs")
	}
	me, err := svc.MemberPayouts(context.Background(), nil, best)
	if err != nil {
		t.Fatal(err)
	}
	return best, me[0].Payout.Wallet
}

// TestMemberPayoutsAndStatuses: a member's payouts carry proofs that verify and claims identical to the
// epoch's own claims; their statuses read from a fake node are claimable, underfunded, claimed with the
// transaction, invalidated and expired as the chain says; a node that fails leaves them unknown.
func TestMemberPayoutsAndStatuses(t *testing.T) {
	ctx := context.Background()
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		svc := setUp(t, st)
		closeTwoWeeks(t, svc)
		member, wallet := paidTwice(t, svc)
		key := &service.ClaimKey{Key: payout.SignerConfig{Key: testSignerKey}, Domain: payout.Domain{ChainID: 100, Permit2: payout.CanonicalPermit2}}
		mes, err := svc.MemberPayouts(ctx, key, member)
		if err != nil || len(mes) != 2 || !mes[0].Epoch.End.After(mes[1].Epoch.End) {
			t.Fatalf("member payouts %+v %v", mes, err)
		}
		var claims []*service.PortalClaim
		for _, me := range mes {
			wp := me.Payout
			if wp == nil || wp.Claim == nil || len(wp.Proofs) == 0 {
				t.Fatalf("epoch %s: payout %+v", me.Epoch.ID, wp)
			}
			root, _ := payout.ParseHash(me.Epoch.Root)
			for _, p := range wp.Proofs {
				if !payout.Verify(root, p.Wallet, p.Amount, p.Proof) {
					t.Fatalf("epoch %s: the proof of %s does not verify", me.Epoch.ID, p.Member)
				}
			}
			set, _, err := svc.EpochClaims(ctx, key.Key, me.Epoch.ID, payout.ClaimOptions{Domain: key.Domain})
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, c := range set.Claims {
				if c.Permit.Spender == wallet {
					found = c.Signature == wp.Claim.Signature && c.Permit.Amount.Cmp(wp.Claim.Permit.Amount) == 0 && c.Permit.Nonce.Cmp(wp.Claim.Permit.Nonce) == 0
				}
			}
			if !found {
				t.Fatalf("epoch %s: the portal's claim is not the epoch's claim for %s", me.Epoch.ID, wallet)
			}
			if wp.Claim.Status.State != service.ClaimUnknown {
				t.Fatalf("status without a chain: %+v", wp.Claim.Status)
			}
			claims = append(claims, wp.Claim)
		}
		// The wallet view finds the same claims.
		wps, err := svc.WalletPayouts(ctx, key, wallet)
		if err != nil || len(wps) != 2 || wps[0].Claim.Signature != claims[0].Signature {
			t.Fatalf("wallet payouts %+v %v", wps, err)
		}

		owner := claims[0].Owner
		token := claims[0].Permit.Token
		node := chaintest.New(t, payout.CanonicalPermit2)
		rpc, err := chain.New(node.URL, nil)
		if err != nil {
			t.Fatal(err)
		}
		view := service.ChainView{Reader: rpc, LogsFromBlock: 1}
		total := new(big.Int).Add(claims[0].Permit.Amount, claims[1].Permit.Amount)
		node.SetBalance(token, owner, total)
		node.SetAllowance(token, owner, payout.CanonicalPermit2, total)
		now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		if err := service.ClaimStatuses(ctx, view, claims, now); err != nil {
			t.Fatal(err)
		}
		for _, c := range claims {
			if c.Status.State != service.ClaimClaimable || c.Status.Block != 1000 {
				t.Fatalf("funded claim of %s: %+v", c.Epoch, c.Status)
			}
		}
		// One base unit short: the newer claim is underfunded, the older still claimable.
		node.SetBalance(token, owner, new(big.Int).Sub(total, big.NewInt(1)))
		if err := service.ClaimStatuses(ctx, view, claims, now); err != nil {
			t.Fatal(err)
		}
		if claims[1].Status.State != service.ClaimClaimable || claims[0].Status.State != service.ClaimUnderfunded || !strings.Contains(claims[0].Status.Detail, "holds") {
			t.Fatalf("balance short: %+v / %+v", claims[0].Status, claims[1].Status)
		}
		node.SetBalance(token, owner, total)
		node.SetAllowance(token, owner, payout.CanonicalPermit2, big.NewInt(0))
		if err := service.ClaimStatuses(ctx, view, claims, now); err != nil {
			t.Fatal(err)
		}
		if claims[1].Status.State != service.ClaimUnderfunded || !strings.Contains(claims[1].Status.Detail, "allows Permit2 0") {
			t.Fatalf("no allowance: %+v", claims[1].Status)
		}
		node.SetAllowance(token, owner, payout.CanonicalPermit2, total)
		// The older claim was claimed (its transfer in the logs), the newer invalidated by the owner.
		node.UseNonce(owner, claims[1].Permit.Nonce)
		amount := make([]byte, 32)
		claims[1].Permit.Amount.FillBytes(amount)
		claimTx := payout.Keccak256([]byte("claim tx"))
		node.AddLog(chain.Log{Address: token, Topics: []payout.Hash{chain.TopicTransfer, chain.AddressTopic(owner), chain.AddressTopic(wallet)},
			Data: amount, BlockNumber: 950, TxHash: claimTx})
		node.UseNonce(owner, claims[0].Permit.Nonce)
		word, bit := payout.NonceWord(claims[0].Permit.Nonce)
		inv := make([]byte, 64)
		word.FillBytes(inv[:32])
		new(big.Int).SetBit(new(big.Int), int(bit), 1).FillBytes(inv[32:])
		invTx := payout.Keccak256([]byte("invalidate tx"))
		node.AddLog(chain.Log{Address: payout.CanonicalPermit2, Topics: []payout.Hash{chain.TopicUnorderedNonceInvalidation, chain.AddressTopic(owner)},
			Data: inv, BlockNumber: 960, TxHash: invTx})
		if err := service.ClaimStatuses(ctx, view, claims, now); err != nil {
			t.Fatal(err)
		}
		if s := claims[1].Status; s.State != service.ClaimClaimed || s.Tx == nil || *s.Tx != claimTx {
			t.Fatalf("claimed: %+v", s)
		}
		if s := claims[0].Status; s.State != service.ClaimInvalidated || s.Tx == nil || *s.Tx != invTx {
			t.Fatalf("invalidated: %+v", s)
		}
		// Without logs, a used nonce is claimed, and the page says it cannot tell.
		if err := service.ClaimStatuses(ctx, service.ChainView{Reader: rpc}, claims, now); err != nil {
			t.Fatal(err)
		}
		if s := claims[0].Status; s.State != service.ClaimClaimed || s.Tx != nil || !strings.Contains(s.Detail, "logs_from_block") {
			t.Fatalf("used without logs: %+v", s)
		}
		// A permit past its deadline is expired.
		exp := *claims[0]
		exp.Permit.Nonce = big.NewInt(7)
		exp.Permit.Deadline = big.NewInt(now.Unix() - 1)
		if err := service.ClaimStatuses(ctx, view, []*service.PortalClaim{&exp}, now); err != nil || exp.Status.State != service.ClaimExpired {
			t.Fatalf("expired: %+v %v", exp.Status, err)
		}
		// A node that cannot be read leaves the statuses unknown.
		dead, _ := chain.New("http://127.0.0.1:1", nil)
		if err := service.ClaimStatuses(ctx, service.ChainView{Reader: dead}, claims, now); err == nil || claims[0].Status.State != service.ClaimUnknown {
			t.Fatalf("dead node: %+v %v", claims[0].Status, err)
		}
	})
}

// TestClaimAll: two unclaimed claims of one token become one batch permit signed by the owner, with the
// transfer details and the invalidations that retire the single claims; fewer than two is refused; the
// same claims give the same bytes.
func TestClaimAll(t *testing.T) {
	ctx := context.Background()
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		svc := setUp(t, st)
		closeTwoWeeks(t, svc)
		member, wallet := paidTwice(t, svc)
		key := &service.ClaimKey{Key: payout.SignerConfig{Key: testSignerKey}, Domain: payout.Domain{ChainID: 100, Permit2: payout.CanonicalPermit2}}
		mes, err := svc.MemberPayouts(ctx, key, member)
		if err != nil {
			t.Fatal(err)
		}
		claims := []*service.PortalClaim{mes[0].Payout.Claim, mes[1].Payout.Claim}
		token := claims[0].Permit.Token
		b, err := service.ClaimAll(key, claims, token)
		if err != nil {
			t.Fatal(err)
		}
		if who, err := payout.RecoverBatchSigner(key.Domain, b.Permit, b.Signature); err != nil || who != b.Owner || b.Owner != claims[0].Owner {
			t.Fatalf("batch signed by %s %v", who, err)
		}
		sum := new(big.Int)
		for i, p := range b.Permit.Permitted {
			sum.Add(sum, p.Amount)
			if b.TransferDetails[i].To != wallet || b.TransferDetails[i].RequestedAmount != p.Amount.String() {
				t.Fatalf("transfer %d: %+v", i, b.TransferDetails[i])
			}
		}
		if want := new(big.Int).Add(claims[0].Permit.Amount, claims[1].Permit.Amount); sum.Cmp(want) != 0 || b.Permit.Spender != wallet || len(b.Epochs) != 2 {
			t.Fatalf("batch pays %s, want %s: %+v", sum, want, b)
		}
		for _, c := range claims {
			w, bit := payout.NonceWord(c.Permit.Nonce)
			ok := false
			for _, inv := range b.Invalidate {
				m, _ := new(big.Int).SetString(inv.Mask, 10)
				ok = ok || (inv.WordPos == w.String() && m.Bit(int(bit)) == 1)
			}
			if !ok {
				t.Fatalf("the batch does not retire the claim of %s", c.Epoch)
			}
		}
		again, err := service.ClaimAll(key, []*service.PortalClaim{claims[1], claims[0]}, token)
		if err != nil || again.Signature != b.Signature || again.Permit.Nonce.Cmp(b.Permit.Nonce) != 0 {
			t.Fatalf("claim all again differs: %v", err)
		}
		// Issued and then used on chain, the batch makes both claims claimed; a single claim used as well
		// is reported as paid twice.
		if _, err := svc.IssueClaimAll(ctx, key, claims, token); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.IssueClaimAll(ctx, key, claims, token); err != nil {
			t.Fatalf("issuing the same batch again: %v", err)
		}
		node := chaintest.New(t, payout.CanonicalPermit2)
		rpc, _ := chain.New(node.URL, nil)
		node.SetBalance(token, b.Owner, big.NewInt(1e12))
		node.SetAllowance(token, b.Owner, payout.CanonicalPermit2, big.NewInt(1e12))
		view := service.ChainView{Reader: rpc}
		if err := svc.ReadClaimStatuses(ctx, view, claims); err != nil || claims[0].Status.State != service.ClaimInBatch {
			t.Fatalf("before the batch is used: %+v %v, want in-batch", claims[0].Status, err)
		}
		node.UseNonce(b.Owner, b.Permit.Nonce)
		if err := svc.ReadClaimStatuses(ctx, view, claims); err != nil {
			t.Fatal(err)
		}
		for _, c := range claims {
			if c.Status.State != service.ClaimClaimed || !strings.Contains(c.Status.Detail, "paid by the claim-all batch") {
				t.Fatalf("after the batch: %+v", c.Status)
			}
		}
		node.UseNonce(b.Owner, claims[1].Permit.Nonce)
		if err := svc.ReadClaimStatuses(ctx, view, claims); err != nil || !strings.Contains(claims[1].Status.Detail, "paid twice") {
			t.Fatalf("paid twice: %+v %v", claims[1].Status, err)
		}
		claims[0].Status.State = service.ClaimClaimed
		if _, err := service.ClaimAll(key, claims, token); plaudit.ErrorCode(err) != plaudit.EINVALID {
			t.Fatalf("one claim left: %v", err)
		}
		if _, err := service.ClaimAll(nil, claims, token); plaudit.ErrorCode(err) != plaudit.EINVALID {
			t.Fatalf("no key: %v", err)
		}
	})
}
