package score

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync/atomic"

	"gopkg.in/yaml.v3"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/policy"
	"github.com/plaudit/plaudit/score/conversation"
)

func init() {
	Register(policy.ScorerType{
		Name:    conversation.ScorerName,
		Doc:     "Ubiquity-compatible GitHub conversation rewards: comment formatting, relevance, roles, task price, reviews (seed 002)",
		Sources: []plaudit.Source{plaudit.SourceGitHub},
		Kinds:   []plaudit.Kind{"issue", "pull_request", plaudit.KindComment, plaudit.KindReview},
		NewParams: func() any {
			return &ConversationParams{Config: conversation.DefaultConfig()}
		},
		Decode: decodeConversationParams,
		Encode: encodeConversationParams,
	}, func(params any) (Scorer, error) {
		p, ok := params.(*ConversationParams)
		if !ok {
			return nil, fmt.Errorf("conversation: params of type %T", params)
		}
		return &conversationScorer{cfg: &p.Config}, nil
	})
}

// ConversationParams are the conversation scorer's policy parameters: a Ubiquity text-conversation-rewards
// configuration as written (its `with:` block), and the Config it means. An empty one means Plaudit's own
// defaults (conversation.DefaultConfig). The configuration is kept as written, keys sorted, for `policy
// show` and the hash: Ubiquity's format is the one users know, and what it means is a fixed function of it.
type ConversationParams struct {
	Config conversation.Config
	source *yaml.Node
}

// decodeConversationParams reads a conversation scorer's params: nothing for Plaudit's own defaults
// (conversation.DefaultConfig), or a Ubiquity text-conversation-rewards configuration — the plugin's `with:`
// block — read in Ubiquity compatibility mode.
func decodeConversationParams(n *yaml.Node) (any, []*plaudit.FieldError) {
	if n.Kind == yaml.MappingNode && len(n.Content) == 0 || n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return &ConversationParams{Config: conversation.DefaultConfig()}, nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, []*plaudit.FieldError{{Line: n.Line, Reason: "want a Ubiquity text-conversation-rewards configuration (a mapping), or nothing for the defaults"}}
	}
	b, err := yaml.Marshal(n)
	if err != nil {
		return nil, []*plaudit.FieldError{{Line: n.Line, Reason: err.Error()}}
	}
	c, err := conversation.ParseUbiquityConfig(b)
	if err != nil {
		var ce *conversation.ConfigError
		if errors.As(err, &ce) {
			return nil, []*plaudit.FieldError{{Line: lineOf(n, ce.Field), Field: ce.Field, Reason: ce.Reason}}
		}
		return nil, []*plaudit.FieldError{{Line: n.Line, Reason: strings.TrimPrefix(err.Error(), "ubiquity config: ")}}
	}
	return &ConversationParams{Config: c, source: sortedCopy(n)}, nil
}

// sortedCopy copies n with every mapping's keys sorted and block layout, dropping comments and positions.
func sortedCopy(n *yaml.Node) *yaml.Node {
	c := &yaml.Node{Kind: n.Kind, Tag: n.Tag, Value: n.Value}
	if n.Kind == yaml.ScalarNode {
		c.Style = n.Style & (yaml.DoubleQuotedStyle | yaml.SingleQuotedStyle | yaml.LiteralStyle | yaml.FoldedStyle)
		return c
	}
	if n.Kind == yaml.MappingNode {
		type kv struct{ k, v *yaml.Node }
		pairs := make([]kv, 0, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			pairs = append(pairs, kv{n.Content[i], n.Content[i+1]})
		}
		sort.SliceStable(pairs, func(i, j int) bool { return pairs[i].k.Value < pairs[j].k.Value })
		for _, p := range pairs {
			c.Content = append(c.Content, sortedCopy(p.k), sortedCopy(p.v))
		}
		return c
	}
	for _, x := range n.Content {
		c.Content = append(c.Content, sortedCopy(x))
	}
	return c
}

// lineOf finds the line of a dotted field path ("incentives.reviewIncentivizer.baseRate", with [i] for
// list items) in n, or the deepest part of it that exists.
func lineOf(n *yaml.Node, path string) int {
	line := n.Line
	for _, part := range strings.Split(path, ".") {
		key, idx, _ := strings.Cut(part, "[")
		if n.Kind != yaml.MappingNode {
			return line
		}
		found := false
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				line, n, found = n.Content[i].Line, n.Content[i+1], true
				break
			}
		}
		if !found {
			return line
		}
		if idx != "" {
			var k int
			if _, err := fmt.Sscanf(idx, "%d]", &k); err != nil || n.Kind != yaml.SequenceNode || k >= len(n.Content) {
				return line
			}
			n = n.Content[k]
			line = n.Line
		}
	}
	return line
}

// encodeConversationParams writes the configuration as given, keys sorted; empty for the defaults.
func encodeConversationParams(params any) (*yaml.Node, error) {
	p, ok := params.(*ConversationParams)
	if !ok {
		return nil, fmt.Errorf("conversation params of type %T", params)
	}
	if p.source == nil {
		return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}, nil
	}
	return p.source, nil
}

// conversationScorer adapts package conversation, which scores whole GitHub conversations at once: it
// collects the GitHub events it observes by conversation (thread), scores the conversations that changed
// when next asked, and hands each event its scores. A conversation's scores depend on its own events only,
// so a new comment rescores its conversation, not every conversation of the log (which made streaming
// quadratic in the log's GitHub events). Task rewards go to assignees, found through the directory.
type conversationScorer struct {
	cfg     *conversation.Config
	threads map[string][]plaudit.Event // by thread id (the or pull request's id), in log order
	dirty   map[string]bool            // the threads that changed since they were last scored
	scores  map[string][]plaudit.Score // by event key
	err     error
	// left, in a planned run (Plan), counts by thread the events still to be scored: a thread is scored
	// when its first event is, and dropped with its scores once its last one has been.
	left map[string]int
	// spill, in a planned run, holds the threads' events on disk instead of threads; spilled counts them.
	spill   *threadSpill
	spilled int
	// order, in a planned run, is the threads in the order of their first event to be scored (Plan sees
	// the events in the order the scoring walk does); ahead scores them in that order on a goroutine of
	// its own once scoring starts, so that the scoring walk, which was half this scorer's conversation
	// scoring at a million members, takes each thread's scores ready.
	order []string
	ahead *threadsAhead
}

// threadsAhead is a planned run's conversation scoring on its own goroutine: the threads' scores in order.
type threadsAhead struct {
	out  chan threadScores
	stop chan struct{} // closed to stop the goroutine
	done chan struct{} // closed when it has stopped
}

// threadScores is one thread's scores, or why it could not be scored.
type threadScores struct {
	id     string
	scores []plaudit.Score
	err    error
}

// aheadThreads is how many threads' scores threadsAhead keeps ready.
var aheadThreads = 64

// aheadRunning counts the goroutines scoring threads ahead, for the tests to see that none is left.
var aheadRunning atomic.Int32

// conversationKind reports whether the conversation scorer collects events of kind k (GitHub's).
func conversationKind(k plaudit.Kind) bool {
	switch k {
	case "issue", "pull_request", plaudit.KindComment, plaudit.KindReview, plaudit.KindRelevance:
		return true
	}
	return false
}

// Plan counts the conversation events to be scored by thread, so that a streamed run holds a thread's
// events and scores only until its last event has been scored.
func (s *conversationScorer) Plan(e *plaudit.Event, _ *Context) {
	if s.left == nil {
		s.left = map[string]int{}
	}
	if e.Source == plaudit.SourceGitHub && conversationKind(e.Kind) {
		id := conversationThread(e)
		if s.left[id] == 0 {
			s.order = append(s.order, id)
		}
		s.left[id]++
	}
}

// conversationThread is the conversation an event belongs to: an issue or pull request is its own, a
// comment, review or relevance rating belongs to its target's.
func conversationThread(e *plaudit.Event) string {
	if e.Kind == "issue" || e.Kind == "pull_request" {
		return e.ExternalID
	}
	return e.Target
}

// Observe collects the GitHub conversation events.
func (s *conversationScorer) Observe(e *plaudit.Event, ctx *Context) {
	if e.Source != plaudit.SourceGitHub {
		return
	}
	if conversationKind(e.Kind) {
		// Relevance events are the conversations' recorded ratings: scoring replays them.
		if s.threads == nil {
			s.threads, s.dirty = map[string][]plaudit.Event{}, map[string]bool{}
		}
		id := conversationThread(e)
		s.dirty[id] = true
		if s.left != nil { // a streamed run: every thread is seen before any is scored
			if s.spill == nil && s.err == nil {
				if s.spill, s.err = newThreadSpill(); s.err != nil {
					return
				}
			}
			if s.spill != nil {
				if err := s.spill.add(id, e); err != nil && s.err == nil {
					s.err = err
				}
				s.spilled++
			}
			return
		}
		s.threads[id] = append(s.threads[id], *e)
	}
}

// Score returns e's conversation scores, scoring the conversations that changed first.
func (s *conversationScorer) Score(e *plaudit.Event, ctx *Context) []plaudit.Score {
	if s.scores == nil {
		s.scores = map[string][]plaudit.Score{}
	}
	if s.left != nil {
		return s.scorePlanned(e, ctx)
	}
	if len(s.dirty) > 0 {
		ids := make([]string, 0, len(s.dirty))
		for id := range s.dirty {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		s.scoreThreads(ids, ctx)
	}
	return s.scores[e.Key()]
}

// scorePlanned is Score in a planned run: it scores e's thread alone when its first event comes (a
// conversation's scores depend on its own events only), and drops the thread once its events are done.
func (s *conversationScorer) scorePlanned(e *plaudit.Event, ctx *Context) []plaudit.Score {
	if e.Source != plaudit.SourceGitHub || !conversationKind(e.Kind) {
		return nil
	}
	id := conversationThread(e)
	if s.dirty[id] {
		if s.spill != nil {
			s.scoreAhead(id, ctx)
		} else {
			s.scoreThreads([]string{id}, ctx)
		}
	}
	key := e.Key()
	out := s.scores[key]
	delete(s.scores, key) // an event is scored once: its scores are not asked for again
	if s.left[id]--; s.left[id] <= 0 {
		delete(s.left, id)
		if s.spill != nil {
			s.spill.drop(id)
			if len(s.left) == 0 {
				s.release()
			}
		}
	}
	return out
}

// scoreAhead takes thread id's scores from the goroutine that scores the threads in order, starting it
// at the first thread asked for.
func (s *conversationScorer) scoreAhead(id string, ctx *Context) {
	if s.ahead == nil {
		if s.err != nil {
			return
		}
		if err := s.spill.flush(); err != nil {
			s.err = err
			return
		}
		s.ahead = s.spill.scoreAhead(s.order, s.cfg, ctx.Dir)
		s.order = nil
	}
	r, ok := <-s.ahead.out
	switch {
	case ok && r.err != nil:
		if s.err == nil {
			s.err = fmt.Errorf("conversation: %w", r.err)
		}
		return
	case !ok || r.id != id:
		if s.err == nil {
			s.err = fmt.Errorf("conversation: thread %s is scored out of the planned order", id)
		}
		return
	}
	delete(s.dirty, id)
	for _, sc := range r.scores {
		s.scores[sc.Event] = append(s.scores[sc.Event], sc)
	}
}

// scoreAhead starts a goroutine that reads back and scores the threads order, in order, each thread's
// members found in dir, which nothing changes meanwhile (a planned run built it before scoring). It reads
// the file alone (read), not at, which the scoring walk changes as it drops threads.
func (s *threadSpill) scoreAhead(order []string, cfg *conversation.Config, dir *plaudit.Directory) *threadsAhead {
	spans := make([][]span, len(order))
	for i, id := range order {
		spans[i] = s.at[id]
	}
	a := &threadsAhead{out: make(chan threadScores, aheadThreads), stop: make(chan struct{}), done: make(chan struct{})}
	member := githubMember(dir)
	aheadRunning.Add(1)
	go func() {
		defer close(a.done)
		defer aheadRunning.Add(-1)
		defer close(a.out)
		for i, id := range order {
			r := threadScores{id: id}
			var events []plaudit.Event
			if events, r.err = s.read(id, spans[i]); r.err == nil {
				r.scores, r.err = cfg.ScoreEvents(context.Background(), events, conversation.EventOptions{Member: member})
			}
			select {
			case a.out <- r:
			case <-a.stop:
				return
			}
			if r.err != nil {
				return
			}
		}
	}()
	return a
}

// githubMember returns the member of a GitHub login in dir, or the login's own "github:login" when it is
// no member's account: who a conversation's scores go to.
func githubMember(dir *plaudit.Directory) func(login string) string {
	return func(login string) string {
		if m := dir.MemberOfAccount(plaudit.SourceGitHub, login); m != "" {
			return m
		}
		return "github:" + login
	}
}

// scoreThreads scores the conversations ids (sorted) held in memory, replacing their events' scores (a
// planned run's spilled threads are scored ahead instead: scoreAhead).
func (s *conversationScorer) scoreThreads(ids []string, ctx *Context) {
	var events []plaudit.Event
	for _, id := range ids {
		thread := s.threads[id]
		for i := range thread {
			delete(s.scores, thread[i].Key())
		}
		events = append(events, thread...)
		delete(s.dirty, id)
	}
	all, err := s.cfg.ScoreEvents(context.Background(), events, conversation.EventOptions{Member: githubMember(ctx.Dir)})
	if err != nil {
		s.err = fmt.Errorf("conversation: %w", err)
		return
	}
	for _, sc := range all {
		s.scores[sc.Event] = append(s.scores[sc.Event], sc)
	}
}

// release stops the scoring ahead and closes the spill of a planned run, when it has scored every thread
// or stopped before.
func (s *conversationScorer) release() {
	if s.ahead != nil {
		close(s.ahead.stop)
		<-s.ahead.done
		s.ahead = nil
	}
	if s.spill != nil {
		if err := s.spill.close(); err != nil && s.err == nil {
			s.err = fmt.Errorf("conversation: %w", err)
		}
		s.spill = nil
	}
}

// Err reports a failure to score the conversations: the engine's Run returns it.
func (s *conversationScorer) Err() error { return s.err }
