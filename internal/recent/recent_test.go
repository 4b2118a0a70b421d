package recent

import (
	"bytes"
	"fmt"
	"hash/maphash"
	"testing"
)

func TestValues(t *testing.T) {
	c := New[int](3)
	b := []byte("a")
	c.Put(b, 1)
	b[0] = 'z' // Put kept a copy of the bytes
	if v, ok := c.Get([]byte("a")); !ok || v != 1 {
		t.Fatalf("Get(a) = %d, %v; want 1, true", v, ok)
	}
	if _, ok := c.Get([]byte("z")); ok {
		t.Fatal("Get(z) found a value never put")
	}
	for i := range 3 {
		c.Put(fmt.Appendf(nil, "k%d", i), i)
	}
	// The fourth distinct key found the table full: it started again with k2 alone.
	if _, ok := c.Get([]byte("a")); ok {
		t.Fatal("a full Values kept its old values")
	}
	if v, ok := c.Get([]byte("k2")); !ok || v != 2 {
		t.Fatalf("Get(k2) = %d, %v; want 2, true", v, ok)
	}
	if n := len(c.m); n > 3 {
		t.Fatalf("%d values held, bound 3", n)
	}
	var zero Values[int]
	zero.Put([]byte("x"), 1)
	if _, ok := zero.Get([]byte("x")); ok {
		t.Fatal("the zero Values kept a value")
	}
	var none *Values[int]
	none.Put([]byte("x"), 1)
	if _, ok := none.Get([]byte("x")); ok {
		t.Fatal("a nil Values kept a value")
	}
	if n := testing.AllocsPerRun(100, func() { c.Get([]byte("k2")) }); n != 0 {
		t.Fatalf("Get allocates %v times", n)
	}
}

// TestValuesSharedHash checks that a value is handed out only for its own bytes: an entry found under the
// hash of other bytes (two byte strings may share one) is a miss, and putting the other bytes replaces it.
func TestValuesSharedHash(t *testing.T) {
	c := New[int](10)
	c.Put([]byte("a"), 1)
	// Make "b" hash to the entry of "a", as a collision would.
	c.m[maphash.Bytes(c.seed, []byte("b"))] = c.m[maphash.Bytes(c.seed, []byte("a"))]
	if v, ok := c.Get([]byte("b")); ok {
		t.Fatalf("Get(b) = %d from a's entry", v)
	}
	c.Put([]byte("b"), 2)
	if v, ok := c.Get([]byte("b")); !ok || v != 2 {
		t.Fatalf("Get(b) = %d, %v; want 2, true", v, ok)
	}
	if v, ok := c.Get([]byte("a")); !ok || v != 1 {
		t.Fatalf("Get(a) = %d, %v; want 1, true", v, ok)
	}
}

// TestValuesKeyBytesBound checks that the bytes kept stay within maxKeyBytes however long the values' bytes.
func TestValuesKeyBytesBound(t *testing.T) {
	c := New[int](1 << 20)
	big := bytes.Repeat([]byte("x"), maxKeyBytes/3)
	for i := range 10 {
		big[0] = byte(i)
		c.Put(big, i)
		if len(c.keys) > maxKeyBytes {
			t.Fatalf("after %d puts %d bytes kept, bound %d", i+1, len(c.keys), maxKeyBytes)
		}
		if v, ok := c.Get(big); !ok || v != i {
			t.Fatalf("Get of the value just put = %d, %v", v, ok)
		}
	}
}
