package payout

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"

	"github.com/plaudit/plaudit"
)

// DumpFormat is the format tag of OpenZeppelin's StandardMerkleTree dump.
const DumpFormat = "standard-v1"

// LeafEncoding is the leaf encoding every tree here uses.
var LeafEncoding = []string{"address", "uint256"}

// Dump is OpenZeppelin's JSON description of a StandardMerkleTree ("standard-v1"): what
// StandardMerkleTree.load reads back, so a member can rebuild the tree and their proof with OpenZeppelin's own
// JavaScript library instead of trusting ours.
type Dump struct {
	Format       string      `json:"format"`
	LeafEncoding []string    `json:"leafEncoding"`
	Tree         []Hash      `json:"tree"`
	Values       []DumpValue `json:"values"`
}

// DumpValue is one value of a dump: the leaf as [address, amount] and where its hash sits in Tree.
type DumpValue struct {
	Value     DumpLeaf `json:"value"`
	TreeIndex int      `json:"treeIndex"`
}

// DumpLeaf is the value [address, amount]: the address in checksum form, the amount as a decimal string (what
// ethers' AbiCoder accepts for a uint256 of any size).
type DumpLeaf struct {
	Address Address
	Amount  *big.Int
}

// MarshalJSON writes ["0xAbC…", "123"].
func (l DumpLeaf) MarshalJSON() ([]byte, error) {
	if l.Amount == nil {
		return nil, fmt.Errorf("dump value %s: missing amount", l.Address)
	}
	return json.Marshal([2]string{l.Address.String(), l.Amount.String()})
}

// UnmarshalJSON reads [address, amount], the amount as a string (decimal or 0x-hex) or a JSON number, as
// dumps written by other tools carry either.
func (l *DumpLeaf) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("value: want [address, amount]: %w", err)
	}
	if len(raw) != 2 {
		return fmt.Errorf("value: want [address, amount], got %d elements", len(raw))
	}
	var addr string
	if err := json.Unmarshal(raw[0], &addr); err != nil {
		return fmt.Errorf("value[0]: want an address string")
	}
	a, err := ParseAddress(addr)
	if err != nil {
		return fmt.Errorf("value[0]: %w", err)
	}
	var amount string
	if bytes.HasPrefix(bytes.TrimSpace(raw[1]), []byte(`"`)) {
		if err := json.Unmarshal(raw[1], &amount); err != nil {
			return fmt.Errorf("value[1]: %w", err)
		}
	} else {
		var n json.Number
		d := json.NewDecoder(bytes.NewReader(raw[1]))
		d.UseNumber()
		if err := d.Decode(&n); err != nil {
			return fmt.Errorf("value[1]: want an amount")
		}
		amount = n.String()
	}
	v, err := ParseUint256(amount)
	if err != nil {
		return fmt.Errorf("value[1]: %w", err)
	}
	l.Address, l.Amount = a, v
	return nil
}

// Dump returns the tree in OpenZeppelin's "standard-v1" format, values in input order.
func (t *Tree) Dump() Dump {
	d := Dump{Format: DumpFormat, LeafEncoding: slices.Clone(LeafEncoding), Tree: slices.Clone(t.nodes)}
	d.Values = make([]DumpValue, len(t.leaves))
	for i, l := range t.leaves {
		d.Values[i] = DumpValue{Value: DumpLeaf(l), TreeIndex: t.treeIndex[i]}
	}
	return d
}

// LoadDump reads an OpenZeppelin "standard-v1" dump with leaf encoding ["address", "uint256"] and checks it
// completely (every value where its index says, every node the hash of its children), so that a proof taken
// from a loaded tree is as good as one from a tree built here.
func LoadDump(data []byte) (*Tree, error) {
	var d Dump
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, plaudit.Errorf(plaudit.EINVALID, "merkle dump: %v", err)
	}
	return d.Load()
}

// Load turns a decoded dump into a validated Tree.
func (d Dump) Load() (*Tree, error) {
	if d.Format != DumpFormat {
		return nil, plaudit.Errorf(plaudit.EINVALID, "merkle dump: unknown format %q (want %q)", clip(d.Format), DumpFormat)
	}
	if len(d.LeafEncoding) != 2 || d.LeafEncoding[0] != "address" || (d.LeafEncoding[1] != "uint256" && d.LeafEncoding[1] != "uint") {
		return nil, plaudit.Errorf(plaudit.EINVALID, "merkle dump: leafEncoding %q: only [\"address\",\"uint256\"] is supported", d.LeafEncoding)
	}
	if len(d.Tree) == 0 {
		return nil, plaudit.Errorf(plaudit.EINVALID, "merkle dump: empty tree")
	}
	t := &Tree{nodes: slices.Clone(d.Tree), leaves: make([]Leaf, len(d.Values)), treeIndex: make([]int, len(d.Values))}
	seen := make(map[int]int, len(d.Values))
	for i, v := range d.Values {
		if v.Value.Amount == nil {
			return nil, plaudit.Errorf(plaudit.EINVALID, "merkle dump: value %d: missing", i)
		}
		if j, dup := seen[v.TreeIndex]; dup {
			return nil, plaudit.Errorf(plaudit.EINVALID, "merkle dump: values %d and %d share treeIndex %d", j, i, v.TreeIndex)
		}
		seen[v.TreeIndex] = i
		t.leaves[i] = Leaf{v.Value.Address, v.Value.Amount}
		t.treeIndex[i] = v.TreeIndex
	}
	if err := t.Validate(); err != nil {
		return nil, err
	}
	return t, nil
}
