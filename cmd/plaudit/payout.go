package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/payout"
	"github.com/plaudit/plaudit/service"
)

func init() {
	cmd := &cobra.Command{
		Use:   "payout",
		Short: "Merkle distributions and Permit2 claims that members can verify themselves",
		Long: `payout builds and checks verifiable payouts: an OpenZeppelin-compatible Merkle distribution of an
epoch (a root to publish and a proof per member), and Permit2 PermitTransferFrom claims signed with EIP-712.

The signing key comes from PLAUDIT_SIGNER_KEY (0x-hex), or from a libsodium sealed box in
PLAUDIT_SIGNER_SEALED holding KEY:OWNER_ID or KEY:OWNER_ID:REPO_ID, opened with PLAUDIT_X25519_PRIVATE_KEY and
usable only for that owner (PLAUDIT_OWNER_ID or --owner-id) and repository. See docs/payouts.md.`,
	}
	cmd.AddCommand(payoutMerkleCmd(), payoutPermitCmd(), payoutClaimsCmd(), payoutVerifyProofCmd(), payoutSealCmd())
	rootCmd.AddCommand(cmd)
}

func payoutMerkleCmd() *cobra.Command {
	var proofsPath, dumpPath string
	cmd := &cobra.Command{
		Use:   "merkle FILE.csv",
		Short: "Build the Merkle distribution of an address,amount CSV: print the root, write the proofs beside it",
		Long: `merkle reads FILE.csv, one "address,amount" per line (amount in token base units, a decimal integer;
header optional; # comments and blank lines skipped), builds OpenZeppelin's StandardMerkleTree with leaf
encoding ["address","uint256"], writes every member's leaf and proof to FILE.proofs.json beside the input,
and prints the root as 0x-hex on its last line. The root does not depend on the order of the lines. A bad
line stops everything with its line and field, and nothing is written. An address listed twice is kept
twice, as OpenZeppelin keeps it, with a warning.`,
		Example: `  plaudit payout merkle epoch-12.csv
  plaudit payout merkle epoch-12.csv --dump epoch-12.tree.json   # also OpenZeppelin's StandardMerkleTree.load format`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			in := args[0]
			f, err := os.Open(in)
			if err != nil {
				return plaudit.Errorf(plaudit.ENOTFOUND, "payout merkle: %v", err)
			}
			rows, err := payout.ParseCSV(f, in)
			f.Close()
			if err != nil {
				return err
			}
			dist, err := service.BuildMerkleDistribution(rows)
			if err != nil {
				return err
			}
			for _, lines := range dist.Duplicates {
				fmt.Fprintf(cmd.ErrOrStderr(), "warning: %s: lines %s pay the same address; each line is a separate leaf\n", in, joinInts(lines))
			}
			proofsPath := proofsPath // a flag's variable outlives one execution
			if proofsPath == "" {
				proofsPath = strings.TrimSuffix(in, filepath.Ext(in)) + ".proofs.json"
			}
			if err := writeFileAtomic(proofsPath, func(w io.Writer) error { return payout.WriteProofs(w, dist.Tree) }); err != nil {
				return fmt.Errorf("payout merkle: write proofs: %w", err)
			}
			if dumpPath != "" {
				err := writeFileAtomic(dumpPath, func(w io.Writer) error {
					b, err := json.Marshal(dist.Tree.Dump())
					if err != nil {
						return err
					}
					_, err = w.Write(append(b, '\n'))
					return err
				})
				if err != nil {
					return fmt.Errorf("payout merkle: write dump: %w", err)
				}
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "members  %d\n", dist.Members)
			fmt.Fprintf(out, "total    %s\n", dist.Total)
			fmt.Fprintf(out, "proofs   %s\n", proofsPath)
			if dumpPath != "" {
				fmt.Fprintf(out, "dump     %s\n", dumpPath)
			}
			fmt.Fprintln(out, dist.Root)
			return nil
		},
	}
	cmd.Flags().StringVar(&proofsPath, "proofs", "", "where to write the proofs (default FILE.proofs.json beside the input)")
	cmd.Flags().StringVar(&dumpPath, "dump", "", "also write OpenZeppelin's standard-v1 tree dump to this file")
	return cmd
}

func payoutPermitCmd() *cobra.Command {
	var token, amount, spender, nonce, deadline, permit2 string
	var chainID uint64
	var ownerID, repoID int64
	cmd := &cobra.Command{
		Use:   "permit",
		Short: "Sign one Permit2 PermitTransferFrom claim by hand; prints the 65-byte signature last",
		Long: `permit signs a single Permit2 PermitTransferFrom with EIP-712 (domain: name "Permit2", --chain-id,
verifying contract --permit2) and prints the signer, the digest, and on its last line the 65-byte signature
r || s || v (v = 27 or 28) as 0x-hex. The spender is the wallet that will call permitTransferFrom, the member
in a claim. Signing is deterministic (RFC 6979): the same claim always gives the same signature.

The key is read from PLAUDIT_SIGNER_KEY (0x-hex), or from the sealed box in PLAUDIT_SIGNER_SEALED opened with
PLAUDIT_X25519_PRIVATE_KEY, which must be bound to --owner-id (default $PLAUDIT_OWNER_ID) and, if bound to a
repository, --repo-id. The key is never printed.`,
		Example: `  PLAUDIT_SIGNER_KEY=0x… plaudit payout permit --token 0xe91D153E0b41518A2Ce8Dd3D7944Fa863463a97d \
      --amount 100000000000000000000 --spender 0xefC0e701A824943b469a694aC564Aa1efF7Ab7dd \
      --nonce 1 --deadline 1893456000 --chain-id 100 --permit2 0xd635918A75356D133d5840eE5c9ED070302C9C60`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var p payout.Permit
			var err error
			bad := func(flag string, err error) error {
				return plaudit.Errorf(plaudit.EINVALID, "--%s: %v", flag, err)
			}
			if p.Token, err = payout.ParseAddress(token); err != nil {
				return bad("token", err)
			}
			if p.Spender, err = payout.ParseAddress(spender); err != nil {
				return bad("spender", err)
			}
			if p.Amount, err = payout.ParseUint256(amount); err != nil {
				return bad("amount", err)
			}
			if p.Nonce, err = payout.ParseUint256(nonce); err != nil {
				return bad("nonce", err)
			}
			if p.Deadline, err = payout.ParseUint256(deadline); err != nil {
				return bad("deadline", err)
			}
			d := payout.Domain{ChainID: chainID, Permit2: payout.CanonicalPermit2}
			if permit2 != "" {
				if d.Permit2, err = payout.ParseAddress(permit2); err != nil {
					return bad("permit2", err)
				}
			}
			if chainID == 0 {
				return plaudit.Errorf(plaudit.EINVALID, "--chain-id: must be positive")
			}
			key, err := signerConfig(cmd, ownerID, repoID)
			if err != nil {
				return err
			}
			signed, err := service.SignPermit(key, p, d)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "signer   %s\n", signed.Signer)
			fmt.Fprintf(out, "permit2  %s (chain %d)\n", d.Permit2, d.ChainID)
			fmt.Fprintf(out, "digest   %s\n", signed.Digest)
			fmt.Fprintln(out, signed.Signature)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&token, "token", "", "ERC-20 token address (required)")
	f.StringVar(&amount, "amount", "", "amount in token base units (required)")
	f.StringVar(&spender, "spender", "", "the wallet allowed to claim: the member (required)")
	f.StringVar(&nonce, "nonce", "", "Permit2 nonce, decimal or 0x-hex; each nonce can be used once per signer (required)")
	f.StringVar(&deadline, "deadline", "", "unix time after which the claim expires, decimal or 0x-hex (required)")
	f.Uint64Var(&chainID, "chain-id", 1, "EIP-155 chain id")
	f.StringVar(&permit2, "permit2", payout.CanonicalPermit2.String(), "Permit2 contract (Ubiquity uses "+payout.UbiquityPermit2.String()+")")
	f.Int64Var(&ownerID, "owner-id", 0, "owner id a sealed key must be bound to (default $PLAUDIT_OWNER_ID)")
	f.Int64Var(&repoID, "repo-id", 0, "repository id, for a sealed key bound to a repository (default $PLAUDIT_REPO_ID)")
	for _, name := range []string{"token", "amount", "spender", "nonce", "deadline"} {
		_ = cmd.MarkFlagRequired(name)
	}
	return cmd
}

func payoutClaimsCmd() *cobra.Command {
	var token, deadline, permit2, program, epoch, outPath string
	var chainID uint64
	var ownerID, repoID int64
	cmd := &cobra.Command{
		Use:   "claims FILE.csv",
		Short: "Sign a Permit2 claim for every address,amount line; writes FILE.claims.json",
		Long: `claims signs one Permit2 PermitTransferFrom per line of FILE.csv (the same address,amount format as
payout merkle), the member's address as spender, with the deterministic nonce
uint256(keccak256(abi.encode(string program, string epoch, address token, address member))), and writes them
to FILE.claims.json beside the input. Signing the same file again gives the same bytes, and the same nonces,
so a claim can never be paid twice. An address listed twice is refused (both claims would share a nonce);
lines with amount 0 are skipped. The key comes from the environment as for payout permit.`,
		Example: `  PLAUDIT_SIGNER_KEY=0x… plaudit payout claims epoch-12.csv --token 0xe91D153E0b41518A2Ce8Dd3D7944Fa863463a97d \
      --program acme --epoch 2026-W47 --deadline 1893456000 --chain-id 100`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			in := args[0]
			opts := payout.ClaimOptions{Program: program, Epoch: epoch, Domain: payout.Domain{ChainID: chainID}}
			var err error
			if opts.Token, err = payout.ParseAddress(token); err != nil {
				return plaudit.Errorf(plaudit.EINVALID, "--token: %v", err)
			}
			if opts.Domain.Permit2, err = payout.ParseAddress(permit2); err != nil {
				return plaudit.Errorf(plaudit.EINVALID, "--permit2: %v", err)
			}
			if deadline != "" {
				if opts.Deadline, err = payout.ParseUint256(deadline); err != nil {
					return plaudit.Errorf(plaudit.EINVALID, "--deadline: %v", err)
				}
			}
			if chainID == 0 {
				return plaudit.Errorf(plaudit.EINVALID, "--chain-id: must be positive")
			}
			if program == "" || epoch == "" {
				return plaudit.Errorf(plaudit.EINVALID, "--program and --epoch are required: they make the nonces")
			}
			f, err := os.Open(in)
			if err != nil {
				return plaudit.Errorf(plaudit.ENOTFOUND, "payout claims: %v", err)
			}
			rows, err := payout.ParseCSV(f, in)
			f.Close()
			if err != nil {
				return err
			}
			key, err := signerConfig(cmd, ownerID, repoID)
			if err != nil {
				return err
			}
			doc, err := service.SignClaims(cmd.Context(), key, opts, rows, in)
			if err != nil {
				return err
			}
			outPath := outPath
			if outPath == "" {
				outPath = strings.TrimSuffix(in, filepath.Ext(in)) + ".claims.json"
			}
			err = writeFileAtomic(outPath, func(w io.Writer) error {
				enc := json.NewEncoder(w)
				enc.SetIndent("", " ")
				return enc.Encode(doc)
			})
			if err != nil {
				return fmt.Errorf("payout claims: write: %w", err)
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "claims   %d (of %d lines)\n", len(doc.Claims), len(rows))
			fmt.Fprintf(out, "written  %s\n", outPath)
			fmt.Fprintf(out, "owner    %s\n", doc.Owner)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&token, "token", "", "ERC-20 token address (required)")
	f.StringVar(&program, "program", "", "the rewards program, part of every nonce (required)")
	f.StringVar(&epoch, "epoch", "", "the epoch id, part of every nonce (required)")
	f.StringVar(&deadline, "deadline", "", "unix time after which the claims expire (default: never, 2^256-1)")
	f.Uint64Var(&chainID, "chain-id", 1, "EIP-155 chain id")
	f.StringVar(&permit2, "permit2", payout.CanonicalPermit2.String(), "Permit2 contract (Ubiquity uses "+payout.UbiquityPermit2.String()+")")
	f.StringVar(&outPath, "out", "", "where to write the claims (default FILE.claims.json beside the input)")
	f.Int64Var(&ownerID, "owner-id", 0, "owner id a sealed key must be bound to (default $PLAUDIT_OWNER_ID)")
	f.Int64Var(&repoID, "repo-id", 0, "repository id, for a sealed key bound to a repository (default $PLAUDIT_REPO_ID)")
	for _, name := range []string{"token", "program", "epoch"} {
		_ = cmd.MarkFlagRequired(name)
	}
	return cmd
}

// signerConfig reads where the signing key comes from out of the environment; flags override the owner and
// repository ids.
func signerConfig(cmd *cobra.Command, ownerID, repoID int64) (payout.SignerConfig, error) {
	c, err := payout.SignerConfigFromEnv(os.Getenv)
	if err != nil {
		return c, err
	}
	if cmd.Flags().Changed("owner-id") {
		c.OwnerID = ownerID
	}
	if cmd.Flags().Changed("repo-id") {
		c.RepoID = repoID
	}
	return c, nil
}

func payoutVerifyProofCmd() *cobra.Command {
	var root, address, amount, proof string
	cmd := &cobra.Command{
		Use:   "verify-proof",
		Short: "Check that an address and amount are in a published Merkle root",
		Long: `verify-proof recomputes the OpenZeppelin leaf keccak256(keccak256(abi.encode(address, amount))), folds
the proof into it with sorted-pair Keccak-256, and compares the result with the published root: the same
check OpenZeppelin's MerkleProof.verify makes on chain. It needs nothing but the four values, so a member can
check their own payout without trusting the operator. --proof is a JSON array of 0x-hex hashes, or @FILE
holding one, or @FILE.proofs.json (then the entry for --address and --amount is used).`,
		Example: `  plaudit payout verify-proof --root 0xd4de…bd77 --address 0x1111111111111111111111111111111111111111 \
      --amount 5000000000000000000 --proof '["0xb92c48e9d7abe27fd8dfd6b5dfdbfb1c9a463f80c712b66f3a5180a090cccafc"]'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r, err := payout.ParseHash(root)
			if err != nil {
				return plaudit.Errorf(plaudit.EINVALID, "--root: %v", err)
			}
			a, err := payout.ParseAddress(address)
			if err != nil {
				return plaudit.Errorf(plaudit.EINVALID, "--address: %v", err)
			}
			n, err := payout.ParseUint256(amount)
			if err != nil {
				return plaudit.Errorf(plaudit.EINVALID, "--amount: %v", err)
			}
			p, err := readProofArg(proof, a, n)
			if err != nil {
				return err
			}
			c, err := service.VerifyPayoutProof(r, a, n, p)
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "leaf     %s\n", c.Leaf)
			fmt.Fprintf(out, "computed %s\n", c.Computed)
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "valid: %s is paid %s in root %s\n", a, n, r)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&root, "root", "", "the published Merkle root, 0x-hex (required)")
	f.StringVar(&address, "address", "", "the member's address (required)")
	f.StringVar(&amount, "amount", "", "the amount in base units (required)")
	f.StringVar(&proof, "proof", "", `the proof: a JSON array of 0x-hex hashes, or @FILE (required; "[]" for a one-member tree)`)
	for _, name := range []string{"root", "address", "amount", "proof"} {
		_ = cmd.MarkFlagRequired(name)
	}
	return cmd
}

// readProofArg reads --proof: a JSON array, @FILE with a JSON array, or @FILE with a proofs file.
func readProofArg(arg string, addr payout.Address, amount *big.Int) ([]payout.Hash, error) {
	data := []byte(arg)
	if name, ok := strings.CutPrefix(arg, "@"); ok {
		b, err := os.ReadFile(name)
		if err != nil {
			return nil, plaudit.Errorf(plaudit.ENOTFOUND, "--proof: %v", err)
		}
		data = b
	}
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '{' {
		p, err := payout.FindProof(bytes.NewReader(t), addr, amount)
		if err != nil {
			return nil, fmt.Errorf("--proof %s: %w", arg, err)
		}
		return p, nil
	}
	var p []payout.Hash
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, plaudit.Errorf(plaudit.EINVALID, "--proof: want a JSON array of 0x-hex hashes: %v", err)
	}
	return p, nil
}

func payoutSealCmd() *cobra.Command {
	var to string
	var ownerID, repoID int64
	cmd := &cobra.Command{
		Use:   "seal",
		Short: "Seal PLAUDIT_SIGNER_KEY to an X25519 public key, bound to an owner (and repository)",
		Long: `seal encrypts KEY:OWNER_ID (or KEY:OWNER_ID:REPO_ID with --repo-id) with libsodium's crypto_box_seal to
the operator's X25519 public key (--to, URL-safe base64; default: the public key of
PLAUDIT_X25519_PRIVATE_KEY) and prints the ciphertext in URL-safe base64, the value for PLAUDIT_SIGNER_SEALED
or Ubiquity's evmPrivateEncrypted. The key is read from PLAUDIT_SIGNER_KEY and never printed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			sealed, err := service.SealSigningKey(os.Getenv(payout.EnvSignerKey), payout.SealedKeyBinding{OwnerID: ownerID, RepoID: repoID},
				to, os.Getenv(payout.EnvX25519Key))
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), sealed)
			return nil
		},
	}
	cmd.Flags().StringVar(&to, "to", "", "the X25519 public key to seal to, URL-safe base64")
	cmd.Flags().Int64Var(&ownerID, "owner-id", 0, "the owner (GitHub organization or user id) the key is bound to (required)")
	cmd.Flags().Int64Var(&repoID, "repo-id", 0, "also bind the key to this repository id")
	_ = cmd.MarkFlagRequired("owner-id")
	return cmd
}

// writeFileAtomic writes path through a temporary file in the same folder and renames it into place, so that
// a failure leaves no half-written file.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, ", ")
}
