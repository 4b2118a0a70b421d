package eventio

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
)

const goodLine = `{"source":"x","id":"1","kind":"like","actor":"u1","target":"p9","target_author":"u2","time":"2024-05-01T12:00:00Z","attrs":{"follower_count":1200,"ratio":1.5e3,"tags":["a","b"],"nested":{"ok":true,"none":null}}}`

func decodeAll(t *testing.T, in string, f Format) ([]plaudit.Event, []*LineError) {
	t.Helper()
	d := NewDecoder(strings.NewReader(in), f)
	var evs []plaudit.Event
	var bad []*LineError
	for {
		var ev plaudit.Event
		err := d.Decode(&ev)
		if err == io.EOF {
			return evs, bad
		}
		var le *LineError
		if errors.As(err, &le) {
			bad = append(bad, le)
			continue
		}
		if err != nil {
			t.Fatalf("Decode: %v", err)
		}
		evs = append(evs, ev)
	}
}

func TestDecodeJSONL(t *testing.T) {
	in := goodLine + "\r\n\n   \n" + strings.Replace(goodLine, `"id":"1"`, `"id":"2"`, 1) // CRLF, blank lines, no final newline
	evs, bad := decodeAll(t, in, JSONL)
	if len(bad) != 0 || len(evs) != 2 {
		t.Fatalf("got %d events, %d bad: %v", len(evs), len(bad), bad)
	}
	ev := evs[0]
	want := plaudit.Event{
		Source: "x", ExternalID: "1", Kind: "like", Actor: "u1", Target: "p9", TargetAuthor: "u2",
		Time: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC),
		Attrs: map[string]any{
			"follower_count": json.Number("1200"), "ratio": json.Number("1.5e3"), "tags": []any{"a", "b"},
			"nested": map[string]any{"ok": true, "none": nil},
		},
	}
	if !reflect.DeepEqual(ev, want) {
		t.Fatalf("got  %#v\nwant %#v", ev, want)
	}
	if evs[1].ExternalID != "2" {
		t.Fatalf("second event id %q", evs[1].ExternalID)
	}
}

func TestDecodeErrors(t *testing.T) {
	base := `"source":"x","id":"1","kind":"post","actor":"a","time":"2024-05-01T12:00:00Z"`
	for _, tc := range []struct {
		line  string
		field string
		want  string // substring of the error
	}{
		{`{` + base + `,"time2":1}`, "time2", `unknown field "time2"`},
		{`{"source":"x","id":"1","kind":"post","actor":"a","time":1714564800}`, "time", `line 1: id "1": field time: want an RFC3339 string, got number`},
		{`{"source":"x","id":"1","kind":"post","actor":"a","time":"yesterday"}`, "time", `not an RFC3339 time: "yesterday"`},
		{`{"source":"x","id":1,"kind":"post","actor":"a","time":"2024-05-01T12:00:00Z"}`, "id", "want a string, got number"},
		{`{"source":"x","id":"1","kind":"liek","actor":"a","time":"2024-05-01T12:00:00Z"}`, "kind", `unknown kind "liek"`},
		{`{"source":"x","id":"1","kind":"post","time":"2024-05-01T12:00:00Z"}`, "actor", "missing"},
		{`{` + base + `,"content":"bad ` + "\xff" + ` byte"}`, "content", "invalid UTF-8"},
		{`{` + base + `,"content":"lone \udc00"}`, "content", "surrogate"},
		{`{` + base + `,"content":"nul \u0000"}`, "content", "U+0000"},
		{`{` + base + `,"attrs":{"bio":"` + "\xc3" + `"}}`, "attrs.bio", "invalid UTF-8"},
		{`{` + base + `,"attrs":{"a":[1,{"b":"` + "\xc3" + `"}]}}`, "attrs.a[1].b", "invalid UTF-8"},
		{`{` + base + `,"attrs":{"a":1,"a":2}}`, "attrs.a", "duplicate key"},
		{`{` + base + `,"attrs":[1]}`, "attrs", "want an object, got array"},
		{`{` + base + `,"attrs":{"n":01}}`, "attrs.n", "malformed number"},
		{`{` + base + `,"kind":"like"}`, "kind", "duplicate field"},
		{`{` + base + `,"seq":4}`, "seq", "assigned by the store"},
		{`{` + base, "", "unexpected end of input"},
		{`[1,2]`, "", "want a JSON object, got array"},
		{`{` + base + `} x`, "", "data after the event object"},
		{`{"source":"x","id":"1","kind":"tier","actor":"a","time":"2024-05-01T12:00:00Z"}`, "attrs.tier", "missing"},
		{`{"source":"x","id":"1","kind":"post","actor":"a","time":"1970-01-01T00:00:00Z"}`, "time", "out of range"},
		{`{"source":"y","id":"1","kind":"post","actor":"a","time":"2024-05-01T12:00:00Z"}`, "source", `unknown source "y"`},
		{`{` + base + `,"content":"` + strings.Repeat("a", plaudit.MaxContentLen+1) + `"}`, "content", "too long"},
		{`{` + base + `,"attrs":{"x":"\q"}}`, "attrs.x", `bad escape \q`},
		{`{` + base + `,"attrs":{"x":tru}}`, "attrs.x", "want true"},
		{`{` + base + `,"id":"2"}`, "id", "duplicate field"},
	} {
		in := "\n" + tc.line + "\n" // the bad line is line 2
		evs, bad := decodeAll(t, in, JSONL)
		if len(evs) != 0 || len(bad) != 1 {
			t.Errorf("%.80s: got %d events, %d bad lines, want one bad line", tc.line, len(evs), len(bad))
			continue
		}
		le := bad[0]
		fe := le.Errors[0]
		if le.Line != 2 || fe.Line != 2 {
			t.Errorf("%.80s: line %d/%d, want 2", tc.line, le.Line, fe.Line)
		}
		if fe.Field != tc.field {
			t.Errorf("%.80s: field %q, want %q (%v)", tc.line, fe.Field, tc.field, le)
		}
		want := strings.Replace(tc.want, "line 1:", "line 2:", 1)
		if !strings.Contains(le.Error(), want) {
			t.Errorf("%.80s: error %q does not contain %q", tc.line, le.Error(), want)
		}
		var got *plaudit.FieldError
		if !errors.As(le, &got) {
			t.Errorf("errors.As finds no *plaudit.FieldError in %v", le)
		}
	}
}

func TestDecodeContinuesAfterBadLines(t *testing.T) {
	in := goodLine + "\nnot json\n" + strings.Replace(goodLine, `"id":"1"`, `"id":"3"`, 1) + "\n{\"id\":7}\n"
	evs, bad := decodeAll(t, in, JSONL)
	if len(evs) != 2 || len(bad) != 2 {
		t.Fatalf("got %d events and %d bad lines, want 2 and 2", len(evs), len(bad))
	}
	if bad[0].Line != 2 || bad[1].Line != 4 {
		t.Fatalf("bad lines %d and %d, want 2 and 4", bad[0].Line, bad[1].Line)
	}
	// Line 4 lacks several fields and has a number id: the type error is what is reported.
	if bad[1].Errors[0].Field != "id" {
		t.Fatalf("line 4: %v", bad[1])
	}
	// A line missing several fields gets all of them reported.
	_, bad = decodeAll(t, `{"source":"x"}`, JSONL)
	var fields []string
	for _, fe := range bad[0].Errors {
		fields = append(fields, fe.Field)
	}
	if got := strings.Join(fields, ","); got != "id,kind,actor,time" {
		t.Fatalf("fields %s, want id,kind,actor,time", got)
	}
}

func TestDecodeLongLine(t *testing.T) {
	long := `{"content":"` + strings.Repeat("x", MaxLineLen+10) + `"}`
	mid := strings.Replace(goodLine, `"id":"1"`, `"id":"2"`, 1)
	// A valid line longer than the bufio buffer but under the limit.
	big := strings.Replace(goodLine, `"actor":"u1"`, `"actor":"u1","content":"`+strings.Repeat("é", 30000)+`"`, 1)
	evs, bad := decodeAll(t, goodLine+"\n"+long+"\n"+mid+"\n"+big+"\n", JSONL)
	if len(evs) != 3 || len(bad) != 1 || bad[0].Line != 2 {
		t.Fatalf("got %d events, bad %v", len(evs), bad)
	}
	if !strings.Contains(bad[0].Error(), "line longer than") {
		t.Fatal(bad[0])
	}
	if len(evs[2].Content) != 60000 {
		t.Fatalf("big line content %d bytes", len(evs[2].Content))
	}
}

func TestTimeNormalisedToUTC(t *testing.T) {
	evs, _ := decodeAll(t, strings.Replace(goodLine, "2024-05-01T12:00:00Z", "2024-05-01T14:00:00.250+02:00", 1), JSONL)
	if got := evs[0].Time; got.Location() != time.UTC || !got.Equal(time.Date(2024, 5, 1, 12, 0, 0, 250e6, time.UTC)) {
		t.Fatalf("time %v", got)
	}
	b, _ := AppendEvent(nil, &evs[0])
	if !bytes.Contains(b, []byte(`"time":"2024-05-01T12:00:00.25Z"`)) {
		t.Fatalf("encoded %s", b)
	}
}

func TestEncodeCanonical(t *testing.T) {
	evs, _ := decodeAll(t, goodLine, JSONL)
	ev := evs[0]
	ev.Content = "line\nbreak \"quoted\" \\ tab\t \u2028 <&> é \x01"
	b, err := AppendEvent(nil, &ev)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"source":"x","id":"1","kind":"like","actor":"u1","target":"p9","target_author":"u2","content":"line\nbreak \"quoted\" \\ tab\t \u2028 <&> é \u0001","time":"2024-05-01T12:00:00Z","attrs":{"follower_count":1200,"nested":{"none":null,"ok":true},"ratio":1.5e3,"tags":["a","b"]}}`
	if string(b) != want {
		t.Fatalf("got  %s\nwant %s", b, want)
	}
	// encoding/json agrees on the content of the canonical form.
	var generic map[string]any
	if err := json.Unmarshal(b, &generic); err != nil || generic["content"] != ev.Content {
		t.Fatalf("encoding/json reads %v (%v)", generic["content"], err)
	}
	// Every kind of value that cannot round-trip is refused.
	for _, bad := range []plaudit.Event{
		{Content: "\xff"},
		{Attrs: map[string]any{"n": json.Number("1x")}},
		{Attrs: map[string]any{"s": []string{"a"}}},
		{Attrs: map[string]any{"k\xff": 1}},
	} {
		if _, err := AppendEvent(nil, &bad); err == nil {
			t.Errorf("AppendEvent(%#v) succeeded", bad)
		}
	}
}

func TestDecodeCSV(t *testing.T) {
	in := "\ufeffsource,id,kind,actor,target,time,attrs,attrs.fid,attrs.power_badge,attrs.zip,attrs.label\n" +
		`farcaster,0xabc,reply,alice,0x1,2024-05-01T12:00:00Z,"{""likes_count"":3}",123,true,0123,"""42"""` + "\n" +
		"\n" +
		`github,9,issue,bob,,2024-05-01T12:00:00Z,,,,,` + "\n" +
		`github,10,isue,bob,,2024-05-01T12:00:00Z,,,,,` + "\n" +
		`github,11,issue,bob,,2024-05-01T12:00:00Z,"{""zip"":1}",,,5,` + "\n" +
		`github,12,issue,bob,,2024-05-01T12:00:00Z,,,,,"multi` + "\nline\"\n" +
		`github,13,issue,bob` + "\n"
	evs, bad := decodeAll(t, in, CSV)
	if len(evs) != 3 {
		t.Fatalf("got %d events: %v; bad %v", len(evs), evs, bad)
	}
	want := map[string]any{"likes_count": json.Number("3"), "fid": json.Number("123"), "power_badge": true, "zip": "0123", "label": "42"}
	if !reflect.DeepEqual(evs[0].Attrs, want) {
		t.Fatalf("attrs %#v", evs[0].Attrs)
	}
	if evs[1].Attrs != nil || evs[1].Target != "" {
		t.Fatalf("empty cells: %#v", evs[1])
	}
	if evs[2].ExternalID != "12" || evs[2].Attrs["label"] != "multi\nline" {
		t.Fatalf("multi-line record: %#v", evs[2])
	}
	if len(bad) != 3 {
		t.Fatalf("bad %v", bad)
	}
	for i, w := range []struct {
		line  int
		field string
	}{{5, "kind"}, {6, "attrs.zip"}, {9, ""}} {
		if bad[i].Line != w.line || bad[i].Errors[0].Field != w.field {
			t.Errorf("bad[%d] = %v, want line %d field %q", i, bad[i], w.line, w.field)
		}
	}
}

func TestDecodeCSVHeader(t *testing.T) {
	for _, tc := range []struct{ header, field string }{
		{"source,id,kind,actor,time,colour", "colour"},
		{"source,id,kind,actor", "time"},
		{"source,id,kind,actor,time,id", "id"},
		{"source,id,kind,actor,time,attrs.", "attrs."},
	} {
		d := NewDecoder(strings.NewReader(tc.header+"\nx,1,post,a,2024-05-01T12:00:00Z\n"), CSV)
		var ev plaudit.Event
		err := d.Decode(&ev)
		var ve *plaudit.ValidationError
		if !errors.As(err, &ve) || ve.Errors[0].Field != tc.field || ve.Errors[0].Line != 1 {
			t.Errorf("%s: %v", tc.header, err)
		}
		if err2 := d.Decode(&ev); err2 != err {
			t.Errorf("%s: header error not sticky: %v", tc.header, err2)
		}
	}
}

func TestFormatOf(t *testing.T) {
	for name, want := range map[string]Format{"a.jsonl": JSONL, "b.NDJSON": JSONL, "c.csv": CSV, "d.json": JSONL} {
		if got, err := FormatOf(name); err != nil || got != want {
			t.Errorf("FormatOf(%s) = %s, %v", name, got, err)
		}
	}
	for _, name := range []string{"events", "events.txt"} {
		if _, err := FormatOf(name); plaudit.ErrorCode(err) != plaudit.EINVALID {
			t.Errorf("FormatOf(%s): %v", name, err)
		}
	}
}

func TestDecodeCSVUnclosedQuote(t *testing.T) {
	in := "source,id,kind,actor,time,content\nx,1,post,a,2024-05-01T12:00:00Z,ok\nx,2,post,a,2024-05-01T12:00:00Z,\"never closed\n" +
		strings.Repeat("more text, more lines\n", 3*MaxLineLen/22)
	d := NewDecoder(strings.NewReader(in), CSV)
	var ev plaudit.Event
	if err := d.Decode(&ev); err != nil || ev.ExternalID != "1" {
		t.Fatalf("first record: %v", err)
	}
	err := d.Decode(&ev)
	var ve *plaudit.ValidationError
	if !errors.As(err, &ve) || !strings.Contains(err.Error(), "unclosed quote") {
		t.Fatalf("err = %v", err)
	}
	if d.Offset() > 2*MaxLineLen {
		t.Fatalf("read %d bytes before giving up", d.Offset())
	}
}
