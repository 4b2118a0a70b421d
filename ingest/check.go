package ingest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/eventio"
)

// blockSize is the size of the pieces a JSONL file is checked in, in parallel.
const blockSize = 1 << 20

// block is a run of whole lines of a JSONL input, and later what checking it found.
type block struct {
	data      []byte
	firstLine int // lines before this block
	tooLong   int // if > 0, the block is this one line, too long to hold: report it and nothing else
	done      chan struct{}

	events int64
	bad    []badLine
	err    error
}

type badLine struct {
	le  *eventio.LineError
	raw []byte
}

// checkParallel is Check for JSONL on more than one core: one goroutine cuts the input into blocks of whole
// lines, workers decode and validate the blocks, and the results are reported in input order, so the
// output is the same as a serial check's, only sooner. Decoding is the whole cost of a check, and lines are
// independent, so it splits cleanly; an import then spends the first pass at several cores' speed.
func checkParallel(ctx context.Context, r io.Reader, workers int, progress func(int64), onBad func(*eventio.LineError, []byte)) (*CheckResult, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan *block, workers)
	ordered := make(chan *block, 2*workers)
	var readErr error
	var offset atomic.Int64
	go func() {
		defer close(ordered)
		defer close(jobs)
		readErr = splitLines(ctx, r, func(b *block) bool {
			b.done = make(chan struct{})
			select {
			case ordered <- b:
			case <-ctx.Done():
				return false
			}
			if b.tooLong > 0 {
				close(b.done)
				return true
			}
			select {
			case jobs <- b:
				return true
			case <-ctx.Done():
				b.err = ctx.Err() // the consumer waits for every block it was given
				close(b.done)
				return false
			}
		}, &offset)
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for b := range jobs {
				checkBlock(b)
				close(b.done)
			}
		})
	}
	res := &CheckResult{}
	var err error
	for b := range ordered {
		<-b.done
		if err != nil {
			continue
		}
		if b.err != nil {
			err = b.err
			cancel()
			continue
		}
		res.Events += b.events
		if b.tooLong > 0 {
			b.bad = []badLine{{le: eventio.TooLongLine(b.tooLong)}}
		}
		for _, bl := range b.bad {
			res.Bad++
			if len(res.Invalid) < MaxReported {
				res.Invalid = append(res.Invalid, bl.le)
			}
			if onBad != nil {
				onBad(bl.le, bl.raw)
			}
		}
		if progress != nil {
			progress(offset.Load())
		}
	}
	wg.Wait()
	if err == nil {
		err = readErr
	}
	if err == nil {
		err = ctx.Err()
	}
	return res, err
}

// checkBlock decodes one block and keeps what it found.
func checkBlock(b *block) {
	d := eventio.NewDecoderAt(bytes.NewReader(b.data), b.firstLine)
	var ev plaudit.Event
	for {
		err := d.Decode(&ev)
		if err == io.EOF {
			return
		}
		var le *eventio.LineError
		if errors.As(err, &le) {
			b.bad = append(b.bad, badLine{le: le, raw: bytes.Clone(d.Raw())})
			continue
		}
		if err != nil {
			b.err = err
			return
		}
		b.events++
	}
}

// splitLines reads r and calls emit with blocks of about blockSize bytes holding whole lines, numbering
// them. A line longer than 2×MaxLineLen — too long by any measure — is skipped without being held, and
// emitted as a block of its own with tooLong set; shorter long lines are passed on for the decoder to judge,
// so that the verdict on every line is exactly a serial decoder's.
func splitLines(ctx context.Context, r io.Reader, emit func(*block) bool, offset *atomic.Int64) error {
	br := bufio.NewReaderSize(r, 64<<10)
	lines := 0
	var carry []byte
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		buf := make([]byte, len(carry)+blockSize) // a new buffer each time: emitted blocks alias it
		copy(buf, carry)
		n, err := io.ReadFull(br, buf[len(carry):])
		offset.Add(int64(n))
		data := buf[:len(carry)+n]
		eof := err == io.EOF || err == io.ErrUnexpectedEOF
		if err != nil && !eof {
			return fmt.Errorf("read after line %d: %w", lines, err)
		}
		cut := len(data)
		if !eof {
			cut = bytes.LastIndexByte(data, '\n') + 1
		}
		if cut == 0 && !eof { // no newline yet: one long line
			if len(data) <= 2*eventio.MaxLineLen {
				carry = data
				continue
			}
			lines++
			if !emit(&block{tooLong: lines}) {
				return ctx.Err()
			}
			carry = nil
			for { // drop the rest of the line
				chunk, err := br.ReadSlice('\n')
				offset.Add(int64(len(chunk)))
				if err == bufio.ErrBufferFull {
					continue
				}
				if err == io.EOF {
					return nil
				}
				if err != nil {
					return fmt.Errorf("read line %d: %w", lines, err)
				}
				break
			}
			continue
		}
		if cut > 0 {
			b := &block{data: data[:cut:cut], firstLine: lines}
			lines += bytes.Count(b.data, []byte{'\n'})
			if !emit(b) {
				return ctx.Err()
			}
		}
		if eof {
			return nil
		}
		carry = data[cut:]
	}
}

// numWorkers is how many goroutines check a file: one per core, at most 8.
func numWorkers() int { return min(runtime.GOMAXPROCS(0), 8) }

// Err returns nil for a file without bad lines, and otherwise a *plaudit.ValidationError naming input and
// listing the bad lines found (the first MaxReported, then how many more).
func (r *CheckResult) Err(input string) error {
	if r.Bad == 0 {
		return nil
	}
	ve := &plaudit.ValidationError{Input: input}
	for _, le := range r.Invalid {
		ve.Errors = append(ve.Errors, le.Errors...)
	}
	if r.Bad > int64(len(r.Invalid)) {
		ve.Errors = append(ve.Errors, &plaudit.FieldError{Index: -1, Reason: fmt.Sprintf("and %d more bad lines", r.Bad-int64(len(r.Invalid)))})
	}
	return ve
}

// A Checker runs Check in the background, so that a file can be checked while it is imported: its Gate,
// passed as Options.Gate, holds the import's first commit until the whole file is known to be good. On a
// bulk store the import then costs little more than appending, instead of a read of the whole file first.
type Checker struct {
	done   chan struct{}
	cancel context.CancelFunc
	res    *CheckResult
	err    error
}

// StartCheck starts checking r in format f (see Check); progress and onBad are called from the checking
// goroutines. Wait or Stop must be called before r is closed.
func StartCheck(ctx context.Context, r io.Reader, f eventio.Format, progress func(int64), onBad func(le *eventio.LineError, raw []byte)) *Checker {
	ctx, cancel := context.WithCancel(ctx)
	c := &Checker{done: make(chan struct{}), cancel: cancel}
	go func() {
		defer close(c.done)
		c.res, c.err = Check(ctx, r, f, progress, onBad)
	}()
	return c
}

// Wait waits for the check to end and returns what Check returned.
func (c *Checker) Wait() (*CheckResult, error) {
	<-c.done
	return c.res, c.err
}

// Stop ends the check early, if it has not ended, and waits for it.
func (c *Checker) Stop() {
	c.cancel()
	<-c.done
}

// Gate waits for the check and returns nil if the input is good, its *plaudit.ValidationError if it has
// bad lines, or the error that stopped the check.
func (c *Checker) Gate() error {
	res, err := c.Wait()
	if err != nil {
		return fmt.Errorf("check: %w", err)
	}
	return res.Err("input")
}
