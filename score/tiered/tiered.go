// Package tiered is the tiered-points rule of seed 001: members submit posts for tracking, and other members
// earn points for liking, reposting and replying to them, priced by the engaging member's tier.
//
// The rules, as issue 3 settles them: each (post, member, kind) is awarded once ever; only posts submitted
// within the window (24 h by default) are checked, so an engagement counts when it happens no later than the
// window's end after the post's first submission; a member earns nothing for engaging with their own post
// (as its submitter or its author); a rule set to 0 awards 0; and the tier at the time of the engagement
// prices it. The package is pure: the engine (package score) feeds it members and tiers.
package tiered

import (
	"fmt"
	"sort"
	"time"

	"github.com/plaudit/plaudit"
)

// Rule prices the three engagement kinds for members of one tier.
type Rule struct {
	Tier   int            `yaml:"tier"`
	Like   plaudit.Points `yaml:"like"`
	Repost plaudit.Points `yaml:"repost"`
	Reply  plaudit.Points `yaml:"reply"`
}

// Params are the tiered scorer's policy parameters.
type Params struct {
	// Window is how long after its submission a post is checked for engagement.
	Window time.Duration `yaml:"window"`
	// Tiers lists one rule per tier. A member whose tier has no rule of its own is priced by the rule of the
	// highest tier below theirs (a tier-5 member with rules for 1–3 is priced as tier 3).
	Tiers []Rule `yaml:"tiers"`
	// Reputation, when true, multiplies each engagement's price by the engaging member's reputation (0–1,
	// the epoch reputation the engine reads: EigenTrust as of the start of the engagement's epoch), so that
	// a like from a trusted member earns more than one from an account nobody trusts. Off by default: the
	// seed's table prices by tier alone. Being a param, it is part of the policy's hash.
	Reputation bool `yaml:"reputation,omitempty"`
}

// DefaultParams returns the seed's table (tier 1: 1/2/3, tier 2: 2/4/6, tier 3: 3/6/9 points for a like,
// a repost, a reply) and a 24-hour window.
func DefaultParams() *Params {
	return &Params{
		Window: 24 * time.Hour,
		Tiers: []Rule{
			{Tier: 1, Like: plaudit.PointsFromInt(1), Repost: plaudit.PointsFromInt(2), Reply: plaudit.PointsFromInt(3)},
			{Tier: 2, Like: plaudit.PointsFromInt(2), Repost: plaudit.PointsFromInt(4), Reply: plaudit.PointsFromInt(6)},
			{Tier: 3, Like: plaudit.PointsFromInt(3), Repost: plaudit.PointsFromInt(6), Reply: plaudit.PointsFromInt(9)},
		},
	}
}

// Validate checks the window and the tier table: tiers from 1 to 100, strictly increasing, starting at 1,
// no negative points.
func (p *Params) Validate() []*plaudit.FieldError {
	var errs []*plaudit.FieldError
	bad := func(field, format string, args ...any) {
		errs = append(errs, &plaudit.FieldError{Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	if p.Window <= 0 {
		bad("window", "must be positive")
	}
	if len(p.Tiers) == 0 {
		bad("tiers", "empty: at least a rule for tier 1 is needed")
	}
	for i, r := range p.Tiers {
		f := fmt.Sprintf("tiers[%d]", i)
		switch {
		case r.Tier < 1 || r.Tier > 100:
			bad(f+".tier", "want 1 to 100, got %d", r.Tier)
		case i == 0 && r.Tier != 1:
			bad(f+".tier", "the first rule must be for tier 1, got %d", r.Tier)
		case i > 0 && r.Tier <= p.Tiers[i-1].Tier:
			bad(f+".tier", "tiers must be listed in increasing order without repeats, got %d after %d", r.Tier, p.Tiers[i-1].Tier)
		}
		for _, x := range []struct {
			name string
			v    plaudit.Points
		}{{"like", r.Like}, {"repost", r.Repost}, {"reply", r.Reply}} {
			if x.v < 0 {
				bad(f+"."+x.name, "must not be negative")
			}
		}
	}
	return errs
}

// RuleFor returns the rule pricing a member of the given tier: that tier's, else the highest below it,
// else the first.
func (p *Params) RuleFor(tier int) Rule {
	i := sort.Search(len(p.Tiers), func(i int) bool { return p.Tiers[i].Tier > tier })
	if i == 0 {
		return p.Tiers[0]
	}
	return p.Tiers[i-1]
}

// Price returns the points a member of the given tier earns for one engagement of kind k (like, repost,
// reply), and whether k is priced at all.
func (p *Params) Price(tier int, k plaudit.Kind) (plaudit.Points, Rule, bool) {
	r := p.RuleFor(tier)
	switch k {
	case plaudit.KindLike:
		return r.Like, r, true
	case plaudit.KindRepost:
		return r.Repost, r, true
	case plaudit.KindReply:
		return r.Reply, r, true
	}
	return 0, r, false
}

// Outcome says what became of one engagement.
type Outcome int

// The outcomes of Engage.
const (
	Awarded        Outcome = iota // points awarded (possibly 0 when the rule is set to 0)
	NotTracked                    // the post was never submitted
	OutsideWindow                 // the engagement came after the post's window closed
	Self                          // the engager submitted or wrote the post
	AlreadyAwarded                // this member was already awarded for this kind on this post
	NotPriced                     // the kind is not a like, repost or reply
)

var outcomeNames = [...]string{"awarded", "post not submitted", "after the window closed", "own post", "already awarded", "kind not priced"}

// String names the outcome for explanations and logs.
func (o Outcome) String() string { return outcomeNames[o] }

// PostKey identifies a post: its source and its id there. It is a struct rather than a "source/id" string
// so that looking a post up allocates nothing.
type PostKey struct {
	Source plaudit.Source
	ID     string
}

// String returns the event-key form "source/id".
func (k PostKey) String() string { return string(k.Source) + "/" + k.ID }

// Post is a submitted post being tracked.
type Post struct {
	Key       PostKey
	Submitted time.Time // the first submission
	Submitter string    // member who submitted it
	Author    string    // member who wrote it, "" when unknown
	SubmitKey string    // key of the submit event
	Label     string    // "source/id submitted at RFC 3339 time", for explanations

	awarded map[string]uint8 // member → bits of the kinds already awarded on this post
}

// Tracker holds the state of the tiered rule over a stream: tracked posts and the awards made.
type Tracker struct {
	Params *Params
	posts  map[PostKey]*Post
}

// NewTracker returns a tracker with no posts.
func NewTracker(p *Params) *Tracker {
	return &Tracker{Params: p, posts: map[PostKey]*Post{}}
}

// Submit starts tracking a post. A post submitted again keeps its first submission; it reports whether
// this submission was the first.
func (t *Tracker) Submit(p Post) bool {
	if _, ok := t.posts[p.Key]; ok {
		return false
	}
	if p.Label == "" {
		p.Label = p.Key.String() + " submitted " + p.Submitted.UTC().Format(time.RFC3339)
	}
	t.posts[p.Key] = &p
	return true
}

// Post returns the tracked post with the given key.
func (t *Tracker) Post(key PostKey) (*Post, bool) {
	p, ok := t.posts[key]
	return p, ok
}

// Engage prices one engagement of kind k on post by member (of the given tier at the time) at time at,
// recording the award. The points are 0 unless the outcome is Awarded.
func (t *Tracker) Engage(postKey PostKey, member string, k plaudit.Kind, tier int, at time.Time) (plaudit.Points, Outcome) {
	if _, _, ok := t.Params.Price(tier, k); !ok {
		return 0, NotPriced
	}
	p, ok := t.posts[postKey]
	if !ok {
		return 0, NotTracked
	}
	return t.EngagePost(p, member, k, tier, at)
}

// EngagePost is Engage for a post already looked up with Post.
func (t *Tracker) EngagePost(p *Post, member string, k plaudit.Kind, tier int, at time.Time) (plaudit.Points, Outcome) {
	pts, _, ok := t.Params.Price(tier, k)
	if !ok {
		return 0, NotPriced
	}
	if at.After(p.Submitted.Add(t.Params.Window)) {
		return 0, OutsideWindow
	}
	if member == p.Submitter || member == p.Author {
		return 0, Self
	}
	var bit uint8
	switch k {
	case plaudit.KindLike:
		bit = 1
	case plaudit.KindRepost:
		bit = 2
	default:
		bit = 4
	}
	if p.awarded == nil {
		p.awarded = map[string]uint8{}
	}
	done := p.awarded[member]
	if done&bit != 0 {
		return 0, AlreadyAwarded
	}
	p.awarded[member] = done | bit
	return pts, Awarded
}
