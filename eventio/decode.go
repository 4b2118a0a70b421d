package eventio

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/plaudit/plaudit"
)

// MaxLineLen is the longest line (or CSV record) the decoder accepts, in bytes. It leaves room for the
// longest valid event — 64 KiB of content and 16 KiB of attrs, even fully \u-escaped — and stops a file with
// no newlines from being read into memory whole.
const MaxLineLen = 1 << 20

// Decoder reads events from a stream, one at a time, without ever holding more than one line in memory.
type Decoder struct {
	format Format
	r      *bufio.Reader
	cr     *countingReader
	p      parser
	line   int    // line number of the last line read, 1-based
	raw    []byte // the last line, without its line ending
	long   []byte // accumulates lines longer than the bufio buffer
	err    error  // sticky read error (io.EOF at the end)
	csv    *csvDecoder
}

// NewDecoder returns a decoder reading format f from r. It buffers r itself.
func NewDecoder(r io.Reader, f Format) *Decoder {
	cr := &countingReader{r: r}
	d := &Decoder{format: f, cr: cr, r: bufio.NewReaderSize(cr, 64<<10)}
	if f == CSV {
		d.csv = newCSVDecoder(d)
	}
	return d
}

// NewDecoderAt returns a JSONL decoder for a piece of a bigger input that starts after line `line`: its
// lines are numbered from line+1, so that errors name the line of the whole file. The piece must start at
// the beginning of a line. It lets a file be checked in pieces, in parallel.
func NewDecoderAt(r io.Reader, line int) *Decoder {
	d := NewDecoder(r, JSONL)
	d.line = line
	return d
}

// TooLongLine is the error Decode gives for a line longer than MaxLineLen, for readers that split input
// into lines themselves.
func TooLongLine(line int) *LineError {
	return lineErrf(line, "", "line longer than %d bytes", MaxLineLen)
}

// Decode reads the next event into ev. It returns nil for a valid event; a *LineError for a bad line,
// after which decoding may go on; io.EOF at the end of the input; and any other error for a failure to
// read (or a CSV header that makes the whole file unreadable), after which it returns the same error.
func (d *Decoder) Decode(ev *plaudit.Event) error {
	if d.csv != nil {
		return d.csv.decode(ev)
	}
	for {
		line, err := d.readLine()
		if err != nil {
			return err
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue // blank lines (a trailing newline, a separator) carry no event
		}
		if errs := parseValidate(&d.p, line, ev); errs != nil {
			return lineErr(d.line, errs)
		}
		return nil
	}
}

// Line returns the line number of the last line read (for CSV, the line where the last record started).
func (d *Decoder) Line() int { return d.line }

// Raw returns the last line read, without its line ending. The bytes are valid until the next Decode.
func (d *Decoder) Raw() []byte { return d.raw }

// Offset returns how many bytes of the input have been consumed so far (read from the underlying reader;
// at most one buffer ahead of the decoded position), for progress reports.
func (d *Decoder) Offset() int64 { return d.cr.n }

// readLine returns the next line without its line ending. A line longer than MaxLineLen is skipped and
// reported as a *LineError, so that one bad line does not end the scan.
func (d *Decoder) readLine() ([]byte, error) {
	if d.err != nil {
		return nil, d.err
	}
	d.line++
	d.long = d.long[:0]
	tooLong := false
	for {
		chunk, err := d.r.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			if !tooLong {
				if len(d.long)+len(chunk) > MaxLineLen {
					tooLong = true
					d.long = d.long[:0]
				} else {
					d.long = append(d.long, chunk...)
				}
			}
			continue
		}
		if err != nil && err != io.EOF {
			d.err = fmt.Errorf("read line %d: %w", d.line, err)
			return nil, d.err
		}
		if err == io.EOF {
			if len(chunk) == 0 && len(d.long) == 0 && !tooLong {
				d.err = io.EOF
				d.line--
				return nil, io.EOF
			}
			d.err = io.EOF // the last line had no newline; report it now and EOF next time
		}
		var line []byte
		if tooLong || len(d.long)+len(chunk) > MaxLineLen+1 {
			d.raw = nil
			return nil, TooLongLine(d.line)
		}
		if len(d.long) > 0 {
			d.long = append(d.long, chunk...)
			line = d.long
		} else {
			line = chunk
		}
		line = bytes.TrimSuffix(line, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))
		if d.line == 1 {
			line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf")) // a UTF-8 byte order mark
		}
		d.raw = line
		return line, nil
	}
}

// IsLineError reports whether err is a bad line that the decoder can continue after.
func IsLineError(err error) bool {
	var le *LineError
	return errors.As(err, &le)
}

// errRecordTooLong stops a CSV reader that has read far past MaxLineLen without finishing a record (an
// unclosed quote), before it reads the rest of the file into memory.
var errRecordTooLong = errors.New("record longer than the limit")

type countingReader struct {
	r     io.Reader
	n     int64
	limit int64 // if > 0, reading past this offset fails with errRecordTooLong
}

func (c *countingReader) Read(p []byte) (int, error) {
	if c.limit > 0 {
		if c.n >= c.limit {
			return 0, errRecordTooLong
		}
		if rest := c.limit - c.n; int64(len(p)) > rest {
			p = p[:rest]
		}
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
