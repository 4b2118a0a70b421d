package score

import (
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/policy"
	"github.com/plaudit/plaudit/reputation"
)

// Source is a replayable event stream in seq order: each call walks it from its first event, calling
// yield with each one, and stops at the first error yield returns (which it returns). The event handed to
// yield is valid only during the call. A whole-history run walks its source more than once, so a source
// reads the same events each time: a slice (Events), or the store's log through a fixed seq.
type Source func(yield func(e *plaudit.Event) error) error

// Events returns the Source of events held in memory.
func Events(events []plaudit.Event) Source {
	return func(yield func(*plaudit.Event) error) error {
		for i := range events {
			if err := yield(&events[i]); err != nil {
				return err
			}
		}
		return nil
	}
}

// StreamOptions are RunStream's choices beyond the policy and the events.
type StreamOptions struct {
	// Reputation is the reputation function; nil scores with the epoch reputation of the stream.
	Reputation ReputationFunc
	// Preset, with PresetStart, is the epoch reputation's snapshot of the epoch starting at PresetStart,
	// given instead of computed (RunPreset).
	PresetStart time.Time
	Preset      *reputation.Snapshot
	// Progress, when set, is told every few thousand events and at the end how many have been scored.
	Progress func(done int)
}

// RunStream is the whole-history run of RunEngine over a Source: it hands each score to emit, in the order
// Run returns them (seq order), instead of returning them, and returns the member directory of the whole
// stream. emit's score is valid only during the call; an error from emit stops the run and is returned.
// The same events under the same policy give the same scores as Run.
func RunStream(p *policy.Policy, src Source, opt StreamOptions, emit func(*plaudit.Score) error) (*plaudit.Directory, error) {
	var events []plaudit.Event
	if err := src(func(e *plaudit.Event) error { events = append(events, *e); return nil }); err != nil {
		return nil, err
	}
	var preset func(*EpochReputation)
	if opt.Preset != nil {
		preset = func(er *EpochReputation) { er.Preset(opt.PresetStart, opt.Preset) }
	}
	scores, en, err := runEngine(p, events, opt.Reputation, opt.Progress, preset)
	if err != nil {
		return nil, err
	}
	for i := range scores {
		if err := emit(&scores[i]); err != nil {
			return nil, err
		}
	}
	return en.ctx.Dir, nil
}
