package score

import (
	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/score/dem"
)

// demScorer adapts package dem: it learns X usernames from every event it observes and scores X posts,
// replies, quotes and mention posts by their Engagement Value.
type demScorer struct {
	t *dem.Tracker
}

// Observe learns the username of the event's X account, so that a mention by username finds its account.
func (s *demScorer) Observe(e *plaudit.Event, _ *Context) { s.t.Observe(e) }

// Score returns the event's Engagement Value with its explanation; the engine credits the actor's member.
func (s *demScorer) Score(e *plaudit.Event, ctx *Context) []plaudit.Score {
	if e.Source != plaudit.SourceX {
		return nil
	}
	s.t.Observe(e)
	r := s.t.Score(e, ctx.Dir)
	if r.Lines == nil || r.Unscored {
		return nil // not DEM activity: no score, as tiered records none for engagement on unsubmitted posts
	}
	return []plaudit.Score{{Points: r.Points, Lines: r.Lines}}
}
