package testenv

import "github.com/plaudit/plaudit"

// ReusingStream streams events the way a store's scan does: every event is copied into one buffer that the
// next event overwrites (with fields that say so), so that a consumer keeping the *Event, or anything
// aliasing it, gets the wrong answer and its test fails.
func ReusingStream(events []plaudit.Event) plaudit.EventStream {
	return func(yield func(*plaudit.Event) error) error {
		var buf plaudit.Event
		for i := range events {
			buf = events[i]
			if err := yield(&buf); err != nil {
				return err
			}
			buf = plaudit.Event{Actor: "overwritten", Source: "overwritten", Content: "overwritten"}
		}
		return nil
	}
}
