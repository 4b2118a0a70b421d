package graph

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/plaudit/plaudit"
)

// Weights gives each kind of interaction its weight in the interaction graph. Kinds without a weight (posts,
// identity events, flags) add no edge.
type Weights map[plaudit.Kind]float64

// DefaultWeights returns the weights used when a policy sets none: a reply, quote or review (work that
// engages with the other's content) weighs 3, a comment or repost 2, a like, mention or follow 1.
func DefaultWeights() Weights {
	return Weights{
		plaudit.KindReply:   3,
		plaudit.KindQuote:   3,
		plaudit.KindReview:  3,
		plaudit.KindComment: 2,
		plaudit.KindRepost:  2,
		plaudit.KindLike:    1,
		plaudit.KindMention: 1,
		plaudit.KindFollow:  1,
	}
}

// Validate reports the first weight that is not a finite number ≥ 0, naming its kind.
func (w Weights) Validate() error {
	kinds := make([]string, 0, len(w))
	for k := range w {
		kinds = append(kinds, string(k))
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		v := w[plaudit.Kind(k)]
		if !(v >= 0) || v > 1e12 {
			return plaudit.Errorf(plaudit.EINVALID, "interaction weight for kind %s: %v: must be a number from 0 to 1e12", k, v)
		}
	}
	return nil
}

// EventOptions selects the events of one graph (an epoch) and weighs them.
type EventOptions struct {
	Weights Weights   // nil for DefaultWeights
	Since   time.Time // inclusive, by event time; zero for no lower bound
	Until   time.Time // exclusive; zero for no upper bound
}

// FromEvents builds the member interaction graph of an epoch: one node per member of dir (handles), and an
// edge from the member who acted to the member whose content or account was acted upon, weighted by kind.
// It is FromStream over the events held in memory.
func FromEvents(events []plaudit.Event, dir *plaudit.Directory, opt EventOptions) (*Graph, error) {
	return FromStream(plaudit.StreamOf(events), dir, opt)
}

// FromStream builds the member interaction graph of an epoch from a replayable event stream (walked twice),
// holding only the graph being built and the Farcaster usernames seen, never the events: one node per
// member of dir (handles), and an edge from the member who acted to the member whose content or account
// was acted upon, weighted by kind.
//
// The target member is found, in order, from the event's target_author; for a follow, from its target (an
// account id); for a GitHub comment, from attrs.issue_author; and for Farcaster mentions from
// attrs.mentioned (usernames, resolved through the username attrs of the casts seen). An account the
// Directory has not seen stands for a member of its own, keyed by the account. Interactions between
// accounts of the same member are self-loops and are dropped. Events are read in the stream's order, so
// the same events give the same graph.
func FromStream(events plaudit.EventStream, dir *plaudit.Directory, opt EventOptions) (*Graph, error) {
	eg, err := NewEventGraph(dir, opt)
	if err != nil {
		return nil, err
	}
	if err := events(func(e *plaudit.Event) error { eg.Learn(e); return nil }); err != nil {
		return nil, fmt.Errorf("graph: read the usernames: %w", err)
	}
	if err := events(func(e *plaudit.Event) error { eg.Add(e); return nil }); err != nil {
		return nil, fmt.Errorf("graph: read the interactions: %w", err)
	}
	return eg.Graph(), nil
}

// EventGraph builds the interaction graph FromStream builds from events handed to it one at a time over
// two walks of the same events: Learn each event of the first walk, then Add each of the second, then take
// the Graph. It lets a caller that walks the log for other reasons too build the graph in the same walks.
type EventGraph struct {
	dir           *plaudit.Directory
	opt           EventOptions
	weights       Weights
	mentionWeight float64
	b             *Builder
	usernames     Usernames
}

// Usernames maps each Farcaster username (lower case) to the fid that first used it, as casts carry their
// author's username: what the graph resolves mentions with. A walk that has other work too can learn them
// (Learn) before the graph exists, and hand them over (EventGraph.SetUsernames).
type Usernames map[string]string

// Learn reads one event: a Farcaster event that carries its actor's username.
func (u Usernames) Learn(e *plaudit.Event) {
	if e.Source != plaudit.SourceFarcaster {
		return
	}
	if name, ok := e.AttrString("username"); ok && name != "" {
		if _, seen := u[strings.ToLower(name)]; !seen {
			u[strings.ToLower(name)] = e.Actor
		}
	}
}

// NewEventGraph starts the graph of dir's members under opt; it fails when opt's weights are invalid.
func NewEventGraph(dir *plaudit.Directory, opt EventOptions) (*EventGraph, error) {
	weights := opt.Weights
	if weights == nil {
		weights = DefaultWeights()
	}
	if err := weights.Validate(); err != nil {
		return nil, err
	}
	b := NewBuilder()
	for _, m := range dir.Members() {
		b.AddNode(m.Handle)
	}
	return &EventGraph{dir: dir, opt: opt, weights: weights, mentionWeight: weights[plaudit.KindMention], b: b,
		usernames: Usernames{}}, nil
}

// Learn reads one event of the first walk: Farcaster mentions name usernames, and casts carry their
// author's username, so the mapping is learnt before any edge is added.
func (g *EventGraph) Learn(e *plaudit.Event) { g.usernames.Learn(e) }

// SetUsernames makes u, learnt from the same events in an earlier walk, the usernames g resolves mentions
// with, instead of Learn's; g keeps u.
func (g *EventGraph) SetUsernames(u Usernames) { g.usernames = u }

func (g *EventGraph) add(from, toAccount string, w float64) {
	to := g.dir.MemberOf(toAccount)
	if to == "" {
		to = toAccount // never seen as an actor: a member of its own, as the Directory would make it
	}
	if to == from {
		return
	}
	_ = g.b.AddEdge(from, to, w) // weights were validated
}

// Add reads one event of the second walk, adding its interactions.
func (g *EventGraph) Add(e *plaudit.Event) {
	if e.Kind.IsIdentity() || e.Source == plaudit.SourcePlaudit {
		return
	}
	if !g.opt.Since.IsZero() && e.Time.Before(g.opt.Since) {
		return
	}
	if !g.opt.Until.IsZero() && !e.Time.Before(g.opt.Until) {
		return
	}
	from := g.dir.MemberOfActor(e)
	if from == "" {
		return
	}
	if w, ok := g.weights[e.Kind]; ok && w > 0 {
		switch {
		case e.TargetAuthor != "":
			g.add(from, e.TargetAccountKey(), w)
		case e.Kind == plaudit.KindFollow && e.Target != "":
			g.add(from, string(e.Source)+":"+e.Target, w)
		case e.Kind == plaudit.KindComment:
			if a, ok := e.AttrString("issue_author"); ok && a != "" {
				g.add(from, string(e.Source)+":"+a, w)
			}
		}
	}
	if e.Source == plaudit.SourceFarcaster && e.Kind != plaudit.KindMention && g.mentionWeight > 0 {
		if list, ok := e.Attrs["mentioned"].([]any); ok {
			for _, v := range list {
				u, _ := v.(string)
				if fid, ok := g.usernames[strings.ToLower(u)]; ok {
					g.add(from, "farcaster:"+fid, g.mentionWeight)
				}
			}
		}
	}
}

// Graph returns the graph of the events added.
func (g *EventGraph) Graph() *Graph { return g.b.Build() }
