package integrity

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"os"

	"github.com/plaudit/plaudit/spool"
	"github.com/plaudit/plaudit/text"
)

// sigsInMemory is how many text signatures a check keeps in memory (512 bytes each: 256 MiB) before it moves
// them to a temporary file: a week of a million-member community signs millions of texts. The near-duplicate
// check reads them back one by one: every one in order once (the first walk signs them in log order, the
// check compares them in time order), which the file serves through a cache of blocks (sigBlock signatures
// each, sigCached of them), and the candidates each text is compared with, out of order, which it serves a
// system call each. With a budget of 65,536 signatures, those calls cost a week of a 100,000-member
// community (440,000 texts) about 75 s of system time more than holding them all in memory, which is why
// the budget stays this large.
var sigsInMemory = 1 << 19

// sigsFullBudget is how many members a community may have for a check to keep the whole sigsInMemory
// budget; a larger one keeps a share of it in inverse proportion (sigBudget). A week's texts grow with the
// members (4.4 a member in generated communities), and once they outnumber the budget they all go to the
// file, so a large community gains nothing from holding the first ones: at a million members those 256 MiB
// were about a fifth of the check's live heap when it spilled.
const sigsFullBudget = 250_000

// sigBudget is how many signatures a check of a community of members members keeps in memory.
func sigBudget(members int) int {
	if members <= sigsFullBudget {
		return sigsInMemory
	}
	return max(1, int(int64(sigsInMemory)*sigsFullBudget/int64(members)))
}

const (
	// sigBytes is the size of one signature in the file.
	sigBytes = text.SignatureSize * 4
	// sigBlock is how many signatures one read of the file brings in (64 KiB).
	sigBlock = 128
	// sigCached is how many blocks the cache holds (4 MiB), each in the slot of its number modulo sigCached.
	sigCached = 64
)

// signatures keeps the signatures of a check's texts, numbered in the order added: in memory, then in a
// temporary file created in the system's temporary folder whose name is removed at once where the system
// allows it (the file then goes with the process).
type signatures struct {
	mem     []text.Signature
	f       *os.File
	w       *bufio.Writer
	path    string // still to remove when the name could not be removed while open
	n       int
	flushed bool
	buf     [sigBytes]byte
	budget  int             // how many are kept in memory before the file (sigBudget)
	cache   []sigCacheBlock // sigCached slots, made at the first read from the file
	last    int             // the signature read last: the next one is read with its block
}

// sigCacheBlock is a block of the file as read: the signatures from number block·sigBlock, n of them
// (fewer than sigBlock at the end of the file as it was then).
type sigCacheBlock struct {
	block, n int
	data     []byte
}

// add keeps sig as the next signature.
func (s *signatures) add(sig *text.Signature) error {
	if s.f == nil && len(s.mem) < s.budget {
		s.mem = append(s.mem, *sig)
		s.n++
		return nil
	}
	if s.f == nil {
		f, err := os.CreateTemp("", "plaudit-signatures-*.bin")
		if err != nil {
			return fmt.Errorf("a file for the texts' signatures: %w", err)
		}
		s.f, s.w = f, bufio.NewWriterSize(f, spool.WriteSize)
		if os.Remove(f.Name()) != nil {
			s.path = f.Name()
		}
		for i := range s.mem {
			if err := s.write(&s.mem[i]); err != nil {
				return err
			}
		}
		s.mem = nil
	}
	if err := s.write(sig); err != nil {
		return err
	}
	s.n++
	s.flushed = false
	return nil
}

func (s *signatures) write(sig *text.Signature) error {
	for i, v := range sig {
		binary.LittleEndian.PutUint32(s.buf[4*i:], v)
	}
	if _, err := s.w.Write(s.buf[:]); err != nil {
		return fmt.Errorf("keep the texts' signatures: %w", err)
	}
	return nil
}

// read reads signature k into sig.
func (s *signatures) read(k int, sig *text.Signature) error {
	if k < 0 || k >= s.n {
		return fmt.Errorf("no signature %d of %d", k, s.n)
	}
	if s.f == nil {
		*sig = s.mem[k]
		return nil
	}
	if !s.flushed {
		if err := s.w.Flush(); err != nil {
			return fmt.Errorf("keep the texts' signatures: %w", err)
		}
		s.flushed = true
	}
	if s.cache == nil {
		s.cache = make([]sigCacheBlock, sigCached)
		for i := range s.cache {
			s.cache[i].block = -1
		}
	}
	b := k / sigBlock
	c := &s.cache[b%sigCached]
	next := k == s.last+1
	s.last = k
	if c.block != b || k-b*sigBlock >= c.n { // not cached, or cached before signature k was added
		if !next {
			// Out of order (a candidate the near-duplicate check compares with): one signature, as a
			// block read for each would read a hundred times the bytes.
			if _, err := s.f.ReadAt(s.buf[:], int64(k)*sigBytes); err != nil {
				return fmt.Errorf("read signature %d back: %w", k, err)
			}
			for i := range sig {
				sig[i] = binary.LittleEndian.Uint32(s.buf[4*i:])
			}
			return nil
		}
		n := min(sigBlock, s.n-b*sigBlock)
		if c.data == nil {
			c.data = make([]byte, sigBlock*sigBytes)
		}
		if _, err := s.f.ReadAt(c.data[:n*sigBytes], int64(b)*sigBlock*sigBytes); err != nil {
			c.block = -1
			return fmt.Errorf("read signature %d back: %w", k, err)
		}
		c.block, c.n = b, n
	}
	off := (k - b*sigBlock) * sigBytes
	for i := range sig {
		sig[i] = binary.LittleEndian.Uint32(c.data[off+4*i:])
	}
	return nil
}

// spilled reports whether the signatures are in a file.
func (s *signatures) spilled() bool { return s.f != nil }

// close drops the signatures and removes the file.
func (s *signatures) close() error {
	s.mem = nil
	if s.f == nil {
		return nil
	}
	err := s.f.Close()
	if s.path != "" {
		if rerr := os.Remove(s.path); err == nil {
			err = rerr
		}
	}
	s.f, s.w, s.cache = nil, nil, nil
	return err
}
