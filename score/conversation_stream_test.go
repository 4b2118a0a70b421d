package score_test

import (
	"reflect"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/gen"
	"github.com/plaudit/plaudit/score"
)

// TestConversationStreamsPerThread: streaming GitHub conversations (each event added after the ones before
// it) gives every event the scores a whole-history run over the log up to that event gives it, while only
// the event's own conversation is rescored.
func TestConversationStreamsPerThread(t *testing.T) {
	p := mustPreset(t, "conversation")
	var events []plaudit.Event
	if _, err := gen.Generate(gen.Config{Members: 40, Days: 7, Seed: 3}, func(e *plaudit.Event) error {
		if e.Source == plaudit.SourceGitHub {
			events = append(events, *e)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(events) > 160 {
		events = events[:160]
	}
	threads := map[string]bool{}
	for _, e := range events {
		if e.Kind == plaudit.KindComment {
			threads[e.Target] = true
		}
	}
	if len(events) < 40 || len(threads) < 3 {
		t.Fatalf("%d GitHub events over %d conversations: too few to test", len(events), len(threads))
	}
	en, err := score.New(p, plaudit.NewDirectory(), nil)
	if err != nil {
		t.Fatal(err)
	}
	scored := 0
	for i := range events {
		got := en.Add(&events[i])
		all, _, err := score.Run(p, events[:i+1], nil)
		if err != nil {
			t.Fatal(err)
		}
		var want []plaudit.Score
		for _, s := range all {
			if s.Event == events[i].Key() {
				want = append(want, s)
			}
		}
		if len(got) != len(want) || (len(got) > 0 && !reflect.DeepEqual(got, want)) {
			t.Fatalf("event %d (%s): streamed %+v\nwhole-history run %+v", i, events[i].Key(), got, want)
		}
		if len(got) > 0 && got[0].Points != 0 {
			scored++
		}
	}
	if err := en.Err(); err != nil {
		t.Fatal(err)
	}
	if scored == 0 {
		t.Fatal("no event earned points: the test compares nothing")
	}
}
