package payout

import (
	"fmt"
	"math/big"
	"runtime"
	"slices"
	"sync"

	"github.com/plaudit/plaudit"
)

// Leaf is one member's share of an epoch's distribution: who is paid and how many base units of the token.
type Leaf struct {
	Address Address
	Amount  *big.Int // base units, 0 <= Amount < 2^256
}

// LeafHash is the OpenZeppelin StandardMerkleTree leaf for leafEncoding ["address", "uint256"]:
// keccak256(keccak256(abi.encode(address, amount))), the same bytes a contract computes with
// keccak256(bytes.concat(keccak256(abi.encode(addr, amount)))). The double hash keeps a 64-byte inner node from
// ever passing for a leaf (a second-preimage attack).
func LeafHash(addr Address, amount *big.Int) (Hash, error) {
	if err := checkUint256("amount", amount); err != nil {
		return Hash{}, err
	}
	var h Hash
	leafHash(newHasher(), &h, addr, amount)
	return h, nil
}

// leafHash writes the leaf hash of (addr, amount) into out, reusing k. amount must be a valid uint256.
func leafHash(k *hasher, out *Hash, addr Address, amount *big.Int) {
	enc := &k.buf
	clear(enc[:12])
	copy(enc[12:32], addr[:])
	amount.FillBytes(enc[32:])
	k.sum(out, enc[:])
	k.sum(out, out[:])
}

// Tree is an OpenZeppelin StandardMerkleTree over (address, uint256) leaves, laid out as OpenZeppelin lays it
// out: a complete binary tree in an array, the root at index 0, the children of node i at 2i+1 and 2i+2, the
// leaves at the end of the array in reverse order. By default the leaves are sorted by hash before placement,
// so the root depends only on the set of (address, amount) pairs, never on their input order. Duplicate pairs
// are kept as separate leaves, as OpenZeppelin keeps them.
//
// A Tree does not store proofs: a proof is read off the array in O(log n) when asked for, which is what lets a
// million-member epoch fit in 64 MB instead of the ~640 MB its proofs would take.
type Tree struct {
	nodes     []Hash
	leaves    []Leaf // in input order
	treeIndex []int  // treeIndex[i] is where leaves[i] sits in nodes
}

// NewTree builds the standard tree of leaves with OpenZeppelin's default options (leaves sorted by hash).
// The tree keeps the leaves' amounts: do not modify them afterwards.
func NewTree(leaves []Leaf) (*Tree, error) { return newTree(leaves, true) }

// NewUnsortedTree builds the tree with OpenZeppelin's sortLeaves: false: leaves are placed in input order.
// It exists for interoperability with trees built that way; prefer NewTree, whose root ignores input order.
func NewUnsortedTree(leaves []Leaf) (*Tree, error) { return newTree(leaves, false) }

// Root builds the standard (sorted) tree of an epoch's leaves and returns its root, to publish, and the tree,
// from which Proof(i) gives the proof of leaves[i]. It is what settlement calls when it closes an epoch.
func Root(leaves []Leaf) (root Hash, tree *Tree, err error) {
	tree, err = NewTree(leaves)
	if err != nil {
		return Hash{}, nil, err
	}
	return tree.Root(), tree, nil
}

func newTree(leaves []Leaf, sortLeaves bool) (*Tree, error) {
	if len(leaves) == 0 {
		return nil, plaudit.Errorf(plaudit.EINVALID, "merkle tree: no leaves")
	}
	for i, l := range leaves {
		if err := checkUint256("amount", l.Amount); err != nil {
			return nil, plaudit.Errorf(plaudit.EINVALID, "merkle tree: leaf %d (%s): %v", i, l.Address, err)
		}
	}
	hashes := make([]Hash, len(leaves))
	parallel(len(leaves), func(k *hasher, lo, hi int) {
		for i := lo; i < hi; i++ {
			leafHash(k, &hashes[i], leaves[i].Address, leaves[i].Amount)
		}
	})
	nodes, idx := buildTree(hashes, sortLeaves)
	return &Tree{nodes: nodes, leaves: slices.Clone(leaves), treeIndex: idx}, nil
}

// buildTree is OpenZeppelin's makeMerkleTree applied to leaf hashes: it returns the node array and, for each
// input position, the array index of its leaf. With sortLeaves the leaves are ordered by hash, ties by input
// position (JavaScript's sort is stable, so duplicates keep their input order in OpenZeppelin too).
func buildTree(hashes []Hash, sortLeaves bool) (nodes []Hash, treeIndex []int) {
	n := len(hashes)
	nodes = make([]Hash, 2*n-1)
	treeIndex = make([]int, n)
	if sortLeaves {
		type keyed struct {
			h Hash
			i int32
		}
		order := make([]keyed, n)
		for i := range hashes {
			order[i] = keyed{hashes[i], int32(i)}
		}
		slices.SortFunc(order, func(a, b keyed) int {
			if c := cmpHash(&a.h, &b.h); c != 0 {
				return c
			}
			return int(a.i) - int(b.i)
		})
		for k, o := range order {
			nodes[len(nodes)-1-k] = o.h
			treeIndex[o.i] = len(nodes) - 1 - k
		}
	} else {
		for i := range hashes {
			nodes[len(nodes)-1-i] = hashes[i]
			treeIndex[i] = len(nodes) - 1 - i
		}
	}
	// Internal nodes are 0 .. len-1-n. Nodes on one level of the array's implicit tree (indices 2^d-1 .. 2^(d+1)-2)
	// depend only on the level below, so each level is hashed in parallel, deepest first.
	last := len(nodes) - 1 - n
	if last < 0 {
		return nodes, treeIndex
	}
	depth := 0
	for (1<<(depth+1))-1 <= last {
		depth++
	}
	for d := depth; d >= 0; d-- {
		lo, hi := (1<<d)-1, min((1<<(d+1))-1, last+1)
		parallel(hi-lo, func(k *hasher, a, b int) {
			for i := lo + a; i < lo+b; i++ {
				k.pair(&nodes[i], &nodes[2*i+1], &nodes[2*i+2])
			}
		})
	}
	return nodes, treeIndex
}

// parallel runs fn over [0, n) split into one chunk per CPU, each with its own hasher. Small inputs run inline.
func parallel(n int, fn func(k *hasher, lo, hi int)) {
	workers := runtime.GOMAXPROCS(0)
	if n < 4096 || workers < 2 {
		fn(newHasher(), 0, n)
		return
	}
	var wg sync.WaitGroup
	chunk := (n + workers - 1) / workers
	for lo := 0; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(newHasher(), lo, hi)
		}()
	}
	wg.Wait()
}

// Root returns the tree's root, the one value to publish (on chain, in the ledger, in the epoch report).
func (t *Tree) Root() Hash { return t.nodes[0] }

// Len returns the number of leaves.
func (t *Tree) Len() int { return len(t.leaves) }

// Leaf returns the i-th leaf in input order.
func (t *Tree) Leaf(i int) Leaf { return t.leaves[i] }

// LeafHash returns the hash of the i-th leaf in input order.
func (t *Tree) LeafHash(i int) Hash { return t.nodes[t.treeIndex[i]] }

// TreeIndex returns where the i-th leaf sits in the node array (OpenZeppelin's treeIndex).
func (t *Tree) TreeIndex(i int) int { return t.treeIndex[i] }

// Nodes returns a copy of the node array, root first, as OpenZeppelin's dump lists it.
func (t *Tree) Nodes() []Hash { return slices.Clone(t.nodes) }

// Proof returns the proof of the i-th leaf (input order): the sibling hashes from the leaf up to the root, the
// array that OpenZeppelin's MerkleProof.verify takes.
func (t *Tree) Proof(i int) ([]Hash, error) {
	if i < 0 || i >= len(t.leaves) {
		return nil, plaudit.Errorf(plaudit.EINVALID, "merkle proof: index %d out of bounds (tree has %d leaves)", i, len(t.leaves))
	}
	return proofAt(t.nodes, t.treeIndex[i]), nil
}

// AppendProof appends the proof of the i-th leaf to dst, for callers that write millions of proofs and want to
// reuse one buffer. i must be in range.
func (t *Tree) AppendProof(dst []Hash, i int) []Hash {
	for j := t.treeIndex[i]; j > 0; j = (j - 1) / 2 {
		if j%2 == 1 {
			dst = append(dst, t.nodes[j+1])
		} else {
			dst = append(dst, t.nodes[j-1])
		}
	}
	return dst
}

// proofAt walks from node j to the root collecting siblings: the sibling of an odd index is the next node,
// of an even index the previous one, and the parent of j is (j-1)/2.
func proofAt(nodes []Hash, j int) []Hash {
	var proof []Hash
	for ; j > 0; j = (j - 1) / 2 {
		if j%2 == 1 {
			proof = append(proof, nodes[j+1])
		} else {
			proof = append(proof, nodes[j-1])
		}
	}
	return proof
}

// ProcessProof folds a proof into a leaf with the sorted-pair hash, giving the root the proof leads to. It is
// OpenZeppelin's MerkleProof.processProof.
func ProcessProof(leaf Hash, proof []Hash) Hash {
	k := newHasher()
	h := leaf
	for i := range proof {
		k.pair(&h, &h, &proof[i])
	}
	return h
}

// Verify reports whether proof shows that (addr, amount) is a leaf of the tree whose root is root. It needs
// nothing but what a member was given, which is the point: any member can check their own payout.
func Verify(root Hash, addr Address, amount *big.Int, proof []Hash) bool {
	leaf, err := LeafHash(addr, amount)
	if err != nil {
		return false
	}
	return ProcessProof(leaf, proof) == root
}

// Validate checks the whole tree: every leaf where its index says, every internal node the hash of its
// children. Trees built here are valid by construction; Validate is for trees loaded from a dump.
func (t *Tree) Validate() error {
	k := newHasher()
	for i, l := range t.leaves {
		var h Hash
		leafHash(k, &h, l.Address, l.Amount)
		j := t.treeIndex[i]
		if j < 0 || j >= len(t.nodes) || 2*j+1 < len(t.nodes) {
			return plaudit.Errorf(plaudit.EINVALID, "merkle tree: value %d: treeIndex %d is not a leaf", i, j)
		}
		if t.nodes[j] != h {
			return plaudit.Errorf(plaudit.EINVALID, "merkle tree: value %d: tree does not contain the expected value", i)
		}
	}
	for i := range t.nodes {
		l, r := 2*i+1, 2*i+2
		if r >= len(t.nodes) {
			if l < len(t.nodes) {
				return plaudit.Errorf(plaudit.EINVALID, "merkle tree: node %d has one child", i)
			}
			continue
		}
		var h Hash
		k.pair(&h, &t.nodes[l], &t.nodes[r])
		if h != t.nodes[i] {
			return plaudit.Errorf(plaudit.EINVALID, "merkle tree: node %d is not the hash of its children", i)
		}
	}
	return nil
}

// String summarises the tree for logs without listing a million hashes.
func (t *Tree) String() string {
	return fmt.Sprintf("merkle tree (%d leaves, root %s)", len(t.leaves), t.Root())
}
