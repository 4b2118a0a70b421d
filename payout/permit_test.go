package payout

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/big"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
)

func mustParseUint(t *testing.T, s string) *big.Int {
	t.Helper()
	v, err := ParseUint256(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// anvilKey0 is the first account of Hardhat's and Anvil's public test mnemonic, address 0xf39F…2266. It is
// the key inside Ubiquity's test sealed boxes.
const anvilKey0 = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"

// TestUbiquityPermitVector signs the permit of ubiquity-os/permit-generation's test "should generate ERC20
// permit signature" (tests/generate-erc20-permit.test.ts, commit 091f4f2ed523d1398b5872aa5fecac3ed425eed2):
// an ethers v6 Wallet.signTypedData over @uniswap/permit2-sdk's SignatureTransfer.getPermitData. Our
// signature must equal theirs byte for byte, which checks the type strings, the domain (name Permit2, chain
// 100, the canonical Permit2), the struct encoding, RFC 6979, low s and v.
func TestUbiquityPermitVector(t *testing.T) {
	s, err := NewSigner(anvilKey0)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Address().String(); got != "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266" {
		t.Fatalf("owner %s", got)
	}
	nonce := UbiquityNonce(123, "123") // keccak256("123-123"): userId 123, issue node id "123"
	if want := "28290789875493039658039458533958603742651083423638415458747066904844975862062"; nonce.String() != want {
		t.Fatalf("nonce %s, want %s", nonce, want)
	}
	p := Permit{
		Token:    mustAddress("0xe91D153E0b41518A2Ce8Dd3D7944Fa863463a97d"),
		Amount:   mustParseUint(t, "100000000000000000000"),
		Spender:  mustAddress("0xefC0e701A824943b469a694aC564Aa1efF7Ab7dd"),
		Nonce:    nonce,
		Deadline: mustParseUint(t, "115792089237316195423570985008687907853269984665640564039457584007913129639935"),
	}
	d := Domain{ChainID: 100, Permit2: CanonicalPermit2}
	sig, err := s.SignPermit(d, p)
	if err != nil {
		t.Fatal(err)
	}
	const want = "0xad87653fb0ecf740c73b78a8f414cdd5b1ffb18670cde5a1d21c65e43d6bb2a36c5470c5529334dc11566f0c380889b734a8539d69ec74cc2abf37af0ea7a7781b"
	if sig.String() != want {
		t.Fatalf("signature\n got %s\nwant %s", sig, want)
	}
	who, err := RecoverPermitSigner(d, p, sig)
	if err != nil || who != s.Address() {
		t.Fatalf("recovered %s, %v", who, err)
	}
	// The same signature on another chain or another Permit2 proves nothing.
	for _, other := range []Domain{{ChainID: 1, Permit2: CanonicalPermit2}, {ChainID: 100, Permit2: UbiquityPermit2}} {
		if who, _ := RecoverPermitSigner(other, p, sig); who == s.Address() {
			t.Fatalf("signature valid for %+v", other)
		}
	}
}

// TestPermit2DomainSeparators compares our domain separator with Permit2's DOMAIN_SEPARATOR() as read on chain
// and recorded in public integrations (Ethereum, Arbitrum One, Base, BNB Chain; canonical Permit2).
func TestPermit2DomainSeparators(t *testing.T) {
	for chain, want := range map[uint64]string{
		1:     "0x866a5aba21966af95d6c7ab78eb2b2fc913915c28be3b9aa07cc04ff903e3f28",
		42161: "0x8a6e6e19bdfb3db3409910416b47c2f8fc28b49488d6555c7fceaa4479135bc3",
		8453:  "0x3b6f35e4fce979ef8eac3bcdc8c3fc38fe7911bb0c69c8fe72bf1fd1a17e6f07",
		56:    "0x4142cc3c823f819c467fa4437d637fe20589a31dfcd1da2ff22292c9ed9344e7",
	} {
		if got := (Domain{ChainID: chain, Permit2: CanonicalPermit2}).Separator().String(); got != want {
			t.Errorf("chain %d: %s, want %s", chain, got, want)
		}
	}
}

// TestEIP712MailExample proves our EIP-712 hashing and signing against the specification's own example
// (EIP-712 "Ether Mail", assets/eip-712/Example.js): domain separator 0xf2cee375…, struct hash 0xc52c0ee5…,
// digest 0xbe609aee…, and the signature by keccak256("cow") (v 28, r 0x4355c47d…, s 0x07299936…).
func TestEIP712MailExample(t *testing.T) {
	word := func(b []byte) []byte { return b }
	str := func(s string) []byte { h := keccak256([]byte(s)); return h[:] }
	addr := func(s string) []byte { w := addressWord(mustAddress(s)); return w[:] }
	one := word32(big.NewInt(1))
	domainType := keccak256([]byte("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"))
	sep := keccak256(domainType[:], str("Ether Mail"), str("1"), one[:], addr("0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"))
	if want := "0xf2cee375fa42b42143804025fc449deafd50cc031ca257e0b194a650a912090f"; sep.String() != want {
		t.Fatalf("domain separator %s, want %s", sep, want)
	}
	personType := keccak256([]byte("Person(string name,address wallet)"))
	mailType := keccak256([]byte("Mail(Person from,Person to,string contents)Person(string name,address wallet)"))
	from := keccak256(personType[:], str("Cow"), addr("0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"))
	to := keccak256(personType[:], str("Bob"), addr("0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"))
	mail := keccak256(mailType[:], word(from[:]), word(to[:]), str("Hello, Bob!"))
	if want := "0xc52c0ee5d84264471806290a3f2c4cecfc5490626bf912d01f240d7a274b371e"; mail.String() != want {
		t.Fatalf("struct hash %s, want %s", mail, want)
	}
	digest := keccak256([]byte{0x19, 0x01}, sep[:], mail[:])
	if want := "0xbe609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2"; digest.String() != want {
		t.Fatalf("digest %s, want %s", digest, want)
	}
	cow := keccak256([]byte("cow"))
	s, err := NewSigner(cow.String())
	if err != nil {
		t.Fatal(err)
	}
	if s.Address().String() != "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826" {
		t.Fatalf("cow address %s", s.Address())
	}
	sig, err := s.SignHash(digest)
	if err != nil {
		t.Fatal(err)
	}
	const want = "0x4355c47d63924e8a72e509b65029052eb6c299d53a04e167c5775fd466751c9d07299936d304c153f6443dfa05f40ff007d72911b6f72307f996231605b915621c"
	if sig.String() != want {
		t.Fatalf("signature\n got %s\nwant %s", sig, want)
	}
}

// TestPermitTypeHashes pins the Permit2 type hashes to the constants in Permit2's PermitHash.sol.
func TestPermitTypeHashes(t *testing.T) {
	if got, want := tokenPermissionsTypeHash.String(), "0x618358ac3db8dc274f0cd8829da7e234bd48cd73c4a740aede1adec9846d06a1"; got != want {
		t.Errorf("TOKEN_PERMISSIONS_TYPEHASH %s, want %s", got, want)
	}
	if got, want := permitTransferFromTypeHash.String(), "0x939c21a48a8dbe3a9a2404a1d46691e4d39f6583d6ec6b35714604c986d80106"; got != want {
		t.Errorf("PERMIT_TRANSFER_FROM_TYPEHASH %s, want %s", got, want)
	}
}

// TestSignRecoverRoundTrip: every signature recovers its signer, has v 27/28 and low s, and is deterministic.
func TestSignRecoverRoundTrip(t *testing.T) {
	halfN := mustParseUint(t, "0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0")
	for i := range 50 {
		key := keccak256([]byte(fmt.Sprintf("key %d", i)))
		s, err := NewSigner(key.String())
		if err != nil {
			t.Fatal(err)
		}
		p := Permit{Token: CanonicalPermit2, Amount: big.NewInt(int64(i)), Spender: Address{byte(i)}, Nonce: big.NewInt(int64(i * 7)), Deadline: big.NewInt(1_900_000_000)}
		d := Domain{ChainID: uint64(i + 1), Permit2: UbiquityPermit2}
		sig, err := s.SignPermit(d, p)
		if err != nil {
			t.Fatal(err)
		}
		if sig[64] != 27 && sig[64] != 28 {
			t.Fatalf("v = %d", sig[64])
		}
		if new(big.Int).SetBytes(sig[32:64]).Cmp(halfN) > 0 {
			t.Fatal("high s")
		}
		who, err := RecoverPermitSigner(d, p, sig)
		if err != nil || who != s.Address() {
			t.Fatalf("recovered %s (%v), want %s", who, err, s.Address())
		}
		again, _ := s.SignPermit(d, p)
		if again != sig {
			t.Fatal("signature is not deterministic")
		}
		p.Amount = big.NewInt(int64(i) + 1)
		if who, _ := RecoverPermitSigner(d, p, sig); who == s.Address() {
			t.Fatal("signature verifies a changed amount")
		}
	}
}

// TestClaimNonce pins the nonce scheme to an independently written abi.encode.
func TestClaimNonce(t *testing.T) {
	token := mustAddress("0xe91D153E0b41518A2Ce8Dd3D7944Fa863463a97d")
	who := mustAddress("0xefC0e701A824943b469a694aC564Aa1efF7Ab7dd")
	program, epoch := "acme-rewards", "2026-W47 and a long epoch name that is longer than thirty-two bytes"
	// abi.encode(string,string,address,address) written out word by word
	var enc []byte
	enc = append(enc, abiWord(128)...)
	enc = append(enc, abiWord(128+len(abiString(program)))...)
	tw, bw := addressWord(token), addressWord(who)
	enc = append(enc, tw[:]...)
	enc = append(enc, bw[:]...)
	enc = append(enc, abiString(program)...)
	enc = append(enc, abiString(epoch)...)
	h := keccak256(enc)
	if got := ClaimNonce(program, epoch, token, who); got.Cmp(new(big.Int).SetBytes(h[:])) != 0 {
		t.Fatalf("nonce %s", got)
	}
	if ClaimNonce("a", "bc", token, who).Cmp(ClaimNonce("ab", "c", token, who)) == 0 {
		t.Fatal("program/epoch boundary is ambiguous")
	}
}

func TestSignClaims(t *testing.T) {
	s, _ := NewSigner("0x" + anvilKey0)
	opts := ClaimOptions{Domain: Domain{ChainID: 100, Permit2: UbiquityPermit2}, Token: mustAddress("0xe91D153E0b41518A2Ce8Dd3D7944Fa863463a97d"), Program: "p", Epoch: "e1"}
	var claims []Claim
	for i := range 300 {
		claims = append(claims, Claim{Beneficiary: Address{1, byte(i), byte(i >> 8)}, Amount: big.NewInt(int64(i % 5))})
	}
	signed, err := SignClaims(context.Background(), s, opts, claims)
	if err != nil {
		t.Fatal(err)
	}
	if len(signed) != 240 { // amounts 0 are skipped
		t.Fatalf("%d signed", len(signed))
	}
	prev := -1
	for _, c := range signed {
		if c.Index <= prev {
			t.Fatal("output not in input order")
		}
		prev = c.Index
		if c.Permit.Spender != claims[c.Index].Beneficiary || c.Permit.Amount.Cmp(claims[c.Index].Amount) != 0 {
			t.Fatalf("claim %d: wrong permit", c.Index)
		}
		if c.Permit.Deadline.Cmp(MaxUint256()) != 0 {
			t.Fatal("default deadline is not MaxUint256")
		}
		who, err := RecoverPermitSigner(opts.Domain, c.Permit, c.Signature)
		if err != nil || who != s.Address() || c.Owner != s.Address() {
			t.Fatalf("claim %d: recovered %s", c.Index, who)
		}
	}
	again, _ := SignClaims(context.Background(), s, opts, claims)
	a, _ := json.Marshal(signed)
	b, _ := json.Marshal(again)
	if string(a) != string(b) {
		t.Fatal("SignClaims is not deterministic")
	}
	var back []SignedClaim
	if err := json.Unmarshal(a, &back); err != nil || len(back) != len(signed) || back[7].Permit.Nonce.Cmp(signed[7].Permit.Nonce) != 0 {
		t.Fatalf("JSON round trip: %v", err)
	}

	dup := append(claims[:2:2], claims[1])
	if _, err := SignClaims(context.Background(), s, opts, dup); plaudit.ErrorCode(err) != plaudit.EINVALID {
		t.Fatalf("duplicate beneficiary: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := SignClaims(ctx, s, opts, claims); err == nil {
		t.Fatal("cancelled context: no error")
	}
	if _, err := SignClaims(context.Background(), nil, opts, claims); err == nil {
		t.Fatal("nil signer: no error")
	}
}

// TestSignerRedacts: no formatting, logging or encoding path shows the key, and key errors never quote it.
func TestSignerRedacts(t *testing.T) {
	s, _ := NewSigner(anvilKey0)
	var logs strings.Builder
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("signer", "s", s)
	j, _ := json.Marshal(struct{ S *Signer }{s})
	outs := []string{
		fmt.Sprint(s), fmt.Sprintf("%v %+v %#v %s %x %X %q %d", s, s, s, s, s, s, s, s),
		fmt.Sprintf("%v", struct{ S *Signer }{s}), fmt.Sprintf("%+v", []*Signer{s}), logs.String(), string(j),
	}
	for _, out := range outs {
		if strings.Contains(strings.ToLower(out), anvilKey0[:16]) {
			t.Fatalf("key leaked: %s", out)
		}
	}
	if !strings.Contains(logs.String(), s.Address().String()) {
		t.Errorf("log should show the address: %s", logs.String())
	}
	for _, bad := range []string{anvilKey0[:63] + "g", anvilKey0 + "00", "0x" + strings.Repeat("0", 64), "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"} {
		_, err := NewSigner(bad)
		if err == nil {
			t.Fatalf("accepted a bad key")
		}
		if strings.Contains(err.Error(), bad[:16]) {
			t.Fatalf("error quotes the key: %v", err)
		}
	}
	s.Destroy()
	if _, err := SignClaims(context.Background(), s, ClaimOptions{}, nil); err == nil {
		t.Fatal("destroyed signer still signs")
	}
}

func TestParseUint256(t *testing.T) {
	for in, want := range map[string]string{"0": "0", "007": "7", "0x10": "16", "0XfF": "255",
		"115792089237316195423570985008687907853269984665640564039457584007913129639935": MaxUint256().String()} {
		v, err := ParseUint256(in)
		if err != nil || v.String() != want {
			t.Errorf("%q: %v %v", in, v, err)
		}
	}
	for _, in := range []string{"", "-1", "+1", "1.0", "1e18", " 1", "0x", "0xg", "115792089237316195423570985008687907853269984665640564039457584007913129639936", "1_000"} {
		if _, err := ParseUint256(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}

func TestParseSignature(t *testing.T) {
	const s = "0x4355c47d63924e8a72e509b65029052eb6c299d53a04e167c5775fd466751c9d07299936d304c153f6443dfa05f40ff007d72911b6f72307f996231605b915621c"
	sig, err := ParseSignature(s)
	if err != nil || sig.String() != s {
		t.Fatal(err)
	}
	sig01, err := ParseSignature(s[:130] + "01")
	if err != nil || sig01 != sig {
		t.Fatalf("v=1 not normalised: %v", err)
	}
	for _, bad := range []string{"", s[:130], s[:130] + "1d", s + "00", "0x" + strings.Repeat("z", 130)} {
		if _, err := ParseSignature(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestSignErrors(t *testing.T) {
	s, _ := NewSigner(anvilKey0)
	p := Permit{Amount: big.NewInt(1), Nonce: big.NewInt(1), Deadline: big.NewInt(1)}
	if _, err := s.SignPermit(Domain{ChainID: 0}, p); plaudit.ErrorCode(err) != plaudit.EINVALID {
		t.Fatalf("chain 0: %v", err)
	}
	p.Nonce = nil
	if _, err := s.SignPermit(Domain{ChainID: 1}, p); plaudit.ErrorCode(err) != plaudit.EINVALID {
		t.Fatalf("nil nonce: %v", err)
	}
	s.Destroy()
	if _, err := s.SignHash(Hash{}); err == nil {
		t.Fatal("destroyed signer signed")
	}
	var nilSigner *Signer
	if _, err := nilSigner.SignHash(Hash{}); err == nil {
		t.Fatal("nil signer signed")
	}
}
