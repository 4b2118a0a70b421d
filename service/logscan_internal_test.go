package service

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
)

// TestSpooledStopsWhenCanceled: the walks of a spooled stream, replays of its file included, stop with the
// context's error soon after it is done, so that an interrupted whole-history run does not go on to its end.
func TestSpooledStopsWhenCanceled(t *testing.T) {
	events := make([]plaudit.Event, 50_000)
	for i := range events {
		events[i] = plaudit.Event{Seq: int64(i + 1), Source: plaudit.SourceX, Kind: plaudit.KindLike, ExternalID: fmt.Sprint(i), Actor: "a", Time: time.Unix(int64(i), 0).UTC()}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	whole, textless, remove := spooled(ctx, plaudit.StreamOf(events))
	defer remove()
	n := 0
	if err := whole(func(*plaudit.Event) error { n++; return nil }); err != nil || n != len(events) {
		t.Fatalf("first walk: %d events, %v", n, err)
	}
	for name, s := range map[string]plaudit.EventStream{"replay": whole, "textless replay": textless} {
		n = 0
		err := s(func(*plaudit.Event) error {
			if n++; n == 10_000 {
				cancel()
			}
			return nil
		})
		if !errors.Is(err, context.Canceled) || n >= 10_000+5_000 {
			t.Fatalf("%s canceled after 10,000 events: %v after %d events", name, err, n)
		}
	}
}
