package payout

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"strconv"

	"github.com/plaudit/plaudit"
)

// ProofsFormat tags the proofs file that `plaudit payout merkle` writes beside its input.
const ProofsFormat = "plaudit-merkle-proofs-v1"

// ProofsFile is the JSON a member needs to check and claim their payout without trusting anyone: the root,
// the leaf encoding, and per member the address, amount, leaf hash and proof.
type ProofsFile struct {
	Format       string       `json:"format"`
	LeafEncoding []string     `json:"leafEncoding"`
	Root         Hash         `json:"root"`
	Claims       []ProofEntry `json:"claims"`
}

// ProofEntry is one member's entry in a proofs file.
type ProofEntry struct {
	Address   Address `json:"address"`
	Amount    string  `json:"amount"`
	Leaf      Hash    `json:"leaf"`
	TreeIndex int     `json:"treeIndex"`
	Proof     []Hash  `json:"proof"`
	amount    *big.Int
}

// WriteProofs streams the proofs file of t to w, one claim per line in input order, without holding every
// proof in memory (a million-member epoch has about 640 MB of proofs).
func WriteProofs(w io.Writer, t *Tree) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	fmt.Fprintf(bw, "{\"format\":%q,\"leafEncoding\":[\"address\",\"uint256\"],\"root\":\"%s\",\"claims\":[", ProofsFormat, t.Root())
	var proof []Hash
	var line []byte
	k := newHasher()
	for i, l := range t.leaves {
		proof = t.AppendProof(proof[:0], i)
		line = line[:0]
		if i > 0 {
			line = append(line, ',')
		}
		line = append(line, "\n{\"address\":\""...)
		line = l.Address.appendChecksum(k, line)
		line = append(line, "\",\"amount\":\""...)
		line = l.Amount.Append(line, 10)
		line = append(line, "\",\"leaf\":\""...)
		line = t.nodes[t.treeIndex[i]].appendHex(line)
		line = append(line, "\",\"treeIndex\":"...)
		line = strconv.AppendInt(line, int64(t.treeIndex[i]), 10)
		line = append(line, ",\"proof\":["...)
		for k, p := range proof {
			if k > 0 {
				line = append(line, ',')
			}
			line = append(line, '"')
			line = p.appendHex(line)
			line = append(line, '"')
		}
		line = append(line, "]}"...)
		if _, err := bw.Write(line); err != nil {
			return err
		}
	}
	bw.WriteString("\n]}\n")
	return bw.Flush()
}

// FindProof returns the proof of (addr, amount) from a proofs file, without checking the rest of the file: what
// a member needs from a large file. The caller verifies the proof against the root it trusts.
func FindProof(r io.Reader, addr Address, amount *big.Int) ([]Hash, error) {
	var f ProofsFile
	if err := json.NewDecoder(r).Decode(&f); err != nil {
		return nil, plaudit.Errorf(plaudit.EINVALID, "proofs file: %v", err)
	}
	if f.Format != ProofsFormat {
		return nil, plaudit.Errorf(plaudit.EINVALID, "proofs file: unknown format %q (want %q)", clip(f.Format), ProofsFormat)
	}
	for _, c := range f.Claims {
		if c.Address != addr {
			continue
		}
		if v, err := parseDecimalUint256(c.Amount); err == nil && v.Cmp(amount) == 0 {
			return c.Proof, nil
		}
	}
	return nil, plaudit.Errorf(plaudit.ENOTFOUND, "proofs file: no entry for %s with amount %s", addr, amount)
}

// ReadProofs parses a proofs file and checks that every entry's leaf is the hash of its address and amount
// and that its proof leads to the root.
func ReadProofs(r io.Reader) (*ProofsFile, error) {
	var f ProofsFile
	if err := json.NewDecoder(r).Decode(&f); err != nil {
		return nil, plaudit.Errorf(plaudit.EINVALID, "proofs file: %v", err)
	}
	if f.Format != ProofsFormat {
		return nil, plaudit.Errorf(plaudit.EINVALID, "proofs file: unknown format %q (want %q)", clip(f.Format), ProofsFormat)
	}
	for i := range f.Claims {
		c := &f.Claims[i]
		amount, err := parseDecimalUint256(c.Amount)
		if err != nil {
			return nil, plaudit.Errorf(plaudit.EINVALID, "proofs file: claim %d: %v", i, err)
		}
		c.amount = amount
		leaf, _ := LeafHash(c.Address, amount)
		if leaf != c.Leaf {
			return nil, plaudit.Errorf(plaudit.EINVALID, "proofs file: claim %d (%s): leaf is not the hash of its address and amount", i, c.Address)
		}
		if ProcessProof(leaf, c.Proof) != f.Root {
			return nil, plaudit.Errorf(plaudit.EINVALID, "proofs file: claim %d (%s): proof does not lead to the root", i, c.Address)
		}
	}
	return &f, nil
}

// AmountInt returns the entry's amount as an integer (set by ReadProofs).
func (e ProofEntry) AmountInt() *big.Int { return e.amount }
