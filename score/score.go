// Package score is the scoring engine: it runs a policy's scorers over the event log and returns the
// points each event earns, who earns them, and why.
//
// Scorers are registered by name, like Caddy's modules: each registration gives the policy loader the
// scorer's parameters (with defaults) and gives the engine a factory that builds the scorer from decoded
// parameters. The built-in scorers — tiered (seed 001), cast (seed 003) and poe (seed 004) — live in
// subpackages that know nothing of policies or engines; this package adapts them. A scorer is stateful over
// a time-ordered stream: the same events in the same order under the same policy give the same scores.
package score

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/policy"
	"github.com/plaudit/plaudit/reputation"
)

// ReputationFunc gives a member's reputation, 0 to 1. When the engine is given none it reads the epoch
// reputation (EpochReputation): EigenTrust as of the start of the scored event's epoch.
type ReputationFunc func(member string) plaudit.Ratio

// DefaultReputation is the neutral reputation: what every member has in an epoch before which nobody could
// be pre-trusted (so trust cannot be told apart), and what ConstantReputation(DefaultReputation) gives
// everyone — scoring as it was before reputation entered it, which eval uses as its "before".
const DefaultReputation plaudit.Ratio = 500_000

// ConstantReputation returns a ReputationFunc that gives every member r.
func ConstantReputation(r plaudit.Ratio) ReputationFunc {
	return func(string) plaudit.Ratio { return r }
}

// Context is what a scorer may read besides the event: who is who, how reputable, and the hash of the
// policy being applied.
type Context struct {
	Dir *plaudit.Directory
	// Reputation gives a member's reputation for the event being scored: with the epoch reputation, the one
	// computed from the events before the start of that event's epoch.
	Reputation ReputationFunc
	// SameRing reports whether two members were found in one collusion ring before the event's epoch, so
	// that a like between them weighs nothing; nil (a caller's own ReputationFunc) finds no ring.
	SameRing   func(a, b string) bool
	PolicyHash string
}

// Scorer scores events of the kinds its policy entry selects, in stream order. It returns zero or more
// scores for an event; the engine fills in what every score shares (event key, seq, time, scorer name,
// policy hash, and the actor's member when Member is empty). A score is timed at the event it is returned
// for (a Time left zero is the event's): a run kept to a span stops scoring after the last event timed
// within it (StreamOptions.Only), and fails on a score timed otherwise.
type Scorer interface {
	Score(e *plaudit.Event, ctx *Context) []plaudit.Score
}

// Observer is implemented by scorers that need context beyond the events they score: the engine shows them
// every event, of any kind, before scoring it (and in Run, every event of the stream before scoring any),
// so that a score may depend on what happened later — the replies a comment received.
type Observer interface {
	Observe(e *plaudit.Event, ctx *Context)
}

// Planner is implemented by observers that can keep less of what they observe when told first which events
// they will score: in a whole-history run that nothing continues (RunStream), the engine shows a planner every
// event its policy entry selects, in stream order, before it observes any.
type Planner interface {
	Plan(e *plaudit.Event, ctx *Context)
}

// releaser is implemented by scorers that hold what must be let go when a run stops before its last
// event (the conversation scorer's spill file).
type releaser interface {
	release()
}

// release lets go of what the scorers hold for events a stopped run will not score.
func (en *Engine) release() {
	for _, x := range en.entries {
		if r, ok := x.scorer.(releaser); ok {
			r.release()
		}
	}
}

// Failer is implemented by scorers that can fail on input they were given (a conversation with two issues
// of one id); the engine reports the first failure from Err.
type Failer interface {
	Err() error
}

// Factory builds a scorer from its decoded parameters (the value ScorerType.NewParams made).
type Factory func(params any) (Scorer, error)

var (
	factoriesMu sync.RWMutex
	factories   = map[string]Factory{}
)

// Register adds a scorer: its type to the policy loader, its factory to the engine. Call it from init.
func Register(t policy.ScorerType, f Factory) {
	policy.RegisterScorer(t)
	factoriesMu.Lock()
	defer factoriesMu.Unlock()
	factories[t.Name] = f
}

type entry struct {
	cfg    *policy.Scorer
	scorer Scorer
}

// Engine applies one policy to a stream of events.
type Engine struct {
	del     deletes // what deletes withdraw (delete.go)
	policy  *policy.Policy
	ctx     Context
	entries []entry
	// epochs is the epoch reputation when the engine was given no reputation function; nil otherwise.
	epochs *EpochReputation
	// only is the span a whole-history run keeps (StreamOptions.Only), when set; err is the first score
	// that breaks what the run's early stop rests on (a scorer's score timed other than its event).
	only Span
	err  error
}

// New builds an engine for policy p over a directory (which the caller keeps current, or which Add keeps
// current). A nil rep scores with the epoch reputation of the events the engine is given (RunEngine's, then
// Add's): each member's EigenTrust weight as of the start of the scored event's epoch under the policy's
// program period.
func New(p *policy.Policy, dir *plaudit.Directory, rep ReputationFunc) (*Engine, error) {
	en := &Engine{policy: p, ctx: Context{Dir: dir, Reputation: rep, PolicyHash: p.Hash()}}
	if rep == nil {
		er, err := NewEpochReputation(p, nil)
		if err != nil {
			return nil, err
		}
		en.epochs = er
		en.ctx.Reputation, en.ctx.SameRing = er.Current, er.SameRing
	}
	for i := range p.Scorers {
		cfg := &p.Scorers[i]
		factoriesMu.RLock()
		f := factories[cfg.Scorer]
		factoriesMu.RUnlock()
		if f == nil {
			return nil, fmt.Errorf("score: policy %s: scorer %q has no engine factory", p.Name, cfg.Scorer)
		}
		s, err := f(cfg.Params)
		if err != nil {
			return nil, fmt.Errorf("score: policy %s: build scorer %s: %w", p.Name, cfg.Scorer, err)
		}
		en.entries = append(en.entries, entry{cfg, s})
	}
	return en, nil
}

// Policy returns the engine's policy.
func (en *Engine) Policy() *policy.Policy { return en.policy }

// Observe shows e to every scorer that observes the stream.
func (en *Engine) Observe(e *plaudit.Event) {
	for _, x := range en.entries {
		if o, ok := x.scorer.(Observer); ok {
			o.Observe(e, &en.ctx)
		}
	}
}

// plan shows e to the planners whose entry selects it.
func (en *Engine) plan(e *plaudit.Event) {
	for _, x := range en.entries {
		if pl, ok := x.scorer.(Planner); ok && x.cfg.Applies(e.Source, e.Kind) {
			pl.Plan(e, &en.ctx)
		}
	}
}

// Score runs every scorer whose entry selects e's source and kind, and returns their scores.
func (en *Engine) Score(e *plaudit.Event) []plaudit.Score {
	if e.Kind == plaudit.KindDelete {
		return en.withdraw(e)
	}
	if _, ok := IsInvalidation(e); ok {
		return en.invalidate(e)
	}
	if e.Kind == plaudit.KindSubmit && e.Target != "" && (en.del.plan == nil || en.del.keepAll || en.del.plan.invSubmits[e.Key()] != "") {
		if en.del.submits == nil {
			en.del.submits = map[string]string{}
		}
		en.del.submits[e.Key()] = string(e.Source) + "/" + e.Target
	}
	if e.Kind.IsIdentity() {
		return nil
	}
	if en.epochs != nil {
		en.epochs.SetTime(e.Time)
	}
	var out []plaudit.Score
	n := 0
	for _, x := range en.entries {
		if !x.cfg.Applies(e.Source, e.Kind) {
			continue
		}
		if en.epochs != nil {
			en.epochs.readNeutral()
		}
		scores := x.scorer.Score(e, &en.ctx)
		if len(scores) == 0 {
			continue
		}
		key := e.Key()
		for i := range scores {
			s := &scores[i]
			if s.Event == "" {
				s.Event = key
			}
			if s.Member == "" {
				s.Member = en.ctx.Dir.MemberOfActor(e)
			}
			s.Seq, s.Scorer, s.PolicyHash = e.Seq, x.cfg.Scorer, en.ctx.PolicyHash
			if s.Time.IsZero() {
				s.Time = e.Time
			} else if !en.only.End.IsZero() && !s.Time.Equal(e.Time) && en.err == nil {
				en.err = fmt.Errorf("scorer %s gave event %s a score timed %s, not the event's time: a run kept to a span cannot tell where its scores end",
					x.cfg.Scorer, e.Key(), s.Time.UTC().Format(time.RFC3339))
			}
			if w := x.cfg.Weight; w != plaudit.One && s.Points != 0 {
				weighted := w.Apply(s.Points)
				s.Lines = append(s.Lines, plaudit.Line{Rule: x.cfg.Scorer + ".weight", Points: weighted - s.Points,
					Inputs: []plaudit.Input{{Name: "points", Value: s.Points.String()}, {Name: "weight", Value: w.String()}},
					Note:   "the policy's weight for this scorer"})
				s.Points = weighted
			}
		}
		if en.epochs != nil && en.epochs.readNeutral() {
			en.epochs.keptNeutral(e, x.cfg.Scorer, scores)
		}
		// The common case, one scorer with scores, returns the scorer's own slice: no copy.
		if n++; n == 1 {
			out = scores
		} else {
			out = append(out[:len(out):len(out)], scores...)
		}
	}
	if len(out) > 0 {
		out = en.del.scored(e, out)
	}
	return out
}

// Err returns the first failure a scorer reported, or the reputation could not be computed, if any.
func (en *Engine) Err() error {
	if en.err != nil {
		return fmt.Errorf("score: policy %s: %w", en.policy.Name, en.err)
	}
	if en.epochs != nil {
		if err := en.epochs.Err(); err != nil {
			return fmt.Errorf("score: policy %s: %w", en.policy.Name, err)
		}
	}
	for _, x := range en.entries {
		if f, ok := x.scorer.(Failer); ok {
			if err := f.Err(); err != nil {
				return fmt.Errorf("score: policy %s: scorer %s: %w", en.policy.Name, x.cfg.Scorer, err)
			}
		}
	}
	return nil
}

// Add scores one new event as it arrives: it updates the directory, shows the event to observers and
// scores it. Scores that depend on later events (a comment's replies) count only what was added before.
func (en *Engine) Add(e *plaudit.Event) []plaudit.Score {
	en.ctx.Dir.Apply(e)
	if en.epochs != nil {
		en.epochs.Add(e)
	}
	en.Observe(e)
	return en.Score(e)
}

// Run scores a whole stream under policy p: it builds the directory from every event (so that each account
// is credited to the member it belongs to now, and tiers are taken at each event's time), shows every
// event to the observers, then scores the events in order. The result is deterministic.
func Run(p *policy.Policy, events []plaudit.Event, rep ReputationFunc) ([]plaudit.Score, *plaudit.Directory, error) {
	return RunProgress(p, events, rep, nil)
}

// RunProgress is Run that reports, every few thousand events and at the end, how many of the events it has
// scored, for a progress bar.
func RunProgress(p *policy.Policy, events []plaudit.Event, rep ReputationFunc, progress func(done int)) ([]plaudit.Score, *plaudit.Directory, error) {
	scores, en, err := RunEngine(p, events, rep, progress)
	if err != nil {
		return nil, nil, err
	}
	return scores, en.ctx.Dir, nil
}

// RunEngine is Run that also returns its engine, which has seen every event: Add then streams the events
// that come after them, each scored seeing only what came before it, without replaying the whole stream
// one event at a time (which costs a conversation a rescore per comment).
func RunEngine(p *policy.Policy, events []plaudit.Event, rep ReputationFunc, progress func(done int)) ([]plaudit.Score, *Engine, error) {
	return runEngine(p, events, rep, progress, nil)
}

// RunPreset is Run with the epoch reputation's snapshot of the epoch starting at start given (Preset)
// instead of computed: how a rebuild scores with an epoch's accepted, committed reputation vector.
func RunPreset(p *policy.Policy, events []plaudit.Event, start time.Time, snap *reputation.Snapshot) ([]plaudit.Score, error) {
	scores, _, err := runEngine(p, events, nil, nil, func(er *EpochReputation) { er.Preset(start, snap) })
	return scores, err
}

func runEngine(p *policy.Policy, events []plaudit.Event, rep ReputationFunc, progress func(done int), preset func(*EpochReputation)) ([]plaudit.Score, *Engine, error) {
	var out []plaudit.Score
	en, err := runWalks(p, plaudit.StreamOf(events), walks{events: events, rep: rep, progress: progress, preset: preset}, func(scores []plaudit.Score) error {
		out = append(out, scores...)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return out, en, nil
}

// MemberTotal is a member's points over a set of scores, with the rules that earned the most.
type MemberTotal struct {
	Member  string         `json:"member"`
	Points  plaudit.Points `json:"points"`
	Scores  int            `json:"scores"`
	Reasons []Reason       `json:"reasons,omitempty"` // by points, largest first
}

// Reason is one rule's share of a member's total.
type Reason struct {
	Rule   string         `json:"rule"`
	Points plaudit.Points `json:"points"`
	Count  int            `json:"count"` // how many scores the rule contributed to
}

// reasonLines returns the lines of s that add up to its points — for a cast score the weighted metrics,
// for others every line — with the policy's scorer weight, when there is one, applied to each line rather
// than listed as a line of its own, so that a member's reasons read in the points they actually earned.
func reasonLines(s *plaudit.Score) []plaudit.Line {
	var out []plaudit.Line
	weight := plaudit.One
	for _, l := range s.Lines {
		switch {
		case l.Rule == s.Scorer+".weight":
			for _, in := range l.Inputs {
				if in.Name == "weight" {
					if w, err := plaudit.ParsePoints(in.Value); err == nil {
						weight = plaudit.Ratio(w)
					}
				}
			}
		case s.Scorer != "cast" || strings.HasPrefix(l.Rule, "cast.weighted."):
			out = append(out, l)
		}
	}
	if weight != plaudit.One {
		for i := range out {
			out[i].Points = weight.Apply(out[i].Points)
		}
	}
	return out
}

// Totals sums scores per member, sorted by points (largest first), then handle. Each total lists its
// reasons, largest first.
func Totals(scores []plaudit.Score) []MemberTotal {
	byMember := map[string]*MemberTotal{}
	reasons := map[string]map[string]*Reason{}
	for i := range scores {
		s := &scores[i]
		t := byMember[s.Member]
		if t == nil {
			t = &MemberTotal{Member: s.Member}
			byMember[s.Member] = t
			reasons[s.Member] = map[string]*Reason{}
		}
		t.Points += s.Points
		t.Scores++
		for _, l := range reasonLines(s) {
			r := reasons[s.Member][l.Rule]
			if r == nil {
				r = &Reason{Rule: l.Rule}
				reasons[s.Member][l.Rule] = r
			}
			r.Points += l.Points
			r.Count++
		}
	}
	out := make([]MemberTotal, 0, len(byMember))
	for m, t := range byMember {
		for _, r := range reasons[m] {
			if r.Points != 0 {
				t.Reasons = append(t.Reasons, *r)
			}
		}
		sort.Slice(t.Reasons, func(i, j int) bool {
			a, b := t.Reasons[i], t.Reasons[j]
			if a.Points != b.Points {
				return a.Points > b.Points
			}
			return a.Rule < b.Rule
		})
		out = append(out, *t)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Points != out[j].Points {
			return out[i].Points > out[j].Points
		}
		return out[i].Member < out[j].Member
	})
	return out
}

// WeeklyTotals sums the scores whose time falls in the given ISO year and week (Monday to Sunday, UTC).
func WeeklyTotals(scores []plaudit.Score, year, week int) []MemberTotal {
	var in []plaudit.Score
	for _, s := range scores {
		if y, w := s.Time.UTC().ISOWeek(); y == year && w == week {
			in = append(in, s)
		}
	}
	return Totals(in)
}
