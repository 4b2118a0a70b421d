package eval

import (
	"bytes"
	"fmt"

	"gopkg.in/yaml.v3"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/gen"
	"github.com/plaudit/plaudit/policy"
	"github.com/plaudit/plaudit/score"
)

// LikeRingResult is what the likes of a like ring, and for comparison the likes of honest members, were
// worth in points before reputation entered scoring (every member at the constant 0.5, tiers alone pricing
// a tiered like, platform counts a cast's likes) and after (the epoch reputation, and the tiered and cast
// scorers' reputation params on).
//
// A like is worth what it earned its maker (a tiered like on a submitted post) plus what it added to the
// comment it liked (a PoE reaction, before the comment's reaction cap). A cast's likes enter its community
// impact, not one by one, so for casts the result compares the casts' points.
type LikeRingResult struct {
	// The reputation weight of every like in the log (any source, scored or not), averaged per like: what
	// a reaction-weighting scorer multiplies by. Before, every like weighed DefaultReputation (0.5).
	RingAllLikes     int     `json:"ring_all_likes"`
	RingMeanWeight   float64 `json:"ring_mean_weight"`
	HonestAllLikes   int     `json:"honest_all_likes"`
	HonestMeanWeight float64 `json:"honest_mean_weight"`

	// The points that scored likes earned or added.
	RingLikes    int            `json:"ring_likes"`
	RingBefore   plaudit.Points `json:"ring_before"`
	RingAfter    plaudit.Points `json:"ring_after"`
	HonestLikes  int            `json:"honest_likes"`
	HonestBefore plaudit.Points `json:"honest_before"`
	HonestAfter  plaudit.Points `json:"honest_after"`

	// The points of the casts the members wrote (the cast scorer's community impact counts their likes
	// and recasts; after, from the log's engagers weighed by reputation).
	RingCastsBefore   plaudit.Points `json:"ring_casts_before"`
	RingCastsAfter    plaudit.Points `json:"ring_casts_after"`
	HonestCastsBefore plaudit.Points `json:"honest_casts_before"`
	HonestCastsAfter  plaudit.Points `json:"honest_casts_after"`
}

// RingChange is the relative change of the ring's likes' worth, after / before − 1 (−0.8 is 80 % less).
func (r *LikeRingResult) RingChange() float64 { return change(r.RingBefore, r.RingAfter) }

// HonestChange is the same for honest members' likes.
func (r *LikeRingResult) HonestChange() float64 { return change(r.HonestBefore, r.HonestAfter) }

func change(before, after plaudit.Points) float64 {
	if before == 0 {
		return 0
	}
	return float64(after)/float64(before) - 1
}

// Line is the eval report's lines for the like ring: the mean weight of a like, then the points of the
// scored likes.
func (r *LikeRingResult) Line() string {
	before := float64(score.DefaultReputation) / float64(plaudit.One)
	return fmt.Sprintf("like ring: a like weighs %.4f on average, %+.1f%% against %.1f before reputation weighting (%d likes); an honest member's %.4f (%+.1f%%, %d likes)\n"+
		"like ring: its %d scored likes are worth %s points, %s before (%+.1f%%); honest members' %d: %s, %s before (%+.1f%%)",
		r.RingMeanWeight, 100*(r.RingMeanWeight/before-1), before, r.RingAllLikes, r.HonestMeanWeight, 100*(r.HonestMeanWeight/before-1), r.HonestAllLikes,
		r.RingLikes, r.RingAfter, r.RingBefore, 100*r.RingChange(), r.HonestLikes, r.HonestAfter, r.HonestBefore, 100*r.HonestChange()) +
		fmt.Sprintf("\nlike ring: its casts score %s points, %s before (%+.1f%%); honest members' casts %s, %s before (%+.1f%%)",
			r.RingCastsAfter, r.RingCastsBefore, 100*change(r.RingCastsBefore, r.RingCastsAfter),
			r.HonestCastsAfter, r.HonestCastsBefore, 100*change(r.HonestCastsBefore, r.HonestCastsAfter))
}

// LikeRing scores events twice under pol — as before reputation weighting and as after — and sums what the
// likes of like-ring members and of honest members were worth each time.
func LikeRing(pol *policy.Policy, events []plaudit.Event, labels []gen.MemberLabel) (*LikeRingResult, error) {
	label := make(map[string]gen.Label, len(labels))
	for _, l := range labels {
		label[l.Member] = l.Label
	}
	before, _, err := score.Run(pol, events, score.ConstantReputation(score.DefaultReputation))
	if err != nil {
		return nil, fmt.Errorf("like ring: score before: %w", err)
	}
	weighted, err := withReputation(pol)
	if err != nil {
		return nil, fmt.Errorf("like ring: %w", err)
	}
	after, dir, err := score.Run(weighted, events, nil)
	if err != nil {
		return nil, fmt.Errorf("like ring: score after: %w", err)
	}
	r := &LikeRingResult{}
	if err := r.weights(pol, events, dir, label); err != nil {
		return nil, fmt.Errorf("like ring: %w", err)
	}
	castPoints(before, label, &r.RingCastsBefore, &r.HonestCastsBefore)
	castPoints(after, label, &r.RingCastsAfter, &r.HonestCastsAfter)
	likeWorth(before, label, func(l gen.Label, pts plaudit.Points) {
		switch l {
		case gen.LikeRing:
			r.RingLikes++
			r.RingBefore += pts
		case gen.Honest:
			r.HonestLikes++
			r.HonestBefore += pts
		}
	})
	likeWorth(after, label, func(l gen.Label, pts plaudit.Points) {
		switch l {
		case gen.LikeRing:
			r.RingAfter += pts
		case gen.Honest:
			r.HonestAfter += pts
		}
	})
	return r, nil
}

// weights averages the epoch reputation of the maker of every like in events, by label.
func (r *LikeRingResult) weights(pol *policy.Policy, events []plaudit.Event, dir *plaudit.Directory, label map[string]gen.Label) error {
	rep, err := score.NewEpochReputation(pol, events)
	if err != nil {
		return err
	}
	var ring, honest int64 // sums of Ratios
	for i := range events {
		e := &events[i]
		if e.Kind != plaudit.KindLike {
			continue
		}
		l := label[dir.MemberOfActor(e)]
		if l != gen.LikeRing && l != gen.Honest {
			continue
		}
		start, end, err := rep.Epoch(e.Time)
		if err != nil {
			return err
		}
		snap, err := rep.Snapshot(start, end)
		if err != nil {
			return err
		}
		maker := dir.MemberOfActor(e)
		w := int64(snap.Weight(maker, score.DefaultReputation))
		if e.TargetAuthor != "" && snap.SameRing(maker, dir.MemberOf(e.TargetAccountKey())) {
			w = 0 // a like within a collusion ring, as the scorers weigh it
		}
		if l == gen.LikeRing {
			r.RingAllLikes++
			ring += w
		} else {
			r.HonestAllLikes++
			honest += w
		}
	}
	if r.RingAllLikes > 0 {
		r.RingMeanWeight = float64(ring) / float64(r.RingAllLikes) / float64(plaudit.One)
	}
	if r.HonestAllLikes > 0 {
		r.HonestMeanWeight = float64(honest) / float64(r.HonestAllLikes) / float64(plaudit.One)
	}
	return nil
}

// castPoints sums the cast scores of like-ring and honest members.
func castPoints(scores []plaudit.Score, label map[string]gen.Label, ring, honest *plaudit.Points) {
	for i := range scores {
		if s := &scores[i]; s.Scorer == "cast" {
			switch label[s.Member] {
			case gen.LikeRing:
				*ring += s.Points
			case gen.Honest:
				*honest += s.Points
			}
		}
	}
}

// likeWorth calls add for every like in scores with its maker's label and its worth: a tiered like's
// points (its maker earned them) and each reactor's "added" input of a PoE reactions line.
func likeWorth(scores []plaudit.Score, label map[string]gen.Label, add func(gen.Label, plaudit.Points)) {
	for i := range scores {
		s := &scores[i]
		for _, l := range s.Lines {
			switch l.Rule {
			case "tiered.like":
				add(label[s.Member], l.Points)
			case "poe.comment.reactions":
				reactor := ""
				for _, in := range l.Inputs {
					switch in.Name {
					case "reactor":
						reactor = in.Value
					case "added":
						if pts, err := plaudit.ParsePoints(in.Value); err == nil {
							add(label[reactor], pts)
						}
					}
				}
			}
		}
	}
}

// withReputation returns pol with the tiered and cast scorers' reputation params on: its effective
// document with params.reputation set to true in every tiered and cast entry, parsed again (so the hash is
// the new policy's).
func withReputation(pol *policy.Policy) (*policy.Policy, error) {
	doc := pol.Node()
	for i := 0; i+1 < len(doc.Content); i += 2 {
		if doc.Content[i].Value != "scorers" {
			continue
		}
		for _, entry := range doc.Content[i+1].Content {
			name := field(entry, "scorer")
			if name == nil || (name.Value != "tiered" && name.Value != "cast") {
				continue
			}
			if params := field(entry, "params"); params != nil {
				if sw := field(params, "reputation"); sw != nil {
					sw.Value = "true"
				}
			}
		}
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("encode the policy with reputation weighting: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encode the policy with reputation weighting: %w", err)
	}
	return policy.Parse(b.Bytes(), pol.Name+" with reputation weighting")
}

// field returns the value node of key in mapping n, or nil.
func field(n *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}
