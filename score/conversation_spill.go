package score

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/plaudit/plaudit"
)

// threadSpill keeps the GitHub conversation events of a streamed run in a temporary file instead of memory.
// The conversation scorer must have all of a thread's events when the thread's first event is scored, and
// in a streamed run the observers' walk sees every thread before the scoring walk starts: held whole, the
// threads of a million members' log were gigabytes. The file holds each event as JSON (as a store keeps
// its attributes, numbers read back as json.Number); memory holds where each thread's events are.
type threadSpill struct {
	f    *os.File
	w    *bufio.Writer
	path string // still to remove when the file could not be removed while open
	size int64
	at   map[string][]span // by thread, in log order
	buf  bytes.Buffer
}

// span is one event's place in the spill file.
type span struct {
	off int64
	n   int64
}

// newThreadSpill creates the spill file in the system's temporary folder, removing its name at once where
// the system allows an open file to be removed (it then goes with the process).
func newThreadSpill() (*threadSpill, error) {
	f, err := os.CreateTemp("", "plaudit-threads-*.jsonl")
	if err != nil {
		return nil, fmt.Errorf("conversation: a file for the threads of the stream: %w", err)
	}
	s := &threadSpill{f: f, w: bufio.NewWriterSize(f, 1<<20), at: map[string][]span{}}
	if os.Remove(f.Name()) != nil {
		s.path = f.Name()
	}
	return s, nil
}

// add appends e to thread id.
func (s *threadSpill) add(id string, e *plaudit.Event) error {
	s.buf.Reset()
	if err := json.NewEncoder(&s.buf).Encode(e); err != nil {
		return fmt.Errorf("conversation: keep event %s: %w", e.Key(), err)
	}
	if _, err := s.w.Write(s.buf.Bytes()); err != nil {
		return fmt.Errorf("conversation: keep event %s: %w", e.Key(), err)
	}
	s.at[id] = append(s.at[id], span{s.size, int64(s.buf.Len())})
	s.size += int64(s.buf.Len())
	return nil
}

// load reads back the events of thread id, in the order they were added.
func (s *threadSpill) load(id string) ([]plaudit.Event, error) {
	if s.w.Buffered() > 0 {
		if err := s.w.Flush(); err != nil {
			return nil, fmt.Errorf("conversation: write the threads: %w", err)
		}
	}
	spans := s.at[id]
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
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if err := dec.Decode(&out[i]); err != nil {
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
