package service

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/moderation"
	"github.com/plaudit/plaudit/score"
)

// InvalidateRequest asks to invalidate one stored event: Event is its key "source/id", By the operator,
// Reason why (required: it is shown wherever the withdrawn points are explained).
type InvalidateRequest struct {
	Event  string
	By     string
	Reason string
}

// Contribution is what one event's scores give one member under the active policy, as stored now.
type Contribution struct {
	Event  string         `json:"event"`  // the scored event's key
	Member string         `json:"member"` // who earns the points
	Points plaudit.Points `json:"points"`
	Tied   bool           `json:"tied"`           // the event earns because of the invalidated one (engagement on it)
	Epoch  string         `json:"epoch,omitzero"` // the epoch of the score's time, when a policy with a program is active
	Closed bool           `json:"closed"`         // that epoch is closed: its payouts stand whatever happens now
	Note   string         `json:"note,omitzero"`  // the first line's note: "invalidated by …" once withdrawn
}

// InvalidationEffect is what an event contributes to the points now: the preview before an invalidation
// and the result after it.
type InvalidationEffect struct {
	Event         plaudit.Event  `json:"event"`                   // the event itself
	PolicyHash    string         `json:"policy_hash,omitzero"`    // the active policy whose scores are shown ("" when none)
	Contributions []Contribution `json:"contributions"`           // by event key then member
	Members       []MemberPoints `json:"members"`                 // the contributions' total per member, by handle
	Total         plaudit.Points `json:"total"`                   // the sum of the contributions
	Invalidated   *plaudit.Event `json:"invalidated,omitempty"`   // the decision event, when it is invalidated
	ClosedEpochs  []string       `json:"closed_epochs,omitempty"` // closed epochs among the contributions': not rewritten
}

// MemberPoints is one member's points in an InvalidationEffect.
type MemberPoints struct {
	Member string         `json:"member"`
	Points plaudit.Points `json:"points"`
}

// Invalidation is an invalidation done: the effect before and after, and the decision recorded in the log.
type Invalidation struct {
	Before   *InvalidationEffect `json:"before"`
	After    *InvalidationEffect `json:"after"`
	Decision plaudit.Event       `json:"decision"`
}

// invalidationTarget reads the event named by key ("source/id"): EINVALID for a malformed key, ENOTFOUND
// for an event the log does not hold.
func (s *Service) invalidationTarget(ctx context.Context, key string) (*plaudit.Event, error) {
	src, id, ok := strings.Cut(key, "/")
	if !ok || id == "" || !plaudit.Source(src).Valid() {
		return nil, plaudit.Errorf(plaudit.EINVALID, "invalidate %q: want an event key source/id (e.g. x/1790000000000000000)", key)
	}
	e, err := s.store.EventByKey(ctx, plaudit.Source(src), id)
	if plaudit.ErrorCode(err) == plaudit.ENOTFOUND {
		return nil, plaudit.Errorf(plaudit.ENOTFOUND, "invalidate %s: no such event in the log", key)
	} else if err != nil {
		return nil, fmt.Errorf("invalidate %s: %w", key, err)
	}
	return e, nil
}

// InvalidationPreview returns what event key contributes to the points now under the active policy: its
// own scores and those of the events tied to it (score.TieKey: engagement on it, or on the post a
// submission submitted), per member, with the closed epochs among them, and the decision when it is
// invalidated already. It changes nothing; the panel shows it before an operator confirms.
func (s *Service) InvalidationPreview(ctx context.Context, key string) (*InvalidationEffect, error) {
	target, err := s.invalidationTarget(ctx, key)
	if err != nil {
		return nil, err
	}
	return s.invalidationEffect(ctx, target)
}

func (s *Service) invalidationEffect(ctx context.Context, target *plaudit.Event) (*InvalidationEffect, error) {
	key := target.Key()
	out := &InvalidationEffect{Event: *target, Contributions: []Contribution{}, Members: []MemberPoints{}}
	if prev, err := s.store.EventByKey(ctx, plaudit.SourcePlaudit, moderation.InvalidationID(key)); err == nil {
		out.Invalidated = prev
	} else if plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
		return nil, fmt.Errorf("invalidation of %s: %w", key, err)
	}
	pol, err := s.ActivePolicy(ctx)
	if plaudit.ErrorCode(err) == plaudit.ENOTFOUND {
		return out, nil // nothing is scored: nothing to show
	} else if err != nil {
		return nil, err
	}
	out.PolicyHash = pol.Hash()
	// The tied events: on the same source, with the event (or the post it submitted) as their target.
	ties := map[string]bool{key: true}
	if target.Kind == plaudit.KindSubmit && target.Target != "" {
		ties[string(target.Source)+"/"+target.Target] = true
	}
	tied := map[string]bool{}
	from, to := target.Time, target.Time
	err = s.store.ScanEvents(ctx, plaudit.EventFilter{Sources: []plaudit.Source{target.Source}}, func(e *plaudit.Event) error {
		if k := score.TieKey(e); k != "" && ties[k] && e.Key() != key {
			tied[e.Key()] = true
			if e.Time.Before(from) {
				from = e.Time
			}
			if e.Time.After(to) {
				to = e.Time
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("events tied to %s: %w", key, err)
	}
	scores, err := s.store.Scores(ctx, plaudit.ScoreFilter{PolicyHash: out.PolicyHash, Since: from, Until: to.Add(time.Nanosecond)})
	if err != nil {
		return nil, fmt.Errorf("scores of %s: %w", key, err)
	}
	prog, _ := ProgramOf(pol, "") // a policy without a program shows no epochs
	closed := map[string]bool{}
	epochOf := func(t time.Time) (string, bool, error) {
		if prog == nil {
			return "", false, nil
		}
		w, err := prog.EpochAt(t)
		if err != nil {
			return "", false, nil // before the program's first epoch
		}
		if c, ok := closed[w.ID]; ok {
			return w.ID, c, nil
		}
		_, err = s.store.Epoch(ctx, w.ID)
		if err != nil && plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
			return "", false, err
		}
		closed[w.ID] = err == nil
		return w.ID, err == nil, nil
	}
	per := map[string]plaudit.Points{}
	for _, sc := range scores {
		if sc.Event != key && !tied[sc.Event] {
			continue
		}
		c := Contribution{Event: sc.Event, Member: sc.Member, Points: sc.Points, Tied: sc.Event != key}
		if len(sc.Lines) > 0 && sc.Lines[0].Rule == score.InvalidatedRule {
			c.Note = sc.Lines[0].Note
		}
		if c.Epoch, c.Closed, err = epochOf(sc.Time); err != nil {
			return nil, err
		}
		out.Contributions = append(out.Contributions, c)
		per[sc.Member] += sc.Points
		out.Total += sc.Points
	}
	sort.SliceStable(out.Contributions, func(i, j int) bool {
		a, b := out.Contributions[i], out.Contributions[j]
		if a.Event != b.Event {
			return a.Event < b.Event
		}
		return a.Member < b.Member
	})
	for m, p := range per {
		out.Members = append(out.Members, MemberPoints{Member: m, Points: p})
	}
	sort.Slice(out.Members, func(i, j int) bool { return out.Members[i].Member < out.Members[j].Member })
	for id, c := range closed {
		if c {
			out.ClosedEpochs = append(out.ClosedEpochs, id)
		}
	}
	sort.Strings(out.ClosedEpochs)
	return out, nil
}

// InvalidateEvent invalidates a bad event (a submission, a post, any scored event): it records operator
// req.By's decision with req.Reason in the event log (moderation.InvalidationEvent, source plaudit, kind
// decision), then brings the scores up to date, which withdraws the event's points and those of the events
// tied to it from the leaderboards, the explanations and every epoch not yet closed; rescores, closes,
// plaudit verify and the witnesses' rebuild replay the same decision from the log. Closed epochs keep what
// they paid, and no later epoch claws it back. A malformed key is EINVALID, an unknown event ENOTFOUND, an
// event invalidated already ECONFLICT (naming who and why), an operator or identity event or a missing
// reason EINVALID; nothing is written when it is refused. It returns the effect before and after.
func (s *Service) InvalidateEvent(ctx context.Context, req InvalidateRequest) (*Invalidation, error) {
	target, err := s.invalidationTarget(ctx, req.Event)
	if err != nil {
		return nil, err
	}
	key := target.Key()
	dir, err := s.directory(ctx)
	if err != nil {
		return nil, err
	}
	e, err := moderation.InvalidationEvent(target, dir.MemberOfActor(target), operator(strings.TrimSpace(req.By)), strings.TrimSpace(req.Reason), s.actionTime())
	if err != nil {
		return nil, err
	}
	before, err := s.invalidationEffect(ctx, target)
	if err != nil {
		return nil, err
	}
	if prev := before.Invalidated; prev != nil {
		pby, _ := prev.Attrs[moderation.AttrBy].(string)
		why, _ := prev.Attrs[moderation.AttrReason].(string)
		return nil, plaudit.Errorf(plaudit.ECONFLICT, "invalidate %s: invalidated already by %s at %s: %s", key, pby, prev.Time.Format(time.RFC3339), why)
	}
	if err := s.appendDecision(ctx, e); err != nil {
		return nil, fmt.Errorf("invalidate %s: %w", key, err)
	}
	if _, err := s.CatchUp(ctx); err != nil && plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
		return nil, fmt.Errorf("invalidate %s: recorded, but scoring it: %w (the next score job applies it)", key, err)
	}
	after, err := s.invalidationEffect(ctx, target)
	if err != nil {
		return nil, err
	}
	s.log.Info("invalidated an event", "event", key, "by", e.Attrs[moderation.AttrBy], "withdrawn", (before.Total - after.Total).String())
	return &Invalidation{Before: before, After: after, Decision: e}, nil
}
