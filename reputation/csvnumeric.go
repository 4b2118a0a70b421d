package reputation

import (
	"errors"
	"math/bits"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/plaudit/plaudit/graph"
)

// Edge lists of peer-to-peer trust (OpenRank's i,j,v, Farcaster fids, SNAP and KONECT graphs) mostly
// name nodes by number. When every id of an edge list is a decimal number, the parallel reader keeps
// numbers instead of strings: no dictionary of ids per part (hashing 20M ids was most of the reading
// time), one dense index from number to node, and the strings made once per node at the end. The graph is
// the same bit for bit: a number stands for exactly one id string when every id has the same length
// (leading zeros kept: "0000042") or none has a leading zero ("42"), and the nodes are ordered as the
// strings sort.

// maxNumericDigits is the longest number id read as a number: 18 digits fit a uint64 with room to pad.
const maxNumericDigits = 18

// maxDenseID bounds the numeric ids that get a dense index (4 bytes per number up to the largest); an edge
// list with a larger id is read with dictionaries.
const maxDenseID = 1 << 25

// numChunk is a part of an edge list whose every id is a number: the edges in file order, and what the
// ids looked like.
type numChunk struct {
	src, dst       []uint64
	w              []float64
	minLen, maxLen int
	leadingZero    bool // some id of more than one digit starts with 0
	max            uint64
}

// idNumber returns the value of a decimal id and whether it is one.
func idNumber(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > maxNumericDigits {
		return 0, false
	}
	var v uint64
	for _, ch := range b {
		if ch < '0' || ch > '9' {
			return 0, false
		}
		v = v*10 + uint64(ch-'0')
	}
	return v, true
}

func (n *numChunk) note(b []byte, v uint64) {
	if len(b) < n.minLen || n.minLen == 0 {
		n.minLen = len(b)
	}
	n.maxLen = max(n.maxLen, len(b))
	if len(b) > 1 && b[0] == '0' {
		n.leadingZero = true
	}
	n.max = max(n.max, v)
}

// errNotNumbers stops parseNumbers at the first id that is not a number.
var errNotNumbers = errors.New("an id is not a number")

// parseNumbers parses whole lines of edges whose ids are all numbers; it returns nil (and no error) at
// the first id that is not, and errSlowPath for a line the serial reader refuses.
func parseNumbers(data []byte, csv bool) (*edgeChunk, error) {
	est := len(data)/16 + 1
	n := &numChunk{src: make([]uint64, 0, est), dst: make([]uint64, 0, est), w: make([]float64, 0, est)}
	err := eachEdge(data, csv, func(src, dst []byte, w float64) error {
		s, ok1 := idNumber(src)
		d, ok2 := idNumber(dst)
		if !ok1 || !ok2 {
			return errNotNumbers
		}
		n.note(src, s)
		n.note(dst, d)
		n.src = append(n.src, s)
		n.dst = append(n.dst, d)
		n.w = append(n.w, w)
		return nil
	})
	switch {
	case errors.Is(err, errNotNumbers):
		return nil, nil
	case err != nil:
		return nil, err
	}
	return &edgeChunk{data: data, csv: csv, num: n}, nil
}

// numericGraph builds the graph of chunks and the extra nodes when every id is a number that stands for
// one string (see above) and none is over maxDenseID; ok is false, with no error, when they are not.
func numericGraph(chunks []*edgeChunk, extra []string) (g *graph.Graph, ok bool, err error) {
	all := &numChunk{}
	var m int
	for _, c := range chunks {
		if c.num == nil {
			return nil, false, nil
		}
		n := c.num
		if n.maxLen == 0 { // no edges
			continue
		}
		if all.minLen == 0 || n.minLen < all.minLen {
			all.minLen = n.minLen
		}
		all.maxLen = max(all.maxLen, n.maxLen)
		all.leadingZero = all.leadingZero || n.leadingZero
		all.max = max(all.max, n.max)
		m += len(n.src)
	}
	extraNum := make([]uint64, len(extra))
	for i, id := range extra {
		v, isNum := idNumber([]byte(id))
		if !isNum {
			return nil, false, nil
		}
		all.note([]byte(id), v)
		extraNum[i] = v
	}
	fixed := all.minLen == all.maxLen
	if all.maxLen == 0 || (!fixed && all.leadingZero) || all.max >= maxDenseID {
		return nil, false, nil
	}

	// Which numbers are nodes: a bitset, marked by every part at once.
	present := make([]uint64, all.max/64+1)
	mark := func(v uint64) {
		if present[v/64]&(1<<(v%64)) == 0 {
			atomic.OrUint64(&present[v/64], 1<<(v%64))
		}
	}
	var wg sync.WaitGroup
	for _, c := range chunks {
		wg.Go(func() {
			for k := range c.num.src {
				mark(c.num.src[k])
				mark(c.num.dst[k])
			}
		})
	}
	wg.Wait()
	for _, v := range extraNum {
		mark(v)
	}
	var nodes []uint64
	for i, word := range present {
		for word != 0 {
			b := uint64(bits.TrailingZeros64(word))
			nodes = append(nodes, uint64(i)*64+b)
			word &= word - 1
		}
	}
	if !fixed {
		// Without leading zeros, "10" sorts before "9": order by the digits left-aligned, then length.
		slices.SortFunc(nodes, func(a, b uint64) int {
			pa, la := leftAligned(a)
			pb, lb := leftAligned(b)
			switch {
			case pa != pb:
				if pa < pb {
					return -1
				}
				return 1
			case la != lb:
				return la - lb
			}
			return 0
		})
	}
	index := make([]int32, all.max+1)
	ids := make([]string, len(nodes))
	var buf [maxNumericDigits]byte
	for i, v := range nodes {
		index[v] = int32(i)
		digits := strconv.AppendUint(buf[:0], v, 10)
		if fixed && len(digits) < all.maxLen {
			pad := make([]byte, all.maxLen-len(digits), all.maxLen)
			for j := range pad {
				pad[j] = '0'
			}
			digits = append(pad, digits...)
		}
		ids[i] = string(digits)
	}
	src, dst, w := make([]int32, m), make([]int32, m), make([]float64, m)
	off := 0
	for _, c := range chunks {
		o := off
		n := c.num
		off += len(n.src)
		wg.Go(func() {
			for k := range n.src {
				src[o+k], dst[o+k], w[o+k] = index[n.src[k]], index[n.dst[k]], n.w[k]
			}
		})
	}
	wg.Wait()
	for _, c := range chunks {
		c.num = nil
	}
	g, err = graph.FromCOO(ids, src, dst, w, nil)
	return g, true, err
}

// leftAligned returns v's digits left-aligned in 19 digits, and how many digits v has.
func leftAligned(v uint64) (uint64, int) {
	d := 1
	for x := v; x >= 10; x /= 10 {
		d++
	}
	for range 19 - d {
		v *= 10
	}
	return v, d
}
