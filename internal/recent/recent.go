// Package recent keeps values decoded lately by the bytes they were decoded from, so that a walk of
// millions of records decodes a value that repeats (an event's attrs: a Discord reaction's emoji, a
// poster's account fields) once instead of once a record, and hands out the same value each time.
package recent

// Values holds at most max values by their bytes; when it is full it starts again empty, so that what it
// holds is what came lately and its size stays bounded whatever the walk's length. A nil or zero Values
// holds nothing (a reader with no use for it passes nil); a Values is not safe for concurrent use.
type Values[V any] struct {
	m   map[string]V
	max int
}

// New returns a Values that holds up to max values.
func New[V any](max int) *Values[V] {
	return &Values[V]{m: make(map[string]V), max: max}
}

// Get returns the value kept for b, if any. It does not allocate.
func (c *Values[V]) Get(b []byte) (V, bool) {
	if c == nil {
		var zero V
		return zero, false
	}
	v, ok := c.m[string(b)]
	return v, ok
}

// Put keeps v for b (a copy of b).
func (c *Values[V]) Put(b []byte, v V) {
	if c == nil || c.m == nil {
		return
	}
	if len(c.m) >= c.max {
		clear(c.m)
	}
	c.m[string(b)] = v
}
