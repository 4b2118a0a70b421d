package service

import (
	"context"
	"fmt"

	"github.com/plaudit/plaudit"
)

// Finding is one stored value that today's validation would refuse: a field of an event of the log, or a
// member's handle. The log is append-only and such values keep working (scorers score what they cannot read
// 0, with the reason); Doctor lists them so that an operator knows what they are.
type Finding struct {
	Seq    int64  `json:"seq,omitempty"`    // the event's position in the log; 0 for a member
	Event  string `json:"event,omitempty"`  // the event's key "source/id"; "" for a member
	Member string `json:"member,omitempty"` // the member's handle; "" for an event
	Field  string `json:"field"`            // "attrs.additions", "time", "handle"
	Reason string `json:"reason"`
}

// DoctorReport is what Doctor found: how much it read and every finding, events in log order, then
// members by handle.
type DoctorReport struct {
	Events   int64     `json:"events"`  // events read
	Members  int       `json:"members"` // members of the directory the log makes
	Findings []Finding `json:"findings"`
}

// Clean reports whether Doctor found nothing.
func (r *DoctorReport) Clean() bool { return len(r.Findings) == 0 }

// Doctor reads the whole event log and lists what today's validation (plaudit.Event.Validate) would refuse
// — each problem of each stored event, with its key and field — and the members whose handles break the
// handle rule (plaudit.CheckHandle). It changes nothing: stores written before a rule was made keep working.
// progress hears of the events read.
func (s *Service) Doctor(ctx context.Context, progress Progress) (*DoctorReport, error) {
	r := &DoctorReport{Findings: []Finding{}}
	var total int64
	if progress != nil {
		if stats, err := s.store.EventStats(ctx); err == nil {
			total = stats.Total
		}
	}
	dir := plaudit.NewDirectory()
	err := s.store.ScanEvents(ctx, plaudit.EventFilter{}, func(e *plaudit.Event) error {
		r.Events++
		for _, fe := range e.Validate() {
			r.Findings = append(r.Findings, Finding{Seq: e.Seq, Event: e.Key(), Field: fe.Field, Reason: fe.Reason})
		}
		dir.Apply(e)
		if r.Events%16384 == 0 {
			progress.report("events", r.Events, total)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("doctor: read the event log: %w", err)
	}
	progress.report("events", r.Events, max(total, r.Events))
	members := dir.Members()
	r.Members = len(members)
	for _, m := range members {
		if err := plaudit.CheckHandle(m.Handle); err != nil {
			r.Findings = append(r.Findings, Finding{Member: m.Handle, Field: "handle", Reason: plaudit.ErrorMessage(err)})
		}
	}
	return r, nil
}
