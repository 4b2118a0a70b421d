package score

import (
	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/moderation"
)

// InvalidatedRule is the rule of the zero score that replaces the score of an event an operator invalidated
// (moderation.DecisionInvalidate), or of an event tied to it.
const InvalidatedRule = "moderation.invalidated"

// TieKey returns the key of the event that e's points depend on, the way invalidation ties events: an
// event with a target on the same source ("source/target": a like, repost or reply earns because of the
// post it engages with). It is "" for an event without a target and for operator events.
func TieKey(e *plaudit.Event) string {
	if e.Target == "" || e.Source == plaudit.SourcePlaudit || e.Kind.IsIdentity() {
		return ""
	}
	return string(e.Source) + "/" + e.Target
}

// invalidation is one operator invalidation the engine has seen.
type invalidation struct {
	decision, by, reason string
}

// IsInvalidation reports whether e is an operator's invalidation decision, and the key of the event it
// invalidates.
func IsInvalidation(e *plaudit.Event) (string, bool) {
	if e.Source != plaudit.SourcePlaudit || e.Kind != plaudit.KindDecision {
		return "", false
	}
	if d, _ := e.Attrs[moderation.AttrDecision].(string); d != moderation.DecisionInvalidate {
		return "", false
	}
	key, _ := e.Attrs[moderation.AttrEvent].(string)
	return key, key != ""
}

// invalidate answers an invalidation decision: zero scores replacing the scores of the invalidated event
// and of the events tied to it (TieKey: engagement on it, or, for a submission, on the post it submitted),
// and from then on the events tied to it score 0 when they come. Like a delete, it replaces the stored
// scores when streamed, and a whole-history run leaves the replaced scores out (withdrawPlan); closed epochs
// keep what they settled.
func (en *Engine) invalidate(e *plaudit.Event) []plaudit.Score {
	key, ok := IsInvalidation(e)
	if !ok {
		return nil
	}
	d := &en.del
	if d.invalid == nil {
		d.invalid = map[string]invalidation{}
	}
	if _, done := d.invalid[key]; done {
		return nil
	}
	by, _ := e.Attrs[moderation.AttrBy].(string)
	reason, _ := e.Attrs[moderation.AttrReason].(string)
	inv := invalidation{decision: e.Key(), by: by, reason: reason}
	d.invalid[key] = inv
	keys := []string{key}
	keys = append(keys, d.tied[key]...)
	if post, ok := d.submits[key]; ok && post != key {
		d.invalid[post] = inv // engagement with the submitted post that comes later earns nothing either
		keys = append(keys, d.tied[post]...)
	}
	var out []plaudit.Score
	seen := map[string]bool{}
	for _, k := range keys {
		if seen[k] {
			continue
		}
		seen[k] = true
		given := d.given[k]
		if len(given) == 0 {
			continue
		}
		delete(d.given, k)
		if d.withdrawn == nil {
			d.withdrawn = map[string]bool{}
		}
		d.withdrawn[k] = true
		for _, s := range given {
			out = append(out, plaudit.Score{Event: k, Seq: e.Seq, Member: s.member, Scorer: s.scorer, Time: s.time, PolicyHash: en.ctx.PolicyHash,
				Lines: []plaudit.Line{inv.line(k == key, s.points)}})
		}
	}
	return out
}

// line explains a withdrawn score: the decision, who made it, why, and the points withdrawn.
func (inv invalidation) line(self bool, points plaudit.Points) plaudit.Line {
	note := "invalidated by " + inv.by + ": " + inv.reason
	if !self {
		note = "earned on an event invalidated by " + inv.by + ": " + inv.reason
	}
	return plaudit.Line{Rule: InvalidatedRule, Note: note, Inputs: []plaudit.Input{
		{Name: "decision", Value: inv.decision}, {Name: "by", Value: inv.by}, {Name: "reason", Value: inv.reason},
		{Name: "points", Value: points.String()}}}
}
