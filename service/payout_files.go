package service

import (
	"math/big"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/payout"
)

// MerkleDistribution is the OpenZeppelin-compatible Merkle distribution of an address,amount list: the root
// to publish, the tree that holds every member's proof, and what it pays.
type MerkleDistribution struct {
	Root    payout.Hash
	Tree    *payout.Tree
	Members int      // leaves, one per line (an address listed twice is two leaves, as OpenZeppelin keeps it)
	Total   *big.Int // the sum of the amounts, in token base units
	// Duplicates are the line numbers of each address listed more than once: each line is a leaf of its
	// own, which the caller may want to warn about.
	Duplicates [][]int
}

// BuildMerkleDistribution builds the StandardMerkleTree (leaf encoding ["address","uint256"]) of rows, as
// payout.ParseCSV reads them. The root does not depend on the order of the rows.
func BuildMerkleDistribution(rows []payout.CSVRow) (*MerkleDistribution, error) {
	root, tree, err := payout.Root(payout.Leaves(rows))
	if err != nil {
		return nil, err
	}
	total := new(big.Int)
	for _, r := range rows {
		total.Add(total, r.Amount)
	}
	return &MerkleDistribution{Root: root, Tree: tree, Members: len(rows), Total: total, Duplicates: payout.Duplicates(rows)}, nil
}

// ProofCheck is what checking a payout proof computed: the member's leaf and the root the proof leads to.
type ProofCheck struct {
	Leaf     payout.Hash
	Computed payout.Hash
}

// VerifyPayoutProof checks that amount to addr is in the distribution of the published root: it hashes the
// OpenZeppelin leaf keccak256(keccak256(abi.encode(address, amount))), folds the proof into it with
// sorted-pair Keccak-256 and compares the result with root, the check OpenZeppelin's MerkleProof.verify
// makes on chain. It needs nothing but these values, so a member can check their payout without trusting
// the operator. A proof that leads elsewhere is EINVALID, returned with what was computed.
func VerifyPayoutProof(root payout.Hash, addr payout.Address, amount *big.Int, proof []payout.Hash) (*ProofCheck, error) {
	leaf, _ := payout.LeafHash(addr, amount)
	c := &ProofCheck{Leaf: leaf, Computed: payout.ProcessProof(leaf, proof)}
	if c.Computed != root {
		return c, plaudit.Errorf(plaudit.EINVALID, "proof does not verify: it leads to %s, not to the root %s", c.Computed, root)
	}
	return c, nil
}

// SignedPermit is one Permit2 PermitTransferFrom signed by hand: who signed it, the EIP-712 digest, and the
// 65-byte signature r || s || v (v = 27 or 28).
type SignedPermit struct {
	Signer    payout.Address
	Digest    payout.Hash
	Signature payout.Signature
}

// SignPermit signs p for domain d (name "Permit2", d's chain id and verifying contract) with the key key
// opens, which is destroyed before returning. Signing is deterministic (RFC 6979): the same permit always
// gives the same signature. A domain without a chain id is EINVALID.
func SignPermit(key payout.SignerConfig, p payout.Permit, d payout.Domain) (*SignedPermit, error) {
	if d.ChainID == 0 {
		return nil, plaudit.Errorf(plaudit.EINVALID, "sign permit: the chain id must be positive")
	}
	signer, err := key.Signer()
	if err != nil {
		return nil, err
	}
	defer signer.Destroy()
	digest, err := p.Digest(d)
	if err != nil {
		return nil, err
	}
	sig, err := signer.SignHash(digest)
	if err != nil {
		return nil, err
	}
	return &SignedPermit{Signer: signer.Address(), Digest: digest, Signature: sig}, nil
}
