package eventio

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
)

func TestSplitBatch(t *testing.T) {
	ev := `{"source":"x","id":"1","kind":"post","actor":"a","time":"2024-05-01T12:00:00Z"}`
	bad := "{\"source\":\"x\",\"id\":\"2\",\"kind\":\"post\",\"actor\":\"\xff\\u0000\",\"time\":\"2024-05-01T12:00:00Z\"}"
	for _, body := range []string{"[" + ev + "," + bad + ", 3]", ` {"events": [ ` + ev + `,` + bad + `,3 ] } `} {
		parts, err := SplitBatch([]byte(body), 10)
		if err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		if len(parts) != 3 || string(parts[0]) != ev || string(parts[1]) != bad || string(parts[2]) != "3" {
			t.Fatalf("parts %q", parts)
		}
		var e plaudit.Event
		if errs := ParseEvent(parts[1], &e); len(errs) != 1 || errs[0].Field != "actor" {
			t.Fatalf("bad element: %v", errs)
		}
	}
	for body, want := range map[string]string{
		``:                          "empty",
		`{"evnts":[]}`:              `unknown field "evnts"`,
		`{"events":[],"x":1}`:       "no other fields",
		`[` + ev:                    "want ',' or ']'",
		`[` + ev + `,]`:             "event 1",
		`{"events":{}}`:             "want an array of events, got object",
		`[1,2,3,4,5,6,7,8,9,10,11]`: "too many events",
		`[] []`:                     "data after the batch",
		`["a\qb"]`:                  "bad escape",
	} {
		_, err := SplitBatch([]byte(body), 10)
		if plaudit.ErrorCode(err) != plaudit.EINVALID || !strings.Contains(plaudit.ErrorMessage(err), want) {
			t.Errorf("SplitBatch(%q) = %v, want an EINVALID error with %q", body, err, want)
		}
	}
	if parts, err := SplitBatch([]byte(`{"events":[]}`), 10); err != nil || len(parts) != 0 {
		t.Fatalf("empty batch: %v %v", parts, err)
	}
}

func FuzzSplitBatch(f *testing.F) {
	f.Add([]byte(`{"events":[{"source":"x","id":"1","kind":"post","actor":"a","time":"2024-05-01T12:00:00Z"},[1,{"a":"\u00e9"}],null]}`))
	f.Add([]byte(`[{"a":1},"s\n",-1.5e3,true]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		parts, err := SplitBatch(body, 100)
		if err != nil {
			return
		}
		for _, p := range parts {
			if !json.Valid(p) && !strings.ContainsFunc(string(p), func(r rune) bool { return r == '\uFFFD' }) {
				t.Fatalf("element %q is not JSON", p)
			}
			var ev plaudit.Event
			ParseEvent(p, &ev)
		}
	})
}
