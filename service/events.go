package service

import (
	"context"
	"fmt"

	"github.com/plaudit/plaudit"
)

// AppendEvents appends a batch of events to the log: each is validated on its own (a bad event is
// rejected with its field and reason, and does not stop the good ones beside it), the valid ones are
// appended in one transaction (a repeat of a stored (source, id) is a duplicate and changes nothing), and
// whoever schedules scoring is told how many were accepted. It returns one result per event, in order.
//
// With a bus (Options.Publish) the valid events are published to it instead, and the call returns once
// the bus has acknowledged them: each is then "accepted" without a seq (whether it repeats a stored event
// is learnt only when a worker stores it with StoreEvents). This is the one path by which the API, the
// webhooks and the pollers add events.
func (s *Service) AppendEvents(ctx context.Context, events []plaudit.Event) ([]plaudit.AppendResult, error) {
	if s.publish == nil {
		return s.StoreEvents(ctx, events)
	}
	out := make([]plaudit.AppendResult, len(events))
	valid := make([]plaudit.Event, 0, len(events))
	for i := range events {
		if errs := events[i].Validate(); len(errs) > 0 {
			out[i] = plaudit.AppendResult{Status: plaudit.Rejected, Error: errs[0]}
			continue
		}
		valid = append(valid, events[i])
		out[i] = plaudit.AppendResult{Status: plaudit.Accepted}
	}
	if len(valid) == 0 {
		return out, nil
	}
	if err := s.publish.PublishEvents(ctx, valid); err != nil {
		return nil, fmt.Errorf("publish %d events to the bus: %w", len(valid), err)
	}
	return out, nil
}

// StoreEvents validates events and appends the valid ones to the store in one transaction, whether or not
// a bus is configured: AppendEvents without a bus, and the bus workers' path (an event redelivered after a
// crash is a duplicate of the stored one and changes nothing). It returns one result per event, in order.
func (s *Service) StoreEvents(ctx context.Context, events []plaudit.Event) ([]plaudit.AppendResult, error) {
	out := make([]plaudit.AppendResult, len(events))
	valid := make([]plaudit.Event, 0, len(events))
	index := make([]int, 0, len(events))
	for i := range events {
		if errs := events[i].Validate(); len(errs) > 0 {
			out[i] = plaudit.AppendResult{Status: plaudit.Rejected, Error: errs[0]}
			continue
		}
		valid = append(valid, events[i])
		index = append(index, i)
	}
	if len(valid) == 0 {
		return out, nil
	}
	results, err := s.store.AppendEvents(ctx, valid)
	if err != nil {
		return nil, fmt.Errorf("append %d events: %w", len(valid), err)
	}
	accepted := 0
	for j, r := range results {
		out[index[j]] = r
		if r.Status == plaudit.Accepted {
			accepted++
		}
	}
	if accepted > 0 && s.notify != nil {
		s.notify.EventsAppended(accepted)
	}
	return out, nil
}

// ScanEvents calls fn for each stored event the filter selects, in log order: the event log as the API
// lists it.
func (s *Service) ScanEvents(ctx context.Context, f plaudit.EventFilter, fn func(*plaudit.Event) error) error {
	if err := s.store.ScanEvents(ctx, f, fn); err != nil {
		return fmt.Errorf("read the event log: %w", err)
	}
	return nil
}

// Event returns one stored event by source and external id, or ENOTFOUND.
func (s *Service) Event(ctx context.Context, source plaudit.Source, id string) (*plaudit.Event, error) {
	if !source.Valid() {
		return nil, plaudit.Errorf(plaudit.ENOTFOUND, "no event %s/%s: unknown source %q", source, id, source)
	}
	return s.store.EventByKey(ctx, source, id)
}
