package main

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/payout"
)

// epochFileBase is the file name an epoch's outputs start with: its id with ':' (not portable in file
// names) turned into '-', e.g. acme@2026-01-05T00-00-00Z.
func epochFileBase(id string) string {
	return strings.NewReplacer(":", "-", "/", "-").Replace(id)
}

func epochProofsCmd() *cobra.Command {
	var dir, proofsPath, dumpPath string
	cmd := &cobra.Command{
		Use:   "proofs EPOCH",
		Short: "Write a closed epoch's OpenZeppelin Merkle dump and every wallet's proof, straight from the store",
		Long: `proofs rebuilds closed EPOCH's Merkle tree from its stored allocations (one leaf per paid member,
["address","uint256"], amounts in the epoch token's base units), checks it gives the root the close
recorded, and writes OpenZeppelin's StandardMerkleTree dump (StandardMerkleTree.load reads it) and the
proofs file that payout verify-proof reads — the same formats payout merkle writes, with no CSV to convert.
It prints the root on its last line.`,
		Example: `  plaudit epoch proofs acme@2026-01-05T00:00:00Z --dir out/
  # out/acme@2026-01-05T00-00-00Z.tree.json and out/acme@2026-01-05T00-00-00Z.proofs.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st, err := openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			et, err := newService(st).EpochTree(ctx, args[0])
			if err != nil {
				return err
			}
			base := filepath.Join(dir, epochFileBase(et.Epoch.ID))
			proofs, dump := proofsPath, dumpPath // a flag's variable outlives one execution
			if proofs == "" {
				proofs = base + ".proofs.json"
			}
			if dump == "" {
				dump = base + ".tree.json"
			}
			if err := writeFileAtomic(proofs, func(w io.Writer) error { return payout.WriteProofs(w, et.Tree) }); err != nil {
				return fmt.Errorf("epoch proofs %s: write proofs: %w", et.Epoch.ID, err)
			}
			err = writeFileAtomic(dump, func(w io.Writer) error {
				b, err := json.Marshal(et.Tree.Dump())
				if err != nil {
					return err
				}
				_, err = w.Write(append(b, '\n'))
				return err
			})
			if err != nil {
				return fmt.Errorf("epoch proofs %s: write dump: %w", et.Epoch.ID, err)
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "epoch    %s\n", et.Epoch.ID)
			fmt.Fprintf(out, "leaves   %d (token %s, amounts in base units)\n", et.Tree.Len(), et.Epoch.Token)
			fmt.Fprintf(out, "proofs   %s\n", proofs)
			fmt.Fprintf(out, "dump     %s\n", dump)
			fmt.Fprintln(out, et.Tree.Root())
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "dir", ".", "directory to write EPOCH.proofs.json and EPOCH.tree.json in (':' in the id becomes '-')")
	cmd.Flags().StringVar(&proofsPath, "proofs", "", "write the proofs here instead")
	cmd.Flags().StringVar(&dumpPath, "dump", "", "write OpenZeppelin's standard-v1 tree dump here instead")
	return cmd
}

func epochClaimsCmd() *cobra.Command {
	var dir, outPath, deadline, permit2 string
	var chainID uint64
	var ownerID, repoID int64
	cmd := &cobra.Command{
		Use:   "claims EPOCH",
		Short: "Sign closed EPOCH's Permit2 claims, one per paid wallet, straight from the store",
		Long: `claims signs one Permit2 PermitTransferFrom per wallet closed EPOCH pays (members sharing a wallet
share one claim for their sum), in the epoch's token (amounts in its base units), with the nonces of the
epoch's program and id: signing the epoch again gives the same claims, and none can be paid twice. It
writes the claims file payout claims writes. Members with an amount due but no valid wallet are listed on
standard error; they are not paid by a claim. The key comes from the environment as for payout permit.`,
		Example: `  PLAUDIT_SIGNER_KEY=0x… plaudit epoch claims acme@2026-01-05T00:00:00Z --chain-id 100 --deadline 1893456000`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts := payout.ClaimOptions{Domain: payout.Domain{ChainID: chainID}}
			var err error
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
			key, err := signerConfig(cmd, ownerID, repoID)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			st, err := openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			set, unpaid, err := newService(st).EpochClaims(ctx, key, args[0], opts)
			if err != nil {
				return err
			}
			path := outPath
			if path == "" {
				path = filepath.Join(dir, epochFileBase(set.Epoch)+".claims.json")
			}
			err = writeFileAtomic(path, func(w io.Writer) error {
				enc := json.NewEncoder(w)
				enc.SetIndent("", " ")
				return enc.Encode(set)
			})
			if err != nil {
				return fmt.Errorf("epoch claims %s: write: %w", set.Epoch, err)
			}
			for _, u := range unpaid {
				fmt.Fprintf(cmd.ErrOrStderr(), "unpaid: %s is owed %s base units but has no claim: %s\n", u.Member, u.Amount, u.Reason)
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "epoch    %s\n", set.Epoch)
			fmt.Fprintf(out, "claims   %d (amounts in the epoch token's base units)\n", len(set.Claims))
			fmt.Fprintf(out, "written  %s\n", path)
			fmt.Fprintf(out, "owner    %s\n", set.Owner)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&dir, "dir", ".", "directory to write EPOCH.claims.json in (':' in the id becomes '-')")
	f.StringVar(&outPath, "out", "", "write the claims here instead")
	f.StringVar(&deadline, "deadline", "", "unix time after which the claims expire (default: never, 2^256-1)")
	f.Uint64Var(&chainID, "chain-id", 1, "EIP-155 chain id")
	f.StringVar(&permit2, "permit2", payout.CanonicalPermit2.String(), "Permit2 contract (Ubiquity uses "+payout.UbiquityPermit2.String()+")")
	f.Int64Var(&ownerID, "owner-id", 0, "owner id a sealed key must be bound to (default $PLAUDIT_OWNER_ID)")
	f.Int64Var(&repoID, "repo-id", 0, "repository id, for a sealed key bound to a repository (default $PLAUDIT_REPO_ID)")
	return cmd
}
