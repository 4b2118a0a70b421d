package gen

import (
	"bytes"
	"strings"
	"testing"
)

func TestLabelsRoundTrip(t *testing.T) {
	c := generate(t, std)
	var buf bytes.Buffer
	if err := WriteLabels(&buf, c.res.Labels); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), "member,label\n") {
		t.Fatalf("no header: %q", buf.String()[:40])
	}
	back, err := ReadLabels(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != len(c.res.Labels) {
		t.Fatalf("read %d labels, wrote %d", len(back), len(c.res.Labels))
	}
	for i := range back {
		if back[i] != c.res.Labels[i] {
			t.Fatalf("row %d: read %+v, wrote %+v", i, back[i], c.res.Labels[i])
		}
	}
}

func TestReadLabelsErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "empty file"},
		{"handle,label\n", "line 1: header"},
		{"member,label\nalice\n", "line 2: 1 fields"},
		{"member,label\nalice,honest\nbob,spammer\n", `line 3: member "bob": unknown label "spammer"`},
		{"member,label\n,honest\n", "line 2: empty"},
		{"member,label\nalice,honest\nalice,sybil\n", `line 3: member "alice" already labelled on line 2`},
		{"member,label\n\"unterminated,honest\n", "labels:"},
	} {
		_, err := ReadLabels(strings.NewReader(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ReadLabels(%q): %v, want an error containing %q", tc.in, err, tc.want)
		}
	}
	got, err := ReadLabels(strings.NewReader("\ufeffmember,label\r\nalice,honest\r\nbob,like_ring\r\n"))
	if err != nil || len(got) != 2 || got[1].Label != LikeRing {
		t.Fatalf("BOM and CRLF: %+v, %v", got, err)
	}
}

func FuzzReadLabels(f *testing.F) {
	f.Add("member,label\nalice,honest\nbob,sybil\n")
	f.Add("member,label\n")
	f.Add("member,label\n\"a,b\",gm_farmer\n")
	f.Add("\ufeffmember,label\r\nx,velocity_bot\r\n")
	f.Add("member,label\nalice,honest,extra\n")
	f.Fuzz(func(t *testing.T, in string) {
		labels, err := ReadLabels(strings.NewReader(in))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := WriteLabels(&buf, labels); err != nil {
			t.Fatalf("write back: %v", err)
		}
		again, err := ReadLabels(&buf)
		if err != nil {
			t.Fatalf("written labels do not read back: %v\n%q", err, buf.String())
		}
		if len(again) != len(labels) {
			t.Fatalf("round trip: %d then %d labels", len(labels), len(again))
		}
		for i := range again {
			if again[i] != labels[i] || !KnownLabel(again[i].Label) || again[i].Member == "" {
				t.Fatalf("round trip row %d: %+v then %+v", i, labels[i], again[i])
			}
		}
	})
}
