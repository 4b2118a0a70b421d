package gen

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"
)

// KnownLabel reports whether l is honest or one of the attacker labels.
func KnownLabel(l Label) bool { return l == Honest || slices.Contains(AttackerLabels, l) }

// WriteLabels writes labels as the labels file: a "member,label" header and one row per member, in the order
// given (Result.Labels is sorted by member).
func WriteLabels(w io.Writer, labels []MemberLabel) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"member", "label"}); err != nil {
		return err
	}
	for _, ml := range labels {
		if err := cw.Write([]string{ml.Member, string(ml.Label)}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// ReadLabels reads a labels file as WriteLabels writes it. It refuses a missing or different header, a row
// without exactly two fields, an empty or invalid member handle, an unknown label and a member listed twice,
// naming the line.
func ReadLabels(r io.Reader) ([]MemberLabel, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	head, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("labels: empty file, want a member,label header")
	}
	if err != nil {
		return nil, fmt.Errorf("labels: %w", err)
	}
	if len(head) != 2 || strings.TrimPrefix(head[0], "\ufeff") != "member" || head[1] != "label" {
		return nil, fmt.Errorf("labels: line 1: header %q, want member,label", strings.Join(head, ","))
	}
	var out []MemberLabel
	seen := map[string]int{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("labels: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != 2 {
			return nil, fmt.Errorf("labels: line %d: %d fields, want member,label", line, len(rec))
		}
		m, l := rec[0], Label(rec[1])
		switch {
		case m == "" || !utf8.ValidString(m):
			return nil, fmt.Errorf("labels: line %d: empty or invalid member handle", line)
		case !KnownLabel(l):
			return nil, fmt.Errorf("labels: line %d: member %q: unknown label %q (known: honest, %s)", line, m, truncate(string(l), 40), joinLabels(AttackerLabels))
		}
		if prev, ok := seen[m]; ok {
			return nil, fmt.Errorf("labels: line %d: member %q already labelled on line %d", line, m, prev)
		}
		seen[m] = line
		out = append(out, MemberLabel{Member: m, Label: l})
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
