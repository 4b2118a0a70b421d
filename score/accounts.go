package score

import (
	"hash/maphash"
	"math"
	"math/bits"

	"github.com/plaudit/plaudit"
)

// accountCount estimates how many distinct accounts (source and actor) a stream's events come from, in a
// fixed 1 MiB whatever the stream, by linear counting (Whang, Vander-Zanden and Taylor, 1990): each account
// sets one bit of a bitmap chosen by its hash, and n accounts leave about m·e^(−n/m) of the m bits unset.
// It sizes the batch of epoch reputation snapshots (EpochReputation.SizeBatch) before the directory that
// would count them exactly is built; within a few percent up to several million accounts is all that needs.
type accountCount struct {
	seed maphash.Seed
	bits []uint64
}

// accountCountBits is the bitmap's size in bits: 2^23, so that ten million accounts still leave about a
// third of the bits unset.
const accountCountBits = 1 << 23

func newAccountCount() *accountCount {
	return &accountCount{seed: maphash.MakeSeed(), bits: make([]uint64, accountCountBits/64)}
}

// add counts the account of e's actor.
func (c *accountCount) add(e *plaudit.Event) {
	var h maphash.Hash
	h.SetSeed(c.seed)
	h.WriteString(string(e.Source))
	h.WriteByte(0)
	h.WriteString(e.Actor)
	i := h.Sum64() % accountCountBits
	c.bits[i/64] |= 1 << (i % 64)
}

// estimate returns the number of distinct accounts added, about.
func (c *accountCount) estimate() int {
	set := 0
	for _, w := range c.bits {
		set += bits.OnesCount64(w)
	}
	m := float64(accountCountBits)
	if unset := m - float64(set); unset > 0 {
		return int(math.Round(-m * math.Log(unset/m)))
	}
	return int(m * math.Log(m)) // every bit set: more accounts than it can tell apart
}
