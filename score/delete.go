package score

import (
	"time"

	"github.com/plaudit/plaudit"
)

// WithdrawnRule is the rule of the zero score that replaces a deleted event's score.
const WithdrawnRule = "delete.withdrawn"

// deletes is what the engine remembers to withdraw the points of deleted events (kind delete, target = the
// deleted event's id on the same source) and of invalidated ones (invalidate.go). Every scored event is
// remembered, since an operator may invalidate any of them.
//
// A delete gives the deleted event 0 from then on: the engine answers the delete with a zero score under
// the deleted event's key for each score the event had (same member, scorer and time, the delete's seq),
// which replaces the stored scores when streamed (SaveScores replaces an event's scores); a whole-history
// run drops the deleted event's earlier scores (dropWithdrawn), so that both give the same rows. An event
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
	if d.given == nil {
		d.given = map[string][]givenScore{}
	}
	kept := make([]givenScore, len(out))
	for i := range out {
		s := &out[i]
		kept[i] = givenScore{member: s.Member, scorer: s.Scorer, points: s.Points, time: s.Time}
	}
	d.given[key] = kept
	if tie != "" {
		if d.tied == nil {
			d.tied = map[string][]string{}
		}
		d.tied[tie] = append(d.tied[tie], key)
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

// dropWithdrawn removes from a whole-history run's scores those a later delete replaced, keeping the zero
// scores that replaced them: the rows a stream of the same events leaves in the store.
func (d *deletes) dropWithdrawn(scores []plaudit.Score) []plaudit.Score {
	if len(d.withdrawn) == 0 {
		return scores
	}
	out := scores[:0]
	for _, s := range scores {
		if _, ok := d.withdrawn[s.Event]; ok && (len(s.Lines) == 0 || (s.Lines[0].Rule != WithdrawnRule && s.Lines[0].Rule != InvalidatedRule)) {
			continue
		}
		out = append(out, s)
	}
	return out
}
