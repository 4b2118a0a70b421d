package payout

import (
	"bytes"
	"encoding/json"
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/signer/core/apitypes"
)

// gethDigest hashes td with go-ethereum's EIP-712 implementation (the one geth's clef signs with): the
// reference our typed data and digests are checked against.
func gethDigest(t *testing.T, td TypedData) Hash {
	t.Helper()
	b, err := json.Marshal(td)
	if err != nil {
		t.Fatal(err)
	}
	var g apitypes.TypedData
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatalf("go-ethereum cannot read our typed data: %v\n%s", err, b)
	}
	digest, _, err := apitypes.TypedDataAndHash(g)
	if err != nil {
		t.Fatalf("go-ethereum refuses our typed data: %v\n%s", err, b)
	}
	return Hash(digest)
}

func testBatch(t *testing.T) BatchPermit {
	token := mustAddress("0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48")
	return BatchPermit{
		Permitted: []TokenAmount{{token, big.NewInt(1_500_000)}, {token, big.NewInt(2_250_000)}, {token, mustParseUint(t, "100000000000000000000")}},
		Spender:   mustAddress("0x70997970C51812dc3A010C7d01b50e0d17dc79C8"),
		Nonce:     BatchNonce("acme", []string{"acme@2026-01-12T00:00:00Z", "acme@2026-01-05T00:00:00Z"}, token, mustAddress("0x70997970C51812dc3A010C7d01b50e0d17dc79C8")),
		Deadline:  MaxUint256(),
	}
}

// TestBatchPermitMatchesGoEthereum: the PermitBatchTransferFrom digest we sign equals go-ethereum's
// TypedDataAndHash of the same typed data (the document the portal shows), on two Permit2 deployments; the
// single-claim typed data agrees with Permit.Digest the same way; and the signature recovers to the signer.
func TestBatchPermitMatchesGoEthereum(t *testing.T) {
	s, err := NewSigner(anvilKey0)
	if err != nil {
		t.Fatal(err)
	}
	p := testBatch(t)
	for _, d := range []Domain{{ChainID: 1, Permit2: CanonicalPermit2}, {ChainID: 100, Permit2: UbiquityPermit2}} {
		ours, err := p.Digest(d)
		if err != nil {
			t.Fatal(err)
		}
		if ref := gethDigest(t, BatchTypedData(d, p)); ours != ref {
			t.Fatalf("chain %d: batch digest %s, go-ethereum %s", d.ChainID, ours, ref)
		}
		sig, err := s.SignBatchPermit(d, p)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := RecoverBatchSigner(d, p, sig); err != nil || got != s.Address() {
			t.Fatalf("recovered %s %v, want %s", got, err, s.Address())
		}
		single := Permit{Token: p.Permitted[0].Token, Amount: p.Permitted[0].Amount, Spender: p.Spender, Nonce: big.NewInt(42), Deadline: big.NewInt(1_900_000_000)}
		sd, err := single.Digest(d)
		if err != nil {
			t.Fatal(err)
		}
		if ref := gethDigest(t, PermitTypedData(d, single)); sd != ref {
			t.Fatalf("chain %d: single digest %s, go-ethereum %s", d.ChainID, sd, ref)
		}
	}
	// One entry more, or a different amount, is a different digest.
	d := Domain{ChainID: 1, Permit2: CanonicalPermit2}
	a, _ := p.Digest(d)
	q := p
	q.Permitted = append(append([]TokenAmount(nil), p.Permitted...), TokenAmount{p.Permitted[0].Token, big.NewInt(1)})
	if b, _ := q.Digest(d); a == b {
		t.Fatal("an extra entry did not change the digest")
	}
	if typeHash := Keccak256([]byte(PermitBatchTransferFromType)); typeHash.String() != "0xfcf35f5ac6a2c28868dc44c302166470266239195f02b0ee408334829333b766" {
		t.Fatalf("batch type hash %s, want Permit2's _PERMIT_BATCH_TRANSFER_FROM_TYPEHASH", typeHash)
	}
}

// TestBatchNonce: the claim-all nonce is independent of the epochs' order, differs from every single
// claim's nonce and from other sets of epochs.
func TestBatchNonce(t *testing.T) {
	tok, who := mustAddress("0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48"), mustAddress("0x70997970C51812dc3A010C7d01b50e0d17dc79C8")
	a := BatchNonce("acme", []string{"e1", "e2"}, tok, who)
	if b := BatchNonce("acme", []string{"e2", "e1"}, tok, who); a.Cmp(b) != 0 {
		t.Fatal("order changes the batch nonce")
	}
	for _, other := range []*big.Int{BatchNonce("acme", []string{"e1"}, tok, who), ClaimNonce("acme", "e1", tok, who), ClaimNonce("acme", "e2", tok, who),
		BatchNonce("acme", []string{"e1", "e2"}, tok, tok)} {
		if a.Cmp(other) == 0 {
			t.Fatal("batch nonce collides")
		}
	}
	w, bit := NonceWord(a)
	if back := new(big.Int).Add(new(big.Int).Lsh(w, 8), big.NewInt(int64(bit))); back.Cmp(a) != 0 {
		t.Fatal("NonceWord does not split the nonce")
	}
}

// TestBatchPermitRefuses: an empty batch, an amount past uint256 and chain 0 are refused.
func TestBatchPermitRefuses(t *testing.T) {
	p := testBatch(t)
	d := Domain{ChainID: 1, Permit2: CanonicalPermit2}
	empty := p
	empty.Permitted = nil
	if _, err := empty.Digest(d); err == nil {
		t.Fatal("empty batch signed")
	}
	big2 := p
	big2.Permitted = []TokenAmount{{p.Permitted[0].Token, new(big.Int).Lsh(big.NewInt(1), 256)}}
	if _, err := big2.Digest(d); err == nil {
		t.Fatal("2^256 accepted")
	}
	if _, err := p.Digest(Domain{}); err == nil {
		t.Fatal("chain 0 accepted")
	}
	b, _ := json.Marshal(BatchTypedData(d, p))
	if !bytes.Contains(b, []byte(`"TokenPermissions[]"`)) || !bytes.Contains(b, []byte(`"primaryType":"PermitBatchTransferFrom"`)) {
		t.Fatalf("typed data %s", b)
	}
}
