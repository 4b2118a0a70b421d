package eventio

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/plaudit/plaudit"
)

// csvDecoder reads the CSV form: a header row naming columns from Fields, plus any number of "attrs.NAME"
// columns, one event per record. Empty cells are absent fields.
//
// An attrs.NAME cell holding a JSON number, true, false, null, a "quoted string", an array or an object is
// that JSON value; any other text is a string. So 42 is a number, "42" (with the quotes) and 042 are strings.
type csvDecoder struct {
	d      *Decoder
	r      *csv.Reader
	cols   []csvCol
	header bool
	err    error
	buf    bytes.Buffer
	w      *csv.Writer
}

type csvCol struct {
	name  string // header text
	field int    // index in Fields, or -1 for an attrs.NAME column
	attr  string // NAME of an attrs.NAME column
}

func newCSVDecoder(d *Decoder) *csvDecoder {
	r := csv.NewReader(d.r)
	r.ReuseRecord = true
	c := &csvDecoder{d: d, r: r}
	c.w = csv.NewWriter(&c.buf)
	return c
}

func (c *csvDecoder) readHeader() error {
	rec, err := c.r.Read()
	if err == io.EOF {
		return io.EOF
	}
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return headerErr("", "malformed CSV header: %v", pe.Err)
		}
		return fmt.Errorf("read CSV header: %w", err)
	}
	c.d.line, _ = c.r.FieldPos(0)
	seen := map[string]bool{}
	for i, h := range rec {
		if i == 0 {
			h = strings.TrimPrefix(h, "\ufeff")
		}
		h = strings.TrimSpace(h)
		if !utf8.ValidString(h) {
			return headerErr("", "column %d: invalid UTF-8 in the column name", i+1)
		}
		if seen[h] {
			return headerErr(h, "duplicate column")
		}
		seen[h] = true
		col := csvCol{name: h, field: fieldIndex([]byte(h))}
		if col.field < 0 {
			name, ok := strings.CutPrefix(h, "attrs.")
			if !ok || name == "" {
				return headerErr(truncate(h, 40), "unknown column %q (want one of %s, or attrs.NAME)", truncate(h, 40), strings.Join(Fields, ", "))
			}
			col.attr = name
		}
		c.cols = append(c.cols, col)
	}
	for _, f := range []string{"source", "id", "kind", "actor", "time"} {
		if !seen[f] {
			return headerErr(f, "missing column %s (the header must name source, id, kind, actor and time)", f)
		}
	}
	c.r.FieldsPerRecord = len(rec)
	return nil
}

func headerErr(field, format string, args ...any) error {
	return &plaudit.ValidationError{Input: "CSV header", Errors: []*plaudit.FieldError{{Line: 1, Index: -1, Field: field, Reason: fmt.Sprintf(format, args...)}}}
}

func (c *csvDecoder) decode(ev *plaudit.Event) error {
	if c.err != nil {
		return c.err
	}
	if !c.header {
		c.header = true
		if err := c.readHeader(); err != nil {
			c.err = err
			return err
		}
	}
	for {
		// Allow one record (plus what the buffers may already hold) before giving up on the file.
		c.d.cr.limit = c.d.cr.n + MaxLineLen + 256<<10
		rec, err := c.r.Read()
		c.d.cr.limit = 0
		if errors.Is(err, errRecordTooLong) {
			c.err = &plaudit.ValidationError{Input: "CSV", Errors: []*plaudit.FieldError{{Line: c.d.line + 1, Index: -1,
				Reason: fmt.Sprintf("a record after line %d runs on for more than %d bytes (an unclosed quote?); the rest of the file cannot be read", c.d.line, MaxLineLen)}}}
			return c.err
		}
		if err == io.EOF {
			c.err = io.EOF
			return io.EOF
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				c.d.line = pe.StartLine
				c.raw(rec)
				return lineErrf(pe.StartLine, "", "malformed CSV: %v", pe.Err)
			}
			c.err = fmt.Errorf("read CSV after line %d: %w", c.d.line, err)
			return c.err
		}
		line, _ := c.r.FieldPos(0)
		c.d.line = line
		c.raw(rec)
		if len(rec) == 1 && rec[0] == "" {
			continue // csv.Reader skips empty lines, but a lone "" record carries nothing either
		}
		if errs := c.event(rec, ev); errs != nil {
			return lineErr(line, errs)
		}
		return nil
	}
}

// raw keeps the record as CSV text for reject reports.
func (c *csvDecoder) raw(rec []string) {
	c.buf.Reset()
	_ = c.w.Write(rec)
	c.w.Flush()
	c.d.raw = bytes.TrimSuffix(c.buf.Bytes(), []byte("\n"))
}

func (c *csvDecoder) event(rec []string, ev *plaudit.Event) []*plaudit.FieldError {
	*ev = plaudit.Event{}
	bad := func(field, format string, args ...any) []*plaudit.FieldError {
		return []*plaudit.FieldError{{Index: -1, ID: printableID(ev.ExternalID), Field: field, Reason: fmt.Sprintf(format, args...)}}
	}
	total := 0
	for _, v := range rec {
		total += len(v)
	}
	if total > MaxLineLen {
		return bad("", "record longer than %d bytes", MaxLineLen)
	}
	// The id first, so that every later error can name the event.
	for i, col := range c.cols {
		if col.field == 1 && utf8.ValidString(rec[i]) {
			ev.ExternalID = rec[i]
		}
	}
	var fromCells map[string]any
	for i, col := range c.cols {
		v := rec[i]
		name := col.name
		if !utf8.ValidString(v) {
			return bad(name, "invalid UTF-8")
		}
		if strings.IndexByte(v, 0) >= 0 {
			return bad(name, "contains a NUL byte")
		}
		if v == "" {
			continue
		}
		switch col.field {
		case 0:
			ev.Source = plaudit.Source(v)
		case 1:
			ev.ExternalID = v
		case 2:
			ev.Kind = plaudit.Kind(v)
		case 3:
			ev.Actor = v
		case 4:
			ev.Target = v
		case 5:
			ev.TargetAuthor = v
		case 6:
			ev.Content = v
		case 7:
			t, err := parseTime([]byte(v))
			if err != nil {
				return bad(name, "not an RFC3339 time: %q (%s)", truncate(v, 40), timeReason(err))
			}
			ev.Time = t
		case 8:
			c.d.p.b, c.d.p.i = []byte(v), 0
			c.d.p.ws()
			if c.d.p.i == len(c.d.p.b) || c.d.p.b[c.d.p.i] != '{' {
				return bad(name, "want a JSON object, got %s", typeName(firstByte(c.d.p.b[c.d.p.i:])))
			}
			m, perr := c.d.p.value(1)
			if perr == nil {
				c.d.p.ws()
				if c.d.p.i != len(c.d.p.b) {
					perr = errf("data after the JSON object")
				}
			}
			if perr != nil {
				return bad(perr.prefix("attrs").field, "%s", perr.reason)
			}
			for k, x := range m.(map[string]any) {
				if _, dup := fromCells[k]; dup {
					return bad("attrs."+truncate(k, 40), "set both in the attrs column and in an attrs.%s column", truncate(k, 40))
				}
				if ev.Attrs == nil {
					ev.Attrs = map[string]any{}
				}
				ev.Attrs[k] = x
			}
		default:
			x, perr := c.cell(v)
			if perr != nil {
				return bad(perr.prefix(name).field, "%s", perr.reason)
			}
			if _, dup := ev.Attrs[col.attr]; dup {
				return bad(name, "set both in the attrs column and in this column")
			}
			if ev.Attrs == nil {
				ev.Attrs = map[string]any{}
			}
			if fromCells == nil {
				fromCells = map[string]any{}
			}
			fromCells[col.attr] = nil
			ev.Attrs[col.attr] = x
		}
	}
	return ev.Validate()
}

// cell reads an attrs.NAME cell: a JSON value when it is one, else the text as a string. A cell that starts
// like a JSON string, array or object must be a well-formed one.
func (c *csvDecoder) cell(v string) (any, *perr) {
	p := &c.d.p
	p.b, p.i = []byte(v), 0
	switch v[0] {
	case '"', '[', '{':
		x, err := p.value(1)
		if err == nil && p.i != len(p.b) {
			err = errf("data after the JSON value (quote the cell as a JSON string to keep it as text)")
		}
		return x, err
	case 't', 'f', 'n', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		if x, err := p.value(1); err == nil && p.i == len(p.b) {
			return x, nil
		}
	}
	return v, nil
}

func firstByte(b []byte) byte {
	if len(b) == 0 {
		return 0
	}
	return b[0]
}

func printableID(id string) string {
	if !utf8.ValidString(id) {
		return ""
	}
	return truncate(id, 80)
}
