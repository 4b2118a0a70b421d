package witness_test

import (
	"encoding/json"
	"math/big"
	"os"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/signer/core/apitypes"

	"github.com/plaudit/plaudit/payout"
	"github.com/plaudit/plaudit/witness"
)

// testKey is the key of the test vector in docs/witness.md (Hardhat's first account: never use it for value).
const testKey = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"

func vector(t testing.TB) *witness.Attestation {
	t.Helper()
	root, _ := payout.ParseHash("0x" + strings.Repeat("ab", 32))
	ph, err := witness.PolicyHashWord("sha256:" + strings.Repeat("cd", 32))
	if err != nil {
		t.Fatal(err)
	}
	in, _ := payout.ParseHash("0x" + strings.Repeat("ef", 32))
	paid, _ := new(big.Int).SetString("1000000000000000000000", 10)
	return &witness.Attestation{Program: "poe", Epoch: "poe@2026-11-16T00:00:00Z", Root: root, PolicyHash: ph, InputsDigest: in, TotalPaid: paid}
}

// TestVectorGoEthereum: go-ethereum, an outside implementation of EIP-712, hashes the attestation's JSON
// typed data (as `plaudit witness attest` prints it) to the digest the witness signed, and ecrecover on the
// signature gives the witness's address. The signed vector is the one in testdata/vector.json and
// docs/witness.md.
func TestVectorGoEthereum(t *testing.T) {
	s, err := payout.NewSigner(testKey)
	if err != nil {
		t.Fatal(err)
	}
	signed, err := witness.SignAttestation(s, vector(t))
	if err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(signed)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("testdata/vector.json")
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(string(want)) != string(out) {
		t.Errorf("the signed vector changed:\n got %s\nwant %s", out, want)
	}
	for _, doc := range [][]byte{out, want} {
		var got struct {
			Witness   string             `json:"witness"`
			TypedData apitypes.TypedData `json:"typed_data"`
			Signature string             `json:"signature"`
		}
		if err := json.Unmarshal(doc, &got); err != nil {
			t.Fatal(err)
		}
		hash, _, err := apitypes.TypedDataAndHash(got.TypedData)
		if err != nil {
			t.Fatalf("go-ethereum refuses the typed data: %v", err)
		}
		digest, _ := vector(t).Digest()
		if common.BytesToHash(hash) != common.Hash(digest) {
			t.Fatalf("go-ethereum's digest %x, ours %s", hash, digest)
		}
		sig := common.FromHex(got.Signature)
		sig[64] -= 27
		pub, err := crypto.SigToPub(hash, sig)
		if err != nil {
			t.Fatal(err)
		}
		if a := crypto.PubkeyToAddress(*pub); a != common.HexToAddress(got.Witness) || a != common.Address(s.Address()) {
			t.Fatalf("ecrecover gives %s, the witness is %s", a, got.Witness)
		}
	}
}

// TestDisputeGoEthereum: a dispute's typed data hashes the same in go-ethereum.
func TestDisputeGoEthereum(t *testing.T) {
	s, _ := payout.NewSigner(testKey)
	d := &witness.Dispute{Program: "poe", Epoch: "poe@2026-11-16T00:00:00Z", Member: "alice", Stored: "900", Rebuilt: "500", Reason: "member alice: stored paid 900, rebuilt 500"}
	signed, err := witness.SignDispute(s, d)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(signed.TypedData)
	var td apitypes.TypedData
	if err := json.Unmarshal(b, &td); err != nil {
		t.Fatal(err)
	}
	hash, _, err := apitypes.TypedDataAndHash(td)
	if err != nil {
		t.Fatal(err)
	}
	if dg := d.Digest(); common.BytesToHash(hash) != common.Hash(dg) {
		t.Fatalf("go-ethereum's digest %x, ours %s", hash, dg)
	}
}

// TestParse: what SignAttestation writes parses back; a changed message, a wrong witness, unknown fields
// and other types are refused naming the field.
func TestParse(t *testing.T) {
	s, _ := payout.NewSigner(testKey)
	signed, _ := witness.SignAttestation(s, vector(t))
	good, _ := json.Marshal(signed)
	sg, a, d, err := witness.Parse(good)
	if err != nil || a == nil || d != nil || sg.Witness != s.Address() || a.TotalPaid.String() != "1000000000000000000000" {
		t.Fatalf("parse: %v %+v %v", err, a, d)
	}
	for name, tc := range map[string]struct{ from, to, field string }{
		"tampered amount": {`"totalPaid":"1000000000000000000000"`, `"totalPaid":"1000000000000000000001"`, "signature"},
		"other witness":   {`"witness":"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"`, `"witness":"0x70997970c51812dc3a010c7d01b50e20d17dc79c"`, "signature"},
		"unknown field":   {`"program":"poe"`, `"program":"poe","extra":1`, "typed_data.message"},
		"primary type":    {`"primaryType":"Attestation"`, `"primaryType":"Permit"`, "typed_data.primaryType"},
		"domain":          {`"version":"1"`, `"version":"2"`, "typed_data.domain"},
		"types":           {`{"name":"totalPaid","type":"uint256"}`, `{"name":"totalPaid","type":"uint128"}`, "typed_data.types"},
		"amount":          {`"totalPaid":"1000000000000000000000"`, `"totalPaid":"-1"`, "typed_data.message.totalPaid"},
	} {
		bad := strings.Replace(string(good), tc.from, tc.to, 1)
		if bad == string(good) {
			t.Fatalf("%s: %s not in %s", name, tc.from, good)
		}
		if _, _, _, err := witness.Parse([]byte(bad)); err == nil || !strings.Contains(err.Error(), tc.field+":") {
			t.Errorf("%s: err %v, want one naming %s", name, err, tc.field)
		}
	}
}

// FuzzParse: no input makes Parse panic, and whatever it accepts recovers to its witness.
func FuzzParse(f *testing.F) {
	s, _ := payout.NewSigner(testKey)
	signed, _ := witness.SignAttestation(s, vector(f))
	good, _ := json.Marshal(signed)
	f.Add(good)
	ds, _ := witness.SignDispute(s, &witness.Dispute{Program: "p", Epoch: "e", Reason: "r"})
	dj, _ := json.Marshal(ds)
	f.Add(dj)
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		sg, a, d, err := witness.Parse(b)
		if err != nil {
			return
		}
		var digest payout.Hash
		if a != nil {
			digest, _ = a.Digest()
		} else {
			digest = d.Digest()
		}
		if got, err := payout.RecoverAddress(digest, sg.Signature); err != nil || got != sg.Witness {
			t.Fatalf("accepted a message that does not recover to its witness")
		}
	})
}
