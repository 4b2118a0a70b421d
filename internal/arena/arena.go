// Package arena keeps many small strings, and the small string slices that list them, in large blocks, so
// that a structure holding millions of them (a million members' wallets and account lists, the usernames
// a scorer learns) is a few hundred objects for the garbage collector instead of millions: at a million
// members each small object cost every collection a lookup of its span, and the collections of a verify
// spent most of their time there.
//
// What an arena hands out is never moved or reused: a string or slice stays valid, and keeps its block
// alive, as long as it is held. An arena is not safe for concurrent use.
package arena

import "unsafe"

// blockSize is the size of the blocks strings are copied into; a longer string gets an allocation of its
// own.
const blockSize = 1 << 20

// Strings copies strings into blocks of bytes, which hold no pointers for the collector to scan.
type Strings struct {
	block []byte
}

// Keep returns a copy of s in the arena's current block.
func (a *Strings) Keep(s string) string {
	return a.KeepBytes(unsafe.Slice(unsafe.StringData(s), len(s))) // read, never written
}

// KeepBytes returns a copy of b as a string in the arena's current block: Keep for a key built in a buffer.
func (a *Strings) KeepBytes(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > blockSize/16 {
		return string(b)
	}
	if cap(a.block)-len(a.block) < len(b) {
		a.block = make([]byte, 0, blockSize)
	}
	n := len(a.block)
	a.block = append(a.block, b...)
	return unsafe.String(&a.block[n], len(b))
}

// sliceBlock is how many strings a block of Lists holds; a longer list gets an array of its own.
const sliceBlock = 4096

// Lists carves the arrays of small string slices out of blocks.
type Lists struct {
	block []string
}

// Make returns an empty slice with room for n strings, carved out of the arena's current block.
func (a *Lists) Make(n int) []string {
	if n > sliceBlock/16 {
		return make([]string, 0, n)
	}
	if cap(a.block)-len(a.block) < n {
		a.block = make([]string, 0, sliceBlock)
	}
	i := len(a.block)
	a.block = a.block[:i+n]
	return a.block[i : i : i+n]
}

// Grow returns s with room for at least one more string: s itself when it has room, else a copy twice its
// capacity (at least 1) from the arena. s's old array is left as it was, for whoever else holds it.
func (a *Lists) Grow(s []string) []string {
	if len(s) < cap(s) {
		return s
	}
	t := a.Make(max(2*cap(s), 1))
	return append(t, s...)
}
