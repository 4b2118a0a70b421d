package plaudit

// EventStream is a replayable event stream in seq order: each call walks it from its first event, calling
// yield with each one, and stops at the first error yield returns (which it returns). The event handed to
// yield is valid only during the call (a store's scan reuses it). A whole-history computation may walk its
// stream more than once, so a stream gives the same events each time: a slice (StreamOf), or the store's
// log through a fixed seq. It is what lets scoring, integrity and verification work over a log too large
// to hold in memory.
type EventStream func(yield func(e *Event) error) error

// StreamOf returns the EventStream of events held in memory.
func StreamOf(events []Event) EventStream {
	return func(yield func(*Event) error) error {
		for i := range events {
			if err := yield(&events[i]); err != nil {
				return err
			}
		}
		return nil
	}
}
