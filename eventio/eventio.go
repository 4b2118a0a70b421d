// Package eventio reads and writes events in Plaudit's file formats: JSON Lines, the canonical format (one
// plaudit.Event object per line), and CSV (a header row naming the same columns).
//
// Decoding is strict, because the event log keeps what it accepts for ever: unknown fields, wrong JSON types,
// duplicate keys, invalid UTF-8 and NUL characters are errors, and so is anything Event.Validate refuses.
// Every problem is a *plaudit.FieldError carrying the line and the field, so that a user can fix a file in
// one pass. A bad line does not stop the decoder: Decode reports it and moves on, which is what lets
// `plaudit import` list every bad line of a file before writing anything.
//
// Encoding writes the canonical form: fields in a fixed order, times in UTC, attrs keys sorted. The same
// events always give the same bytes.
package eventio

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/plaudit/plaudit"
)

// Format is a file format for events.
type Format string

// The formats eventio reads. JSONL is canonical; CSV is for spreadsheets and other tools' exports.
const (
	JSONL Format = "jsonl"
	CSV   Format = "csv"
)

// ParseFormat returns the format named s ("jsonl", "ndjson", "json" or "csv").
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(s) {
	case "jsonl", "ndjson", "json":
		return JSONL, nil
	case "csv":
		return CSV, nil
	}
	return "", plaudit.Errorf(plaudit.EINVALID, "unknown format %q: want jsonl or csv", s)
}

// FormatOf guesses a file's format from its name: .csv (optionally .gz-less) is CSV, .jsonl, .ndjson and
// .json are JSONL. It returns an error for any other extension, so that a typo is not imported as JSONL.
func FormatOf(name string) (Format, error) {
	ext := strings.TrimPrefix(strings.ToLower(filepath.Ext(name)), ".")
	if ext == "" {
		return "", plaudit.Errorf(plaudit.EINVALID, "%s: cannot tell the format from the file name: pass --format jsonl or csv", name)
	}
	f, err := ParseFormat(ext)
	if err != nil {
		return "", plaudit.Errorf(plaudit.EINVALID, "%s: unknown extension .%s: pass --format jsonl or csv", name, ext)
	}
	return f, nil
}

// LineError is everything wrong with one line (one CSV record) of the input. Errors holds at least one
// *plaudit.FieldError, each with Line set; Field names the field, or is empty when the line as a whole is
// wrong (not JSON, not an object, too long).
type LineError struct {
	Line   int
	Errors []*plaudit.FieldError
}

// Error implements the error interface: the problems of the line, separated by "; ".
func (e *LineError) Error() string {
	parts := make([]string, len(e.Errors))
	for i, fe := range e.Errors {
		parts[i] = fe.Error()
	}
	return strings.Join(parts, "; ")
}

// Unwrap returns the field errors, so that errors.As finds a *plaudit.FieldError.
func (e *LineError) Unwrap() []error {
	out := make([]error, len(e.Errors))
	for i, fe := range e.Errors {
		out[i] = fe
	}
	return out
}

// ParseEvent decodes one JSON object (a line of the canonical format, or an element of an API request) into
// ev and validates it. It returns every problem found, with Line 0 and Index -1 for the caller to set; nil
// means ev is a valid event.
func ParseEvent(data []byte, ev *plaudit.Event) []*plaudit.FieldError {
	var p parser
	return parseValidate(&p, data, ev)
}

func parseValidate(p *parser, data []byte, ev *plaudit.Event) []*plaudit.FieldError {
	if err := parseEvent(p, data, ev); err != nil {
		id := ev.ExternalID
		if len(id) > 80 {
			id = truncate(id, 80)
		}
		return []*plaudit.FieldError{{Index: -1, ID: id, Field: err.field, Reason: err.reason}}
	}
	return ev.Validate()
}

func lineErr(line int, errs []*plaudit.FieldError) *LineError {
	for _, fe := range errs {
		fe.Line = line
	}
	return &LineError{Line: line, Errors: errs}
}

func lineErrf(line int, field, format string, args ...any) *LineError {
	return lineErr(line, []*plaudit.FieldError{{Index: -1, Field: field, Reason: fmt.Sprintf(format, args...)}})
}
