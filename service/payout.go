package service

import (
	"context"
	"fmt"
	"math/big"
	"strings"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/payout"
)

// PayoutProof is one member's Merkle proof of their payout in a closed epoch: the leaf (wallet, amount), the
// sibling hashes from the leaf to the root, and the epoch's published root. With these four values alone a
// member checks their payout (payout.Verify, or OpenZeppelin's MerkleProof.verify on chain).
type PayoutProof struct {
	Epoch  string
	Member string
	Wallet payout.Address
	Amount *big.Int // base units of the epoch's token
	Leaf   payout.Hash
	Proof  []payout.Hash
	Root   payout.Hash
}

// EpochTree is the Merkle tree of a closed epoch's payouts, rebuilt from its stored allocations exactly as
// the close built its root (one leaf per paid allocation), with the member of each leaf.
type EpochTree struct {
	Epoch   *plaudit.Epoch
	Tree    *payout.Tree
	Members []string // Members[i] is the member leaf i pays
}

// EpochTree rebuilds closed epoch id's Merkle tree: what `plaudit epoch proofs` writes (OpenZeppelin's
// dump and every wallet's proof) and EpochProof answers from. Allocations that no longer give the root the
// epoch recorded are an ECONFLICT (the store was changed since the close: `plaudit verify` says how), and so
// is an epoch that is not claimable yet (Claimable: its policy lists witnesses and it is not published).
func (s *Service) EpochTree(ctx context.Context, id string) (*EpochTree, error) {
	if err := s.Claimable(ctx, id); err != nil {
		return nil, err
	}
	ce, err := s.Epoch(ctx, id)
	if err != nil {
		return nil, err
	}
	et, _, err := epochTree(ce, "")
	return et, err
}

// epochTree builds ce's tree and returns the index of member's leaf (-1 when member is paid nothing).
func epochTree(ce *StoredEpoch, member string) (*EpochTree, int, error) {
	ep := ce.Epoch
	leaves := make([]payout.Leaf, 0, len(ce.Allocations))
	var members []string
	mine := -1
	for i := range ce.Allocations {
		a := &ce.Allocations[i]
		if a.Paid == nil || a.Paid.Sign() == 0 {
			continue
		}
		addr, err := payout.ParseAddress(a.Wallet)
		if err != nil {
			return nil, -1, plaudit.Errorf(plaudit.ECONFLICT, "epoch %s: member %s was paid %s to wallet %q: %v", ep.ID, a.Member, a.Paid, a.Wallet, err)
		}
		if member != "" && a.Member == member {
			mine = len(leaves)
		}
		leaves = append(leaves, payout.Leaf{Address: addr, Amount: a.Paid})
		members = append(members, a.Member)
	}
	if len(leaves) == 0 {
		return nil, -1, plaudit.Errorf(plaudit.ENOTFOUND, "epoch %s paid no one: it has no Merkle tree", ep.ID)
	}
	root, tree, err := payout.Root(leaves)
	if err != nil {
		return nil, -1, fmt.Errorf("epoch %s: merkle tree: %w", ep.ID, err)
	}
	if root.String() != ep.Root {
		return nil, -1, plaudit.Errorf(plaudit.ECONFLICT, "epoch %s: its allocations give the Merkle root %s, but the epoch recorded %s: run plaudit verify %s", ep.ID, root, ep.Root, ep.ID)
	}
	return &EpochTree{Epoch: ep, Tree: tree, Members: members}, mine, nil
}

// EpochProof returns member's Merkle proof in closed epoch id, built over the epoch's stored allocations
// exactly as the close built its root (one leaf per paid allocation). A member without an allocation, or
// paid nothing, has no proof (ENOTFOUND); allocations that no longer give the root the epoch recorded are an
// ECONFLICT (the store was changed since the close: `plaudit verify` says how).
func (s *Service) EpochProof(ctx context.Context, id, member string) (*PayoutProof, error) {
	if err := s.Claimable(ctx, id); err != nil {
		return nil, err
	}
	ce, err := s.Epoch(ctx, id)
	if err != nil {
		return nil, err
	}
	ep := ce.Epoch
	found := false
	for i := range ce.Allocations {
		found = found || ce.Allocations[i].Member == member
	}
	if !found {
		return nil, plaudit.Errorf(plaudit.ENOTFOUND, "member %s has no allocation in epoch %s", member, ep.ID)
	}
	et, mine, err := epochTree(ce, member)
	if err == nil && mine < 0 || plaudit.ErrorCode(err) == plaudit.ENOTFOUND {
		return nil, plaudit.Errorf(plaudit.ENOTFOUND, "member %s is paid nothing in epoch %s: there is no proof to give", member, ep.ID)
	}
	if err != nil {
		return nil, err
	}
	tree := et.Tree
	proof, err := tree.Proof(mine)
	if err != nil {
		return nil, fmt.Errorf("epoch %s: proof of %s: %w", ep.ID, member, err)
	}
	l := tree.Leaf(mine)
	return &PayoutProof{Epoch: ep.ID, Member: member, Wallet: l.Address, Amount: new(big.Int).Set(l.Amount),
		Leaf: tree.LeafHash(mine), Proof: proof, Root: tree.Root()}, nil
}

// ClaimsFormat names the JSON document of signed claims that SignClaims and EpochClaims return.
const ClaimsFormat = "plaudit-permit2-claims-v1"

// ClaimSet is a batch of signed Permit2 claims as handed to members: the Permit2 deployment, the owner whose
// tokens they move (the signer), the program and epoch that make their nonces, and one claim per wallet.
// Its JSON is the claims file `plaudit payout claims` writes.
type ClaimSet struct {
	Format  string         `json:"format"`
	ChainID uint64         `json:"chainId"`
	Permit2 payout.Address `json:"permit2"`
	Owner   payout.Address `json:"owner"`
	Program string         `json:"program"`
	Epoch   string         `json:"epoch"`
	Claims  []LineClaim    `json:"claims"`
}

// LineClaim is one signed claim with where it came from: the line of the distribution file (SignClaims),
// or the members the wallet is paid for (EpochClaims).
type LineClaim struct {
	Line int `json:"line,omitempty"`
	payout.SignedClaim
	Members []string `json:"members,omitempty"`
}

// SignClaims signs one Permit2 claim per row of an address,amount distribution (payout.ParseCSV's rows),
// with opts' domain, token, deadline, and the nonces that opts' program and epoch make; rows of amount 0
// are skipped. A wallet listed twice is refused naming its lines of the file name, since both claims would
// share one nonce. The key is opened from key only once the claims are known to be good, and destroyed
// before returning. Signing is deterministic: the same rows give the same bytes.
func SignClaims(ctx context.Context, key payout.SignerConfig, opts payout.ClaimOptions, rows []payout.CSVRow, name string) (*ClaimSet, error) {
	if err := checkClaimOptions(opts); err != nil {
		return nil, err
	}
	if dups := payout.Duplicates(rows); len(dups) > 0 {
		lines := make([]string, len(dups[0]))
		for i, l := range dups[0] {
			lines[i] = fmt.Sprint(l)
		}
		return nil, plaudit.Errorf(plaudit.EINVALID, "%s: lines %s pay the same address: merge them into one line", name, strings.Join(lines, ", "))
	}
	signer, err := key.Signer()
	if err != nil {
		return nil, err
	}
	defer signer.Destroy()
	signed, err := payout.SignClaims(ctx, signer, opts, payout.Claims(payout.Leaves(rows)))
	if err != nil {
		return nil, err
	}
	set := newClaimSet(signer, opts, len(signed))
	for i, c := range signed {
		set.Claims[i] = LineClaim{Line: rows[c.Index].Line, SignedClaim: c}
	}
	return set, nil
}

// EpochClaims signs the Permit2 claims of closed epoch id: one per wallet the epoch pays (members sharing a
// wallet share one claim for their sum, so that no claim blocks another), in the epoch's token, with the
// nonces of the epoch's program and id — so signing an epoch again gives the same claims and none can be
// paid twice. opts' Domain and Deadline apply; its Token, Program and Epoch are the epoch's. Members with an
// amount due but no valid wallet are not paid by a claim and are returned in unpaid. The key is opened from
// key and destroyed before returning.
func (s *Service) EpochClaims(ctx context.Context, key payout.SignerConfig, id string, opts payout.ClaimOptions) (set *ClaimSet, unpaid []payout.Unpaid, err error) {
	if err := s.Claimable(ctx, id); err != nil {
		return nil, nil, err
	}
	ce, err := s.Epoch(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	ep := ce.Epoch
	if opts.Token, err = payout.ParseAddress(ep.Token); err != nil {
		return nil, nil, plaudit.Errorf(plaudit.EINVALID, "epoch %s pays token %q, not an ERC-20 address: it has no Permit2 claims", ep.ID, ep.Token)
	}
	opts.Program, opts.Epoch = ep.Program, ep.ID
	if err := checkClaimOptions(opts); err != nil {
		return nil, nil, err
	}
	leaves, unpaid := payout.FromAllocations(ce.Allocations)
	signer, err := key.Signer()
	if err != nil {
		return nil, nil, err
	}
	defer signer.Destroy()
	signed, err := payout.SignClaims(ctx, signer, opts, payout.Claims(leaves))
	if err != nil {
		return nil, nil, fmt.Errorf("sign the claims of epoch %s: %w", ep.ID, err)
	}
	members := map[payout.Address][]string{}
	for _, a := range ce.Allocations {
		if a.Paid == nil || a.Paid.Sign() <= 0 {
			continue
		}
		if addr, err := payout.ParseAddress(a.Wallet); err == nil {
			members[addr] = append(members[addr], a.Member)
		}
	}
	set = newClaimSet(signer, opts, len(signed))
	for i, c := range signed {
		set.Claims[i] = LineClaim{SignedClaim: c, Members: members[c.Permit.Spender]}
	}
	return set, unpaid, nil
}

// checkClaimOptions refuses what would make claims no one can use: no chain, and no program or epoch to
// make the nonces.
func checkClaimOptions(o payout.ClaimOptions) error {
	switch {
	case o.Domain.ChainID == 0:
		return plaudit.Errorf(plaudit.EINVALID, "sign claims: the chain id must be positive")
	case o.Program == "" || o.Epoch == "":
		return plaudit.Errorf(plaudit.EINVALID, "sign claims: a program and an epoch are required: they make the nonces")
	}
	return nil
}

func newClaimSet(signer *payout.Signer, o payout.ClaimOptions, n int) *ClaimSet {
	return &ClaimSet{Format: ClaimsFormat, ChainID: o.Domain.ChainID, Permit2: o.Domain.Permit2, Owner: signer.Address(),
		Program: o.Program, Epoch: o.Epoch, Claims: make([]LineClaim, n)}
}

// SealSigningKey seals the payout signing key hexKey, bound to an owner (and repository), to an operator's
// X25519 public key to (URL-safe base64), giving the value for PLAUDIT_SIGNER_SEALED. With no public key
// it seals to the public key of x25519Private, the key that will open it. The key is never returned.
func SealSigningKey(hexKey string, bind payout.SealedKeyBinding, to, x25519Private string) (string, error) {
	if hexKey == "" {
		return "", plaudit.Errorf(plaudit.EINVALID, "seal: set %s to the key to seal", payout.EnvSignerKey)
	}
	if to == "" {
		if x25519Private == "" {
			return "", plaudit.Errorf(plaudit.EINVALID, "seal: give --to or set %s", payout.EnvX25519Key)
		}
		var err error
		if to, err = payout.X25519PublicKey(x25519Private); err != nil {
			return "", err
		}
	}
	return payout.SealKey(hexKey, bind, to)
}
