package eventio

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/plaudit/plaudit"
)

// maxParseDepth bounds the nesting of attrs values the parser will follow, so that a hostile line of ten
// thousand brackets cannot exhaust the stack. Event.Validate applies the real, tighter rule afterwards.
const maxParseDepth = 64

// Fields lists the fields of one canonical event line, in the order the encoder writes them.
var Fields = []string{"source", "id", "kind", "actor", "target", "target_author", "content", "time", "attrs"}

// parser decodes one JSON object into a plaudit.Event. It is written by hand rather than with encoding/json
// for three reasons: strictness (encoding/json replaces invalid UTF-8 with U+FFFD and lets duplicate keys
// overwrite each other, where we must refuse both), errors that name the field and say which JSON type was
// wanted, and speed (one pass, no reflection, strings without escapes copied once).
type parser struct {
	b    []byte
	i    int
	buf  []byte            // scratch for unescaping strings
	keys map[string]string // attrs keys seen before: the same few recur in every event of a file
}

// maxInterned bounds the attrs keys a parser remembers, so that a file of random keys cannot grow it.
const maxInterned = 1024

// key returns kb as a string, without allocating when the key has been seen before.
func (p *parser) key(kb []byte) string {
	if k, ok := p.keys[string(kb)]; ok {
		return k
	}
	k := string(kb)
	if p.keys == nil {
		p.keys = make(map[string]string)
	}
	if len(p.keys) < maxInterned {
		p.keys[k] = k
	}
	return k
}

// perr is a parse problem at a path relative to the value being parsed; callers prefix their own path as
// the error travels up, so paths are only built on failure.
type perr struct {
	field  string
	reason string
}

func (e *perr) prefix(p string) *perr {
	switch {
	case e.field == "":
		e.field = p
	case e.field[0] == '[':
		e.field = p + e.field
	default:
		e.field = p + "." + e.field
	}
	return e
}

func errf(format string, args ...any) *perr { return &perr{reason: fmt.Sprintf(format, args...)} }

// parseEvent decodes data, which must hold exactly one JSON object, into ev (which it resets).
func parseEvent(p *parser, data []byte, ev *plaudit.Event) *perr {
	*ev = plaudit.Event{}
	p.b, p.i = data, 0
	p.ws()
	if p.i == len(p.b) {
		return errf("empty input: want a JSON object")
	}
	if c := p.b[p.i]; c != '{' {
		if _, err := p.skip(0); err != nil {
			return err
		}
		return errf("want a JSON object, got %s", typeName(c))
	}
	p.i++
	var seen uint16
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
	} else {
		for {
			p.ws()
			if p.i == len(p.b) {
				return errf("unexpected end of input: want a field name")
			}
			if p.b[p.i] != '"' {
				return errf("invalid JSON at byte %d: want a field name, got %s", p.i+1, charName(p.b[p.i]))
			}
			key, err := p.str()
			if err != nil {
				return err
			}
			p.ws()
			if p.i == len(p.b) || p.b[p.i] != ':' {
				return errf("invalid JSON at byte %d: want ':' after field name", p.i+1)
			}
			p.i++
			p.ws()
			if p.i == len(p.b) {
				return errf("unexpected end of input: want a value")
			}
			idx := fieldIndex(key)
			if idx < 0 {
				name := string(key)
				if !utf8.ValidString(name) {
					return errf("unknown field with invalid UTF-8 in its name")
				}
				if name == "seq" {
					return &perr{field: "seq", reason: "unknown field: seq is assigned by the store, remove it"}
				}
				return &perr{field: truncate(name, 40), reason: fmt.Sprintf("unknown field %q (want one of source, id, kind, actor, target, target_author, content, time, attrs)", truncate(name, 40))}
			}
			name := Fields[idx]
			if seen&(1<<idx) != 0 {
				return &perr{field: name, reason: "duplicate field"}
			}
			seen |= 1 << idx
			if err := p.field(idx, ev); err != nil {
				return err.prefix(name)
			}
			p.ws()
			if p.i == len(p.b) {
				return errf("unexpected end of input: want ',' or '}'")
			}
			c := p.b[p.i]
			p.i++
			if c == '}' {
				break
			}
			if c != ',' {
				return errf("invalid JSON at byte %d: want ',' or '}' after field %s, got %s", p.i, name, charName(c))
			}
		}
	}
	p.ws()
	if p.i != len(p.b) {
		return errf("invalid JSON at byte %d: data after the event object", p.i+1)
	}
	return nil
}

func fieldIndex(key []byte) int {
	switch string(key) {
	case "source":
		return 0
	case "id":
		return 1
	case "kind":
		return 2
	case "actor":
		return 3
	case "target":
		return 4
	case "target_author":
		return 5
	case "content":
		return 6
	case "time":
		return 7
	case "attrs":
		return 8
	}
	return -1
}

// field parses the value of top-level field idx into ev. null means absent; Validate then reports a
// missing required field.
func (p *parser) field(idx int, ev *plaudit.Event) *perr {
	c := p.b[p.i]
	if c == 'n' {
		return p.lit("null")
	}
	switch idx {
	case 7: // time
		if c != '"' {
			if _, err := p.skip(0); err != nil {
				return err
			}
			return errf("want an RFC3339 string, got %s", typeName(c))
		}
		s, err := p.str()
		if err != nil {
			return err
		}
		t, terr := parseTime(s)
		if terr != nil {
			return errf("not an RFC3339 time: %q (%s)", truncate(string(s), 40), timeReason(terr))
		}
		ev.Time = t
		return nil
	case 8: // attrs
		if c != '{' {
			if _, err := p.skip(0); err != nil {
				return err
			}
			return errf("want an object, got %s", typeName(c))
		}
		v, err := p.value(1)
		if err != nil {
			return err
		}
		if m := v.(map[string]any); len(m) > 0 {
			ev.Attrs = m
		}
		return nil
	}
	if c != '"' {
		if _, err := p.skip(0); err != nil {
			return err
		}
		return errf("want a string, got %s", typeName(c))
	}
	s, err := p.str()
	if err != nil {
		return err
	}
	switch idx {
	case 0:
		ev.Source = internSource(s)
		return nil
	case 2:
		ev.Kind = internKind(s)
		return nil
	}
	v := string(s)
	switch idx {
	case 1:
		ev.ExternalID = v
	case 3:
		ev.Actor = v
	case 4:
		ev.Target = v
	case 5:
		ev.TargetAuthor = v
	case 6:
		ev.Content = v
	}
	return nil
}

// internSource returns the known source spelled s without allocating, or a new string.
func internSource(s []byte) plaudit.Source {
	for _, k := range plaudit.Sources {
		if string(k) == string(s) {
			return k
		}
	}
	return plaudit.Source(s)
}

// internKind returns the core kind spelled s without allocating, or a new string.
func internKind(s []byte) plaudit.Kind {
	for _, k := range plaudit.CoreKinds {
		if string(k) == string(s) {
			return k
		}
	}
	return plaudit.Kind(s)
}

// parseTime parses a strict RFC 3339 time (plaudit.ParseTime: two-digit fields, at most nine fractional
// digits, offsets within ±23:59) and returns it in UTC, so that the same instant always gives the same bytes
// out. The common UTC form "2006-01-02T15:04:05.999Z" is parsed here without allocating; anything else goes
// to plaudit.ParseTime.
func parseTime(s []byte) (time.Time, error) {
	if t, ok := parseUTC(s); ok {
		return t, nil
	}
	return plaudit.ParseTime(string(s))
}

// timeReason returns what is wrong with a time parseTime refused.
func timeReason(err error) string {
	var te *plaudit.TimeError
	if errors.As(err, &te) {
		return te.Reason
	}
	return err.Error()
}

// parseUTC parses "YYYY-MM-DDTHH:MM:SS[.fraction]Z", reporting false for any other shape or an
// out-of-range part so that time.Parse gets the last word (and the error message).
func parseUTC(s []byte) (time.Time, bool) {
	if len(s) < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[len(s)-1] != 'Z' {
		return time.Time{}, false
	}
	num := func(b []byte) int {
		n := 0
		for _, c := range b {
			if c < '0' || c > '9' {
				return -1
			}
			n = n*10 + int(c-'0')
		}
		return n
	}
	year, month, day := num(s[0:4]), num(s[5:7]), num(s[8:10])
	hour, minute, sec := num(s[11:13]), num(s[14:16]), num(s[17:19])
	nsec := 0
	if frac := s[19 : len(s)-1]; len(frac) > 0 {
		if frac[0] != '.' || len(frac) < 2 || len(frac) > 10 {
			return time.Time{}, false
		}
		nsec = num(frac[1:])
		for range 10 - len(frac) {
			nsec *= 10
		}
	}
	if year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || sec < 0 || sec > 59 || nsec < 0 {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	if t.Day() != day {
		return time.Time{}, false // 31 April
	}
	return t, true
}

func (p *parser) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *parser) lit(word string) *perr {
	if len(p.b)-p.i < len(word) || string(p.b[p.i:p.i+len(word)]) != word {
		return errf("invalid JSON at byte %d: want %s", p.i+1, word)
	}
	p.i += len(word)
	return nil
}

// str parses a JSON string at p.i (which holds '"'). The result aliases p.b or p.buf and is valid until
// the next call. It refuses invalid UTF-8, lone UTF-16 surrogates and U+0000, none of which the stores can
// keep faithfully.
func (p *parser) str() ([]byte, *perr) {
	p.i++
	start := p.i
	ascii := true
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			s := p.b[start:p.i]
			p.i++
			if !ascii && !utf8.Valid(s) {
				return nil, errf("invalid UTF-8")
			}
			return s, nil
		case c == '\\':
			return p.strSlow(start)
		case c < 0x20:
			return nil, p.ctlErr(c)
		case c >= 0x80:
			ascii = false
		}
		p.i++
	}
	return nil, errf("unexpected end of input inside a string")
}

func (p *parser) ctlErr(c byte) *perr {
	if c == 0 {
		return errf("contains a NUL byte")
	}
	return errf("invalid JSON at byte %d: control character 0x%02x in a string (escape it)", p.i+1, c)
}

func (p *parser) strSlow(start int) ([]byte, *perr) {
	p.buf = append(p.buf[:0], p.b[start:p.i]...)
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			p.i++
			if !utf8.Valid(p.buf) {
				return nil, errf("invalid UTF-8")
			}
			return p.buf, nil
		case c < 0x20:
			return nil, p.ctlErr(c)
		case c != '\\':
			p.buf = append(p.buf, c)
			p.i++
			continue
		}
		if p.i+1 >= len(p.b) {
			break
		}
		e := p.b[p.i+1]
		p.i += 2
		switch e {
		case '"', '\\', '/':
			p.buf = append(p.buf, e)
		case 'b':
			p.buf = append(p.buf, '\b')
		case 'f':
			p.buf = append(p.buf, '\f')
		case 'n':
			p.buf = append(p.buf, '\n')
		case 'r':
			p.buf = append(p.buf, '\r')
		case 't':
			p.buf = append(p.buf, '\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return nil, errf("invalid JSON at byte %d: bad \\u escape", p.i+1)
			}
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if p.i+1 < len(p.b) && p.b[p.i] == '\\' && p.b[p.i+1] == 'u' {
					p.i += 2
					if r2, ok = p.hex4(); !ok {
						return nil, errf("invalid JSON at byte %d: bad \\u escape", p.i+1)
					}
				}
				r = utf16.DecodeRune(r, r2)
				if r == utf8.RuneError {
					return nil, errf("invalid UTF-8: unpaired UTF-16 surrogate in a \\u escape")
				}
			}
			if r == 0 {
				return nil, errf("contains U+0000 (\\u0000), which the stores cannot keep")
			}
			p.buf = utf8.AppendRune(p.buf, r)
		default:
			return nil, errf("invalid JSON at byte %d: bad escape \\%c", p.i, printable(e))
		}
	}
	return nil, errf("unexpected end of input inside a string")
}

func (p *parser) hex4() (rune, bool) {
	if len(p.b)-p.i < 4 {
		return 0, false
	}
	var r rune
	for _, c := range p.b[p.i : p.i+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	p.i += 4
	return r, true
}

// value parses any JSON value at p.i: objects become map[string]any, arrays []any, numbers json.Number —
// exactly what encoding/json gives with UseNumber, minus its leniencies.
func (p *parser) value(depth int) (any, *perr) {
	if p.i == len(p.b) {
		return nil, errf("unexpected end of input: want a value")
	}
	if depth > maxParseDepth {
		return nil, errf("nested deeper than %d", maxParseDepth)
	}
	switch c := p.b[p.i]; {
	case c == '{':
		p.i++
		m := make(map[string]any, 4)
		p.ws()
		if p.i < len(p.b) && p.b[p.i] == '}' {
			p.i++
			return m, nil
		}
		for {
			p.ws()
			if p.i == len(p.b) || p.b[p.i] != '"' {
				return nil, errf("invalid JSON at byte %d: want a key", p.i+1)
			}
			kb, err := p.str()
			if err != nil {
				return nil, err.prefix("(key)")
			}
			k := p.key(kb)
			if _, dup := m[k]; dup {
				return nil, &perr{field: truncate(k, 40), reason: "duplicate key"}
			}
			p.ws()
			if p.i == len(p.b) || p.b[p.i] != ':' {
				return nil, errf("invalid JSON at byte %d: want ':' after a key", p.i+1)
			}
			p.i++
			p.ws()
			v, err := p.value(depth + 1)
			if err != nil {
				return nil, err.prefix(truncate(k, 40))
			}
			m[k] = v
			p.ws()
			if p.i == len(p.b) {
				return nil, errf("unexpected end of input: want ',' or '}'")
			}
			c := p.b[p.i]
			p.i++
			if c == '}' {
				return m, nil
			}
			if c != ',' {
				return nil, errf("invalid JSON at byte %d: want ',' or '}', got %s", p.i, charName(c))
			}
		}
	case c == '[':
		p.i++
		a := []any{}
		p.ws()
		if p.i < len(p.b) && p.b[p.i] == ']' {
			p.i++
			return a, nil
		}
		for {
			p.ws()
			v, err := p.value(depth + 1)
			if err != nil {
				return nil, err.prefix("[" + strconv.Itoa(len(a)) + "]")
			}
			a = append(a, v)
			p.ws()
			if p.i == len(p.b) {
				return nil, errf("unexpected end of input: want ',' or ']'")
			}
			c := p.b[p.i]
			p.i++
			if c == ']' {
				return a, nil
			}
			if c != ',' {
				return nil, errf("invalid JSON at byte %d: want ',' or ']', got %s", p.i, charName(c))
			}
		}
	case c == '"':
		s, err := p.str()
		if err != nil {
			return nil, err
		}
		return string(s), nil
	case c == 't':
		return true, p.lit("true")
	case c == 'f':
		return false, p.lit("false")
	case c == 'n':
		return nil, p.lit("null")
	case c == '-' || ('0' <= c && c <= '9'):
		n, err := p.number()
		if err != nil {
			return nil, err
		}
		return json.Number(n), nil
	default:
		return nil, errf("invalid JSON at byte %d: want a value, got %s", p.i+1, charName(c))
	}
}

// number scans a JSON number by the grammar of RFC 8259 and returns its text.
func (p *parser) number() (string, *perr) {
	start := p.i
	if n := scanNumber(p.b[p.i:]); n > 0 {
		p.i += n
		return string(p.b[start:p.i]), nil
	}
	return "", errf("invalid JSON at byte %d: malformed number", p.i+1)
}

// scanNumber returns the length of the JSON number at the start of b, or 0 if there is none. The number
// must also end there: "01" and "1." are not numbers.
func scanNumber(b []byte) int {
	i := 0
	digits := func() int {
		n := 0
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	if i < len(b) && b[i] == '0' {
		i++
	} else if digits() == 0 {
		return 0
	}
	if i < len(b) && b[i] == '.' {
		i++
		if digits() == 0 {
			return 0
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if digits() == 0 {
			return 0
		}
	}
	if i < len(b) && ('0' <= b[i] && b[i] <= '9' || b[i] == '.' || b[i] == 'e' || b[i] == 'E' || b[i] == '-' || b[i] == '+') {
		return 0
	}
	return i
}

// skip checks and passes over one JSON value without building it, so that a type error is reported as
// such only when the rest of the value is well-formed JSON (and as a syntax error otherwise).
func (p *parser) skip(depth int) (int, *perr) {
	start := p.i
	if p.i == len(p.b) {
		return 0, errf("unexpected end of input: want a value")
	}
	if depth > maxParseDepth {
		return 0, errf("nested deeper than %d", maxParseDepth)
	}
	switch c := p.b[p.i]; {
	case c == '{' || c == '[':
		end := byte('}')
		if c == '[' {
			end = ']'
		}
		p.i++
		p.ws()
		if p.i < len(p.b) && p.b[p.i] == end {
			p.i++
			return start, nil
		}
		for {
			p.ws()
			if c == '{' {
				if p.i == len(p.b) || p.b[p.i] != '"' {
					return 0, errf("invalid JSON at byte %d: want a key", p.i+1)
				}
				if err := p.skipStr(); err != nil {
					return 0, err
				}
				p.ws()
				if p.i == len(p.b) || p.b[p.i] != ':' {
					return 0, errf("invalid JSON at byte %d: want ':' after a key", p.i+1)
				}
				p.i++
				p.ws()
			}
			if _, err := p.skip(depth + 1); err != nil {
				return 0, err
			}
			p.ws()
			if p.i == len(p.b) {
				return 0, errf("unexpected end of input: want ',' or '%c'", end)
			}
			d := p.b[p.i]
			p.i++
			if d == end {
				return start, nil
			}
			if d != ',' {
				return 0, errf("invalid JSON at byte %d: want ',' or '%c', got %s", p.i, end, charName(d))
			}
		}
	case c == '"':
		return start, p.skipStr()
	default:
		_, err := p.value(depth)
		return start, err
	}
}

// skipStr passes over a string checking only its JSON syntax (escapes, no raw control characters), not what
// it decodes to: a NUL or a lone surrogate in one event of a batch is that event's problem, not the batch's.
func (p *parser) skipStr() *perr {
	p.i++
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			p.i++
			return nil
		case c < 0x20:
			return p.ctlErr(c)
		case c == '\\':
			if p.i+1 >= len(p.b) {
				return errf("unexpected end of input inside a string")
			}
			switch p.b[p.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				p.i += 2
			case 'u':
				p.i += 2
				if _, ok := p.hex4(); !ok {
					return errf("invalid JSON at byte %d: bad \\u escape", p.i+1)
				}
			default:
				return errf("invalid JSON at byte %d: bad escape \\%c", p.i+2, printable(p.b[p.i+1]))
			}
		default:
			p.i++
		}
	}
	return errf("unexpected end of input inside a string")
}

func typeName(c byte) string {
	switch {
	case c == '{':
		return "object"
	case c == '[':
		return "array"
	case c == '"':
		return "string"
	case c == 't' || c == 'f':
		return "boolean"
	case c == 'n':
		return "null"
	case c == '-' || ('0' <= c && c <= '9'):
		return "number"
	}
	return "invalid JSON"
}

func charName(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return fmt.Sprintf("%q", rune(c))
	}
	return fmt.Sprintf("byte 0x%02x", c)
}

func printable(c byte) rune {
	if c >= 0x20 && c < 0x7f {
		return rune(c)
	}
	return '?'
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
