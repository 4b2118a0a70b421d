package eventio

import (
	"fmt"

	"github.com/plaudit/plaudit"
)

// SplitBatch splits a request body holding a batch of events — {"events":[...]} or a bare JSON array — into
// the raw JSON of each element, without decoding them, so that each event can be accepted or rejected on its
// own with ParseEvent. It fails with an EINVALID *plaudit.Error when the body is not well-formed JSON of one
// of those two shapes (then no event of it can be trusted), or holds more than max elements.
func SplitBatch(body []byte, max int) ([][]byte, error) {
	p := &parser{b: body}
	fail := func(format string, args ...any) ([][]byte, error) {
		return nil, plaudit.Errorf(plaudit.EINVALID, "malformed request body: "+format, args...)
	}
	p.ws()
	if p.i == len(p.b) {
		return fail(`empty: want {"events":[...]} or a JSON array of events`)
	}
	wrapped := false
	if c := p.b[p.i]; c == '{' {
		wrapped = true
		p.i++
		p.ws()
		if p.i == len(p.b) || p.b[p.i] != '"' {
			return fail(`want {"events":[...]}`)
		}
		key, err := p.str()
		if err != nil {
			return fail("%s", err.reason)
		}
		if string(key) != "events" {
			return fail(`unknown field %q: want {"events":[...]}`, truncate(string(key), 40))
		}
		p.ws()
		if p.i == len(p.b) || p.b[p.i] != ':' {
			return fail("invalid JSON at byte %d: want ':'", p.i+1)
		}
		p.i++
		p.ws()
	}
	if p.i == len(p.b) || p.b[p.i] != '[' {
		if p.i == len(p.b) {
			return fail("unexpected end: want an array of events")
		}
		return fail("want an array of events, got %s", typeName(p.b[p.i]))
	}
	p.i++
	var out [][]byte
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
	} else {
		for {
			p.ws()
			start, err := p.skip(1)
			if err != nil {
				if err.field != "" {
					return fail("event %d: %s: %s", len(out), err.field, err.reason)
				}
				return fail("event %d: %s", len(out), err.reason)
			}
			if len(out) == max {
				return nil, plaudit.Errorf(plaudit.EINVALID, "too many events in one request: more than %d", max)
			}
			out = append(out, p.b[start:p.i])
			p.ws()
			if p.i == len(p.b) {
				return fail("unexpected end: want ',' or ']'")
			}
			c := p.b[p.i]
			p.i++
			if c == ']' {
				break
			}
			if c != ',' {
				return fail("invalid JSON at byte %d: want ',' or ']' after event %d, got %s", p.i, len(out)-1, charName(c))
			}
		}
	}
	p.ws()
	if wrapped {
		if p.i == len(p.b) || p.b[p.i] != '}' {
			return fail(`invalid JSON at byte %d: want '}' closing {"events":[...]} (no other fields are allowed)`, p.i+1)
		}
		p.i++
		p.ws()
	}
	if p.i != len(p.b) {
		return fail("invalid JSON at byte %d: data after the batch", p.i+1)
	}
	return out, nil
}

// BatchError formats the first problem of an event in a batch as the API reports it.
func BatchError(errs []*plaudit.FieldError) (field, reason string) {
	if len(errs) == 0 {
		return "", ""
	}
	if len(errs) == 1 {
		return errs[0].Field, errs[0].Reason
	}
	return errs[0].Field, fmt.Sprintf("%s (and %d more problems)", errs[0].Reason, len(errs)-1)
}
