package score

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/policy"
	"github.com/plaudit/plaudit/score/cast"
	"github.com/plaudit/plaudit/score/dem"
	"github.com/plaudit/plaudit/score/poe"
	"github.com/plaudit/plaudit/score/tiered"
)

func init() {
	Register(policy.ScorerType{
		Name:    "tiered",
		Doc:     "points per like, repost and reply on submitted posts, by the engaging member's tier (seed 001)",
		Sources: []plaudit.Source{plaudit.SourceX},
		Kinds:   []plaudit.Kind{plaudit.KindSubmit, plaudit.KindLike, plaudit.KindRepost, plaudit.KindReply},
		NewParams: func() any {
			return tiered.DefaultParams()
		},
	}, func(params any) (Scorer, error) {
		p, ok := params.(*tiered.Params)
		if !ok {
			return nil, fmt.Errorf("tiered: params of type %T", params)
		}
		return &tieredScorer{t: tiered.NewTracker(p)}, nil
	})
	Register(policy.ScorerType{
		Name:      "cast",
		Doc:       "the Farcaster cast score, 0–100 from four weighted metrics (seed 003)",
		Sources:   []plaudit.Source{plaudit.SourceFarcaster},
		Kinds:     []plaudit.Kind{plaudit.KindPost, plaudit.KindReply},
		NewParams: func() any { return cast.DefaultParams() },
	}, func(params any) (Scorer, error) {
		p, ok := params.(*cast.Params)
		if !ok {
			return nil, fmt.Errorf("cast: params of type %T", params)
		}
		return &castScorer{t: cast.NewTracker(p), engagers: map[string][]engager{}}, nil
	})
	Register(policy.ScorerType{
		Name:      dem.Name,
		Doc:       "Decentralized Engagement Metrics: Engagement Value of X posts, replies, quotes, mentions and tags of tracked accounts and keywords, minted as ENG (seed 000)",
		Sources:   []plaudit.Source{plaudit.SourceX},
		Kinds:     dem.Kinds,
		NewParams: func() any { return dem.DefaultParams() },
	}, func(params any) (Scorer, error) {
		p, ok := params.(*dem.Params)
		if !ok {
			return nil, fmt.Errorf("dem: params of type %T", params)
		}
		return &demScorer{t: dem.NewTracker(p)}, nil
	})
	Register(policy.ScorerType{
		Name: "poe",
		Doc:  "Proof-of-Engagement quality score for comments, shares, flags, curation and feedback (seed 004)",
		Kinds: []plaudit.Kind{plaudit.KindComment, plaudit.KindReply, plaudit.KindQuote, plaudit.KindRepost,
			plaudit.KindFlag, plaudit.KindCurate, plaudit.KindFeedback},
		NewParams: func() any { return poe.DefaultParams() },
	}, func(params any) (Scorer, error) {
		p, ok := params.(*poe.Params)
		if !ok {
			return nil, fmt.Errorf("poe: params of type %T", params)
		}
		return &poeScorer{p: p}, nil
	})
}

// tieredScorer adapts package tiered: submits open posts, engagements earn the engager points.
type tieredScorer struct {
	t *tiered.Tracker
}

func postKey(e *plaudit.Event) tiered.PostKey { return tiered.PostKey{Source: e.Source, ID: e.Target} }

// memberOfActor is Directory.MemberOfActor without allocating for platform accounts.
func memberOfActor(dir *plaudit.Directory, e *plaudit.Event) string {
	if e.Source == plaudit.SourcePlaudit {
		return dir.MemberOfActor(e)
	}
	return dir.MemberOfAccount(e.Source, e.Actor)
}

// Observe registers every submission before any engagement is scored, so that an engagement made before
// the post was submitted (but seen by the seed's batch job, which checks a post's engagements when it
// runs) counts too.
func (s *tieredScorer) Observe(e *plaudit.Event, ctx *Context) {
	if e.Kind != plaudit.KindSubmit || e.Target == "" {
		return
	}
	p := tiered.Post{Key: postKey(e), Submitted: e.Time, Submitter: memberOfActor(ctx.Dir, e), SubmitKey: e.Key()}
	if e.TargetAuthor != "" {
		p.Author = ctx.Dir.MemberOfAccount(e.Source, e.TargetAuthor)
	}
	s.t.Submit(p)
}

// tieredRules are the rule names of the priced kinds, made once.
var tieredRules = map[plaudit.Kind]string{plaudit.KindLike: "tiered.like", plaudit.KindRepost: "tiered.repost", plaudit.KindReply: "tiered.reply"}

// tieredAward holds a score and its explanation in one allocation.
type tieredAward struct {
	score  [1]plaudit.Score
	line   [1]plaudit.Line
	inputs [4]plaudit.Input
}

// clampRatio keeps a reputation within 0–1.
func clampRatio(r plaudit.Ratio) plaudit.Ratio {
	if r < 0 {
		return 0
	}
	if r > plaudit.One {
		return plaudit.One
	}
	return r
}

// Score awards the engaging member for a like, repost or reply on a tracked post.
func (s *tieredScorer) Score(e *plaudit.Event, ctx *Context) []plaudit.Score {
	if e.Kind == plaudit.KindSubmit || e.Target == "" {
		return nil
	}
	post, ok := s.t.Post(postKey(e))
	if !ok {
		return nil
	}
	member := memberOfActor(ctx.Dir, e)
	if post.Author == "" && e.TargetAuthor != "" && ctx.Dir.MemberOfAccount(e.Source, e.TargetAuthor) == member {
		return nil // engaging with one's own post, whose author the submission did not name
	}
	tier := ctx.Dir.TierAt(member, e.Time)
	pts, out := s.t.EngagePost(post, member, e.Kind, tier, e.Time)
	if out != tiered.Awarded {
		return nil
	}
	a := &tieredAward{}
	a.inputs = [4]plaudit.Input{{Name: "tier", Value: strconv.Itoa(tier)}, {Name: "post", Value: post.Label}}
	inputs := a.inputs[:2]
	if s.t.Params.Reputation {
		rep := clampRatio(ctx.Reputation(member))
		if ctx.SameRing != nil && (ctx.SameRing(member, post.Submitter) || (post.Author != "" && ctx.SameRing(member, post.Author))) {
			rep = 0 // a collusion ring's engagement with its own posts
		}
		a.inputs[2] = plaudit.Input{Name: "price", Value: pts.String()}
		a.inputs[3] = plaudit.Input{Name: "reputation", Value: rep.String()}
		inputs = a.inputs[:4]
		pts = rep.Apply(pts)
	}
	a.line[0] = plaudit.Line{Rule: tieredRules[e.Kind], Points: pts, Inputs: inputs}
	if s.t.Params.Reputation {
		a.line[0].Note = "the tier's price × the engager's reputation"
	}
	a.score[0] = plaudit.Score{Member: member, Points: pts, Lines: a.line[:]}
	return a.score[:]
}

// castScorer adapts package cast to farcaster events, keeping each author's history and, with the
// reputation param, who liked and recast each cast.
type castScorer struct {
	t        *cast.Tracker
	engagers map[string][]engager // cast hash → its likes and recasts in the log, in stream order
}

// engager is one like or recast of a cast.
type engager struct {
	member string
	recast bool
}

// Observe records the farcaster likes and recasts of each cast when the policy weighs them by reputation.
func (s *castScorer) Observe(e *plaudit.Event, ctx *Context) {
	if !s.t.Params.Reputation || e.Source != plaudit.SourceFarcaster || e.Target == "" || (e.Kind != plaudit.KindLike && e.Kind != plaudit.KindRepost) {
		return
	}
	s.engagers[e.Target] = append(s.engagers[e.Target], engager{member: memberOfActor(ctx.Dir, e), recast: e.Kind == plaudit.KindRepost})
}

// Score scores a farcaster post or reply and adds it to its author's history.
func (s *castScorer) Score(e *plaudit.Event, ctx *Context) []plaudit.Score {
	c, err := cast.FromEvent(e)
	if err != nil {
		return []plaudit.Score{{Lines: []plaudit.Line{{Rule: "cast.invalid", Note: err.Error()}}}}
	}
	var weighed []plaudit.Line
	if s.t.Params.Reputation {
		weighed = s.weighEngagers(c, e, ctx)
	}
	r := s.t.Score(c, true)
	if weighed != nil {
		r.Lines = append(weighed, r.Lines...)
	}
	return []plaudit.Score{{Points: r.Total, Lines: r.Lines}}
}

// weighEngagers replaces c's like and recast counts by the reputation-weighted count of the distinct
// members (not the author) who liked or recast it in the log, rounded half up to whole engagements, and
// returns the line that explains it; nil when the log holds none, which keeps the platform's counts.
func (s *castScorer) weighEngagers(c *cast.Cast, e *plaudit.Event, ctx *Context) []plaudit.Line {
	list := s.engagers[e.ExternalID]
	if len(list) == 0 {
		return nil
	}
	author := memberOfActor(ctx.Dir, e)
	var likes, recasts int64 // sums of Ratios
	nl, nr := 0, 0
	seen := map[engager]bool{}
	for _, x := range list {
		if x.member == author || seen[x] {
			continue
		}
		seen[x] = true
		w := int64(clampRatio(ctx.Reputation(x.member)))
		if ctx.SameRing != nil && ctx.SameRing(x.member, author) {
			w = 0
		}
		if x.recast {
			nr++
			recasts += w
		} else {
			nl++
			likes += w
		}
	}
	whole := func(sum int64) int64 { return (sum + int64(plaudit.One)/2) / int64(plaudit.One) }
	in := func(name string, v int64) plaudit.Input {
		return plaudit.Input{Name: name, Value: strconv.FormatInt(v, 10)}
	}
	line := plaudit.Line{Rule: "cast.ci.engagers", Note: "likes and recasts from the log, each × the engager's reputation, replace the platform's counts",
		Inputs: []plaudit.Input{in("likes_count", c.Likes), in("recasts_count", c.Recasts), in("likers", int64(nl)), in("recasters", int64(nr)),
			{Name: "weighted_likes", Value: plaudit.Points(likes).String()}, {Name: "weighted_recasts", Value: plaudit.Points(recasts).String()}}}
	c.Likes, c.Recasts = whole(likes), whole(recasts)
	return []plaudit.Line{line}
}

// poeScorer adapts package poe: it indexes the events it observes and scores the PoE kinds.
type poeScorer struct {
	p  *poe.Params
	ix *poe.Index
	// planned is set when the engine showed the scorer, first, every event it will score (Plan): then it
	// indexes only what scoring them reads — events of the sources it scores, operator events, and the
	// events of other sources that a scored flag or curation names (cross, by key) — and by key only the
	// posts and flagged events they look up (poe.Index.Want). Otherwise it indexes every event (Add may
	// score any).
	planned bool
	sources map[plaudit.Source]bool
	cross   map[string]bool
}

// Plan notes the sources of the events the scorer will score, and the events of other sources that flags
// and curations among them name.
func (s *poeScorer) Plan(e *plaudit.Event, _ *Context) {
	if !s.planned {
		s.planned, s.sources, s.cross = true, map[plaudit.Source]bool{}, map[string]bool{}
	}
	s.sources[e.Source] = true
	if s.ix == nil {
		s.ix = poe.NewIndex(nil, poe.Env{})
	}
	if k := poe.LookedUp(e); k != "" {
		s.ix.Want(k)
	}
	if e.Kind == plaudit.KindFlag || e.Kind == plaudit.KindCurate {
		if k := poe.TargetKey(e); k != "" && !strings.HasPrefix(k, string(e.Source)+"/") {
			s.cross[k] = true
		}
	}
}

// Observe indexes e as thread context: what it targets, who made it.
func (s *poeScorer) Observe(e *plaudit.Event, ctx *Context) {
	if s.ix == nil {
		s.ix = poe.NewIndex(nil, poe.Env{Dir: ctx.Dir})
	}
	if s.planned {
		if !s.sources[e.Source] && e.Source != plaudit.SourcePlaudit && !s.crossed(e) {
			return
		}
		if e.Kind == plaudit.KindDecision {
			c := *e // the index keeps decisions whole, and a streamed event is valid only while it is shown
			e = &c
		}
	}
	s.ix.Add(e, ctx.Dir.MemberOfActor(e))
}

// crossed reports whether e is a cross-source flag's or curation's target, or targets one: its key or
// its target's is in s.cross. The keys are looked up from a buffer: most events of a log are of sources the
// policy does not score with PoE, and making two strings for each was a quarter of the observers' walk at 100,000 members.
func (s *poeScorer) crossed(e *plaudit.Event) bool {
	if len(s.cross) == 0 {
		return false
	}
	var b [128]byte
	if s.cross[string(poe.AppendKey(b[:0], e))] {
		return true
	}
	return s.cross[string(poe.AppendTargetKey(b[:0], e))]
}

// Score scores the PoE kinds against everything observed.
func (s *poeScorer) Score(e *plaudit.Event, ctx *Context) []plaudit.Score {
	if s.ix == nil {
		s.Observe(e, ctx)
	}
	sc := &poe.Scorer{Params: s.p, Index: s.ix, Env: poe.Env{Dir: ctx.Dir, Reputation: ctx.Reputation, SameRing: ctx.SameRing}}
	r, ok := sc.Score(e)
	if !ok {
		return nil
	}
	return []plaudit.Score{{Points: r.Points, Lines: r.Lines}}
}
