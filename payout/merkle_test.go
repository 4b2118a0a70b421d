package payout

import (
	"encoding/json"
	"math/big"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/plaudit/plaudit"
)

// The vectors in testdata/oz are outputs of OpenZeppelin's @openzeppelin/merkle-tree; testdata/oz/README.md says
// where each one comes from.

// abiString is the ABI encoding of one dynamic string's tail: its length and its bytes right-padded to 32.
func abiString(s string) []byte {
	out := make([]byte, 32, 64+len(s))
	big.NewInt(int64(len(s))).FillBytes(out)
	out = append(out, s...)
	if pad := len(s) % 32; pad != 0 {
		out = append(out, make([]byte, 32-pad)...)
	}
	return out
}

func abiWord(n int) []byte {
	w := make([]byte, 32)
	big.NewInt(int64(n)).FillBytes(w)
	return w
}

// encodeString is abi.encode(string): the offset 0x20, then the string.
func encodeString(s string) []byte { return append(abiWord(32), abiString(s)...) }

// encodeUintStrings is abi.encode(uint256, string[]).
func encodeUintStrings(t *testing.T, dec string, ss []string) []byte {
	t.Helper()
	v, err := ParseUint256(dec)
	if err != nil {
		t.Fatal(err)
	}
	w := word32(v)
	out := append(w[:], abiWord(64)...) // the array starts after the two head words
	out = append(out, abiWord(len(ss))...)
	var tails []byte
	for _, s := range ss {
		out = append(out, abiWord(32*len(ss)+len(tails))...)
		tails = append(tails, abiString(s)...)
	}
	return append(out, tails...)
}

// standardLeaf is OpenZeppelin's standardLeafHash: keccak256(keccak256(abi.encode(values))).
func standardLeaf(enc []byte) Hash {
	h := keccak256(enc)
	return keccak256(h[:])
}

type ozDump struct {
	Format       string   `json:"format"`
	LeafEncoding []string `json:"leafEncoding"`
	Tree         []Hash   `json:"tree"`
	Values       []struct {
		Value     []json.RawMessage `json:"value"`
		TreeIndex int               `json:"treeIndex"`
	} `json:"values"`
}

func readJSON(t testing.TB, path string, v any) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return b
}

// TestTreeLayoutStringDumps rebuilds OpenZeppelin's a..f trees (test/dumps, sorted and unsorted) from the leaf
// hashes of the strings: the same node array and the same treeIndex per value proves the array layout, the
// sorted-pair hashing and the leaf sort.
func TestTreeLayoutStringDumps(t *testing.T) {
	for _, tc := range []struct {
		file   string
		sorted bool
	}{
		{"standard-v1.sorted.1_0_6.json", true},
		{"standard-v1.unsorted.1_0_6.json", false},
	} {
		t.Run(tc.file, func(t *testing.T) {
			var d ozDump
			readJSON(t, filepath.Join("testdata", "oz", tc.file), &d)
			var hashes []Hash
			for _, v := range d.Values {
				var s string
				if err := json.Unmarshal(v.Value[0], &s); err != nil {
					t.Fatal(err)
				}
				hashes = append(hashes, standardLeaf(encodeString(s)))
			}
			nodes, idx := buildTree(hashes, tc.sorted)
			if !slices.Equal(nodes, d.Tree) {
				t.Fatalf("tree:\n got %v\nwant %v", nodes, d.Tree)
			}
			for i, v := range d.Values {
				if idx[i] != v.TreeIndex {
					t.Errorf("value %d: treeIndex %d, want %d", i, idx[i], v.TreeIndex)
				}
				if got := ProcessProof(hashes[i], proofAt(nodes, idx[i])); got != d.Tree[0] {
					t.Errorf("value %d: proof leads to %s, want root %s", i, got, d.Tree[0])
				}
			}
		})
	}
}

// TestTreeLayoutSnapshot rebuilds the 12-value [uint256, string[]] tree of OpenZeppelin's standard.test.ts
// snapshot: a deeper, non-power-of-two tree whose sorted and unsorted layouts differ everywhere.
func TestTreeLayoutSnapshot(t *testing.T) {
	var snap struct {
		Values [][2]json.RawMessage `json:"values"`
		Sorted struct {
			Tree      []Hash `json:"tree"`
			TreeIndex []int  `json:"treeIndex"`
		} `json:"sorted"`
		Unsorted struct {
			Tree      []Hash `json:"tree"`
			TreeIndex []int  `json:"treeIndex"`
		} `json:"unsorted"`
	}
	readJSON(t, filepath.Join("testdata", "oz", "standard.test.ts.snapshot.json"), &snap)
	var hashes []Hash
	for _, v := range snap.Values {
		var n string
		var ss []string
		if err := json.Unmarshal(v[0], &n); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(v[1], &ss); err != nil {
			t.Fatal(err)
		}
		hashes = append(hashes, standardLeaf(encodeUintStrings(t, n, ss)))
	}
	for _, tc := range []struct {
		name   string
		sorted bool
		tree   []Hash
		index  []int
	}{
		{"sorted", true, snap.Sorted.Tree, snap.Sorted.TreeIndex},
		{"unsorted", false, snap.Unsorted.Tree, snap.Unsorted.TreeIndex},
	} {
		t.Run(tc.name, func(t *testing.T) {
			nodes, idx := buildTree(hashes, tc.sorted)
			if !slices.Equal(nodes, tc.tree) {
				for i := range nodes {
					if i < len(tc.tree) && nodes[i] != tc.tree[i] {
						t.Errorf("node %d: %s, want %s", i, nodes[i], tc.tree[i])
					}
				}
				t.FailNow()
			}
			if !slices.Equal(idx, tc.index) {
				t.Errorf("treeIndex %v, want %v", idx, tc.index)
			}
		})
	}
}

// TestAddressUint256Dumps builds our tree from the values of real ["address","uint256"] dumps, in their input
// order, and requires the very same dump: node array, treeIndex per value, root. It also loads each dump and
// checks every proof against the root.
func TestAddressUint256Dumps(t *testing.T) {
	for _, file := range []string{"address-uint256.readme.json", "address-uint256.three.json", "address-uint256.single.json"} {
		t.Run(file, func(t *testing.T) {
			path := filepath.Join("testdata", "oz", file)
			var want ozDump
			raw := readJSON(t, path, &want)
			loaded, err := LoadDump(raw)
			if err != nil {
				t.Fatalf("LoadDump: %v", err)
			}
			leaves := make([]Leaf, loaded.Len())
			for i := range leaves {
				leaves[i] = loaded.Leaf(i)
			}
			root, tree, err := Root(leaves)
			if err != nil {
				t.Fatal(err)
			}
			if root != want.Tree[0] {
				t.Fatalf("root %s, want %s", root, want.Tree[0])
			}
			if !slices.Equal(tree.Nodes(), want.Tree) {
				t.Fatalf("tree %v, want %v", tree.Nodes(), want.Tree)
			}
			for i, v := range want.Values {
				if tree.TreeIndex(i) != v.TreeIndex {
					t.Errorf("value %d: treeIndex %d, want %d", i, tree.TreeIndex(i), v.TreeIndex)
				}
				proof, err := tree.Proof(i)
				if err != nil {
					t.Fatal(err)
				}
				l := tree.Leaf(i)
				if !Verify(root, l.Address, l.Amount, proof) {
					t.Errorf("value %d: proof does not verify", i)
				}
				lp, _ := loaded.Proof(i)
				if !slices.Equal(proof, lp) {
					t.Errorf("value %d: proof from loaded dump differs", i)
				}
			}
		})
	}
}

// TestReadmeLeafHash checks the README example's leaf hash, as the ports of the library record it.
func TestReadmeLeafHash(t *testing.T) {
	a, _ := ParseAddress("0x1111111111111111111111111111111111111111")
	h, err := LeafHash(a, big.NewInt(5_000_000_000_000_000_000))
	if err != nil {
		t.Fatal(err)
	}
	if want := "0xeb02c421cfa48976e66dfb29120745909ea3a0f843456c263cf8f1253483e283"; h.String() != want {
		t.Fatalf("leaf %s, want %s", h, want)
	}
}

func randomLeaves(r *rand.Rand, n int) []Leaf {
	leaves := make([]Leaf, n)
	for i := range leaves {
		for j := range leaves[i].Address {
			leaves[i].Address[j] = byte(r.Uint32())
		}
		leaves[i].Amount = new(big.Int).SetUint64(r.Uint64())
		if i%7 == 0 { // some amounts above 2^64
			leaves[i].Amount.Lsh(leaves[i].Amount, 100)
		}
	}
	return leaves
}

// TestRootIgnoresOrder: the same set in any order gives the same root, and every proof verifies.
func TestRootIgnoresOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 2, 3, 4, 5, 7, 8, 9, 16, 33, 100, 5000} {
		leaves := randomLeaves(r, n)
		root, tree, err := Root(leaves)
		if err != nil {
			t.Fatal(err)
		}
		if err := tree.Validate(); err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
		shuffled := slices.Clone(leaves)
		r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		root2, _, err := Root(shuffled)
		if err != nil {
			t.Fatal(err)
		}
		if root != root2 {
			t.Fatalf("n=%d: root depends on input order: %s vs %s", n, root, root2)
		}
		var buf []Hash
		for i, l := range leaves {
			buf = tree.AppendProof(buf[:0], i)
			if !Verify(root, l.Address, l.Amount, buf) {
				t.Fatalf("n=%d: proof %d does not verify", n, i)
			}
			// a proof for one amount must not prove another
			if Verify(root, l.Address, new(big.Int).Add(l.Amount, big.NewInt(1)), buf) {
				t.Fatalf("n=%d: proof %d verifies a different amount", n, i)
			}
		}
	}
}

// TestDuplicates: like OpenZeppelin, a repeated (address, amount) is two leaves, each with its own proof.
func TestDuplicates(t *testing.T) {
	a, _ := ParseAddress("0x80d628ff4AC2aFf620C3474663F1e559234bbE0c")
	leaves := []Leaf{{a, big.NewInt(5)}, {a, big.NewInt(5)}, {a, big.NewInt(6)}}
	root, tree, err := Root(leaves)
	if err != nil {
		t.Fatal(err)
	}
	if tree.Len() != 3 || len(tree.Nodes()) != 5 {
		t.Fatalf("want 3 leaves in 5 nodes, got %d in %d", tree.Len(), len(tree.Nodes()))
	}
	if tree.TreeIndex(0) == tree.TreeIndex(1) {
		t.Fatal("duplicates share a node")
	}
	// stable like JavaScript's sort: the first duplicate takes the higher index
	if tree.TreeIndex(0) < tree.TreeIndex(1) {
		t.Fatalf("duplicate order: treeIndex %d then %d", tree.TreeIndex(0), tree.TreeIndex(1))
	}
	for i := range leaves {
		p, _ := tree.Proof(i)
		if !Verify(root, leaves[i].Address, leaves[i].Amount, p) {
			t.Fatalf("proof %d does not verify", i)
		}
	}
}

func TestTreeErrors(t *testing.T) {
	if _, err := NewTree(nil); plaudit.ErrorCode(err) != plaudit.EINVALID {
		t.Fatalf("empty tree: %v", err)
	}
	var a Address
	for _, amt := range []*big.Int{nil, big.NewInt(-1), new(big.Int).Lsh(big.NewInt(1), 256)} {
		if _, err := NewTree([]Leaf{{a, amt}}); plaudit.ErrorCode(err) != plaudit.EINVALID {
			t.Fatalf("amount %v: %v", amt, err)
		}
	}
	_, tree, _ := Root([]Leaf{{a, big.NewInt(1)}})
	if _, err := tree.Proof(1); err == nil {
		t.Fatal("out-of-bounds proof: no error")
	}
	if p, _ := tree.Proof(0); len(p) != 0 {
		t.Fatalf("single-leaf proof %v, want empty", p)
	}
	if MaxUint256().Cmp(maxUint256) != 0 {
		t.Fatal("MaxUint256")
	}
	if _, err := LeafHash(a, MaxUint256()); err != nil {
		t.Fatalf("max amount: %v", err)
	}
}

// TestLoadDumpRejects: malformed dumps fail with a reason, like OpenZeppelin's load + validate.
func TestLoadDumpRejects(t *testing.T) {
	zero := Hash{}.String()
	inner := keccak256(make([]byte, 64))
	lz := keccak256(inner[:])
	for name, doc := range map[string]string{
		"format":      `{"format":"nonstandard","leafEncoding":["address","uint256"],"tree":["` + zero + `"],"values":[]}`,
		"encoding":    `{"format":"standard-v1","leafEncoding":["string"],"tree":["` + zero + `"],"values":[]}`,
		"empty":       `{"format":"standard-v1","leafEncoding":["address","uint256"],"tree":[],"values":[]}`,
		"wrong value": `{"format":"standard-v1","leafEncoding":["address","uint256"],"tree":["` + zero + `"],"values":[{"value":["0x0000000000000000000000000000000000000000","0"],"treeIndex":0}]}`,
		"bad node":    `{"format":"standard-v1","leafEncoding":["address","uint256"],"tree":["` + zero + `","` + zero + `","` + lz.String() + `"],"values":[{"value":["0x0000000000000000000000000000000000000000","0"],"treeIndex":2}]}`,
		"not a leaf":  `{"format":"standard-v1","leafEncoding":["address","uint256"],"tree":["` + lz.String() + `","` + zero + `","` + zero + `"],"values":[{"value":["0x0000000000000000000000000000000000000000","0"],"treeIndex":0}]}`,
		"index":       `{"format":"standard-v1","leafEncoding":["address","uint256"],"tree":["` + zero + `"],"values":[{"value":["0x0000000000000000000000000000000000000000","0"],"treeIndex":7}]}`,
		"amount":      `{"format":"standard-v1","leafEncoding":["address","uint256"],"tree":["` + zero + `"],"values":[{"value":["0x0000000000000000000000000000000000000000","-1"],"treeIndex":0}]}`,
		"json":        `{"format":`,
	} {
		if _, err := LoadDump([]byte(doc)); err == nil {
			t.Errorf("%s: loaded", name)
		} else if plaudit.ErrorCode(err) != plaudit.EINVALID {
			t.Errorf("%s: code %s: %v", name, plaudit.ErrorCode(err), err)
		}
	}
}

// TestDumpRoundTrip: Dump is valid standard-v1 JSON that LoadDump reads back to the same tree.
func TestDumpRoundTrip(t *testing.T) {
	leaves := randomLeaves(rand.New(rand.NewPCG(3, 4)), 37)
	_, tree, _ := Root(leaves)
	b, err := json.Marshal(tree.Dump())
	if err != nil {
		t.Fatal(err)
	}
	back, err := LoadDump(b)
	if err != nil {
		t.Fatal(err)
	}
	if back.Root() != tree.Root() || !slices.Equal(back.Nodes(), tree.Nodes()) {
		t.Fatal("round trip changed the tree")
	}
	b2, _ := json.Marshal(back.Dump())
	if string(b) != string(b2) {
		t.Fatal("dump is not stable")
	}
}

// TestParseAddress covers EIP-55: the examples of the EIP itself, lower and upper case, and a bad checksum.
func TestParseAddress(t *testing.T) {
	for _, s := range []string{ // from EIP-55's test cases
		"0x52908400098527886E0F7030069857D2E4169EE7",
		"0x8617E340B3D01FA5F11F306F4090FD50E238070D",
		"0xde709f2102306220921060314715629080e2fb77",
		"0x27b1fdb04752bbc536007a920d24acb045561c26",
		"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
		"0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
		"0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
		"0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
	} {
		a, err := ParseAddress(s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		if s[2:] != "52908400098527886E0F7030069857D2E4169EE7" && s[2:] != "8617E340B3D01FA5F11F306F4090FD50E238070D" &&
			s[2:] != "de709f2102306220921060314715629080e2fb77" && s[2:] != "27b1fdb04752bbc536007a920d24acb045561c26" && a.String() != s {
			t.Errorf("checksum of %s: %s", s, a)
		}
	}
	for _, s := range []string{"", "0x", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD", "5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed00", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeg", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeA"} {
		if _, err := ParseAddress(s); err == nil {
			t.Errorf("%q: accepted", s)
		}
	}
}
