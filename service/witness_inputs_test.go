package service_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/plaudit/plaudit/service"
)

const inputsSeed = `{"format":"plaudit-epoch-inputs-v1","epoch":{"id":"acme@2026-01-05T00:00:00Z","program":"acme","policy_hash":"sha256:00","log_seq":2},"allocations":[],"verdicts":[],"policy":{"hash":"sha256:00","name":"p","document":"name: p\n"},"events":2}
{"seq":1,"event":{"source":"api","id":"e1","kind":"post","actor":"a","time":"2026-01-05T00:00:00Z"}}
{"seq":2,"event":{"source":"api","id":"e2","kind":"post","actor":"b","time":"2026-01-05T01:00:00Z"}}
`

// TestReadEpochInputs: the document reads back and writes the same bytes; bad lines are refused naming the
// line.
func TestReadEpochInputs(t *testing.T) {
	in, err := service.ReadEpochInputs(strings.NewReader(inputsSeed))
	if err != nil || len(in.Events) != 2 || in.Events[1].Seq != 2 {
		t.Fatalf("read: %+v %v", in, err)
	}
	var b bytes.Buffer
	if err := in.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	again, err := service.ReadEpochInputs(&b)
	if err != nil || len(again.Events) != 2 || again.Events[0].ExternalID != "e1" {
		t.Fatalf("round trip: %v", err)
	}
	for name, tc := range map[string]struct{ from, to, want string }{
		"seq order": {`{"seq":2,`, `{"seq":1,`, "line 3: seq 1"},
		"count":     {`"events":2}`, `"events":3}`, "announced 3"},
		"format":    {`-v1"`, `-v9"`, "line 1: format"},
		"event":     {`"kind":"post","actor":"b"`, `"kind":"post"`, "line 3: event"},
	} {
		doc := strings.Replace(inputsSeed, tc.from, tc.to, 1)
		if _, err := service.ReadEpochInputs(strings.NewReader(doc)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", name, err, tc.want)
		}
	}
}

// FuzzReadEpochInputs: no input panics, and what is accepted has events in increasing seq order.
func FuzzReadEpochInputs(f *testing.F) {
	f.Add([]byte(inputsSeed))
	f.Add([]byte("{}\n"))
	// With a committed reputation vector (the epoch's reputation_hash and the trust values' float64 bits).
	f.Add([]byte(strings.Replace(inputsSeed, `"log_seq":2}`, `"log_seq":2,"reputation_hash":"00"},"reputation":[{"member":"a","trust_bits":4602678819172646912},{"member":"b","trust_bits":18446744073709551615}]`, 1)))
	f.Fuzz(func(t *testing.T, b []byte) {
		in, err := service.ReadEpochInputs(bytes.NewReader(b))
		if err != nil {
			return
		}
		for i := 1; i < len(in.Events); i++ {
			if in.Events[i].Seq <= in.Events[i-1].Seq {
				t.Fatal("accepted events out of seq order")
			}
		}
	})
}
