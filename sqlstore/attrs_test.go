package sqlstore

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
)

// referenceAttrs is what encoding/json writes for attrs, the bytes encodeAttrs must match.
func referenceAttrs(attrs map[string]any) (string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(attrs); err != nil {
		return "", err
	}
	return string(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))), nil
}

func TestEncodeAttrs(t *testing.T) {
	for _, attrs := range []map[string]any{
		{},
		{"a": "b"},
		{"z": json.Number("1"), "a": json.Number("-0"), "m": json.Number("0"), "big": json.Number("123456789012345678901234567890")},
		{"lead": json.Number("0123")}, // not JSON: encoding/json refuses it, and so must we
		{"dec": json.Number("1.50"), "exp": json.Number("1e400"), "empty": json.Number("")},
		{"t": true, "f": false, "n": nil, "i": 42, "i64": int64(math.MinInt64)},
		{"html": "<b>&</b>", "quote": `say "hi"`, "back": `a\b`, "ctl": "a\tb\x01", "uni": "zoë 🚀", "ls": "\u2028", "bad": "\xff"},
		{"é": "key not ASCII", "": "empty key"},
		{"nested": map[string]any{"b": []any{json.Number("1"), "x"}, "a": nil}, "list": []any{}, "float": 1.5, "nan": 0.1},
		{"nan": math.NaN()},
	} {
		want, werr := referenceAttrs(attrs)
		got, gerr := encodeAttrs(attrs, new(bytes.Buffer))
		if (werr != nil) != (gerr != nil) || got != want {
			t.Errorf("encodeAttrs(%#v) = %q, %v; encoding/json gives %q, %v", attrs, got, gerr, want, werr)
		}
	}
}

// FuzzEncodeAttrs checks that the fast path writes exactly what encoding/json writes, whatever the keys,
// strings and numbers.
func FuzzEncodeAttrs(f *testing.F) {
	f.Add("follower_count", "12345", "username", "alice", true)
	f.Add("a", "-0", "b", "x\"y", false)
	f.Add("k\u2028", "01", "", "\xff\xfe", true)
	f.Add("num", "1e5", "s", "<&>", false)
	f.Add("z", "-", "a", "\t", true)
	f.Fuzz(func(t *testing.T, k1, num, k2, s string, b bool) {
		attrs := map[string]any{k1: json.Number(num), k2: s, "flag": b, "none": nil}
		want, werr := referenceAttrs(attrs)
		got, gerr := encodeAttrs(attrs, new(bytes.Buffer))
		if (werr != nil) != (gerr != nil) || got != want {
			t.Fatalf("encodeAttrs(%#v) = %q, %v; encoding/json gives %q, %v", attrs, got, gerr, want, werr)
		}
	})
}

func BenchmarkEncodeAttrs(b *testing.B) {
	attrs := map[string]any{"fid": "4242", "username": "user4242", "follower_count": json.Number("31337"),
		"power_badge": false, "likes_count": json.Number("12"), "channel": "dev"}
	var buf bytes.Buffer
	for b.Loop() {
		if _, err := encodeAttrs(attrs, &buf); err != nil {
			b.Fatal(err)
		}
	}
}
