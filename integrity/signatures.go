package integrity

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"os"

	"github.com/plaudit/plaudit/text"
)

// sigsInMemory is how many text signatures a check keeps in memory (512 bytes each: 256 MiB) before it moves
// them to a temporary file: a week of a million-member community signs millions of texts, and the
// near-duplicate check reads them back one by one (the first walk signs them in log order, the check
// compares them in time order), a system call each, which cost a week of a 100,000-member community
// (440,000 texts) 38 s of system time when they were all in the file.
var sigsInMemory = 1 << 19

// sigBytes is the size of one signature in the file.
const sigBytes = text.SignatureSize * 4

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
}

// add keeps sig as the next signature.
func (s *signatures) add(sig *text.Signature) error {
	if s.f == nil && len(s.mem) < sigsInMemory {
		s.mem = append(s.mem, *sig)
		s.n++
		return nil
	}
	if s.f == nil {
		f, err := os.CreateTemp("", "plaudit-signatures-*.bin")
		if err != nil {
			return fmt.Errorf("a file for the texts' signatures: %w", err)
		}
		s.f, s.w = f, bufio.NewWriterSize(f, 1<<20)
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
	if _, err := s.f.ReadAt(s.buf[:], int64(k)*sigBytes); err != nil {
		return fmt.Errorf("read signature %d back: %w", k, err)
	}
	for i := range sig {
		sig[i] = binary.LittleEndian.Uint32(s.buf[4*i:])
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
	s.f, s.w = nil, nil
	return err
}
