package service_test

import (
	"math/big"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/payout"
	"github.com/plaudit/plaudit/service"
)

// TestMerkleDistribution builds a distribution with an address listed twice, checks its totals, that every
// member's proof verifies against the root, that a wrong amount does not, and that the root ignores the
// order of the lines.
func TestMerkleDistribution(t *testing.T) {
	const list = "address,amount\n0x1111111111111111111111111111111111111111,5000000000000000000\n" +
		"0x2222222222222222222222222222222222222222,2500000000000000000\n0x1111111111111111111111111111111111111111,1\n"
	rows, err := payout.ParseCSV(strings.NewReader(list), "list.csv")
	if err != nil {
		t.Fatal(err)
	}
	d, err := service.BuildMerkleDistribution(rows)
	if err != nil {
		t.Fatal(err)
	}
	if d.Members != 3 || d.Total.String() != "7500000000000000001" || len(d.Duplicates) != 1 || len(d.Duplicates[0]) != 2 {
		t.Fatalf("distribution: %d members, total %s, duplicates %v", d.Members, d.Total, d.Duplicates)
	}
	for i, r := range rows {
		proof, err := d.Tree.Proof(i)
		if err != nil {
			t.Fatal(err)
		}
		c, err := service.VerifyPayoutProof(d.Root, r.Address, r.Amount, proof)
		if err != nil || c.Computed != d.Root {
			t.Fatalf("line %d: %+v, %v", r.Line, c, err)
		}
		if _, err := service.VerifyPayoutProof(d.Root, r.Address, new(big.Int).Add(r.Amount, big.NewInt(1)), proof); plaudit.ErrorCode(err) != plaudit.EINVALID {
			t.Fatalf("line %d with a wrong amount: %v, want EINVALID", r.Line, err)
		}
	}
	rev := []payout.CSVRow{rows[2], rows[0], rows[1]}
	if d2, err := service.BuildMerkleDistribution(rev); err != nil || d2.Root != d.Root {
		t.Fatalf("reordered: root %v, %v; want %s", d2, err, d.Root)
	}
}

// TestSignPermit signs one permit twice with the same key: the same signature, by the key's address; a
// domain without a chain is refused.
func TestSignPermit(t *testing.T) {
	key := payout.SignerConfig{Key: testSignerKey}
	tok, _ := payout.ParseAddress("0xe91D153E0b41518A2Ce8Dd3D7944Fa863463a97d")
	sp, _ := payout.ParseAddress("0xefC0e701A824943b469a694aC564Aa1efF7Ab7dd")
	p := payout.Permit{Token: tok, Spender: sp, Amount: big.NewInt(100), Nonce: big.NewInt(1), Deadline: big.NewInt(1893456000)}
	d := payout.Domain{ChainID: 100, Permit2: payout.CanonicalPermit2}
	a, err := service.SignPermit(key, p, d)
	if err != nil {
		t.Fatal(err)
	}
	b, err := service.SignPermit(key, p, d)
	if err != nil || a.Signature != b.Signature || a.Digest != b.Digest || a.Signer != b.Signer {
		t.Fatalf("signing twice: %+v and %+v, %v", a, b, err)
	}
	if _, err := service.SignPermit(key, p, payout.Domain{Permit2: payout.CanonicalPermit2}); plaudit.ErrorCode(err) != plaudit.EINVALID {
		t.Fatalf("no chain: %v, want EINVALID", err)
	}
}
