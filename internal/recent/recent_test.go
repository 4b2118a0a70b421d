package recent

import (
	"fmt"
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
