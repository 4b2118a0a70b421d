package score

import (
	"fmt"
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
	// Snapshot, when set, is told of each epoch reputation snapshot the run computes (not a Preset one),
	// with the start of its epoch: a rescore keeps their vectors for the epochs' closes.
	Snapshot func(start time.Time, snap *reputation.Snapshot)
	// WithoutContent, when set, is the same stream as src but for each event's Content, which may be left
	// empty (spool.Spool.WithoutContent): the epoch reputation's walks, which read no text, take it.
	WithoutContent plaudit.EventStream
}

// RunStream is the whole-history run of RunEngine over an event stream: it hands each score to emit, in the order
// Run returns them (seq order), instead of returning them, and returns the member directory of the whole
// stream, without its identity history (plaudit.Directory.WithoutHistory). emit's score is valid only
// during the call; an error from emit stops the run and is returned.
// The same events under the same policy give the same scores as Run.
//
// It holds no events: it walks src once to build the directory and plan what deletes and invalidations
// withdraw, once to show every event to the observers, and once to score them (the epoch reputation walks
// it twice more for the snapshots of up to SnapshotBatch epochs at a time, computed after the first walk
// and fewer at a time for a large community: EpochReputation.SizeBatch). What the engine keeps is per
// member, post or thread: no event, but the text of replies and comments for near-duplicates.
func RunStream(p *policy.Policy, src plaudit.EventStream, opt StreamOptions, emit func(*plaudit.Score) error) (*plaudit.Directory, error) {
	var preset func(*EpochReputation)
	if opt.Preset != nil {
		preset = func(er *EpochReputation) { er.Preset(opt.PresetStart, opt.Preset) }
	}
	if opt.Snapshot != nil {
		given := preset
		preset = func(er *EpochReputation) {
			er.computed = opt.Snapshot
			if given != nil {
				given(er)
			}
		}
	}
	en, err := runWalks(p, src, opt.WithoutContent, nil, opt.Reputation, opt.Progress, preset, func(scores []plaudit.Score) error {
		for i := range scores {
			if err := emit(&scores[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return en.ctx.Dir, nil
}

// runWalks is the one whole-history run. With events (the slice src walks) the engine keeps what Add needs to
// continue the stream (RunEngine); without, it keeps only what the run itself needs (RunStream). textless,
// when not nil, is src with Content perhaps left out, for the epoch reputation's walks. It hands
// each event's scores to emit in seq order, the scores that a later delete or invalidation withdraws left
// out (the rows a stream of the same events leaves in the store).
func runWalks(p *policy.Policy, src, textless plaudit.EventStream, events []plaudit.Event, rep ReputationFunc, progress func(done int),
	preset func(*EpochReputation), emit func([]plaudit.Score) error) (*Engine, error) {
	dir := plaudit.NewDirectory()
	if events == nil {
		dir.WithoutHistory() // scoring reads who is who, not how it came to be; a link's history entry costs a few hundred bytes
	}
	en, err := New(p, dir, rep)
	if err != nil {
		return nil, err
	}
	plan := newWithdrawPlan()
	if err := src(func(e *plaudit.Event) error {
		dir.Apply(e)
		plan.see(e)
		if events == nil {
			en.plan(e)
			if en.epochs != nil && !e.Kind.IsIdentity() {
				en.epochs.Note(e.Time)
			}
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("score: read the events: %w", err)
	}
	plan.finish()
	if en.epochs != nil {
		if events != nil {
			en.epochs.events = events[:len(events):len(events)] // Add appends to a copy, never into the caller's array
		} else {
			en.epochs.src = src
			if textless != nil {
				en.epochs.src = textless
			}
		}
		if preset != nil {
			preset(en.epochs)
		}
		if events == nil {
			// The snapshots' windows are the largest thing a streamed run holds for a while: compute them
			// now, before the observers and scorers hold their state, as few at a time as the members need.
			en.epochs.SizeBatch(dir.Len())
			if err := en.epochs.Prepare(); err != nil {
				return nil, fmt.Errorf("score: %w", err)
			}
		}
	}
	if err := src(func(e *plaudit.Event) error {
		en.Observe(e)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("score: read the events: %w", err)
	}
	en.del.plan, en.del.keepAll = plan, events != nil
	n := 0
	if err := src(func(e *plaudit.Event) error {
		if out := en.Score(e); len(out) > 0 {
			if err := emit(out); err != nil {
				return err
			}
		}
		if n++; progress != nil && n%8192 == 0 {
			progress(n)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	en.del.plan, en.del.keepAll = nil, false
	if progress != nil {
		progress(n)
	}
	if err := en.Err(); err != nil {
		return nil, err
	}
	return en, nil
}
