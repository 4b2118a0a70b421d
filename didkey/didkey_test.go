package didkey

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"strings"
	"testing"
)

// The Ed25519 vectors of the did:key specification (w3c-ccg/did-method-key, test-vectors/ed25519-x25519.json):
// the seed, the did and the verification key's publicKeyBase58.
var specVectors = []struct{ seed, did, base58 string }{
	{"0000000000000000000000000000000000000000000000000000000000000000", "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp", "4zvwRjXUKGfvwnParsHAS3HuSVzV5cA4McphgmoCtajS"},
	{"0000000000000000000000000000000000000000000000000000000000000001", "did:key:z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG", "6ASf5EcmmEHTgDJ4X4ZT5vT6iHVJBXPg5AN5YoTCpGWt"},
	{"0000000000000000000000000000000000000000000000000000000000000002", "did:key:z6MknGc3ocHs3zdPiJbnaaqDi58NGb4pk1Sp9WxWufuXSdxf", "8pM1DN3RiT8vbom5u1sNryaNT1nyL8CTTW3b5PwWXRBH"},
	{"0000000000000000000000000000000000000000000000000000000000000003", "did:key:z6MkvqoYXQfDDJRv8L4wKzxYeuKyVZBfi9Qo6Ro8MiLH3kDQ", "HPYVwAQmskwT1qEEeRzhoomyfyupJGASQQtCXSNG8XS2"},
	{"0000000000000000000000000000000000000000000000000000000000000004", "did:key:z6MkwW6aqMnjgrhJXFUko3NnZPGzVpkNzhYK7yEhnsibmLwL", "J3qYF7YJMKCqQke47UQwiHizgFUXapHxRxKmxbkar89x"},
}

func TestSpecVectors(t *testing.T) {
	for _, v := range specVectors {
		seed, _ := hex.DecodeString(v.seed)
		pub := ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
		if got := Format(pub); got != v.did {
			t.Errorf("seed %s: Format = %s, want %s", v.seed, got, v.did)
		}
		want, err := decodeBase58(v.base58)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(pub, want) {
			t.Errorf("seed %s: public key %x, the vector's publicKeyBase58 is %x", v.seed, pub, want)
		}
		got, err := Parse(v.did)
		if err != nil {
			t.Fatalf("Parse(%s): %v", v.did, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("Parse(%s) = %x, want %x", v.did, got, want)
		}
	}
}

func TestParseRefuses(t *testing.T) {
	good := specVectors[0].did
	secp := "did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme" // a secp256k1 did:key from the spec
	for _, c := range []struct{ in, want string }{
		{"", "beginning"},
		{"did:web:example.com", "beginning"},
		{"did:key:", "missing"},
		{"did:key:" + "m" + good[len("did:key:z"):], "base58btc"},
		{good[:len(good)-1] + "0", "not base58btc"},
		{Prefix + "z" + encodeBase58(append([]byte{0xed, 0x01}, make([]byte, 31)...)), "key of 31 bytes"},
		{Prefix + "z" + encodeBase58(append([]byte{0xed, 0x01}, make([]byte, 33)...)), "key of 33 bytes"},
		{secp, "not an Ed25519 key"},
		{good + "#" + good[len("did:key:"):], "not base58btc"},
		{"did:key:z" + strings.Repeat("2", 200), "too long"},
	} {
		if _, err := Parse(c.in); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Parse(%q) = %v, want an error containing %q", c.in, err, c.want)
		}
	}
}

func TestVerify(t *testing.T) {
	seed, _ := hex.DecodeString(specVectors[1].seed)
	priv := ed25519.NewKeyFromSeed(seed)
	msg := []byte("plaudit")
	sig := ed25519.Sign(priv, msg)
	if ok, err := Verify(specVectors[1].did, msg, sig); !ok || err != nil {
		t.Fatalf("Verify of a good signature = %v, %v", ok, err)
	}
	if ok, err := Verify(specVectors[0].did, msg, sig); ok || err != nil {
		t.Fatalf("Verify with another key = %v, %v; want false, nil", ok, err)
	}
	if ok, err := Verify(specVectors[1].did, []byte("plauditt"), sig); ok || err != nil {
		t.Fatalf("Verify of another message = %v, %v; want false, nil", ok, err)
	}
	if _, err := Verify(specVectors[1].did, msg, sig[:63]); err == nil {
		t.Fatal("Verify of a short signature: no error")
	}
}

// FuzzParse: Parse never panics, and whatever it accepts formats back to exactly the same identifier.
func FuzzParse(f *testing.F) {
	for _, v := range specVectors {
		f.Add(v.did)
	}
	f.Add("did:key:z")
	f.Add("did:key:z1111111111")
	f.Add("did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme")
	f.Fuzz(func(t *testing.T, s string) {
		pub, err := Parse(s)
		if err != nil {
			return
		}
		if got := Format(pub); got != s {
			t.Fatalf("Parse(%q) accepted a key that formats as %q", s, got)
		}
	})
}
