package score

import (
	"bufio"
	"fmt"
	"io"
	"os"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/spool"
)

// threadSpill keeps the GitHub conversation events of a streamed run in a temporary file instead of memory.
// The conversation scorer must have all of a thread's events when the thread's first event is scored, and
// in a streamed run the observers' walk sees every thread before the scoring walk starts: held whole, the
// threads of a million members' log were gigabytes. The file holds each event as a spool record (read back
// as it was written); memory holds where each thread's events are.
type threadSpill struct {
	f    *os.File
	w    *bufio.Writer
	path string // still to remove when the file could not be removed while open
	size int64
	at   map[string][]span // by thread, in log order
	buf  []byte
}

// span is one event's place in the spill file.
type span struct {
	off int64
	n   int64
}

// newThreadSpill creates the spill file in the system's temporary folder, removing its name at once where
// the system allows an open file to be removed (it then goes with the process).
func newThreadSpill() (*threadSpill, error) {
	f, err := os.CreateTemp("", "plaudit-threads-*.spool")
	if err != nil {
		return nil, fmt.Errorf("conversation: a file for the threads of the stream: %w", err)
	}
	s := &threadSpill{f: f, w: bufio.NewWriterSize(f, spool.WriteSize), at: map[string][]span{}}
	if os.Remove(f.Name()) != nil {
		s.path = f.Name()
	}
	return s, nil
}

// add appends e to thread id.
func (s *threadSpill) add(id string, e *plaudit.Event) error {
	var err error
	if s.buf, err = spool.AppendRecord(s.buf[:0], e); err != nil {
		return fmt.Errorf("conversation: keep event %s: %w", e.Key(), err)
	}
	if _, err := s.w.Write(s.buf); err != nil {
		return fmt.Errorf("conversation: keep event %s: %w", e.Key(), err)
	}
	s.at[id] = append(s.at[id], span{s.size, int64(len(s.buf))})
	s.size += int64(len(s.buf))
	return nil
}

// flush writes what add buffered, so that read finds it.
func (s *threadSpill) flush() error {
	if s.w.Buffered() > 0 {
		if err := s.w.Flush(); err != nil {
			return fmt.Errorf("conversation: write the threads: %w", err)
		}
	}
	return nil
}

// read reads back the events of thread id at spans (its entry of at), once flushed: it reads only the
// file, through ReadAt, so that a goroutine may read threads while another adds none and drops others.
func (s *threadSpill) read(id string, spans []span) ([]plaudit.Event, error) {
	out := make([]plaudit.Event, len(spans))
	var b []byte
	for i, sp := range spans {
		if int64(cap(b)) < sp.n {
			b = make([]byte, sp.n)
		}
		b = b[:sp.n]
		if _, err := s.f.ReadAt(b, sp.off); err != nil && err != io.EOF {
			return nil, fmt.Errorf("conversation: read thread %s back: %w", id, err)
		}
		if err := spool.ReadRecord(b, &out[i]); err != nil {
			return nil, fmt.Errorf("conversation: read thread %s back: %w", id, err)
		}
	}
	return out, nil
}

// drop forgets thread id; the file keeps its bytes until the spill is closed.
func (s *threadSpill) drop(id string) { delete(s.at, id) }

// close closes and removes the file.
func (s *threadSpill) close() error {
	err := s.f.Close()
	if s.path != "" {
		if rerr := os.Remove(s.path); err == nil {
			err = rerr
		}
	}
	return err
}
