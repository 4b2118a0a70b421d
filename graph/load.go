package graph

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/plaudit/plaudit"
)

// maxLoadErrors bounds how many bad lines one load reports before it stops reading.
const maxLoadErrors = 100

// LoadEdges reads an edge list file (see ReadEdges); a name ending in .gz, or gzip content, is decompressed.
func LoadEdges(path string) (*Graph, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load edges: %w", err)
	}
	defer f.Close()
	return ReadEdges(f, path)
}

// ReadEdges reads a weighted edge list and builds its graph. Two formats are accepted, told apart by the
// first data line:
//
//   - OpenRank's local-trust CSV: "i,j,v" with a header line (any header whose third field is not a number);
//   - whitespace-separated "src dst weight", as SNAP and KONECT publish (no header).
//
// A line with two fields has weight 1. Blank lines and lines starting with '#' or '%' are skipped. Node ids
// are kept as strings. Repeated pairs are summed, self-loops dropped. Weights must be finite and ≥ 0
// (OpenRank's distrust, a negative weight, is refused). Gzip input is detected by its magic bytes.
//
// Bad lines are reported together as a *plaudit.ValidationError naming name, the line and the field
// (i, j or v), up to 100 of them.
func ReadEdges(r io.Reader, name string) (*Graph, error) {
	b := NewBuilder()
	if err := b.ReadEdges(r, name); err != nil {
		return nil, err
	}
	return b.Build(), nil
}

// ReadEdges adds the edges of an edge list (see the function ReadEdges) to b. On error b may hold some of
// the edges and should be dropped.
func (b *Builder) ReadEdges(r io.Reader, name string) error {
	return scanTable(r, name, 3, func(line int, f []string) *plaudit.FieldError {
		w := 1.0
		if len(f) == 3 {
			var fe *plaudit.FieldError
			if w, fe = parseWeight(line, "v", f[2]); fe != nil {
				return fe
			}
		}
		_ = b.AddEdge(f[0], f[1], w) // parseWeight checked the weight
		return nil
	})
}

// ReadTable reads a CSV ("i,v" with a header) or whitespace-separated table of id and value, with the same
// rules as ReadEdges, calling fn for each data line. OpenRank's seed (pre-trust) files have this shape.
func ReadTable(r io.Reader, name string, fn func(line int, id string, v float64)) error {
	return scanTable(r, name, 2, func(line int, f []string) *plaudit.FieldError {
		v := 1.0
		if len(f) == 2 {
			var fe *plaudit.FieldError
			if v, fe = parseWeight(line, "v", f[1]); fe != nil {
				return fe
			}
		}
		fn(line, f[0], v)
		return nil
	})
}

// scanTable splits r into lines of want fields (or want-1, the value being optional), detects the format
// and a header from the first data line, and calls fn on each data line.
func scanTable(r io.Reader, name string, want int, fn func(line int, f []string) *plaudit.FieldError) error {
	br := bufio.NewReaderSize(r, 1<<16)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("read %s: gzip: %w", name, err)
		}
		defer zr.Close()
		br = bufio.NewReaderSize(zr, 1<<16)
	}
	sc := bufio.NewScanner(br)
	sc.Buffer(make([]byte, 0, 1<<16), 1<<20)
	fieldNames := []string{"i", "j", "v"}
	if want == 2 {
		fieldNames = []string{"i", "v"}
	}
	var (
		errs   []*plaudit.FieldError
		line   int
		csv    bool
		seen   bool
		fields = make([]string, 0, 4)
	)
	bad := func(field, format string, args ...any) {
		errs = append(errs, &plaudit.FieldError{Line: line, Index: -1, Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	for sc.Scan() {
		line++
		raw := bytes.TrimSpace(sc.Bytes())
		if len(raw) == 0 || raw[0] == '#' || raw[0] == '%' {
			continue
		}
		text := string(raw)
		first := !seen
		if first {
			seen = true
			csv = strings.Contains(text, ",")
		}
		fields = fields[:0]
		if csv {
			for _, f := range strings.Split(text, ",") {
				fields = append(fields, unquote(strings.TrimSpace(f)))
			}
		} else {
			fields = append(fields, strings.Fields(text)...)
		}
		if first && len(fields) == want && !isNumber(fields[want-1]) {
			continue // header
		}
		switch {
		case len(fields) != want && len(fields) != want-1:
			sep := "whitespace-separated"
			if csv {
				sep = "comma-separated"
			}
			bad("", "%d fields, want %d %s (%s)", len(fields), want, sep, strings.Join(fieldNames, ","))
		default:
			ok := true
			for k := 0; k < want-1; k++ {
				if fields[k] == "" {
					bad(fieldNames[k], "missing id")
					ok = false
				} else if !utf8.ValidString(fields[k]) {
					bad(fieldNames[k], "id is not valid UTF-8")
					ok = false
				} else if len(fields[k]) > plaudit.MaxIDLen {
					bad(fieldNames[k], "id too long: %d bytes, at most %d", len(fields[k]), plaudit.MaxIDLen)
					ok = false
				}
			}
			if ok {
				if fe := fn(line, fields); fe != nil {
					errs = append(errs, fe)
				}
			}
		}
		if len(errs) >= maxLoadErrors {
			return &plaudit.ValidationError{Input: name, Errors: errs}
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fmt.Errorf("read %s: line %d: longer than 1 MiB", name, line+1)
		}
		return fmt.Errorf("read %s: line %d: %w", name, line+1, err)
	}
	if len(errs) > 0 {
		return &plaudit.ValidationError{Input: name, Errors: errs}
	}
	return nil
}

func parseWeight(line int, field, s string) (float64, *plaudit.FieldError) {
	v, err := strconv.ParseFloat(s, 64)
	switch {
	case err != nil && !errors.Is(err, strconv.ErrRange):
		return 0, &plaudit.FieldError{Line: line, Index: -1, Field: field, Reason: fmt.Sprintf("%q is not a number", trunc(s))}
	case math.IsNaN(v) || math.IsInf(v, 0):
		return 0, &plaudit.FieldError{Line: line, Index: -1, Field: field, Reason: fmt.Sprintf("%q is not finite", trunc(s))}
	case v < 0:
		return 0, &plaudit.FieldError{Line: line, Index: -1, Field: field, Reason: fmt.Sprintf("%s is negative: weights must be ≥ 0 (distrust is not supported)", trunc(s))}
	}
	return v, nil
}

func isNumber(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return err == nil || errors.Is(err, strconv.ErrRange)
}

func unquote(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return strings.ReplaceAll(s[1:len(s)-1], `""`, `"`)
	}
	return s
}

func trunc(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
