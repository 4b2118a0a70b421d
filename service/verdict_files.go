package service

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/plaudit/plaudit"
)

// LoadVerdicts reads a verdicts file (see ParseVerdicts): integrity verdicts an operator gives to apply
// instead of the recorded ones, when closing, explaining or verifying an epoch. An empty path is no file:
// nil, nil (apply the recorded verdicts). A file read is never nil, even one holding [] or null: a file
// given with no verdicts means none, which replaces the recorded ones, so callers pass the result on as it
// is.
func LoadVerdicts(path string) ([]plaudit.Verdict, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, plaudit.Errorf(plaudit.ENOTFOUND, "verdicts: %v", err)
	}
	return ParseVerdicts(b, path)
}

// ParseVerdicts reads a JSON array of verdicts named name, refusing unknown fields, a key given twice in one
// object, trailing data, an empty subject, a subject given twice and a multiplier outside 0–1, so that what
// it accepts settlement accepts. Every problem is reported in one EINVALID error, each naming the file and
// the verdict ([index], subject), in file order.
func ParseVerdicts(b []byte, name string) ([]plaudit.Verdict, error) {
	var raws []json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&raws); err != nil {
		return nil, plaudit.Errorf(plaudit.EINVALID, "verdicts %s: %v", name, err)
	}
	if dec.More() {
		return nil, plaudit.Errorf(plaudit.EINVALID, "verdicts %s: data after the array", name)
	}
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	vs := make([]plaudit.Verdict, 0, len(raws))
	first := map[string]int{}
	for i, raw := range raws {
		if key := duplicateKey(raw); key != "" {
			bad("[%d]: key %s given twice", i, key)
			continue
		}
		var v plaudit.Verdict
		d := json.NewDecoder(bytes.NewReader(raw))
		d.DisallowUnknownFields()
		if err := d.Decode(&v); err != nil {
			bad("[%d]: %v", i, err)
			continue
		}
		switch {
		case v.Subject == "":
			bad("[%d]: missing subject", i)
		case v.Multiplier < 0 || v.Multiplier > plaudit.One:
			bad("[%d] (%s): multiplier %s outside 0–1", i, v.Subject, v.Multiplier)
		}
		if j, dup := first[v.Subject]; dup && v.Subject != "" {
			bad("[%d] (%s): subject already given in [%d]: one verdict per subject", i, v.Subject, j)
		} else {
			first[v.Subject] = i
		}
		vs = append(vs, v)
	}
	if len(problems) > 0 {
		return nil, plaudit.Errorf(plaudit.EINVALID, "verdicts %s: %d problem(s): %s", name, len(problems), strings.Join(problems, "; "))
	}
	return vs, nil
}

// duplicateKey returns the first key given twice in one JSON object anywhere inside raw, as a path such as
// "multiplier" or "reasons[0].check", or "" when there is none (encoding/json would silently keep the last).
func duplicateKey(raw []byte) string {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var walk func(path string) (string, bool)
	walk = func(path string) (string, bool) {
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		switch tok {
		case json.Delim('{'):
			seen := map[string]bool{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return "", false
				}
				k, _ := kt.(string)
				p := k
				if path != "" {
					p = path + "." + k
				}
				if seen[k] {
					return p, true
				}
				seen[k] = true
				if dup, found := walk(p); found {
					return dup, true
				}
			}
			_, _ = dec.Token()
		case json.Delim('['):
			for i := 0; dec.More(); i++ {
				if dup, found := walk(fmt.Sprintf("%s[%d]", path, i)); found {
					return dup, true
				}
			}
			_, _ = dec.Token()
		}
		return "", false
	}
	dup, _ := walk("")
	return dup
}
