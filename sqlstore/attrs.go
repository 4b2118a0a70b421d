package sqlstore

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
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
