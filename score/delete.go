package score

import (
	"time"

	"github.com/plaudit/plaudit"
)

// WithdrawnRule is the rule of the zero score that replaces a deleted event's score.
const WithdrawnRule = "delete.withdrawn"

// deletes is what the engine remembers to withdraw the points of deleted events (kind delete, target = the
// deleted event's id on the same source) and of invalidated ones (invalidate.go). A streaming engine remembers
// every scored event, since an operator may invalidate any of them; a whole-history run (RunStream) only those
// its plan says a later delete or invalidation withdraws.
//
// A delete gives the deleted event 0 from then on: the engine answers the delete with a zero score under
// the deleted event's key for each score the event had (same member, scorer and time, the delete's seq),
// which replaces the stored scores when streamed (SaveScores replaces an event's scores); a whole-history
// run leaves the deleted event's earlier scores out (withdrawPlan), so that both give the same rows. An event
// deleted before it arrives is scored 0 when it comes. Closed epochs keep what they settled: their
// allocations are in the ledger and verify replays the log as it stood at the close.
type deletes struct {
	given     map[string][]givenScore // event key → what its scores gave, while not deleted
	deleted   map[string]bool         // keys of deleted events
	withdrawn map[string]bool         // keys of events whose scores a delete or an invalidation replaced
	// tied lists, by the key of the event they depend on (TieKey), the scored events that depend on it;
	// submits maps a submission's key to the key of the post it submitted; invalid holds the invalidated
	// events (and the posts of invalidated submissions). See invalidate.go.
	tied    map[string][]string
	submits map[string]string
	invalid map[string]invalidation
	// plan, during a whole-history run, says which scored events a later delete or invalidation withdraws:
	// their scores are left out as they are made (what dropWithdrawn did to the whole run's scores), and,
	// unless keepAll (an engine that Add continues), given, tied and submits keep only what the run's
	// withdrawals need instead of every scored event.
	plan    *withdrawPlan
	keepAll bool
	// only, when its End is set (a whole-history run kept to a span, StreamOptions.Only), makes scored
	// note in reach the latest seq at which the plan withdraws a score timed within it: the run's scoring
	// walk may stop only past it.
	only  Span
	reach int64
}

// withdrawPlan is what a whole-history run learns of the stream's deletes and invalidations before scoring
// it, by following, event by event, what the engine's withdraw and invalidate do: which deletes and
// invalidations come at which seq. Whether an event's scores are later withdrawn depends only on that, not
// on its scores, so the run can leave them out as it makes them.
type withdrawPlan struct {
	del  map[string]int64 // event key → seq of its last delete
	self map[string]int64 // event key → seq of the invalidation that withdraws the event itself
	tie  map[string]int64 // event key → seq of the last invalidation that withdraws the events tied to it (TieKey)
	// invSubmits are the submissions an invalidation found (key → the post submitted): the only ones the
	// scoring pass records. invalid and submits follow the engine's own maps while the stream is read.
	invSubmits map[string]string
	invalid    map[string]bool
	submits    map[string]string
}

func newWithdrawPlan() *withdrawPlan {
	return &withdrawPlan{del: map[string]int64{}, self: map[string]int64{}, tie: map[string]int64{}, invSubmits: map[string]string{},
		invalid: map[string]bool{}, submits: map[string]string{}}
}

// see follows one event of the stream, in seq order, as Engine.Score would handle it.
func (pl *withdrawPlan) see(e *plaudit.Event) {
	if e.Kind == plaudit.KindDelete {
		if e.Target != "" {
			pl.del[string(e.Source)+"/"+e.Target] = e.Seq
		}
		return
	}
	if key, ok := IsInvalidation(e); ok {
		if pl.invalid[key] {
			return
		}
		pl.invalid[key] = true
		pl.self[key], pl.tie[key] = e.Seq, e.Seq
		if post, ok := pl.submits[key]; ok && post != key {
			pl.invalid[post] = true
			pl.tie[post] = e.Seq
			pl.invSubmits[key] = post
		}
		return
	}
	if e.Kind == plaudit.KindSubmit && e.Target != "" {
		pl.submits[e.Key()] = string(e.Source) + "/" + e.Target
	}
}

// finish drops what only reading the stream needed.
func (pl *withdrawPlan) finish() { pl.invalid, pl.submits = nil, nil }

// doomed reports whether the scores of the event with key and tie (TieKey), scored at seq and not zeroed,
// are withdrawn later in the stream.
func (pl *withdrawPlan) doomed(key, tie string, seq int64) bool {
	return pl.withdrawal(key, tie) > seq
}

// withdrawal returns the seq of the last delete or invalidation that may withdraw the scores of the event
// with key and tie (TieKey), or 0: the engine withdraws them at the first one after the event, which is at
// or before it.
func (pl *withdrawPlan) withdrawal(key, tie string) int64 {
	w := max(pl.del[key], pl.self[key])
	if tie != "" {
		w = max(w, pl.tie[tie])
	}
	return w
}

// givenScore is what the engine keeps of one score of an event that may be deleted: little, since it keeps
// one per scored event of such a source for the engine's life.
type givenScore struct {
	member, scorer string
	points         plaudit.Points
	time           time.Time
}

// scored records the scores of e, or zeroes them when e was deleted already or depends on an invalidated
// event.
func (d *deletes) scored(e *plaudit.Event, out []plaudit.Score) []plaudit.Score {
	key := e.Key()
	tie := TieKey(e)
	if inv, ok := d.invalid[tie]; ok && tie != "" {
		zeroed := make([]plaudit.Score, len(out))
		for i, s := range out {
			s.Lines = []plaudit.Line{inv.line(false, s.Points)}
			s.Points = 0
			zeroed[i] = s
		}
		return zeroed
	}
	if d.deleted[key] {
		zeroed := make([]plaudit.Score, len(out))
		for i, s := range out {
			s.Lines = []plaudit.Line{{Rule: WithdrawnRule, Inputs: []plaudit.Input{{Name: "points", Value: s.Points.String()}},
				Note: "the event was deleted on its platform before it arrived"}}
			s.Points = 0
			zeroed[i] = s
		}
		return zeroed
	}
	doomed := d.plan != nil && d.plan.doomed(key, tie, e.Seq)
	if d.plan != nil && !doomed && !d.keepAll {
		return out // nothing later withdraws it: nothing to remember
	}
	if d.given == nil {
		d.given = map[string][]givenScore{}
	}
	kept := make([]givenScore, len(out))
	for i := range out {
		s := &out[i]
		kept[i] = givenScore{member: s.Member, scorer: s.Scorer, points: s.Points, time: s.Time}
	}
	d.given[key] = kept
	if doomed && !d.only.End.IsZero() {
		for i := range out {
			if d.only.Holds(out[i].Time) {
				d.reach = max(d.reach, d.plan.withdrawal(key, tie))
				break
			}
		}
	}
	if tie != "" {
		if d.tied == nil {
			d.tied = map[string][]string{}
		}
		d.tied[tie] = append(d.tied[tie], key)
	}
	if doomed {
		return nil // a later delete or invalidation replaces them: the run leaves them out
	}
	return out
}

// withdraw answers a delete event: zero scores replacing the deleted event's scores.
func (en *Engine) withdraw(e *plaudit.Event) []plaudit.Score {
	d := &en.del
	if e.Target == "" {
		return nil
	}
	key := string(e.Source) + "/" + e.Target
	if d.deleted[key] {
		return nil
	}
	if d.deleted == nil {
		d.deleted = map[string]bool{}
	}
	d.deleted[key] = true
	given := d.given[key]
	if len(given) == 0 {
		return nil
	}
	delete(d.given, key)
	if d.withdrawn == nil {
		d.withdrawn = map[string]bool{}
	}
	d.withdrawn[key] = true
	out := make([]plaudit.Score, len(given))
	for i, s := range given {
		out[i] = plaudit.Score{Event: key, Seq: e.Seq, Member: s.member, Scorer: s.scorer, Time: s.time, PolicyHash: en.ctx.PolicyHash,
			Lines: []plaudit.Line{{Rule: WithdrawnRule,
				Inputs: []plaudit.Input{{Name: "delete", Value: e.Key()}, {Name: "points", Value: s.points.String()}},
				Note:   "the event was deleted on its platform: its points are withdrawn"}}}
	}
	return out
}
