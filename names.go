package plaudit

import (
	"encoding/binary"
	"hash/maphash"
	"unsafe"
)

// nameTable interns strings (a Directory's account keys and the member handles that hold them) as dense
// numbers, in memory the collector does not scan: the strings' bytes in large chunks, each with its number
// and length, and an open-addressing index of integers. A million members' directory holds millions of
// account keys; as a map[string]acct each was a string object and three pointers for every collection to
// mark, which at that size cost verify about half its CPU.
//
// A slot of the index holds the top bits of the name's hash and where its record is, so that a lookup
// reads the slot and then the record (number, length and bytes together): two places in memory, where a
// slot holding the number took a third (the number's position) before the bytes could be compared. The
// lookups of a million-member verify are a tenth of its CPU, most of it waiting on those reads.
//
// Numbers are given in order from 0 and never change. The strings str returns point into the chunks, which
// are written once and never moved, so they stay valid (and keep their chunk alive) as long as they are held.
type nameTable struct {
	seed   maphash.Seed
	slots  []uint64 // the hash's top slotTagBits bits << slotPosBits | record position+1; 0 is empty; len is a power of two
	pos    []uint64 // by number: the record's position
	chunks [][]byte
}

// A record's position is its chunk << chunkBits | its offset in the chunk; a slot keeps it in its low
// slotPosBits bits and the hash's top slotTagBits bits above.
const (
	chunkBits   = 20 // nameChunk is 1 << chunkBits
	slotPosBits = 38 // 2^18 chunks
	slotTagBits = 64 - slotPosBits
	slotPosMask = 1<<slotPosBits - 1
)

// nameChunk is the size of the chunks names are written into; a longer name gets a chunk of its own.
const nameChunk = 1 << chunkBits

// len returns how many names t holds.
func (t *nameTable) len() int { return len(t.pos) }

// hash returns b's hash.
func (t *nameTable) hash(b []byte) uint64 { return maphash.Bytes(t.seed, b) }

// record returns the number and bytes of the record at position p: 4 bytes of number (little-endian),
// the length as a uvarint, the bytes.
func (t *nameTable) record(p uint64) (int32, []byte) {
	c := t.chunks[p>>chunkBits][p&(nameChunk-1):]
	n := int32(binary.LittleEndian.Uint32(c))
	l, k := binary.Uvarint(c[4:])
	return n, c[4+k : 4+k+int(l)]
}

// bytesOf returns the bytes of name n, in its chunk.
func (t *nameTable) bytesOf(n int32) []byte {
	_, b := t.record(t.pos[n])
	return b
}

// str returns name n as a string pointing into its chunk: no copy is made.
func (t *nameTable) str(n int32) string {
	b := t.bytesOf(n)
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// find returns the slot where the name with hash h and bytes b is, or the empty slot where it would go, and
// its number (-1 when absent).
func (t *nameTable) find(h uint64, b []byte) (int, int32) {
	if len(t.slots) == 0 {
		return -1, -1
	}
	mask := len(t.slots) - 1
	tag := h >> slotPosBits
	for i := int(h) & mask; ; i = (i + 1) & mask {
		s := t.slots[i]
		if s == 0 {
			return i, -1
		}
		if s>>slotPosBits == tag {
			n, name := t.record(s&slotPosMask - 1)
			if string(name) == string(b) {
				return i, n
			}
		}
	}
}

// lookup returns the number of name b, if t holds it. It does not allocate.
func (t *nameTable) lookup(b []byte) (int32, bool) {
	if len(t.slots) == 0 {
		return -1, false
	}
	_, n := t.find(t.hash(b), b)
	return n, n >= 0
}

// lookupString is lookup for a string.
func (t *nameTable) lookupString(s string) (int32, bool) {
	return t.lookup(unsafe.Slice(unsafe.StringData(s), len(s)))
}

// intern returns the number of name b, adding a copy of it when t does not hold it yet.
func (t *nameTable) intern(b []byte) int32 {
	if len(t.slots) == 0 {
		t.seed = maphash.MakeSeed()
		t.slots = make([]uint64, 1024)
	}
	h := t.hash(b)
	i, n := t.find(h, b)
	if n >= 0 {
		return n
	}
	n = int32(len(t.pos))
	if n == 1<<31-2 {
		panic("plaudit: a directory of more than two billion names")
	}
	p := t.write(n, b)
	t.pos = append(t.pos, p)
	t.slots[i] = h>>slotPosBits<<slotPosBits | (p + 1)
	if (len(t.pos)+1)*4 > len(t.slots)*3 {
		t.grow()
	}
	return n
}

// internString is intern for a string.
func (t *nameTable) internString(s string) int32 {
	return t.intern(unsafe.Slice(unsafe.StringData(s), len(s)))
}

// write copies name n's record (number, length, b) into the last chunk (a new one when it does not fit)
// and returns its position.
func (t *nameTable) write(n int32, b []byte) uint64 {
	var pre [4 + binary.MaxVarintLen64]byte
	binary.LittleEndian.PutUint32(pre[:], uint32(n))
	k := 4 + binary.PutUvarint(pre[4:], uint64(len(b)))
	need := k + len(b)
	last := len(t.chunks) - 1
	if last < 0 || len(t.chunks[last])+need > cap(t.chunks[last]) {
		if len(t.chunks) == 1<<(slotPosBits-chunkBits) {
			panic("plaudit: a directory of more names than its index can place")
		}
		t.chunks = append(t.chunks, make([]byte, 0, max(nameChunk, need)))
		last++
	}
	c := t.chunks[last]
	off := len(c)
	c = append(append(c, pre[:k]...), b...)
	t.chunks[last] = c
	return uint64(last)<<chunkBits | uint64(off)
}

// grow doubles the index and places every name again.
func (t *nameTable) grow() {
	slots := make([]uint64, 2*len(t.slots))
	mask := len(slots) - 1
	for _, s := range t.slots {
		if s == 0 {
			continue
		}
		_, name := t.record(s&slotPosMask - 1)
		i := int(t.hash(name)) & mask
		for slots[i] != 0 {
			i = (i + 1) & mask
		}
		slots[i] = s
	}
	t.slots = slots
}
