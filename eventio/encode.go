package eventio

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/plaudit/plaudit"
)

// Encoder writes events as canonical JSON Lines. Each Encode is one Write of one whole line, so wrap a file
// in a bufio.Writer when writing many.
type Encoder struct {
	w   io.Writer
	buf []byte
}

// NewEncoder returns an encoder writing to w.
func NewEncoder(w io.Writer) *Encoder { return &Encoder{w: w} }

// Encode writes ev as one line.
func (e *Encoder) Encode(ev *plaudit.Event) error {
	b, err := AppendEvent(e.buf[:0], ev)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	e.buf = b
	if _, err := e.w.Write(b); err != nil {
		return fmt.Errorf("write event %s: %w", ev.Key(), err)
	}
	return nil
}

// AppendEvent appends the canonical JSON of ev (no newline) to dst. Fields come in the order of Fields,
// empty optional fields are left out, the time is UTC with as many fractional digits as it needs, attrs keys
// are sorted, and numbers are written as they came. The Seq is not written: it belongs to a store, not to
// the event. It fails on what cannot round-trip: invalid UTF-8, a malformed json.Number, a NaN, or an attrs
// value of a type Validate refuses.
func AppendEvent(dst []byte, ev *plaudit.Event) ([]byte, error) {
	var err error
	first := true
	str := func(name, v string, omitEmpty bool) {
		if err != nil || (omitEmpty && v == "") {
			return
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, '"')
		dst = append(dst, name...)
		dst = append(dst, '"', ':')
		if dst, err = appendString(dst, v); err != nil {
			err = fmt.Errorf("encode event %q: field %s: %w", ev.Key(), name, err)
		}
	}
	dst = append(dst, '{')
	str("source", string(ev.Source), false)
	str("id", ev.ExternalID, false)
	str("kind", string(ev.Kind), false)
	str("actor", ev.Actor, false)
	str("target", ev.Target, true)
	str("target_author", ev.TargetAuthor, true)
	str("content", ev.Content, true)
	if err != nil {
		return dst, err
	}
	dst = append(dst, `,"time":"`...)
	dst = ev.Time.UTC().AppendFormat(dst, time.RFC3339Nano)
	dst = append(dst, '"')
	if len(ev.Attrs) > 0 {
		dst = append(dst, `,"attrs":`...)
		if dst, err = appendValue(dst, ev.Attrs, 0); err != nil {
			return dst, fmt.Errorf("encode event %q: field attrs: %w", ev.Key(), err)
		}
	}
	return append(dst, '}'), nil
}

const hexDigits = "0123456789abcdef"

// appendString writes s as a JSON string, escaping only what JSON requires plus U+2028 and U+2029 (which
// break JavaScript readers).
func appendString(dst []byte, s string) ([]byte, error) {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				if c == 0 {
					return dst, fmt.Errorf("contains U+0000")
				}
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return dst, fmt.Errorf("invalid UTF-8")
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			start = i + size
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"'), nil
}

func appendValue(dst []byte, v any, depth int) ([]byte, error) {
	if depth > maxParseDepth {
		return dst, fmt.Errorf("nested deeper than %d", maxParseDepth)
	}
	var err error
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case bool:
		return strconv.AppendBool(dst, x), nil
	case string:
		return appendString(dst, x)
	case json.Number:
		if s := string(x); scanNumber([]byte(s)) != len(s) || s == "" {
			return dst, fmt.Errorf("malformed number %q", truncate(s, 40))
		}
		return append(dst, x...), nil
	case int:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(dst, x, 10), nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return dst, fmt.Errorf("unsupported number %v", x)
		}
		b, _ := json.Marshal(x) // encoding/json's shortest round-tripping form
		return append(dst, b...), nil
	case []any:
		dst = append(dst, '[')
		for i, y := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			if dst, err = appendValue(dst, y, depth+1); err != nil {
				return dst, err
			}
		}
		return append(dst, ']'), nil
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		dst = append(dst, '{')
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			if dst, err = appendString(dst, k); err != nil {
				return dst, fmt.Errorf("key: %w", err)
			}
			dst = append(dst, ':')
			if dst, err = appendValue(dst, x[k], depth+1); err != nil {
				return dst, fmt.Errorf("%s: %w", truncate(k, 40), err)
			}
		}
		return append(dst, '}'), nil
	}
	return dst, fmt.Errorf("unsupported value of type %T", v)
}
