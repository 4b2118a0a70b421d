package payout

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/internal/testenv"
)

type sealedVector struct {
	X25519PrivateKey string `json:"x25519_private_key"`
	Ciphertext       string `json:"ciphertext"`
	Plaintext        string `json:"plaintext"`
	OwnerID          int64  `json:"owner_id"`
}

func loadSealedVector(t *testing.T) sealedVector {
	t.Helper()
	b, err := os.ReadFile(testenv.Shared(t, "conformance/ubiquity/sealed-box.json"))
	if err != nil {
		t.Fatal(err)
	}
	var v sealedVector
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// secretParts are the strings that must never appear in an error: the key, the plaintext, the X25519 key.
func assertNoSecret(t *testing.T, err error, secrets ...string) {
	t.Helper()
	if err == nil {
		return
	}
	msg := strings.ToLower(fmt.Sprintf("%v %+v %s", err, err, plaudit.ErrorMessage(err)))
	for _, s := range secrets {
		if s != "" && strings.Contains(msg, strings.ToLower(s[:min(len(s), 16)])) {
			t.Fatalf("error leaks a secret: %v", err)
		}
	}
}

// TestSealedBoxUbiquityVector opens the test vector of Ubiquity's conversation-rewards ("Should decrypt
// private key correctly"): a libsodium crypto_box_seal of "KEY:1".
func TestSealedBoxUbiquityVector(t *testing.T) {
	v := loadSealedVector(t)
	priv, pub, err := x25519Key(v.X25519PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	ct, err := decodeBase64(v.Ciphertext)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := OpenSealedBox(ct, priv, pub)
	if err != nil {
		t.Fatal(err)
	}
	if string(plain) != v.Plaintext {
		t.Fatal("plaintext differs from the vector")
	}
	key := strings.SplitN(v.Plaintext, ":", 2)[0]
	want, _ := NewSigner(key)

	s, err := OpenSealedKey(v.Ciphertext, v.X25519PrivateKey, v.OwnerID, 0)
	if err != nil {
		t.Fatalf("owner %d: %v", v.OwnerID, err)
	}
	if s.Address() != want.Address() {
		t.Fatalf("address %s, want %s", s.Address(), want.Address())
	}
	// bound to the owner only: any repository of that owner may use it
	if _, err := OpenSealedKey(v.Ciphertext, v.X25519PrivateKey, v.OwnerID, 123456); err != nil {
		t.Fatalf("owner-bound key refused in a repository of its owner: %v", err)
	}
	// another owner is refused, and the refusal names no secret
	_, err = OpenSealedKey(v.Ciphertext, v.X25519PrivateKey, v.OwnerID+1, 0)
	if plaudit.ErrorCode(err) != plaudit.EFORBIDDEN {
		t.Fatalf("other owner: %v", err)
	}
	assertNoSecret(t, err, key, v.Plaintext, v.X25519PrivateKey)
}

// TestSealedBoxPermitGenerationVector opens the sealed key of ubiquity-os/permit-generation's tests
// (tests/constants.ts cypherText, X25519 key from tests/generate-erc20-permit.test.ts, commit
// 091f4f2ed523d1398b5872aa5fecac3ed425eed2): a second libsodium-made box, holding a bare key with no owner.
// It opens, and Plaudit refuses to use an unbound key.
func TestSealedBoxPermitGenerationVector(t *testing.T) {
	const x25519 = "bHH4PDnwb2bsG9nmIu1KeIIX71twQHS-23wCPfKONls"
	const ct = "wOzNgt-yKT6oFlOVz5wrBLUSYxAbKGE9Co-yvT8f9lePsx7wJwPVugS9186zdhr1T4UpkpXvq9ii5M-nWfrydMnllSkowH4LirRZsHbvRVSvDoH_uh80p6HpwqDSG3g4Nwx5q0GD3H-ne4vwXMuwWAHd"
	priv, pub, err := x25519Key(x25519)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := decodeBase64(ct)
	plain, err := OpenSealedBox(raw, priv, pub)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSigner(string(plain))
	if err != nil {
		t.Fatal(err)
	}
	// the owner of the permit in that repository's expected result
	if s.Address().String() != "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266" {
		t.Fatalf("address %s", s.Address())
	}
	_, err = OpenSealedKey(ct, x25519, 1, 0)
	if plaudit.ErrorCode(err) != plaudit.EFORBIDDEN {
		t.Fatalf("unbound key: %v", err)
	}
	assertNoSecret(t, err, string(plain)[2:], x25519)
}

// TestSealedKeyBinding seals keys with every binding and checks who may open them.
func TestSealedKeyBinding(t *testing.T) {
	const x25519 = "wrQ9wTI1bwdAHbxk2dfsvoK1yRwDc0CEenmMXFvGYgY"
	pub, err := X25519PublicKey(x25519)
	if err != nil {
		t.Fatal(err)
	}
	key := "0x" + anvilKey0
	ownerOnly, err := SealKey(key, SealedKeyBinding{OwnerID: 76412717}, pub)
	if err != nil {
		t.Fatal(err)
	}
	ownerRepo, err := SealKey(key, SealedKeyBinding{OwnerID: 76412717, RepoID: 728328729}, pub)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name        string
		sealed      string
		owner, repo int64
		ok          bool
		code        string
	}{
		{"owner only, its owner", ownerOnly, 76412717, 0, true, ""},
		{"owner only, its owner, some repo", ownerOnly, 76412717, 5, true, ""},
		{"owner only, other owner", ownerOnly, 1, 0, false, plaudit.EFORBIDDEN},
		{"owner+repo, its repo", ownerRepo, 76412717, 728328729, true, ""},
		{"owner+repo, other repo", ownerRepo, 76412717, 728328730, false, plaudit.EFORBIDDEN},
		{"owner+repo, no repo", ownerRepo, 76412717, 0, false, plaudit.EFORBIDDEN},
		{"owner+repo, other owner same repo", ownerRepo, 2, 728328729, false, plaudit.EFORBIDDEN},
		{"not base64", "!!!", 76412717, 0, false, plaudit.EINVALID},
		{"too short", "AAAA", 76412717, 0, false, plaudit.EINVALID},
		{"tampered", ownerOnly[:len(ownerOnly)-4] + "AAAA", 76412717, 0, false, plaudit.EINVALID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := OpenSealedKey(tc.sealed, x25519, tc.owner, tc.repo)
			if tc.ok {
				if err != nil {
					t.Fatal(err)
				}
				if s.Address().String() != "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266" {
					t.Fatalf("address %s", s.Address())
				}
				return
			}
			if plaudit.ErrorCode(err) != tc.code {
				t.Fatalf("code %q, want %q: %v", plaudit.ErrorCode(err), tc.code, err)
			}
			assertNoSecret(t, err, anvilKey0, x25519)
		})
	}
	// the wrong X25519 key cannot open the box
	_, err = OpenSealedKey(ownerOnly, "bHH4PDnwb2bsG9nmIu1KeIIX71twQHS-23wCPfKONls", 76412717, 0)
	if plaudit.ErrorCode(err) != plaudit.EINVALID {
		t.Fatalf("wrong X25519 key: %v", err)
	}
	if _, err := OpenSealedKey(ownerOnly, "short", 76412717, 0); plaudit.ErrorCode(err) != plaudit.EINVALID {
		t.Fatalf("bad X25519 key: %v", err)
	}
}

// TestSealedPlaintextFormats covers the plaintext parser, which must refuse cleanly and never echo the key.
func TestSealedPlaintextFormats(t *testing.T) {
	for _, tc := range []struct {
		plain string
		code  string
		owner int64
		repo  int64
	}{
		{anvilKey0 + ":1", "", 1, 0},
		{"0x" + anvilKey0 + ":1:2", "", 1, 2},
		{anvilKey0 + ":1\n", "", 1, 0},
		{anvilKey0, plaudit.EFORBIDDEN, 0, 0},
		{anvilKey0 + ":x", plaudit.EINVALID, 0, 0},
		{anvilKey0 + ":0", plaudit.EINVALID, 0, 0},
		{anvilKey0 + ":-4", plaudit.EINVALID, 0, 0},
		{anvilKey0 + ":1:", plaudit.EINVALID, 0, 0},
		{anvilKey0 + ":1:2:3", plaudit.EINVALID, 0, 0},
		{"1:" + anvilKey0, plaudit.EINVALID, 0, 0},
		{anvilKey0[:62] + ":1", plaudit.EINVALID, 0, 0},
		{":1", plaudit.EINVALID, 0, 0},
	} {
		s, b, err := parseSealedPlaintext([]byte(tc.plain))
		if tc.code == "" {
			if err != nil || b.OwnerID != tc.owner || b.RepoID != tc.repo || s == nil {
				t.Errorf("%q: %v %+v", tc.plain, err, b)
			}
			continue
		}
		if plaudit.ErrorCode(err) != tc.code {
			t.Errorf("%q: code %q, want %q (%v)", tc.plain, plaudit.ErrorCode(err), tc.code, err)
		}
		assertNoSecret(t, err, anvilKey0, anvilKey0[16:])
	}
}

// TestSignerConfig: where the key comes from, and what is refused.
func TestSignerConfig(t *testing.T) {
	v := loadSealedVector(t)
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

	c, err := SignerConfigFromEnv(env(map[string]string{EnvSignerKey: "0x" + anvilKey0}))
	if err != nil {
		t.Fatal(err)
	}
	if s, err := c.Signer(); err != nil || s.Address().String() != "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266" {
		t.Fatalf("plain key: %v", err)
	}
	for _, f := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x"} {
		if out := fmt.Sprintf(f, c); strings.Contains(out, anvilKey0[:16]) {
			t.Fatalf("%s leaks the key: %s", f, out)
		}
	}

	c, _ = SignerConfigFromEnv(env(map[string]string{EnvSignerSealed: v.Ciphertext, EnvX25519Key: v.X25519PrivateKey, EnvOwnerID: "1"}))
	if _, err := c.Signer(); err != nil {
		t.Fatalf("sealed key for its owner: %v", err)
	}
	c, _ = SignerConfigFromEnv(env(map[string]string{EnvSignerSealed: v.Ciphertext, EnvX25519Key: v.X25519PrivateKey, EnvOwnerID: "2", EnvRepoID: "3"}))
	if _, err := c.Signer(); plaudit.ErrorCode(err) != plaudit.EFORBIDDEN {
		t.Fatalf("sealed key for another owner: %v", err)
	}
	for name, m := range map[string]map[string]string{
		"nothing":   {},
		"both":      {EnvSignerKey: anvilKey0, EnvSignerSealed: v.Ciphertext},
		"no x25519": {EnvSignerSealed: v.Ciphertext, EnvOwnerID: "1"},
		"no owner":  {EnvSignerSealed: v.Ciphertext, EnvX25519Key: v.X25519PrivateKey},
		"bad key":   {EnvSignerKey: anvilKey0[:60] + "zzzz"},
	} {
		c, _ := SignerConfigFromEnv(env(m))
		_, err := c.Signer()
		if plaudit.ErrorCode(err) != plaudit.EINVALID {
			t.Errorf("%s: %v", name, err)
		}
		assertNoSecret(t, err, anvilKey0, v.X25519PrivateKey)
	}
	if _, err := SignerConfigFromEnv(env(map[string]string{EnvOwnerID: "abc"})); plaudit.ErrorCode(err) != plaudit.EINVALID {
		t.Fatalf("bad owner id: %v", err)
	}
}

// FuzzSealedPlaintext: the plaintext parser never panics, and never repeats the key field in an error.
func FuzzSealedPlaintext(f *testing.F) {
	f.Add([]byte(anvilKey0 + ":1"))
	f.Add([]byte("0x" + anvilKey0 + ":1:2"))
	f.Add([]byte(anvilKey0))
	f.Add([]byte(anvilKey0 + ":1:2:3"))
	f.Add([]byte(anvilKey0[:40] + "::"))
	f.Fuzz(func(t *testing.T, in []byte) {
		s, b, err := parseSealedPlaintext(in)
		if err == nil {
			if s == nil || b.OwnerID <= 0 || b.RepoID < 0 {
				t.Fatalf("accepted %q as %+v", in, b)
			}
			return
		}
		key := strings.SplitN(string(in), ":", 2)[0]
		if len(key) >= 8 && strings.Contains(err.Error(), key) {
			t.Fatalf("error repeats the key field: %v", err)
		}
	})
}
