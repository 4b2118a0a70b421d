package score

import (
	"fmt"
	"slices"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/policy"
	"github.com/plaudit/plaudit/reputation"
	"github.com/plaudit/plaudit/score/cast"
	"github.com/plaudit/plaudit/score/poe"
	"github.com/plaudit/plaudit/score/tiered"
	"github.com/plaudit/plaudit/settle"
)

// UsesReputation reports whether scoring under p weighs by the epoch reputation's EigenTrust weights: a
// tiered or cast scorer with reputation on, or a poe scorer with a positive reputation weight. Epochs of
// such a policy commit to their reputation vector (plaudit.Epoch.ReputationHash); the others do not.
func UsesReputation(p *policy.Policy) bool {
	for i := range p.Scorers {
		switch x := p.Scorers[i].Params.(type) {
		case *tiered.Params:
			if x.Reputation {
				return true
			}
		case *cast.Params:
			if x.Reputation {
				return true
			}
		case *poe.Params:
			if x.ReputationWeight > 0 {
				return true
			}
		}
	}
	return false
}

// EpochReputation is the reputation scoring reads: for an event in a given epoch of the policy's program
// (weekly by default), each member's EigenTrust weight computed (reputation.AsOf) from the events strictly
// before that epoch's start (and who is a member up to its end: reputation.AsOf). So the same log under the same policy gives the same weights whoever scores it
// (a rescore, a streaming catch-up, an epoch close, verify), and nobody raises their own weight within the
// epoch they are paid for. The first epoch, with no interactions before it, uses the pre-trust alone; when
// nobody can be pre-trusted yet every member has DefaultReputation.
//
// Snapshots are computed lazily, once per epoch that a scorer asks about, and kept.
type EpochReputation struct {
	period settle.Period
	params reputation.Params
	events []plaudit.Event // the stream so far; appended to by Add
	// src, when set, is the stream instead of events (RunStream): each snapshot walks it (reputation.AsOfStream).
	src plaudit.EventStream

	snaps map[int64]*reputation.Snapshot // by epoch start, Unix nanoseconds

	// ahead are the epochs (start → end) of the stream's events, noted in a walk before scoring (Note): a
	// streamed snapshot computes the next few of them in the same walks (SnapshotBatch at a time).
	ahead              map[int64]time.Time
	noteStart, noteEnd time.Time
	batch              int // epochs computed in one pair of walks; 0 is SnapshotBatch (SizeBatch)

	// computed, when set, is told of each snapshot computed (StreamOptions.Snapshot).
	computed func(start time.Time, snap *reputation.Snapshot)

	at               time.Time // time of the event being scored
	cur              *reputation.Snapshot
	curStart, curEnd time.Time
	err              error

	// only, when set (StreamOptions.Only), is the span whose scores are kept: an epoch that does not
	// overlap it is given a neutral snapshot (curNeutral) instead of its own, and read records that
	// the scorer being run read one.
	only       Span
	curNeutral bool
	read       bool
}

// NewEpochReputation returns the epoch reputation of events (a time-ordered stream; Add extends it) under
// policy p's program period.
func NewEpochReputation(p *policy.Policy, events []plaudit.Event) (*EpochReputation, error) {
	period := settle.Period{Kind: p.Program.Period}
	if period.Kind == "" {
		period.Kind = settle.Weekly
	}
	if _, _, err := period.Bounds(time.Unix(0, 0)); err != nil {
		return nil, fmt.Errorf("score: policy %s: reputation epochs: %w", p.Name, err)
	}
	return &EpochReputation{period: period, events: events[:len(events):len(events)], snaps: map[int64]*reputation.Snapshot{}}, nil
}

// NewEpochReputationStream returns the epoch reputation of the replayable stream src (a log in seq order)
// under policy p's program period: each snapshot walks src for what it reads instead of holding the events.
func NewEpochReputationStream(p *policy.Policy, src plaudit.EventStream) (*EpochReputation, error) {
	r, err := NewEpochReputation(p, nil)
	if err != nil {
		return nil, err
	}
	r.src = src
	return r, nil
}

// SetTime says which event is being scored: Current then answers for the epoch containing t.
func (r *EpochReputation) SetTime(t time.Time) { r.at = t }

// readNeutral reports whether the reputation read since the last call (and SetTime) was a neutral one
// given instead of an epoch's own (StreamOptions.Only), and starts over.
func (r *EpochReputation) readNeutral() bool {
	read := r.read
	r.read = false
	return read
}

// Current returns member's reputation in the epoch of the event being scored (SetTime). It is the
// engine's ReputationFunc. A failure to compute the snapshot gives 0 and is reported by Err.
func (r *EpochReputation) Current(member string) plaudit.Ratio {
	if !r.load() {
		return 0
	}
	r.read = r.read || r.curNeutral
	return r.cur.Weight(member, DefaultReputation)
}

// SameRing reports whether members a and b were found in one collusion ring before the epoch of the event
// being scored: the engine's Context.SameRing.
func (r *EpochReputation) SameRing(a, b string) bool {
	if !r.load() {
		return false
	}
	r.read = r.read || r.curNeutral
	return r.cur.SameRing(a, b)
}

// load makes cur the snapshot of the epoch of the event being scored; false when it cannot be computed.
func (r *EpochReputation) load() bool {
	if r.cur == nil || r.at.Before(r.curStart) || !r.at.Before(r.curEnd) {
		start, end, err := r.period.Bounds(r.at)
		if err != nil {
			r.fail(err)
			return false
		}
		if !r.only.overlaps(start, end) {
			r.cur, r.curStart, r.curEnd, r.curNeutral = &reputation.Snapshot{At: start, End: end, Basis: reputation.BasisNeutral}, start, end, true
			return true
		}
		snap, err := r.Snapshot(start, end)
		if err != nil {
			r.fail(err)
			return false
		}
		r.cur, r.curStart, r.curEnd, r.curNeutral = snap, start, end, false
	}
	return true
}

func (r *EpochReputation) fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

// Epoch returns the bounds of the epoch containing t: its reputation is taken at start.
func (r *EpochReputation) Epoch(t time.Time) (start, end time.Time, err error) {
	return r.period.Bounds(t)
}

// SnapshotBatch is how many epochs' snapshots one pair of walks of a streamed log computes at most: each
// holds a directory and an interaction graph while the stream is walked, so the batch bounds the memory.
const SnapshotBatch = 4

// snapshotMembers is how many members the epochs of one batch may hold in all (SizeBatch): a window holds
// about 700 bytes a member at its largest (its directory, the accounts' times, the usernames; measured at
// 1,000,000 members), so four windows of 250,000 members, or one of a million, hold about 700 MB.
const snapshotMembers = 1_000_000

// SizeBatch sizes the batch of a streamed epoch reputation for a log of about members members: SnapshotBatch
// epochs at a time up to 250,000 members, fewer above, one at a time from a million. A batch of one walks the
// log twice for each epoch instead of twice for four, and holds one window instead of four.
func (r *EpochReputation) SizeBatch(members int) {
	r.batch = max(1, min(SnapshotBatch, snapshotMembers/max(members, 1)))
}

// Prepare computes the snapshots of every epoch noted (Note), in time order, a batch at a time, so that a
// streamed run computes them before its other walks build their state instead of beside it. Snapshot then
// returns them; an epoch given by Preset is not computed.
func (r *EpochReputation) Prepare() error {
	starts := make([]int64, 0, len(r.ahead))
	for k := range r.ahead {
		starts = append(starts, k)
	}
	slices.Sort(starts)
	for _, k := range starts {
		if r.snaps[k] != nil {
			continue
		}
		if _, err := r.Snapshot(time.Unix(0, k).UTC(), r.ahead[k]); err != nil {
			return err
		}
	}
	return nil
}

// Note tells a streamed epoch reputation the time of an event of the stream, before scoring starts: the
// epochs of the events noted are computed together, SnapshotBatch at a time, when the first of them is
// asked for, instead of walking the stream twice for each.
func (r *EpochReputation) Note(t time.Time) {
	if !r.noteStart.IsZero() && !t.Before(r.noteStart) && t.Before(r.noteEnd) {
		return
	}
	start, end, err := r.period.Bounds(t)
	if err != nil {
		return // Snapshot reports it when the epoch is asked for
	}
	if !r.only.overlaps(start, end) {
		r.noteStart, r.noteEnd = start, end
		return // never computed
	}
	if r.ahead == nil {
		r.ahead = map[int64]time.Time{}
	}
	r.ahead[start.UnixNano()] = end
	r.noteStart, r.noteEnd = start, end
}

// Snapshot returns the reputation of the epoch [start, end) from the stream so far.
func (r *EpochReputation) Snapshot(start, end time.Time) (*reputation.Snapshot, error) {
	key := start.UnixNano()
	if s := r.snaps[key]; s != nil {
		return s, nil
	}
	src := r.src
	if src == nil {
		src = plaudit.StreamOf(r.events)
	}
	// AsOfStreamWindows walks the stream for what it needs (the members, pre-trust and graph as of each
	// start), holding none of its events; with the epochs noted ahead, the next ones come in the same walks.
	windows := []reputation.Window{{At: start, End: end}}
	if r.src != nil && len(r.ahead) > 0 {
		starts := make([]int64, 0, len(r.ahead))
		for k := range r.ahead {
			if k > key && r.snaps[k] == nil {
				starts = append(starts, k)
			}
		}
		slices.Sort(starts)
		batch := r.batch
		if batch == 0 {
			batch = SnapshotBatch
		}
		for _, k := range starts[:min(len(starts), batch-1)] {
			windows = append(windows, reputation.Window{At: time.Unix(0, k).UTC(), End: r.ahead[k]})
		}
	}
	snaps, err := reputation.AsOfStreamWindows(src, windows, r.params)
	if err != nil {
		return nil, fmt.Errorf("reputation as of %s: %w", start.UTC().Format(time.RFC3339), err)
	}
	for i, w := range windows {
		r.snaps[w.At.UnixNano()] = snaps[i]
		if r.computed != nil {
			r.computed(w.At, snaps[i])
		}
	}
	return snaps[0], nil
}

// Preset makes snap the snapshot of the epoch starting at start, instead of computing it: a rebuild scores
// with the reputation vector an epoch committed to, once it has been accepted
// (reputation.AsOfCommitted). Like a computed snapshot, Add drops it when an event would change it.
func (r *EpochReputation) Preset(start time.Time, snap *reputation.Snapshot) {
	r.snaps[start.UnixNano()] = snap
	r.cur = nil
}

// Add extends the stream with e. A snapshot that e would have changed — e is earlier than its epoch, or a
// membership event (link, unlink, merge) within it — is dropped and computed again when next asked for, so
// that scores streamed after e weigh members as a rescore does (in a time-ordered stream, only a member
// joining mid-epoch drops one).
func (r *EpochReputation) Add(e *plaudit.Event) {
	if r.src != nil {
		// A streamed run's engine continued one event at a time: hold the stream from here on.
		src := r.src
		r.src = nil
		if err := src(func(e *plaudit.Event) error { r.events = append(r.events, *e); return nil }); err != nil {
			r.fail(fmt.Errorf("read the events: %w", err))
		}
	}
	r.events = append(r.events, *e)
	for k, s := range r.snaps {
		if e.Time.Before(s.At) || (reputation.IsMembership(e.Kind) && e.Time.Before(s.End)) {
			delete(r.snaps, k) // deleting while ranging is safe, and the order does not matter
			if s == r.cur {
				r.cur = nil
			}
		}
	}
}

// keptNeutral fails the run when one of scores, which scorer gave e after reading a neutral reputation
// instead of its epoch's (StreamOptions.Only), is timed within the span kept: a score kept must be the
// one a run without Only gives.
func (r *EpochReputation) keptNeutral(e *plaudit.Event, scorer string, scores []plaudit.Score) {
	for i := range scores {
		if r.only.Holds(scores[i].Time) {
			r.fail(fmt.Errorf("scorer %s gave event %s a score at %s, within the span kept, from the reputation of the epoch of %s, which the span leaves out",
				scorer, e.Key(), scores[i].Time.UTC().Format(time.RFC3339), r.at.UTC().Format(time.RFC3339)))
			return
		}
	}
}

// Err returns the first failure to compute a snapshot.
func (r *EpochReputation) Err() error { return r.err }
