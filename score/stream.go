package score

import (
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/policy"
	"github.com/plaudit/plaudit/reputation"
)

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

// RunStream is the whole-history run of RunEngine over an event stream: it hands each score to emit, in the order
// Run returns them (seq order), instead of returning them, and returns the member directory of the whole
// stream. emit's score is valid only during the call; an error from emit stops the run and is returned.
// The same events under the same policy give the same scores as Run.
func RunStream(p *policy.Policy, src plaudit.EventStream, opt StreamOptions, emit func(*plaudit.Score) error) (*plaudit.Directory, error) {
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
