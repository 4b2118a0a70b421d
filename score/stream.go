package score

import (
	"errors"
	"fmt"
	"sync"
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
	// PresetFrom, when set, gives Preset once the run's first walk is over (Preset itself is then
	// ignored): a caller that computes the snapshot from that walk (FirstWalk) hands it over then. An
	// error from it stops the run and is returned as it is.
	PresetFrom func() (*reputation.Snapshot, error)
	// FirstWalk, when set, is shown each event of the run's first walk of src, in order, once: a caller
	// that must walk the log for a check of its own (verify's of the committed reputation) takes the
	// run's walk instead of one more.
	FirstWalk func(*plaudit.Event)
	// Progress, when set, is told every few thousand events and at the end how many have been scored.
	Progress func(done int)
	// Snapshot, when set, is told of each epoch reputation snapshot the run computes (not a Preset one),
	// with the start of its epoch: a rescore keeps their vectors for the epochs' closes.
	Snapshot func(start time.Time, snap *reputation.Snapshot)
	// WithoutContent, when set, is the same stream as src but for each event's Content, which may be left
	// empty (spool.Spool.WithoutContent): the epoch reputation's walks, which read no text, take it.
	WithoutContent plaudit.EventStream
	// Members, when set, is shown the directory of the whole stream once it is built, before scoring
	// starts, with the wallet changes of its identity history (plaudit.Directory.WithWalletHistory), which
	// are dropped after the call: a rescore keeps the members' kinds and wallets for the epochs' closes.
	Members func(dir *plaudit.Directory)
	// Only, when its End is set, is the span whose scores the caller keeps (verify keeps one epoch's): the
	// epoch reputation of an epoch that does not overlap it is not computed, and an event of such an epoch
	// is scored with a neutral one. Scoring reads the reputation of an event's own epoch for that event's
	// own scores, and no scorer keeps what it read, so the scores timed within Only are those of a run
	// without it; a score that would show otherwise (timed within Only, from a scorer that read a reputation
	// not computed) fails the run instead (Engine.Err).
	//
	// A score is timed at the event it is given for (Scorer), or, when a delete or an invalidation
	// withdraws it, at the withdrawn event's time: so, over a stream in seq order, the scoring walk stops
	// after the last event timed within Only and the last withdrawal of a score timed within it (the events
	// left give none there; a verify of a week closed from a fortnight's log skips the second week's
	// scoring), and the run emits no score past that point.
	Only Span
}

// Span is the time span [Start, End).
type Span struct {
	Start, End time.Time
}

// overlaps reports whether [start, end) overlaps s; every span overlaps the zero Span (no span set).
func (s Span) overlaps(start, end time.Time) bool {
	return s.End.IsZero() || (start.Before(s.End) && end.After(s.Start))
}

// Holds reports whether t is within s, which is set.
func (s Span) Holds(t time.Time) bool {
	return !t.Before(s.Start) && t.Before(s.End)
}

// RunStream is the whole-history run of RunEngine over an event stream: it hands each score to emit, in the order
// Run returns them (seq order), instead of returning them, and returns the member directory of the whole
// stream, without its identity history (plaudit.Directory.WithoutHistory). emit's score is valid only
// during the call; an error from emit stops the run and is returned.
// The same events under the same policy give the same scores as Run.
//
// It holds no events: it walks src once to plan what deletes and invalidations withdraw, once to show
// every event to the observers, and once to score them. Between the first walk and the others the epoch
// reputation walks it twice for the snapshots of up to SnapshotBatch epochs at a time (fewer at a time for
// a large community: EpochReputation.SizeBatch), and once more to build the directory, after the snapshots
// so that the two are never held together (without an epoch reputation, with opt.Reputation, the first
// walk builds it; so does a run kept to a span, opt.Only, which computes only the epochs overlapping it).
// What the engine keeps is per member, post or thread: no event, but the text of replies
// and comments for near-duplicates.
func RunStream(p *policy.Policy, src plaudit.EventStream, opt StreamOptions, emit func(*plaudit.Score) error) (*plaudit.Directory, error) {
	// preset sets the run's epoch reputation up: opt.Snapshot told of the snapshots it computes, and
	// snap, when given, the snapshot of the epoch starting at opt.PresetStart.
	preset := func(snap *reputation.Snapshot) func(*EpochReputation) {
		if snap == nil && opt.Snapshot == nil {
			return nil
		}
		return func(er *EpochReputation) {
			if opt.Snapshot != nil {
				er.computed = opt.Snapshot
			}
			if snap != nil {
				er.Preset(opt.PresetStart, snap)
			}
		}
	}
	w := walks{textless: opt.WithoutContent, rep: opt.Reputation, progress: opt.Progress, preset: preset(opt.Preset), members: opt.Members, only: opt.Only, first: opt.FirstWalk}
	if opt.PresetFrom != nil {
		w.preset = preset(nil)
		w.presetFrom = func() (func(*EpochReputation), error) {
			snap, err := opt.PresetFrom()
			if err != nil {
				return nil, err
			}
			return preset(snap), nil
		}
	}
	en, err := runWalks(p, src, w, func(scores []plaudit.Score) error {
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

// walks are runWalks' choices beyond the policy and the stream.
type walks struct {
	// textless, when not nil, is the stream with Content perhaps left out, for the epoch reputation's walks.
	textless plaudit.EventStream
	// events, when not nil, is the slice the stream walks: the engine then keeps what Add needs to continue
	// the stream (RunEngine); without, it keeps only what the run itself needs (RunStream).
	events   []plaudit.Event
	rep      ReputationFunc
	progress func(done int)
	preset   func(*EpochReputation)
	// members, when set (a streamed run only), is shown the whole stream's directory with its wallet
	// changes as soon as it is built (StreamOptions.Members).
	members func(*plaudit.Directory)
	// only is StreamOptions.Only.
	only Span
	// first is StreamOptions.FirstWalk; presetFrom, when set, gives preset after the first walk.
	first      func(*plaudit.Event)
	presetFrom func() (func(*EpochReputation), error)
}

// errSpanScored stops the scoring walk of a run kept to a span once nothing later is scored within it; it
// never leaves runWalks.
var errSpanScored = errors.New("score: the span kept is scored")

// runWalks is the one whole-history run over src, with w's choices. It hands each event's scores to emit in
// seq order, the scores that a later delete or invalidation withdraws left out (the rows a stream of the
// same events leaves in the store).
func runWalks(p *policy.Policy, src plaudit.EventStream, w walks, emit func([]plaudit.Score) error) (*Engine, error) {
	events, textless, rep, progress, preset := w.events, w.textless, w.rep, w.progress, w.preset
	dir := plaudit.NewDirectory()
	if events == nil {
		// Scoring reads who is who, not how it came to be (a link's history entry costs a few hundred
		// bytes); w.members reads the wallet changes, kept until it has.
		if w.members != nil {
			dir.WithWalletHistory()
		} else {
			dir.WithoutHistory()
		}
	}
	// built shows w.members the directory once it holds the whole stream, and drops its wallet changes.
	built := func() {
		if w.members != nil && events == nil {
			w.members(dir)
			dir.WithoutHistory()
		}
	}
	en, err := New(p, dir, rep)
	if err != nil {
		return nil, err
	}
	if en.epochs != nil {
		en.epochs.only = w.only
	}
	// A streamed run kept to a span stops scoring after the last event that can give a score timed within
	// it: the last event timed within it, or a later delete or invalidation that withdraws one of its
	// scores (deletes.reach). It needs the stream in seq order to tell where that is.
	kept := events == nil && !w.only.End.IsZero()
	if kept {
		en.only, en.del.only = w.only, w.only
	}
	var lastIn, prevSeq int64
	ordered, total := true, 0
	plan := newWithdrawPlan()
	// A streamed run computes the epochs' reputation snapshots before anything else it keeps is built,
	// the directory included (hundreds of megabytes at a million members), and builds the directory in
	// a walk of its own after them: the first walk only counts the accounts, to size the snapshots' batch.
	// A run kept to a span (w.only) computes at most the few epochs that overlap it, often none (verify
	// gives its epoch's): its first walk builds the directory, and no walk of its own counts the accounts.
	streamed := events == nil && en.epochs != nil && w.only.End.IsZero()
	var accounts *accountCount
	if streamed {
		accounts = newAccountCount()
	}
	if err := src(func(e *plaudit.Event) error {
		if w.first != nil {
			w.first(e)
		}
		if streamed {
			accounts.add(e)
		} else {
			dir.Apply(e)
		}
		plan.see(e)
		if total++; kept {
			ordered = ordered && e.Seq > prevSeq
			prevSeq = e.Seq
			if w.only.Holds(e.Time) {
				lastIn = e.Seq
			}
		}
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
	if !streamed {
		built()
	}
	// A snapshot given after the first walk (w.presetFrom: verify's check of the committed reputation,
	// which walks the log again for the interactions) is made beside the observers' walk, which reads no
	// reputation, and waited for before scoring.
	var presetReady func() error
	if w.presetFrom != nil {
		done := make(chan struct{})
		var made func(*EpochReputation)
		var err error
		go func() {
			defer close(done)
			made, err = w.presetFrom()
		}()
		presetReady = sync.OnceValue(func() error {
			<-done
			if err == nil && made != nil && en.epochs != nil {
				made(en.epochs)
			}
			return err
		})
		defer presetReady() // a run that fails before scoring still waits for it
	}
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
		if streamed {
			// The snapshots' windows are the largest thing a streamed run holds for a while: compute them
			// now, before the directory, the observers and the scorers hold their state, as few at a time
			// as the members need.
			en.epochs.SizeBatch(accounts.estimate())
			accounts = nil
			if err := en.epochs.Prepare(); err != nil {
				return nil, fmt.Errorf("score: %w", err)
			}
			if err := en.epochs.src(func(e *plaudit.Event) error { dir.Apply(e); return nil }); err != nil {
				return nil, fmt.Errorf("score: read the members: %w", err)
			}
			built()
		}
	}
	if err := en.observeStream(src, events == nil); err != nil {
		return nil, fmt.Errorf("score: read the events: %w", err)
	}
	if presetReady != nil {
		if err := presetReady(); err != nil {
			return nil, err
		}
	}
	en.del.plan, en.del.keepAll = plan, events != nil
	n := 0
	stopped := false
	if err := src(func(e *plaudit.Event) error {
		if kept && ordered && e.Seq > max(lastIn, en.del.reach) {
			stopped = true
			return errSpanScored
		}
		if out := en.Score(e); len(out) > 0 {
			if err := emit(out); err != nil {
				return err
			}
		}
		if n++; progress != nil && n%8192 == 0 {
			progress(n)
		}
		return nil
	}); err != nil && !(stopped && errors.Is(err, errSpanScored)) {
		en.release()
		return nil, err
	}
	en.del.plan, en.del.keepAll = nil, false
	// What a scorer still holds for the events left (a planned run's threads and the goroutine scoring
	// them ahead) goes; a run that scored every event has released it already.
	en.release()
	if stopped {
		// The events left give no score within the span: they count as done.
		n = total
	}
	if progress != nil {
		progress(n)
	}
	if err := en.Err(); err != nil {
		return nil, err
	}
	return en, nil
}

// observeStream shows every event of src to the observers. In a streamed run (split) poe's index, the
// observer with the most to do, takes the events on a goroutine of its own beside the others: the
// observers keep states of their own and only read the directory, so each sees the events in order
// either way. The events go across in batches of copies (a streamed event is valid only while shown),
// which both sides read and neither changes.
func (en *Engine) observeStream(src plaudit.EventStream, split bool) error {
	var own, side []Observer
	for _, x := range en.entries {
		if o, ok := x.scorer.(Observer); ok {
			if _, poe := o.(*poeScorer); poe && split && side == nil {
				side = append(side, o)
			} else {
				own = append(own, o)
			}
		}
	}
	if side == nil || len(own) == 0 {
		return src(func(e *plaudit.Event) error {
			en.Observe(e)
			return nil
		})
	}
	const batches, batch = 8, 256
	free := make(chan []plaudit.Event, batches)
	for range batches {
		free <- make([]plaudit.Event, 0, batch)
	}
	work := make(chan []plaudit.Event, batches)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for b := range work {
			for i := range b {
				for _, o := range side {
					o.Observe(&b[i], &en.ctx)
				}
			}
			free <- b[:0]
		}
	}()
	cur := <-free
	flush := func() {
		work <- cur
		for i := range cur {
			for _, o := range own {
				o.Observe(&cur[i], &en.ctx)
			}
		}
		cur = <-free
	}
	err := src(func(e *plaudit.Event) error {
		if cur = append(cur, *e); len(cur) == batch {
			flush()
		}
		return nil
	})
	if err == nil && len(cur) > 0 {
		flush()
	}
	close(work)
	<-done
	return err
}
