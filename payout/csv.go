package payout

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"

	"github.com/plaudit/plaudit"
)

// CSVRow is one `address,amount` line of a distribution file, with its line number for messages.
type CSVRow struct {
	Line int
	Leaf
}

// maxCSVErrors bounds the problems collected from one file: enough to fix a file in one pass, not a million.
const maxCSVErrors = 100

// ParseCSV reads a distribution: one `address,amount` per line, the address 0x + 40 hex digits (EIP-55
// checksum accepted, and checked when the case is mixed), the amount a decimal integer of token base units
// below 2^256. A header line `address,amount` is optional; blank lines and lines starting with # are skipped.
// On any bad line it returns a *plaudit.ValidationError naming every bad line and field (up to 100), and no
// rows. name is the file name used in messages.
func ParseCSV(r io.Reader, name string) ([]CSVRow, error) {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
		_, _ = br.Discard(3) // a byte-order mark from a spreadsheet
	}
	cr := csv.NewReader(br)
	cr.Comment = '#'
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true

	verr := &plaudit.ValidationError{Input: name}
	fail := func(line int, field, format string, args ...any) {
		if len(verr.Errors) < maxCSVErrors {
			verr.Errors = append(verr.Errors, &plaudit.FieldError{Line: line, Index: -1, Field: field, Reason: fmt.Sprintf(format, args...)})
		}
	}
	var rows []CSVRow
	first := true
	for len(verr.Errors) < maxCSVErrors {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				fail(pe.Line, "", "%v", pe.Err)
				if pe.Err == csv.ErrQuote || pe.Err == csv.ErrBareQuote {
					break // the reader cannot resynchronise after a broken quote
				}
				continue
			}
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		line, _ := cr.FieldPos(0)
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		if first {
			first = false
			if strings.EqualFold(rec[0], "address") {
				if len(rec) != 2 || !strings.EqualFold(rec[1], "amount") {
					fail(line, "", "header must be exactly address,amount")
				}
				continue
			}
		}
		if len(rec) != 2 {
			fail(line, "", "want 2 fields address,amount, got %d", len(rec))
			continue
		}
		addr, aerr := ParseAddress(rec[0])
		if aerr != nil {
			fail(line, "address", "%v", aerr)
		}
		amount, nerr := parseDecimalUint256(rec[1])
		if nerr != nil {
			fail(line, "amount", "%v", nerr)
		}
		if aerr == nil && nerr == nil {
			rows = append(rows, CSVRow{Line: line, Leaf: Leaf{Address: addr, Amount: amount}})
		}
	}
	if len(verr.Errors) > 0 {
		return nil, verr
	}
	if len(rows) == 0 {
		return nil, &plaudit.ValidationError{Input: name, Errors: []*plaudit.FieldError{{Index: -1, Reason: "no address,amount rows"}}}
	}
	return rows, nil
}

// parseDecimalUint256 parses a plain decimal integer (digits only) below 2^256.
func parseDecimalUint256(s string) (*big.Int, error) {
	if s == "" {
		return nil, fmt.Errorf("empty amount")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return nil, fmt.Errorf("amount %q: want a decimal integer of base units (no sign, point, exponent or separators)", clip(s))
		}
	}
	return ParseUint256(s)
}

// Leaves returns the rows' leaves in file order.
func Leaves(rows []CSVRow) []Leaf {
	out := make([]Leaf, len(rows))
	for i, r := range rows {
		out[i] = r.Leaf
	}
	return out
}

// Duplicates lists, for each address that appears on more than one row, the line numbers where it appears,
// in file order of first appearance. OpenZeppelin keeps such rows as separate leaves, and so do we; a payout
// file usually should not have them, so the CLI warns.
func Duplicates(rows []CSVRow) [][]int {
	at := make(map[Address][]int, len(rows))
	var order []Address
	for _, r := range rows {
		if _, ok := at[r.Address]; !ok {
			order = append(order, r.Address)
		}
		at[r.Address] = append(at[r.Address], r.Line)
	}
	var out [][]int
	for _, a := range order {
		if len(at[a]) > 1 {
			out = append(out, at[a])
		}
	}
	return out
}
