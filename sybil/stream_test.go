package sybil

import (
	"reflect"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/gen"
)

// TestDetectStream checks that DetectStream over a buffer-reusing stream (as a store's scan hands events)
// gives exactly Detect's signals on a generated community with sybil clusters, and that there are some.
func TestDetectStream(t *testing.T) {
	var events []plaudit.Event
	if _, err := gen.Generate(gen.Config{Members: 300, Days: 14, Seed: 7}, func(e *plaudit.Event) error {
		events = append(events, *e)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	dir := plaudit.BuildDirectory(events)
	seeds := ProjectSeeds(dir)
	want, err := Detect(events, dir, seeds, Params{})
	if err != nil {
		t.Fatal(err)
	}
	checks := map[string]int{}
	for _, s := range want {
		checks[s.Check]++
	}
	if len(checks) < 2 {
		t.Fatalf("Detect found %v: too few kinds of signal for the comparison to say much", checks)
	}
	stream := func(yield func(*plaudit.Event) error) error {
		var buf plaudit.Event
		for i := range events {
			buf = events[i]
			if err := yield(&buf); err != nil {
				return err
			}
			buf = plaudit.Event{Actor: "overwritten", Source: "overwritten"}
		}
		return nil
	}
	got, err := DetectStream(stream, dir, seeds, Params{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("stream signals (%d) differ from the slice ones (%d)", len(got), len(want))
	}
}
