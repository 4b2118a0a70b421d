package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/internal/testenv"
	"github.com/plaudit/plaudit/payout"
)

// runPayout runs `plaudit payout args…` with the payout commands' flags reset (cobra keeps flag values between
// executions) and returns standard output, standard error and the error.
func runPayout(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	group, _, err := rootCmd.Find([]string{"payout"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range group.Commands() {
		c.Flags().VisitAll(func(f *pflag.Flag) {
			_ = f.Value.Set(f.DefValue)
			f.Changed = false
		})
	}
	var out, errOut bytes.Buffer
	rootCmd.SetOut(&out)
	rootCmd.SetErr(&errOut)
	rootCmd.SetArgs(append([]string{"payout"}, args...))
	defer func() {
		rootCmd.SetArgs(nil)
		rootCmd.SetOut(nil)
		rootCmd.SetErr(nil)
	}()
	err = rootCmd.Execute()
	return out.String(), errOut.String(), err
}

func payoutLastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

const payoutTestKey = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"

func TestPayoutMerkleCommand(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "epoch.csv")
	// OpenZeppelin's README example, lines in reverse order (the root ignores order)
	csv := "0x2222222222222222222222222222222222222222,2500000000000000000\n0x1111111111111111111111111111111111111111,5000000000000000000\n"
	if err := os.WriteFile(in, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err := runPayout(t, "merkle", in, "--dump", filepath.Join(dir, "tree.json"))
	if err != nil {
		t.Fatal(err)
	}
	root := payoutLastLine(out)
	if root != "0xd4dee0beab2d53f2cc83e567171bd2820e49898130a22622b10ead383e90bd77" {
		t.Fatalf("root %q\n%s", root, out)
	}
	b, err := os.ReadFile(filepath.Join(dir, "epoch.proofs.json"))
	if err != nil {
		t.Fatalf("proofs not written beside the input: %v", err)
	}
	f, err := payout.ReadProofs(bytes.NewReader(b))
	if err != nil || f.Root.String() != root || len(f.Claims) != 2 {
		t.Fatalf("proofs file: %v", err)
	}
	if _, err := payout.LoadDump(payoutReadFile(t, filepath.Join(dir, "tree.json"))); err != nil {
		t.Fatalf("dump: %v", err)
	}

	// every member verifies their own entry, with the proof inline and from the file
	for _, c := range f.Claims {
		p, _ := json.Marshal(c.Proof)
		for _, proof := range []string{string(p), "@" + filepath.Join(dir, "epoch.proofs.json")} {
			out, _, err := runPayout(t, "verify-proof", "--root", root, "--address", c.Address.String(), "--amount", c.Amount, "--proof", proof)
			if err != nil || !strings.HasPrefix(payoutLastLine(out), "valid:") {
				t.Fatalf("verify-proof %s: %v\n%s", c.Address, err, out)
			}
		}
	}
	// a wrong amount fails, with a non-zero exit
	p, _ := json.Marshal(f.Claims[0].Proof)
	_, _, err = runPayout(t, "verify-proof", "--root", root, "--address", f.Claims[0].Address.String(), "--amount", "1", "--proof", string(p))
	if err == nil || exitCode(err) == 0 {
		t.Fatalf("wrong amount verified: %v", err)
	}
}

func TestPayoutMerkleBadInput(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "bad.csv")
	os.WriteFile(in, []byte("address,amount\n0x1111111111111111111111111111111111111111,5\n0x2222,1\n0x3333333333333333333333333333333333333333,1.5\n"), 0o644)
	_, _, err := runPayout(t, "merkle", in)
	if err == nil || exitCode(err) != 2 {
		t.Fatalf("bad csv: %v", err)
	}
	msg := userMessage(err)
	if !strings.Contains(msg, "line 3: field address") || !strings.Contains(msg, "line 4: field amount") {
		t.Fatalf("message does not name lines and fields: %s", msg)
	}
	if _, err := os.Stat(filepath.Join(dir, "bad.proofs.json")); !os.IsNotExist(err) {
		t.Fatal("proofs written for a bad file")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("left files behind: %v", entries)
	}
	if _, _, err := runPayout(t, "merkle", filepath.Join(dir, "missing.csv")); err == nil {
		t.Fatal("missing file: no error")
	}

	dup := filepath.Join(dir, "dup.csv")
	os.WriteFile(dup, []byte("0x1111111111111111111111111111111111111111,5\n0x1111111111111111111111111111111111111111,5\n"), 0o644)
	_, stderr, err := runPayout(t, "merkle", dup)
	if err != nil || !strings.Contains(stderr, "lines 1, 2") {
		t.Fatalf("duplicates: %v %q", err, stderr)
	}
}

// TestPayoutPermitCommand signs Ubiquity's test permit (ubiquity-os/permit-generation
// tests/generate-erc20-permit.test.ts) and must print their ethers signature on the last line.
func TestPayoutPermitCommand(t *testing.T) {
	t.Setenv(payout.EnvSignerKey, payoutTestKey)
	t.Setenv(payout.EnvSignerSealed, "")
	args := []string{"permit", "--token", "0xe91D153E0b41518A2Ce8Dd3D7944Fa863463a97d", "--amount", "100000000000000000000",
		"--spender", "0xefC0e701A824943b469a694aC564Aa1efF7Ab7dd",
		"--nonce", "28290789875493039658039458533958603742651083423638415458747066904844975862062",
		"--deadline", "115792089237316195423570985008687907853269984665640564039457584007913129639935", "--chain-id", "100"}
	out, _, err := runPayout(t, args...)
	if err != nil {
		t.Fatal(err)
	}
	const want = "0xad87653fb0ecf740c73b78a8f414cdd5b1ffb18670cde5a1d21c65e43d6bb2a36c5470c5529334dc11566f0c380889b734a8539d69ec74cc2abf37af0ea7a7781b"
	if payoutLastLine(out) != want {
		t.Fatalf("signature %q, want %s\n%s", payoutLastLine(out), want, out)
	}
	if strings.Contains(out, payoutTestKey[2:18]) {
		t.Fatal("key printed")
	}
	// --permit2 changes the domain, and so the signature
	out, _, err = runPayout(t, append(args, "--permit2", payout.UbiquityPermit2.String())...)
	if err != nil || payoutLastLine(out) == want || len(payoutLastLine(out)) != 132 {
		t.Fatalf("--permit2: %v %s", err, out)
	}

	// bad input: named flag, exit 2, no key in the message
	t.Setenv(payout.EnvSignerKey, payoutTestKey[:60]+"zzzz")
	_, _, err = runPayout(t, args...)
	if err == nil || exitCode(err) != 2 || strings.Contains(userMessage(err), payoutTestKey[2:18]) {
		t.Fatalf("bad key: %v", err)
	}
	t.Setenv(payout.EnvSignerKey, payoutTestKey)
	bad := append([]string{}, args...)
	bad[2] = "0x1234"
	if _, _, err := runPayout(t, bad...); err == nil || !strings.Contains(userMessage(err), "--token") {
		t.Fatalf("bad token: %v", err)
	}
}

// TestPayoutPermitSealedKey uses the Ubiquity sealed-box vector (bound to owner 1) through the environment.
func TestPayoutPermitSealedKey(t *testing.T) {
	var v struct {
		X25519 string `json:"x25519_private_key"`
		CT     string `json:"ciphertext"`
	}
	if err := json.Unmarshal(payoutReadFile(t, testenv.Shared(t, "conformance/ubiquity/sealed-box.json")), &v); err != nil {
		t.Fatal(err)
	}
	t.Setenv(payout.EnvSignerKey, "")
	t.Setenv(payout.EnvSignerSealed, v.CT)
	t.Setenv(payout.EnvX25519Key, v.X25519)
	args := []string{"permit", "--token", "0xe91D153E0b41518A2Ce8Dd3D7944Fa863463a97d", "--amount", "1", "--spender",
		"0xefC0e701A824943b469a694aC564Aa1efF7Ab7dd", "--nonce", "7", "--deadline", "1893456000"}
	out, _, err := runPayout(t, append(args, "--owner-id", "1")...)
	if err != nil || !strings.Contains(out, "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266") {
		t.Fatalf("owner 1: %v\n%s", err, out)
	}
	_, _, err = runPayout(t, append(args, "--owner-id", "2")...)
	if plaudit.ErrorCode(err) != plaudit.EFORBIDDEN || exitCode(err) != 2 {
		t.Fatalf("owner 2: %v", err)
	}

	// seal a new key for owner 42, repository 7, and use it there and only there
	t.Setenv(payout.EnvSignerKey, payoutTestKey)
	sealed, _, err := runPayout(t, "seal", "--owner-id", "42", "--repo-id", "7")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(payout.EnvSignerKey, "")
	t.Setenv(payout.EnvSignerSealed, strings.TrimSpace(sealed))
	if _, _, err := runPayout(t, append(args, "--owner-id", "42", "--repo-id", "7")...); err != nil {
		t.Fatalf("own repository: %v", err)
	}
	if _, _, err := runPayout(t, append(args, "--owner-id", "42", "--repo-id", "8")...); plaudit.ErrorCode(err) != plaudit.EFORBIDDEN {
		t.Fatalf("other repository: %v", err)
	}
}

func payoutReadFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestPayoutClaimsCommand signs a file of claims twice (same bytes), and every signature recovers the signer.
func TestPayoutClaimsCommand(t *testing.T) {
	t.Setenv(payout.EnvSignerKey, payoutTestKey)
	t.Setenv(payout.EnvSignerSealed, "")
	dir := t.TempDir()
	in := filepath.Join(dir, "e.csv")
	os.WriteFile(in, []byte("address,amount\n0x1111111111111111111111111111111111111111,5\n0x2222222222222222222222222222222222222222,0\n0x3333333333333333333333333333333333333333,7\n"), 0o644)
	args := []string{"claims", in, "--token", "0xe91D153E0b41518A2Ce8Dd3D7944Fa863463a97d", "--program", "acme", "--epoch", "2026-W47", "--chain-id", "100", "--permit2", payout.UbiquityPermit2.String()}
	if _, _, err := runPayout(t, args...); err != nil {
		t.Fatal(err)
	}
	first := payoutReadFile(t, filepath.Join(dir, "e.claims.json"))
	if _, _, err := runPayout(t, args...); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, payoutReadFile(t, filepath.Join(dir, "e.claims.json"))) {
		t.Fatal("claims are not deterministic")
	}
	var doc struct {
		Owner  payout.Address `json:"owner"`
		Claims []struct {
			Line      int              `json:"line"`
			Permit    payout.Permit    `json:"permit"`
			Signature payout.Signature `json:"signature"`
		} `json:"claims"`
	}
	if err := json.Unmarshal(first, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Claims) != 2 || doc.Claims[0].Line != 2 || doc.Claims[1].Line != 4 {
		t.Fatalf("claims %+v", doc.Claims)
	}
	d := payout.Domain{ChainID: 100, Permit2: payout.UbiquityPermit2}
	for _, c := range doc.Claims {
		who, err := payout.RecoverPermitSigner(d, c.Permit, c.Signature)
		if err != nil || who != doc.Owner {
			t.Fatalf("line %d: recovered %s", c.Line, who)
		}
		if c.Permit.Nonce.Cmp(payout.ClaimNonce("acme", "2026-W47", c.Permit.Token, c.Permit.Spender)) != 0 {
			t.Fatalf("line %d: nonce", c.Line)
		}
	}

	dup := filepath.Join(dir, "dup.csv")
	os.WriteFile(dup, []byte("0x1111111111111111111111111111111111111111,5\n0x1111111111111111111111111111111111111111,6\n"), 0o644)
	args[1] = dup
	if _, _, err := runPayout(t, args...); err == nil || !strings.Contains(userMessage(err), "lines 1, 2") {
		t.Fatalf("duplicate address: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "dup.claims.json")); !os.IsNotExist(err) {
		t.Fatal("claims written for a refused file")
	}
}
