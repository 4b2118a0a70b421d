package settle

import (
	"hash/maphash"
	"math/bits"
	"unsafe"
)

// inlineKey is the longest handle a table slot holds inline; longer handles (rare: a long GitHub login)
// go to an ordinary map.
const inlineKey = 24

// slot is one member's running total in the table, with the handle inline: one 64-byte cache line, so
// that counting a score costs one cache miss at most, and nothing in it is a pointer for the garbage
// collector to scan.
type slot struct {
	hash  uint64      // 0: empty
	tally memberTally // its klen is the length of key
	key   [inlineKey]byte
}

// table maps member handles to their tallies: open addressing with linear probing over 64-byte slots.
// A Go map[string]memberTally costs three cache misses a lookup at a million members (control word, slot,
// key bytes) and makes the collector visit a million keys; this costs one and none.
type table struct {
	seed  maphash.Seed
	slots []slot
	n     int
	long  map[string]*memberTally
}

func newTable(members int) *table {
	t := &table{seed: maphash.MakeSeed(), long: map[string]*memberTally{}}
	t.slots = make([]slot, tableSize(members))
	return t
}

// tableSize returns a power of two that holds n members at a load of at most 0.7.
func tableSize(n int) int {
	want := max(n*10/7+1, 1024)
	return 1 << bits.Len(uint(want-1))
}

// hash returns the table hash of handle: never 0, which marks an empty slot.
func (t *table) hash(handle string) uint64 { return maphash.String(t.seed, handle) | 1 }

// touch loads the first slot handle's hash h probes, so that the cache miss of a later get overlaps with
// others: the caller touches a batch of handles first, then gets them.
func (t *table) touch(h uint64) uint64 { return t.slots[h&uint64(len(t.slots)-1)].hash }

// get returns the tally of handle, adding an empty one when it is new.
func (t *table) get(handle string) *memberTally {
	if len(handle) > inlineKey {
		m := t.long[handle]
		if m == nil {
			m = &memberTally{}
			t.long[handle] = m
		}
		return m
	}
	return t.getHashed(handle, t.hash(handle))
}

// getHashed is get with the handle's hash already computed.
func (t *table) getHashed(handle string, h uint64) *memberTally {
	mask := uint64(len(t.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.hash == h && int(s.tally.klen) == len(handle) && string(s.key[:s.tally.klen]) == handle {
			return &s.tally
		}
		if s.hash == 0 {
			if (t.n+1)*10 > len(t.slots)*7 {
				t.grow()
				return t.getHashed(handle, h)
			}
			s.hash, s.tally.klen = h, uint8(len(handle))
			copy(s.key[:], handle)
			t.n++
			return &s.tally
		}
	}
}

// lookup returns the tally of handle and whether there is one, without adding it.
func (t *table) lookup(handle string) (memberTally, bool) {
	if len(handle) > inlineKey {
		if m, ok := t.long[handle]; ok {
			return *m, true
		}
		return memberTally{}, false
	}
	h := maphash.String(t.seed, handle) | 1
	mask := uint64(len(t.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.hash == 0 {
			return memberTally{}, false
		}
		if s.hash == h && int(s.tally.klen) == len(handle) && string(s.key[:s.tally.klen]) == handle {
			return s.tally, true
		}
	}
}

func (t *table) grow() {
	old := t.slots
	t.slots = make([]slot, 2*len(old))
	mask := uint64(len(t.slots) - 1)
	for k := range old {
		s := &old[k]
		if s.hash == 0 {
			continue
		}
		i := s.hash & mask
		for t.slots[i].hash != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = *s
	}
}

// slotSize is checked by a test: a slot must stay one cache line.
const slotSize = 64

// each calls fn for every member in the table, in no particular order.
func (t *table) each(fn func(handle string, m memberTally)) {
	var names arena
	for k := range t.slots {
		if s := &t.slots[k]; s.hash != 0 {
			fn(names.bytes(s.key[:s.tally.klen]), s.tally)
		}
	}
	for h, m := range t.long {
		fn(h, *m)
	}
}

func (t *table) len() int { return t.n + len(t.long) }

// arena makes many short strings in a few large allocations instead of one each: a million-member close
// names two million accounts. Bytes are only ever appended, and a full block is left to the strings that
// point into it, so every string made stays valid and unchanged.
type arena struct{ buf []byte }

// concat returns prefix+s, in the arena.
func (a *arena) concat(prefix, s string) string {
	n := len(prefix) + len(s)
	if n == 0 {
		return ""
	}
	if cap(a.buf)-len(a.buf) < n {
		a.buf = make([]byte, 0, max(256<<10, n))
	}
	start := len(a.buf)
	a.buf = append(a.buf, prefix...)
	a.buf = append(a.buf, s...)
	return unsafe.String(&a.buf[start], n)
}

// bytes returns b as a string, in the arena.
func (a *arena) bytes(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if cap(a.buf)-len(a.buf) < len(b) {
		a.buf = make([]byte, 0, max(256<<10, len(b)))
	}
	start := len(a.buf)
	a.buf = append(a.buf, b...)
	return unsafe.String(&a.buf[start], len(b))
}
