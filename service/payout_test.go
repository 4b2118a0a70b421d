package service_test

import (
	"bytes"
	"context"
	"encoding/json"
	"math/big"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/payout"
	"github.com/plaudit/plaudit/service"
	"github.com/plaudit/plaudit/sqlstore"
)

// testSignerKey is a well-known development key (Hardhat's first account), never a real one.
const testSignerKey = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"

// TestEpochProof: every paid member's proof verifies against the root the epoch recorded; a member paid
// nothing or not allocated has none; and an allocation edited after the close makes proofs refuse.
func TestEpochProof(t *testing.T) {
	ctx := context.Background()
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		svc := setUp(t, st)
		ce := closeFirstWeek(t, svc)
		ep, id := ce.Epoch, ce.Window.ID
		root, err := payout.ParseHash(ep.Root)
		if err != nil {
			t.Fatalf("epoch %s root %q: %v", id, ep.Root, err)
		}
		paid, unpaid := 0, ""
		for _, a := range ce.Result.Allocations {
			if a.Paid.Sign() == 0 {
				unpaid = a.Member
				continue
			}
			p, err := svc.EpochProof(ctx, id, a.Member)
			if err != nil {
				t.Fatalf("proof of %s: %v", a.Member, err)
			}
			if p.Root != root || p.Amount.Cmp(a.Paid) != 0 || !strings.EqualFold(p.Wallet.String(), a.Wallet) || p.Member != a.Member || p.Epoch != id {
				t.Fatalf("proof of %s: %+v; allocation %+v, root %s", a.Member, p, a, root)
			}
			if !payout.Verify(root, p.Wallet, a.Paid, p.Proof) {
				t.Fatalf("the proof of %s does not verify against %s", a.Member, root)
			}
			if leaf, _ := payout.LeafHash(p.Wallet, a.Paid); leaf != p.Leaf {
				t.Fatalf("leaf of %s: %s, want %s", a.Member, p.Leaf, leaf)
			}
			// Someone else's amount does not verify with this proof.
			if payout.Verify(root, p.Wallet, new(big.Int).Add(a.Paid, big.NewInt(1)), p.Proof) {
				t.Fatalf("the proof of %s verifies one base unit more", a.Member)
			}
			paid++
		}
		if paid < 5 || unpaid == "" {
			t.Fatalf("epoch %s: %d members paid, unpaid member %q: the test needs both", id, paid, unpaid)
		}
		if _, err := svc.EpochProof(ctx, id, unpaid); plaudit.ErrorCode(err) != plaudit.ENOTFOUND || !strings.Contains(err.Error(), "paid nothing") {
			t.Fatalf("proof of %s, paid nothing: %v", unpaid, err)
		}
		if _, err := svc.EpochProof(ctx, id, "nobody-at-all"); plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
			t.Fatalf("proof of a member without an allocation: %v", err)
		}
		if _, err := svc.EpochProof(ctx, "acme@2030-01-07T00:00:00Z", ce.Result.Allocations[0].Member); plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
			t.Fatalf("proof in a missing epoch: %v", err)
		}

		db, ok := st.(*sqlstore.DB)
		if !ok {
			return
		}
		var member string
		if err := db.SQL().QueryRowContext(ctx, db.Rebind("SELECT member FROM allocations WHERE epoch = ? AND paid <> '0' ORDER BY member LIMIT 1"), id).Scan(&member); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SQL().ExecContext(ctx, db.Rebind("UPDATE allocations SET paid = '1' WHERE epoch = ? AND member = ?"), id, member); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.EpochProof(ctx, id, member); plaudit.ErrorCode(err) != plaudit.ECONFLICT || !strings.Contains(err.Error(), "run plaudit verify") {
			t.Fatalf("proof after an edit of the stored allocation: %v", err)
		}
	})
}

// TestEpochClaims: an epoch's claims are signed by the key's owner, one per paid wallet, in the epoch's
// token, with the nonces of its program and id, pay exactly what the epoch paid, and are the same bytes when
// signed again.
func TestEpochClaims(t *testing.T) {
	ctx := context.Background()
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		svc := setUp(t, st)
		ce := closeFirstWeek(t, svc)
		ep := ce.Epoch
		key := payout.SignerConfig{Key: testSignerKey}
		domain := payout.Domain{ChainID: 100, Permit2: payout.UbiquityPermit2}
		set, unpaid, err := svc.EpochClaims(ctx, key, ep.ID, payout.ClaimOptions{Domain: domain, Program: "ignored", Token: payout.Address{1}})
		if err != nil {
			t.Fatal(err)
		}
		token, _ := payout.ParseAddress(ep.Token)
		if set.Format != service.ClaimsFormat || set.Program != ep.Program || set.Epoch != ep.ID || set.ChainID != 100 || set.Owner.String() != "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266" {
			t.Fatalf("claim set header %+v", set)
		}
		sum := new(big.Int)
		for _, c := range set.Claims {
			who, err := payout.RecoverPermitSigner(domain, c.Permit, c.Signature)
			if err != nil || who != set.Owner {
				t.Fatalf("claim for %s: recovered %s, %v", c.Permit.Spender, who, err)
			}
			if c.Permit.Token != token || c.Permit.Nonce.Cmp(payout.ClaimNonce(ep.Program, ep.ID, token, c.Permit.Spender)) != 0 || len(c.Members) == 0 {
				t.Fatalf("claim for %s: %+v", c.Permit.Spender, c)
			}
			sum.Add(sum, c.Permit.Amount)
		}
		if len(unpaid) != 0 || sum.Cmp(ep.Paid) != 0 || len(set.Claims) == 0 {
			t.Fatalf("%d claims pay %s (%d unpaid); the epoch paid %s", len(set.Claims), sum, len(unpaid), ep.Paid)
		}
		again, _, err := svc.EpochClaims(ctx, key, ep.ID, payout.ClaimOptions{Domain: domain})
		if err != nil {
			t.Fatal(err)
		}
		a, _ := json.Marshal(set)
		b, _ := json.Marshal(again)
		if !bytes.Equal(a, b) {
			t.Fatal("an epoch's claims signed twice differ")
		}
		if _, _, err := svc.EpochClaims(ctx, payout.SignerConfig{}, ep.ID, payout.ClaimOptions{Domain: domain}); plaudit.ErrorCode(err) != plaudit.EINVALID {
			t.Fatalf("claims without a key: %v", err)
		}
		if _, _, err := svc.EpochClaims(ctx, key, ep.ID, payout.ClaimOptions{}); plaudit.ErrorCode(err) != plaudit.EINVALID {
			t.Fatalf("claims without a chain: %v", err)
		}
	})
}

// TestSignClaims: claims of a distribution file name their lines, skip zero amounts, and a wallet listed
// twice is refused before the key is even opened.
func TestSignClaims(t *testing.T) {
	ctx := context.Background()
	rows, err := payout.ParseCSV(strings.NewReader("address,amount\n0x1111111111111111111111111111111111111111,5\n0x2222222222222222222222222222222222222222,0\n0x3333333333333333333333333333333333333333,7\n"), "e.csv")
	if err != nil {
		t.Fatal(err)
	}
	opts := payout.ClaimOptions{Domain: payout.Domain{ChainID: 1, Permit2: payout.CanonicalPermit2}, Token: payout.Address{9}, Program: "acme", Epoch: "W1"}
	set, err := service.SignClaims(ctx, payout.SignerConfig{Key: testSignerKey}, opts, rows, "e.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Claims) != 2 || set.Claims[0].Line != 2 || set.Claims[1].Line != 4 || set.Claims[1].Permit.Amount.Int64() != 7 {
		t.Fatalf("claims %+v", set.Claims)
	}
	dup := append(rows[:1:1], rows[0])
	dup[1].Line = 9
	if _, err := service.SignClaims(ctx, payout.SignerConfig{}, opts, dup, "dup.csv"); plaudit.ErrorCode(err) != plaudit.EINVALID || !strings.Contains(err.Error(), "dup.csv: lines 2, 9 pay the same address") {
		t.Fatalf("a wallet twice: %v", err)
	}
	opts.Program = ""
	if _, err := service.SignClaims(ctx, payout.SignerConfig{Key: testSignerKey}, opts, rows, "e.csv"); plaudit.ErrorCode(err) != plaudit.EINVALID {
		t.Fatalf("claims without a program: %v", err)
	}
}

// TestSealSigningKey: a sealed key opens with the X25519 key it was sealed to, for its owner only.
func TestSealSigningKey(t *testing.T) {
	const x25519 = "cD2X6V5bQnCgdbHEWzOQ2LqFZnr3o0eA0mWn8LmqK3Q" // any 32 bytes, URL-safe base64
	sealed, err := service.SealSigningKey(testSignerKey, payout.SealedKeyBinding{OwnerID: 42}, "", x25519)
	if err != nil {
		t.Fatal(err)
	}
	s, err := payout.OpenSealedKey(sealed, x25519, 42, 0)
	if err != nil || s.Address().String() != "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266" {
		t.Fatalf("open the sealed key: %v", err)
	}
	s.Destroy()
	if _, err := payout.OpenSealedKey(sealed, x25519, 43, 0); plaudit.ErrorCode(err) != plaudit.EFORBIDDEN {
		t.Fatalf("open it for another owner: %v", err)
	}
	if _, err := service.SealSigningKey(testSignerKey, payout.SealedKeyBinding{OwnerID: 42}, "", ""); plaudit.ErrorCode(err) != plaudit.EINVALID {
		t.Fatalf("seal with no recipient: %v", err)
	}
	if _, err := service.SealSigningKey("", payout.SealedKeyBinding{OwnerID: 42}, "", x25519); plaudit.ErrorCode(err) != plaudit.EINVALID {
		t.Fatalf("seal no key: %v", err)
	}
}
