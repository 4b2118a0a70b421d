package eventio

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"syscall"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
)

// checkRoundTrip decodes in and checks that every accepted event re-encodes, re-decodes to the same event
// and re-encodes to the same bytes; that every rejection names a line; and that the decoder never accepts
// what encoding/json would call invalid JSON.
func checkRoundTrip(t *testing.T, in []byte, f Format) {
	d := NewDecoder(bytes.NewReader(in), f)
	for n := 0; ; n++ {
		if n > len(in)+1 {
			t.Fatalf("decoder does not advance")
		}
		var ev plaudit.Event
		err := d.Decode(&ev)
		if err == io.EOF {
			return
		}
		var le *LineError
		if errors.As(err, &le) {
			if le.Line < 1 || len(le.Errors) == 0 {
				t.Fatalf("line error without line or errors: %#v", le)
			}
			for _, fe := range le.Errors {
				if fe.Line != le.Line || fe.Reason == "" {
					t.Fatalf("field error %#v in line error %d", fe, le.Line)
				}
			}
			continue
		}
		if err != nil {
			var ve *plaudit.ValidationError
			if f == CSV && errors.As(err, &ve) {
				return // a bad header ends a CSV file
			}
			t.Fatalf("Decode: %v", err)
		}
		if f == JSONL {
			// What encoding/json with UseNumber makes of an accepted line is exactly what we made of it.
			var std struct {
				Attrs map[string]any `json:"attrs"`
			}
			dec := json.NewDecoder(bytes.NewReader(d.Raw()))
			dec.UseNumber()
			if err := dec.Decode(&std); err != nil {
				t.Fatalf("accepted what encoding/json refuses: %v: %q", err, d.Raw())
			}
			if len(std.Attrs) == 0 {
				std.Attrs = nil
			}
			if !reflect.DeepEqual(std.Attrs, ev.Attrs) {
				t.Fatalf("attrs differ from encoding/json's:\n%#v\n%#v", ev.Attrs, std.Attrs)
			}
		}
		if errs := ev.Validate(); errs != nil {
			t.Fatalf("accepted an invalid event: %v", errs[0])
		}
		b1, err := AppendEvent(nil, &ev)
		if err != nil {
			t.Fatalf("encode accepted event %#v: %v", ev, err)
		}
		var ev2 plaudit.Event
		if errs := ParseEvent(b1, &ev2); errs != nil {
			t.Fatalf("re-decode %s: %v", b1, errs[0])
		}
		if !reflect.DeepEqual(ev, ev2) {
			t.Fatalf("round trip changed the event:\n%#v\n%#v", ev, ev2)
		}
		b2, _ := AppendEvent(nil, &ev2)
		if !bytes.Equal(b1, b2) {
			t.Fatalf("encoding not deterministic:\n%s\n%s", b1, b2)
		}
	}
}

func FuzzDecodeJSONL(f *testing.F) {
	f.Add([]byte(goodLine + "\n"))
	f.Add([]byte(`{"source":"github","id":"i1","kind":"issue","actor":"bob","content":"Fix \"it\"\n\u00e9\ud83d\ude00","time":"2024-05-01T12:00:00.123456789+05:30","attrs":{"labels":["Priority: 2","Price: 100 USD"],"n":-0.5E-7}}`))
	f.Add([]byte(`{"source":"plaudit","id":"l1","kind":"link","actor":"x:1","time":"2024-05-01T12:00:00Z","attrs":{"member":"alice","member_kind":"community"}}` + "\r\n\n"))
	f.Add([]byte(`{"source":"x","id":"1","kind":"post","actor":"a","time":"2024-05-01T12:00:00Z","attrs":{"a":{"b":{"c":[[[[[[1]]]]]]}}}}`))
	f.Add([]byte("not json\n{}\n[]\n\"s\"\n"))
	f.Fuzz(func(t *testing.T, in []byte) { checkRoundTrip(t, in, JSONL) })
}

func FuzzDecodeCSV(f *testing.F) {
	f.Add([]byte("source,id,kind,actor,time,attrs,attrs.fid\nfarcaster,0x1,post,alice,2024-05-01T12:00:00Z,\"{\"\"a\"\":1}\",123\n"))
	f.Add([]byte("source,id,kind,actor,target,target_author,content,time,attrs.x\ngithub,1,comment,bob,9,carol,\"multi\nline \"\"quoted\"\"\",2024-05-01T12:00:00Z,\"[1,\"\"2\"\"]\"\n"))
	f.Add([]byte("source,id,kind,actor,time,attrs.tier\nplaudit,t1,tier,alice,2024-05-01T12:00:00Z,2\nplaudit,t2,tier,alice,2024-05-01T12:00:00Z,x\n"))
	f.Add([]byte("id,source\n"))
	f.Fuzz(func(t *testing.T, in []byte) { checkRoundTrip(t, in, CSV) })
}

// benchLines returns n distinct event lines of about 300 bytes, in the shapes the sources produce.
func benchLines(n int) []byte {
	var b bytes.Buffer
	for i := range n {
		switch i % 3 {
		case 0:
			fmt.Fprintf(&b, `{"source":"x","id":"%d","kind":"like","actor":"user%d","target":"post%d","target_author":"user%d","time":"2024-05-01T12:%02d:%02dZ","attrs":{"follower_count":%d,"account_created":"2021-03-04T05:06:07Z","verified":false,"lang":"en","client":"web"}}`+"\n", 1e9+i, i%5000, i%900, i%77, i/60%60, i%60, i%10000)
		case 1:
			fmt.Fprintf(&b, `{"source":"farcaster","id":"0x%012x","kind":"post","actor":"%d","content":"gm frens, shipping the new build today \u2014 check it out","time":"2024-05-01T12:00:00.5Z","attrs":{"fid":"%d","username":"fc%d","power_badge":true,"likes_count":3,"recasts_count":0,"embeds":1,"channel":"dev"}}`+"\n", i, i%3000, i%3000, i%3000)
		default:
			fmt.Fprintf(&b, `{"source":"github","id":"c%d","kind":"comment","actor":"dev%d","target":"issue%d","content":"Looks good to me, but please add a test for the \"empty\" case.","time":"2024-05-01T12:00:00Z","attrs":{"author_association":"MEMBER","issue_author":"lead","repo":"plaudit/plaudit","issue_number":1234}}`+"\n", i, i%400, i%50)
		}
	}
	return b.Bytes()
}

func BenchmarkDecodeJSONL(b *testing.B) {
	const n = 10_000
	data := benchLines(n)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var ev plaudit.Event
	cpu0 := cpuTime()
	for b.Loop() {
		d := NewDecoder(bytes.NewReader(data), JSONL)
		count := 0
		for {
			err := d.Decode(&ev)
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			count++
		}
		if count != n {
			b.Fatalf("decoded %d", count)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(n*b.N)/(cpuTime()-cpu0).Seconds(), "events/cpu-s")
	b.ReportMetric(float64(len(data))/n, "bytes/event")
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2024-05-01T12:00:00Z", "2024-02-29T23:59:59.999999999Z", "2023-02-29T00:00:00Z", "2024-04-31T00:00:00Z", "2024-05-01T12:00:00.Z", "2024-05-01T12:00:00.1234567890Z", "2024-05-01T24:00:00Z", "2024-05-01t12:00:00z", "0000-01-01T00:00:00Z",
		"2024-05-01T1:00:00Z", "2024-05-01T12:00:00+24:00", "2024-05-01T12:00:00-23:59", "2024-05-01T12:00:00.5+01:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		// parseTime (fast path and all) is plaudit.ParseTime, the strict rule; and a strict time is one
		// time.Parse reads the same.
		got, err := parseTime([]byte(s))
		strict, serr := plaudit.ParseTime(s)
		if (err == nil) != (serr == nil) || err == nil && !got.Equal(strict) {
			t.Fatalf("parseTime(%q) = %v, %v; plaudit.ParseTime = %v, %v", s, got, err, strict, serr)
		}
		if err != nil {
			return
		}
		want, perr := time.Parse(time.RFC3339Nano, s)
		if perr != nil || !want.Equal(got) || got.Location() != time.UTC {
			t.Fatalf("parseTime(%q) = %v; time.Parse = %v, %v", s, got, want, perr)
		}
	})
}

// cpuTime returns the CPU time (user and system) this process has used, so that benchmarks can report a
// rate per CPU-second, which other work on a shared machine does not distort the way it does wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func BenchmarkEncode(b *testing.B) {
	const n = 10_000
	data := benchLines(n)
	var evs []plaudit.Event
	d := NewDecoder(bytes.NewReader(data), JSONL)
	for {
		var ev plaudit.Event
		if err := d.Decode(&ev); err != nil {
			break
		}
		evs = append(evs, ev)
	}
	var buf []byte
	for b.Loop() {
		for i := range evs {
			buf, _ = AppendEvent(buf[:0], &evs[i])
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "events/s")
}
