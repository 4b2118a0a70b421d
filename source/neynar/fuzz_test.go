package neynar_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/source/neynar"
)

// FuzzDecode feeds the webhook decoder arbitrary bodies (seeded with the fixtures): it must never panic,
// must answer either an error naming a field, an ignored body, or events that pass the event log's own
// validation, and must be deterministic.
func FuzzDecode(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		d, err := neynar.Decode(body, target)
		if err != nil {
			fe, ok := err.(*plaudit.FieldError)
			if !ok {
				t.Fatalf("error %T %v, want a *plaudit.FieldError", err, err)
			}
			if fe.Reason == "" {
				t.Fatalf("error without a reason: %+v", fe)
			}
			return
		}
		if d.Ignored != "" && len(d.Events) > 0 {
			t.Fatalf("ignored with events: %+v", d)
		}
		for i := range d.Events {
			e := &d.Events[i]
			if e.Source != plaudit.SourceFarcaster || e.ExternalID == "" {
				t.Fatalf("event %+v", e)
			}
			// Events the decoder makes either pass validation or are refused by it with a field named: the
			// handler answers those 400. Nothing may be stored half-checked.
			for _, fe := range e.Validate() {
				if fe.Field == "" && !strings.Contains(fe.Reason, "invalid") {
					t.Fatalf("event %s: error without a field: %+v", e.Key(), fe)
				}
			}
		}
		again, err := neynar.Decode(body, target)
		if err != nil || len(again.Events) != len(d.Events) {
			t.Fatalf("not deterministic: %v", err)
		}
		for i := range d.Events {
			if again.Events[i].Key() != d.Events[i].Key() || !again.Events[i].Time.Equal(d.Events[i].Time) {
				t.Fatalf("not deterministic: %+v vs %+v", again.Events[i], d.Events[i])
			}
		}
	})
}
