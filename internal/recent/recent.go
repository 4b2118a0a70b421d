// Package recent keeps values decoded lately by the bytes they were decoded from, so that a walk of
// millions of records decodes a value that repeats (an event's attrs: a Discord reaction's emoji, a
// poster's account fields) once instead of once a record, and hands out the same value each time.
package recent

import (
	"bytes"
	"hash/maphash"
)

// Values holds at most max values by their bytes; when it is full it starts again empty, so that what it
// holds is what came lately and its size stays bounded whatever the walk's length. A nil or zero Values
// holds nothing (a reader with no use for it passes nil); a Values is not safe for concurrent use.
//
// The values are found by a hash of their bytes and the bytes compared, which are kept one after another
// in one buffer: a walk that puts millions of values makes no string for each (at a million members the
// keys' copies were 0.9 GB of what a verify allocated).
type Values[V any] struct {
	seed maphash.Seed
	m    map[uint64]entry[V]
	keys []byte // the bytes of the values held, one after another
	max  int
}

// entry is a value and where its bytes are in Values.keys.
type entry[V any] struct {
	off, n int
	v      V
}

// maxKeyBytes bounds the bytes a Values keeps: past it, it starts again empty as when it holds max values.
const maxKeyBytes = 4 << 20

// New returns a Values that holds up to max values.
func New[V any](max int) *Values[V] {
	return &Values[V]{seed: maphash.MakeSeed(), m: make(map[uint64]entry[V]), max: max}
}

// Get returns the value kept for b, if any. It does not allocate.
func (c *Values[V]) Get(b []byte) (V, bool) {
	if c == nil || c.m == nil {
		var zero V
		return zero, false
	}
	e, ok := c.m[maphash.Bytes(c.seed, b)]
	if !ok || !bytes.Equal(c.keys[e.off:e.off+e.n], b) { // two byte strings may share a hash
		var zero V
		return zero, false
	}
	return e.v, true
}

// Put keeps v for b (a copy of b's bytes). A value of other bytes with the same hash is replaced.
func (c *Values[V]) Put(b []byte, v V) {
	if c == nil || c.m == nil {
		return
	}
	if len(c.m) >= c.max || len(c.keys)+len(b) > maxKeyBytes {
		clear(c.m)
		c.keys = c.keys[:0]
	}
	c.m[maphash.Bytes(c.seed, b)] = entry[V]{off: len(c.keys), n: len(b), v: v}
	c.keys = append(c.keys, b...)
}
