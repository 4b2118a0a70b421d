package sqlstore

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
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

// referenceDecode is what encoding/json gives for b, the result decodeAttrs must match.
func referenceDecode(b []byte) (map[string]any, error) {
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	err := dec.Decode(&m)
	return m, err
}

func TestDecodeAttrs(t *testing.T) {
	for _, s := range []string{
		`{}`, `{"a":"b"}`, `{"n":-0,"m":0,"big":123456789012345678901234567890,"d":1.50,"e":1e400,"E":-2.5E-3}`,
		`{"t":true,"f":false,"z":null}`, `{"a":"x","a":"y"}`, `{"s":"zoë"}`, `{"s":"a\"b"}`, `{"s":"\u0000"}`,
		`{"n":{"a":[1,"x"]}}`, `{ "a": 1 }`, `{"a":01}`, `{"a":1.}`, `{"a":.5}`, `{"a":-}`, `{"a":1e}`, `{"a":tru}`,
		`{"a":1}x`, `{"a":1,}`, `{"a"}`, `{"a":`, `{`, `null`, `[]`, `{"a":"\t"}`, "{\"a\":\"\x7f\"}",
		`{"emoji":"🔥"}`, `{"zoë":"ünïcode","n":1}`, "{\"a\":\"\xff\"}", "{\"a\":\"\xe2\x82\"}", "{\"\xc3\":1}",
	} {
		want, werr := referenceDecode([]byte(s))
		got, gerr := decodeAttrs([]byte(s))
		if (werr != nil) != (gerr != nil) || !reflect.DeepEqual(got, want) {
			t.Errorf("decodeAttrs(%s) = %#v, %v; encoding/json gives %#v, %v", s, got, gerr, want, werr)
		}
	}
}

// FuzzDecodeAttrs checks that the fast path parses exactly as encoding/json does, on anything, and on what
// encodeAttrs writes.
func FuzzDecodeAttrs(f *testing.F) {
	for _, s := range []string{`{"a":"b","n":12,"t":true,"z":null}`, `{"x":-0.5e+3}`, `{"a":[1]}`, `{"a":1}x`, `{ }`, `{"a":"\u00e9"}`, `{"emoji":"🔥"}`, "{\"a\":\"\xff\"}", `{"mentioned":[]}`, `{"a":[1,"x",true,null,{"b":[]},{}]}`, `{"a":{}}`, `{"a":[[[[[[[[[1]]]]]]]]]}`, `{"a":[1,]}`, `{"a":[}`, `{"a":[1]`, `{"a":{"b":1,"b":2}}`, `{"a":[-0,1e5,"é"]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		want, werr := referenceDecode(b)
		got, gerr := decodeAttrs(b)
		if (werr != nil) != (gerr != nil) || !reflect.DeepEqual(got, want) {
			t.Fatalf("decodeAttrs(%q) = %#v, %v; encoding/json gives %#v, %v", b, got, gerr, want, werr)
		}
	})
}

func BenchmarkDecodeAttrs(b *testing.B) {
	for _, c := range []struct{ name, attrs string }{
		{"flat", `{"channel":"dev","fid":"4242","follower_count":31337,"likes_count":12,"power_badge":false,"username":"user4242"}`},
		{"list", `{"channel":"art","embeds":0,"fid":"1001574","follower_count":236,"likes_count":0,"mentioned":[],"power_badge":false,"recasts_count":0,"replies_count":0,"username":"pablokim"}`},
	} {
		b.Run(c.name, func(b *testing.B) {
			s := []byte(c.attrs)
			for b.Loop() {
				if _, err := decodeAttrs(s); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
