package sqlstore

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"unicode/utf8"
)

// encodeAttrs returns the compact JSON of attrs with sorted keys: exactly the bytes encoding/json writes
// with HTML escaping off. Flat attrs of plain ASCII strings, integers, booleans and nulls, which is what
// sources send nearly always, take a fast path that skips reflection (it made up a tenth of the cost of a
// bulk append); anything else goes through encoding/json. FuzzEncodeAttrs holds the two paths to the same
// bytes.
func encodeAttrs(attrs map[string]any, buf *bytes.Buffer) (string, error) {
	buf.Reset()
	buf.Grow(512)
	if b, ok := appendFlatAttrs(buf.AvailableBuffer(), attrs); ok {
		return string(b), nil
	}
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(attrs); err != nil {
		return "", err
	}
	return string(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))), nil
}

// appendFlatAttrs appends the JSON of attrs to dst if every key and value is one the fast path knows to
// write as encoding/json would; it reports false, leaving garbage in dst, otherwise.
func appendFlatAttrs(dst []byte, attrs map[string]any) ([]byte, bool) {
	var arr [16]string
	keys := arr[:0]
	for k := range attrs {
		if !plainString(k) {
			return dst, false
		}
		keys = append(keys, k)
	}
	slices.Sort(keys) // bytewise, as encoding/json sorts map keys
	dst = append(dst, '{')
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, '"')
		dst = append(dst, k...)
		dst = append(dst, '"', ':')
		switch v := attrs[k].(type) {
		case string:
			if !plainString(v) {
				return dst, false
			}
			dst = append(dst, '"')
			dst = append(dst, v...)
			dst = append(dst, '"')
		case json.Number:
			if !plainInteger(string(v)) {
				return dst, false
			}
			dst = append(dst, v...)
		case bool:
			dst = strconv.AppendBool(dst, v)
		case nil:
			dst = append(dst, "null"...)
		case int:
			dst = strconv.AppendInt(dst, int64(v), 10)
		case int64:
			dst = strconv.AppendInt(dst, v, 10)
		default:
			return dst, false
		}
	}
	return append(dst, '}'), true
}

// plainString reports whether s is printable ASCII without a quote or a backslash: a string JSON writes as
// it is.
func plainString(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// plainInteger reports whether s is a JSON integer: an optional minus, then 0 or digits without a leading
// zero.
func plainInteger(s string) bool {
	if len(s) > 0 && s[0] == '-' {
		s = s[1:]
	}
	if s == "" || (s[0] == '0' && len(s) > 1) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// decodeAttrs parses stored attrs JSON into a map with json.Number numbers: exactly what a json.Decoder with
// UseNumber gives. The compact, flat objects encodeAttrs writes take a fast path (decoding was two fifths
// of the cost of scanning the log); anything else goes through encoding/json. FuzzDecodeAttrs holds the two
// paths to the same result.
func decodeAttrs(b []byte) (map[string]any, error) {
	if m, ok := parseFlatAttrs(b); ok {
		return m, nil
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	return m, nil
}

// parseFlatAttrs parses b if it is a compact JSON object of plain strings (no escapes, valid UTF-8),
// numbers, booleans, nulls, and lists and objects of those (a Farcaster cast's "mentioned": [], which
// encoding/json took 3.5 µs to decode, for 7% of a generated million members' events), up to maxPlainDepth
// deep, and reports false for anything else (whitespace, escapes, invalid UTF-8, deeper nesting, trailing
// bytes), which the caller hands to encoding/json.
func parseFlatAttrs(b []byte) (map[string]any, bool) {
	if len(b) < 2 || b[0] != '{' {
		return nil, false
	}
	m, i, ok := parsePlainObject(b, 0, 0)
	return m, ok && i == len(b)
}

// maxPlainDepth is how deep parseFlatAttrs reads lists and objects inside the attrs.
const maxPlainDepth = 8

// parsePlainObject parses the object at b[i] (a '{'), depth lists or objects deep, and returns it and the
// byte after it.
func parsePlainObject(b []byte, i, depth int) (map[string]any, int, bool) {
	m := make(map[string]any, 8)
	i++
	if i < len(b) && b[i] == '}' {
		return m, i + 1, true
	}
	for {
		key, n, ok := plainJSONString(b[i:])
		if !ok {
			return nil, 0, false
		}
		i += n
		if i >= len(b) || b[i] != ':' {
			return nil, 0, false
		}
		var v any
		if v, i, ok = parsePlainValue(b, i+1, depth); !ok {
			return nil, 0, false
		}
		m[key] = v
		if i >= len(b) {
			return nil, 0, false
		}
		switch b[i] {
		case ',':
			i++
		case '}':
			return m, i + 1, true
		default:
			return nil, 0, false
		}
	}
}

// parsePlainList parses the list at b[i] (a '['), as parsePlainObject an object.
func parsePlainList(b []byte, i, depth int) ([]any, int, bool) {
	l := []any{}
	i++
	if i < len(b) && b[i] == ']' {
		return l, i + 1, true
	}
	for {
		v, next, ok := parsePlainValue(b, i, depth)
		if !ok || next >= len(b) {
			return nil, 0, false
		}
		l, i = append(l, v), next
		switch b[i] {
		case ',':
			i++
		case ']':
			return l, i + 1, true
		default:
			return nil, 0, false
		}
	}
}

// parsePlainValue parses the value at b[i], inside depth lists or objects, and returns it and the byte
// after it.
func parsePlainValue(b []byte, i, depth int) (any, int, bool) {
	if i >= len(b) {
		return nil, 0, false
	}
	switch c := b[i]; {
	case c == '"':
		s, n, ok := plainJSONString(b[i:])
		return s, i + n, ok
	case c == 't' && bytes.HasPrefix(b[i:], []byte("true")):
		return true, i + 4, true
	case c == 'f' && bytes.HasPrefix(b[i:], []byte("false")):
		return false, i + 5, true
	case c == 'n' && bytes.HasPrefix(b[i:], []byte("null")):
		return nil, i + 4, true
	case c == '-' || (c >= '0' && c <= '9'):
		j := i
		for j < len(b) && (b[j] == '-' || b[j] == '+' || b[j] == '.' || b[j] == 'e' || b[j] == 'E' || (b[j] >= '0' && b[j] <= '9')) {
			j++
		}
		if !validJSONNumber(b[i:j]) {
			return nil, 0, false
		}
		return json.Number(b[i:j]), j, true
	case c == '[' && depth < maxPlainDepth:
		return parsePlainList(b, i, depth+1)
	case c == '{' && depth < maxPlainDepth:
		return parsePlainObject(b, i, depth+1)
	}
	return nil, 0, false
}

// plainJSONString reads a JSON string at the start of b made only of printable ASCII without escapes, and
// returns it and the bytes it took.
func plainJSONString(b []byte) (string, int, bool) {
	if len(b) == 0 || b[0] != '"' {
		return "", 0, false
	}
	ascii := true
	for j := 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			// Raw UTF-8 (an emoji, a name) decodes to itself; invalid UTF-8 is encoding/json's to replace.
			if !ascii && !utf8.Valid(b[1:j]) {
				return "", 0, false
			}
			return string(b[1:j]), j + 1, true
		case c < 0x20 || c == '\\' || c == 0x7f:
			return "", 0, false
		case c > 0x7f:
			ascii = false
		}
	}
	return "", 0, false
}

// validJSONNumber reports whether b is a JSON number (the grammar of RFC 8259, as encoding/json checks it).
func validJSONNumber(b []byte) bool {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			return false
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			return false
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	return i == len(b)
}
