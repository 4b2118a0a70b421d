// Package poe is the Proof-of-Engagement quality score of seed 004: points for quality comments, effective
// shares, accurate flags, curation and adopted feedback, multiplied by (1 + reputation × weight). An event
// is eligible only when its score is strictly above the policy's minimum; below it, it scores 0.
//
// The seed names metrics, not numbers. Every number here is a policy parameter with a documented default
// (docs/scoring.md). The score of an event depends on what happened after it — replies it received, who
// reacted — so a Scorer is first given the whole stream (Index) and then scores events one by one.
package poe

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/internal/arena"
	"github.com/plaudit/plaudit/moderation"
)

// Params are the PoE scorer's policy parameters. Points are per event before the reputation multiplier.
type Params struct {
	// MinScore: an event's final score must be strictly above it to be eligible; otherwise it scores 0.
	MinScore plaudit.Points `yaml:"min_score"`
	// ReputationWeight w: the final score is the sum of the rules × (1 + reputation × w).
	ReputationWeight plaudit.Ratio `yaml:"reputation_weight"`

	Comment  CommentParams  `yaml:"comment"`
	Share    ShareParams    `yaml:"share"`
	Flag     FlagParams     `yaml:"flag"`
	Curate   CurateParams   `yaml:"curate"`
	Feedback FeedbackParams `yaml:"feedback"`
	// Dispute prices moderators' decisions (seed 004's "constructive dispute resolution participation"); off
	// (0 points, left out of the policy's canonical form and hash) unless the policy sets it.
	Dispute DisputeParams `yaml:"dispute,omitempty"`
}

// CommentParams price a comment or reply.
type CommentParams struct {
	MinWords            int            `yaml:"min_words"`            // fewer words is a trivial reply: no length points
	PerWord             plaudit.Points `yaml:"per_word"`             // points per distinct word (substance, not padding)
	MaxLength           plaudit.Points `yaml:"max_length"`           // cap of the length points
	Original            plaudit.Points `yaml:"original"`             // not a near-duplicate of an earlier comment on the same target, no spam phrase
	DuplicateSimilarity plaudit.Ratio  `yaml:"duplicate_similarity"` // Jaccard similarity of distinct words at or above which a comment is a near-duplicate
	SpamPhrases         []string       `yaml:"spam_phrases"`         // known spam phrases (any case): a comment containing one is not original
	PerReply            plaudit.Points `yaml:"per_reply"`            // per distinct other member replying to the comment
	MaxReplies          plaudit.Points `yaml:"max_replies"`          // cap of the reply points
	PerReaction         plaudit.Points `yaml:"per_reaction"`         // per like from another member, times that member's reputation
	MaxReactions        plaudit.Points `yaml:"max_reactions"`        // cap of the reaction points
	Endorsement         plaudit.Points `yaml:"endorsement"`          // the target's author liked or replied to the comment
}

// ShareParams price a quote or repost.
type ShareParams struct {
	Base               plaudit.Points `yaml:"base"`                 // any share
	CommentaryMinWords int            `yaml:"commentary_min_words"` // words of commentary that count as added value
	Commentary         plaudit.Points `yaml:"commentary"`           // a share with that much commentary
	PerDownstream      plaudit.Points `yaml:"per_downstream"`       // per engagement on the share by another member
	MaxDownstream      plaudit.Points `yaml:"max_downstream"`       // cap of the downstream points
}

// FlagParams price a flag. A flag earns only when the log holds a moderator's decision confirming it
// (moderation.DecisionConfirm, naming the flag event) by someone other than the flagger, and no decision
// overturning it on appeal; what the flag event itself claims (attrs.confirmed) counts for nothing.
type FlagParams struct {
	Confirmed    plaudit.Points `yaml:"confirmed"`     // a confirmed flag; an unconfirmed one earns nothing
	TimelyWithin time.Duration  `yaml:"timely_within"` // a confirmed flag this soon after the flagged event is timely
	Timely       plaudit.Points `yaml:"timely"`        // bonus for a timely confirmed flag
}

// CurateParams price adding an item to a curated list.
type CurateParams struct {
	Base          plaudit.Points `yaml:"base"`           // any curation
	PerEngagement plaudit.Points `yaml:"per_engagement"` // per engagement on the curated item by others after it was curated
	MaxEngagement plaudit.Points `yaml:"max_engagement"` // cap of the engagement points
}

// FeedbackParams price a bug report or suggestion.
type FeedbackParams struct {
	Submitted plaudit.Points `yaml:"submitted"` // any feedback
	Adopted   plaudit.Points `yaml:"adopted"`   // feedback an operator adopted (a decision event in the log), not attrs.adopted
}

// DisputeParams price moderators' decisions on flags. A decision event (kind decision, source plaudit)
// scores only when the policy's poe scorer lists the kind decision and Resolved is above 0.
type DisputeParams struct {
	// Resolved is what a moderator earns per decision (confirm, reject, uphold, overturn) on a flag they
	// neither raised nor are the subject of; a confirmation later overturned on appeal earns nothing.
	Resolved plaudit.Points `yaml:"resolved"`
}

// DefaultParams returns the defaults documented in docs/scoring.md.
func DefaultParams() *Params {
	p := plaudit.PointsFromInt
	return &Params{
		MinScore:         p(5),
		ReputationWeight: 500_000,
		Comment: CommentParams{
			MinWords: 5, PerWord: 500_000, MaxLength: p(20), Original: p(10), DuplicateSimilarity: 800_000,
			SpamPhrases: []string{"follow me", "follow back", "check my profile", "dm me", "free airdrop", "giveaway"},
			PerReply:    p(4), MaxReplies: p(20), PerReaction: p(3), MaxReactions: p(20), Endorsement: p(15),
		},
		Share:    ShareParams{Base: p(2), CommentaryMinWords: 8, Commentary: p(10), PerDownstream: p(3), MaxDownstream: p(30)},
		Flag:     FlagParams{Confirmed: p(20), TimelyWithin: time.Hour, Timely: p(10)},
		Curate:   CurateParams{Base: p(3), PerEngagement: p(1), MaxEngagement: p(20)},
		Feedback: FeedbackParams{Submitted: p(2), Adopted: p(30)},
	}
}

// Validate checks that no points or thresholds are negative and ratios lie in 0–1.
func (p *Params) Validate() []*plaudit.FieldError {
	var errs []*plaudit.FieldError
	nonneg := func(field string, v int64) {
		if v < 0 {
			errs = append(errs, &plaudit.FieldError{Field: field, Reason: "must not be negative"})
		}
	}
	ratio := func(field string, v plaudit.Ratio) {
		if v < 0 || v > plaudit.One {
			errs = append(errs, &plaudit.FieldError{Field: field, Reason: "want 0 to 1, got " + v.String()})
		}
	}
	nonneg("min_score", int64(p.MinScore))
	nonneg("reputation_weight", int64(p.ReputationWeight))
	c := p.Comment
	nonneg("comment.min_words", int64(c.MinWords))
	for _, x := range []struct {
		f string
		v plaudit.Points
	}{{"comment.per_word", c.PerWord}, {"comment.max_length", c.MaxLength}, {"comment.original", c.Original}, {"comment.per_reply", c.PerReply},
		{"comment.max_replies", c.MaxReplies}, {"comment.per_reaction", c.PerReaction}, {"comment.max_reactions", c.MaxReactions},
		{"comment.endorsement", c.Endorsement}, {"share.base", p.Share.Base}, {"share.commentary", p.Share.Commentary},
		{"share.per_downstream", p.Share.PerDownstream}, {"share.max_downstream", p.Share.MaxDownstream}, {"flag.confirmed", p.Flag.Confirmed},
		{"flag.timely", p.Flag.Timely}, {"curate.base", p.Curate.Base}, {"curate.per_engagement", p.Curate.PerEngagement},
		{"curate.max_engagement", p.Curate.MaxEngagement}, {"feedback.submitted", p.Feedback.Submitted}, {"feedback.adopted", p.Feedback.Adopted},
		{"dispute.resolved", p.Dispute.Resolved}} {
		nonneg(x.f, int64(x.v))
	}
	ratio("comment.duplicate_similarity", c.DuplicateSimilarity)
	if c.DuplicateSimilarity == 0 {
		errs = append(errs, &plaudit.FieldError{Field: "comment.duplicate_similarity", Reason: "0 would make every comment a duplicate"})
	}
	for i, s := range c.SpamPhrases {
		if strings.TrimSpace(s) == "" {
			errs = append(errs, &plaudit.FieldError{Field: fmt.Sprintf("comment.spam_phrases[%d]", i), Reason: "empty phrase"})
		}
	}
	nonneg("share.commentary_min_words", int64(p.Share.CommentaryMinWords))
	nonneg("flag.timely_within", int64(p.Flag.TimelyWithin))
	return errs
}

// Env is what the score needs beyond the events: who is who, and how reputable.
type Env struct {
	Dir        *plaudit.Directory
	Reputation func(member string) plaudit.Ratio
	// SameRing, when set, reports whether two members were found in one collusion ring: a like from a
	// ring-mate adds nothing.
	SameRing func(a, b string) bool
}

// ref is an engagement on a target as the index keeps it: what scoring reads of it, not the event. A
// million-member log holds millions of them, most of them likes: 48 bytes each, and a comment's key and
// text beside it.
type ref struct {
	member string // who made it
	time   int64  // Unix nanoseconds
	seq    int64
	text   *refText // replies and comments only
	kind   refKind
	words  int32 // a reply's or comment's distinct words (wordList.len), which bound its similarity to another's
}

// refText is what the index keeps of a reply or comment besides its ref: its key, named as the one a
// near-duplicate copied, and its text, whose words near-duplicates compare.
type refText struct {
	key     string // source/external_id
	content string
}

// refKind is an engagement's kind in a byte.
type refKind uint8

const (
	refLike refKind = iota + 1
	refReply
	refComment
	refRepost
	refQuote
)

// engagementKind returns the refKind of an engagement kind (isEngagement), 0 for any other.
func engagementKind(k plaudit.Kind) refKind {
	switch k {
	case plaudit.KindLike:
		return refLike
	case plaudit.KindReply:
		return refReply
	case plaudit.KindComment:
		return refComment
	case plaudit.KindRepost:
		return refRepost
	case plaudit.KindQuote:
		return refQuote
	}
	return 0
}

// commented reports whether r is a reply or comment.
func (r *ref) commented() bool { return r.kind == refReply || r.kind == refComment }

// is reports whether r is the engagement e (or a copy of it), a reply or comment: other engagements keep
// no key, and are never e.
func (r *ref) is(e *plaudit.Event) bool {
	return r.text != nil && r.seq == e.Seq && r.text.key == e.Key()
}

// post is what the index keeps of an event that scoring looks up by key (a comment's post, a flag's
// subject): who made it and when.
type post struct {
	source plaudit.Source
	actor  string
	time   time.Time
}

// Index is the thread context of a stream: what targets what, built in one pass before scoring. It keeps
// only what scoring reads (ref, post), never the events themselves, but for the operators' decisions.
type Index struct {
	byKey map[string]post
	// want, when set, are the only keys byKey keeps (Want): the targets that the events to be scored look
	// up; nil keeps every event's.
	want map[string]bool
	// targets numbers the targets ("source/id") engaged with; refs[n] are the engagements on target n, in
	// stream order (on).
	targets map[string]int32
	refs    [][]ref
	// decisions are the moderators' and operators' decision events (source plaudit), by the key of the flag
	// or feedback event they decide on, and by flag id, in stream order. They are few, and kept whole.
	decisions map[string][]*plaudit.Event
	byFlag    map[string][]*plaudit.Event
	// text holds the strings the index keeps (keys, actors, comments' text) and texts the blocks its
	// refTexts are made in: at a million members, millions of objects of their own for the collector.
	text  arena.Strings
	texts []refText
}

// newText returns a new refText holding key and content, made in a block of them.
func (ix *Index) newText(key []byte, content string) *refText {
	if len(ix.texts) == cap(ix.texts) {
		ix.texts = make([]refText, 0, 1024)
	}
	ix.texts = append(ix.texts, refText{key: ix.text.KeepBytes(key), content: ix.text.Keep(content)})
	return &ix.texts[len(ix.texts)-1]
}

// on returns the engagements on the target with key k ("source/id"), in stream order.
func (ix *Index) on(k []byte) []ref {
	if n, ok := ix.targets[string(k)]; ok {
		return ix.refs[n]
	}
	return nil
}

// appendKey appends e's key (plaudit.Event.Key) to b: a key to look up need not be a string of its own.
func appendKey(b []byte, e *plaudit.Event) []byte { return appendSourceKey(b, e.Source, e.ExternalID) }

// appendSourceKey appends "source/id", the form of an event's key and of its target's, to b.
func appendSourceKey(b []byte, src plaudit.Source, id string) []byte {
	return append(append(append(b, src...), '/'), id...)
}

// appendTargetKey appends targetKey(e) to b.
func appendTargetKey(b []byte, e *plaudit.Event) []byte {
	if e.Target == "" {
		return b
	}
	if e.Kind == plaudit.KindFlag || e.Kind == plaudit.KindCurate {
		if strings.HasPrefix(e.Target, "member:") || strings.Contains(e.Target, "/") {
			return append(b, e.Target...)
		}
	}
	return appendSourceKey(b, e.Source, e.Target)
}

// engagementKinds are the kinds that count as engagement on their target.
func isEngagement(k plaudit.Kind) bool {
	switch k {
	case plaudit.KindLike, plaudit.KindReply, plaudit.KindComment, plaudit.KindRepost, plaudit.KindQuote:
		return true
	}
	return false
}

// TargetKey returns the key of e's target as the index files engagement, flags and curation under it: a
// "source/id" target of a flag or curation as is, else e's source and the target id; "" without a target.
func TargetKey(e *plaudit.Event) string { return targetKey(e) }

// AppendTargetKey appends TargetKey(e) to b: a lookup by string(AppendTargetKey(buf[:0], e)) allocates
// nothing.
func AppendTargetKey(b []byte, e *plaudit.Event) []byte { return appendTargetKey(b, e) }

// AppendKey appends e.Key() ("source/id") to b, as AppendTargetKey does its target's.
func AppendKey(b []byte, e *plaudit.Event) []byte { return appendSourceKey(b, e.Source, e.ExternalID) }

// targetKey returns the key of e's target: a "source/id" target (flags, curation) as is, else e's source
// and the target id.
func targetKey(e *plaudit.Event) string {
	var b [128]byte
	return string(appendTargetKey(b[:0], e))
}

// NewIndex indexes events (in stream order) with members from env.Dir.
func NewIndex(events []plaudit.Event, env Env) *Index {
	ix := &Index{byKey: make(map[string]post, len(events)), targets: map[string]int32{}, decisions: map[string][]*plaudit.Event{}, byFlag: map[string][]*plaudit.Event{}}
	for i := range events {
		ix.Add(&events[i], env.Dir.MemberOfActor(&events[i]))
	}
	return ix
}

// Want limits what the index keeps by key to the keys wanted: call it, before adding anything, for every
// key that the events to be scored look up (LookedUp). Without Want the index keeps every event's.
func (ix *Index) Want(key string) {
	if ix.want == nil {
		ix.want = map[string]bool{}
	}
	ix.want[key] = true
}

// LookedUp returns the key of the event that scoring e looks up by key, or "": a comment's or reply's post
// when it does not name the post's author, and a flag's subject.
func LookedUp(e *plaudit.Event) string {
	switch e.Kind {
	case plaudit.KindComment, plaudit.KindReply:
		if e.Target != "" && e.TargetAuthor == "" {
			return string(e.Source) + "/" + e.Target
		}
	case plaudit.KindFlag:
		return targetKey(e)
	}
	return ""
}

// Add indexes one more event, made by member. The index copies what it keeps: e may change afterwards,
// but for a decision event (source plaudit), which it keeps whole.
func (ix *Index) Add(e *plaudit.Event, member string) {
	var kb, tb [128]byte
	key := appendKey(kb[:0], e) // a string only when kept: Add sees every event
	if ix.want == nil || ix.want[string(key)] {
		p := post{e.Source, ix.text.Keep(e.Actor), e.Time}
		if _, ok := ix.byKey[string(key)]; ok {
			ix.byKey[string(key)] = p
		} else {
			ix.byKey[ix.text.KeepBytes(key)] = p
		}
	}
	if e.Kind == plaudit.KindDecision && e.Source == plaudit.SourcePlaudit {
		if k, _ := e.Attrs[moderation.AttrEvent].(string); k != "" {
			ix.decisions[k] = append(ix.decisions[k], e)
		}
		if id, _ := e.Attrs[moderation.AttrFlag].(string); id != "" {
			ix.byFlag[id] = append(ix.byFlag[id], e)
		}
		return
	}
	if isEngagement(e.Kind) && e.Target != "" {
		r := ref{kind: engagementKind(e.Kind), member: member, time: e.Time.UnixNano(), seq: e.Seq}
		if r.commented() {
			// Only a comment is looked for among its siblings (ref.is) or named as the one copied: the
			// keys of likes, reposts and quotes, most of the engagement, are not kept.
			r.text = ix.newText(key, e.Content)
			w := wordLists.Get().(*wordList)
			w.reset(e.Content)
			r.words = int32(min(w.len(), math.MaxInt32))
			wordLists.Put(w)
		}
		k := appendTargetKey(tb[:0], e)
		if n, ok := ix.targets[string(k)]; ok {
			ix.refs[n] = append(ix.refs[n], r)
		} else {
			ix.targets[ix.text.KeepBytes(k)] = int32(len(ix.refs))
			ix.refs = append(ix.refs, []ref{r})
		}
	}
}

// Scorer scores PoE events against an index.
type Scorer struct {
	Params *Params
	Index  *Index
	Env    Env
}

// Result is one event's PoE score.
type Result struct {
	Kind     string // comment, share, flag, curate, feedback
	Base     plaudit.Points
	Final    plaudit.Points // after the reputation multiplier
	Eligible bool
	Points   plaudit.Points // Final when eligible, else 0
	Lines    []plaudit.Line
}

func in(name, value string) plaudit.Input { return plaudit.Input{Name: name, Value: value} }

func capPts(v, max plaudit.Points) plaudit.Points {
	if v > max {
		return max
	}
	return v
}

// Score scores one event; ok is false when e is not a PoE kind.
func (s *Scorer) Score(e *plaudit.Event) (Result, bool) {
	var r Result
	member := s.Env.Dir.MemberOfActor(e)
	add := func(rule string, pts plaudit.Points, note string, inputs ...plaudit.Input) {
		r.Base += pts
		r.Lines = append(r.Lines, plaudit.Line{Rule: rule, Inputs: inputs, Points: pts, Note: note})
	}
	p := s.Params
	switch e.Kind {
	case plaudit.KindComment, plaudit.KindReply:
		r.Kind = "comment"
		s.comment(e, member, add)
	case plaudit.KindQuote, plaudit.KindRepost:
		r.Kind = "share"
		words := len(strings.Fields(e.Content))
		add("poe.share.base", p.Share.Base, "")
		if words >= p.Share.CommentaryMinWords && e.Content != "" {
			add("poe.share.commentary", p.Share.Commentary, "", in("words", strconv.Itoa(words)))
		}
		n := 0
		var b [128]byte
		for _, x := range s.Index.on(appendKey(b[:0], e)) {
			if x.member != member {
				n++
			}
		}
		if n > 0 {
			add("poe.share.downstream", capPts(p.Share.PerDownstream*plaudit.Points(n), p.Share.MaxDownstream), "", in("engagements", strconv.Itoa(n)))
		}
	case plaudit.KindFlag:
		r.Kind = "flag"
		s.flag(e, member, add)
	case plaudit.KindCurate:
		r.Kind = "curate"
		add("poe.curate.base", p.Curate.Base, "")
		n := 0
		var b [128]byte
		for _, x := range s.Index.on(appendTargetKey(b[:0], e)) {
			if x.member != member && x.time > e.Time.UnixNano() {
				n++
			}
		}
		if n > 0 {
			add("poe.curate.engagement", capPts(p.Curate.PerEngagement*plaudit.Points(n), p.Curate.MaxEngagement), "", in("engagements_after", strconv.Itoa(n)))
		}
	case plaudit.KindFeedback:
		r.Kind = "feedback"
		add("poe.feedback.submitted", p.Feedback.Submitted, "")
		if d := s.decision(e.Key(), moderation.DecisionAdopt, member); d != nil {
			by, _ := d.Attrs[moderation.AttrBy].(string)
			add("poe.feedback.adopted", p.Feedback.Adopted, "", in("adopted_by", by), in("decision", d.Key()))
		}
	case plaudit.KindDecision:
		if id, _ := e.Attrs[moderation.AttrFlag].(string); e.Source != plaudit.SourcePlaudit || p.Dispute.Resolved <= 0 || id == "" {
			return r, false // off, or not a decision on a flag (an adoption earns its feedback, not its operator)
		}
		r.Kind = "dispute"
		s.dispute(e, member, add)
	default:
		return r, false
	}
	rep := s.reputation(member)
	m := plaudit.Ratio((int64(rep)*int64(p.ReputationWeight) + int64(plaudit.One)/2) / int64(plaudit.One))
	bonus := m.Apply(r.Base)
	r.Final = r.Base + bonus
	r.Lines = append(r.Lines, plaudit.Line{Rule: "poe.reputation", Points: bonus, Note: "× (1 + reputation × weight)",
		Inputs: []plaudit.Input{in("base", r.Base.String()), in("reputation", rep.String()), in("weight", p.ReputationWeight.String())}})
	r.Eligible = r.Final > p.MinScore
	if r.Eligible {
		r.Points = r.Final
	} else {
		r.Lines = append(r.Lines, plaudit.Line{Rule: "poe.min_score", Points: -r.Final, Note: "not above the minimum: not eligible",
			Inputs: []plaudit.Input{in("score", r.Final.String()), in("min_score", p.MinScore.String())}})
	}
	return r, true
}

func (s *Scorer) reputation(member string) plaudit.Ratio {
	if s.Env.Reputation == nil {
		return 0
	}
	r := s.Env.Reputation(member)
	if r < 0 {
		return 0
	}
	if r > plaudit.One {
		return plaudit.One
	}
	return r
}

func (s *Scorer) comment(e *plaudit.Event, member string, add func(string, plaudit.Points, string, ...plaudit.Input)) {
	c := s.Params.Comment
	words := wordLists.Get().(*wordList)
	defer wordLists.Put(words)
	words.reset(e.Content)
	n := len(strings.Fields(e.Content))
	if n >= c.MinWords {
		add("poe.comment.length", capPts(c.PerWord*plaudit.Points(words.len()), c.MaxLength), "", in("words", strconv.Itoa(n)), in("distinct_words", strconv.Itoa(words.len())))
	} else {
		add("poe.comment.length", 0, "trivial: fewer than "+strconv.Itoa(c.MinWords)+" words", in("words", strconv.Itoa(n)))
	}
	lower := strings.ToLower(e.Content)
	spam := ""
	for _, ph := range c.SpamPhrases {
		if strings.Contains(lower, strings.ToLower(ph)) {
			spam = ph
			break
		}
	}
	dup, sim := s.nearDuplicate(e, words)
	switch {
	case spam != "":
		add("poe.comment.original", 0, "contains a spam phrase", in("phrase", spam))
	case dup != "":
		add("poe.comment.original", 0, "near-duplicate of an earlier comment", in("of", dup), in("similarity", sim.String()))
	case n >= c.MinWords:
		add("poe.comment.original", c.Original, "")
	}
	var repliers []string
	seen := map[string]bool{member: true}
	var reactions plaudit.Points
	likes := 0
	var reactors []plaudit.Input // reactor, reputation, added: per like, for explanations
	creator := ""
	if e.TargetAuthor != "" {
		creator = s.Env.Dir.MemberOf(e.TargetAccountKey())
	} else if k := LookedUp(e); k != "" {
		if p, ok := s.Index.byKey[k]; ok {
			creator = s.Env.Dir.MemberOfActor(&plaudit.Event{Source: p.source, Actor: p.actor})
		}
	}
	endorsed := false
	var b [128]byte
	for _, x := range s.Index.on(appendKey(b[:0], e)) {
		if x.member == creator && creator != member && (x.kind == refLike || x.commented()) {
			endorsed = true
		}
		if x.member == member {
			continue
		}
		switch x.kind {
		case refReply, refComment:
			if !seen[x.member] {
				seen[x.member] = true
				repliers = append(repliers, x.member)
			}
		case refLike:
			likes++
			rep := s.reputation(x.member)
			ring := s.Env.SameRing != nil && s.Env.SameRing(x.member, member)
			if ring {
				rep = 0
			}
			added := rep.Apply(c.PerReaction)
			reactions += added
			if likes <= maxListedReactors {
				reactors = append(reactors, in("reactor", x.member), in("reputation", rep.String()), in("added", added.String()))
				if ring {
					reactors = append(reactors, in("discounted", "same collusion ring as the author"))
				}
			}
		}
	}
	if len(repliers) > 0 {
		add("poe.comment.replies", capPts(c.PerReply*plaudit.Points(len(repliers)), c.MaxReplies), "", in("repliers", strconv.Itoa(len(repliers))))
	}
	if likes > 0 {
		inputs := append([]plaudit.Input{in("likes", strconv.Itoa(likes)), in("weighted", reactions.String())}, reactors...)
		if likes > maxListedReactors {
			inputs = append(inputs, in("reactors_not_listed", strconv.Itoa(likes-maxListedReactors)))
		}
		add("poe.comment.reactions", capPts(reactions, c.MaxReactions), "each like × the reactor's reputation", inputs...)
	}
	if endorsed {
		add("poe.comment.endorsement", c.Endorsement, "the creator liked or replied", in("creator", creator))
	}
}

// maxListedReactors is how many likes a comment's explanation lists one by one (reactor, reputation, points
// added); the reaction points are capped long before that many likes at full reputation.
const maxListedReactors = 32

// nearDuplicate compares a comment with the earlier comments on the same target (the last 200) and returns
// the key of the first at or above the duplicate similarity, with the similarity.
func (s *Scorer) nearDuplicate(e *plaudit.Event, words *wordList) (string, plaudit.Ratio) {
	if e.Target == "" || words.len() == 0 {
		return "", 0
	}
	var b [128]byte
	siblings := s.Index.on(appendSourceKey(b[:0], e.Source, e.Target))
	start := 0
	for i := range siblings {
		if siblings[i].is(e) { // e itself, or its copy
			start = i
			break
		}
	}
	from := start - 200
	if from < 0 {
		from = 0
	}
	other := wordLists.Get().(*wordList)
	defer wordLists.Put(other)
	for _, x := range siblings[from:start] {
		if !x.commented() || !similarSizes(words.len(), int(x.words), s.Params.Comment.DuplicateSimilarity) {
			continue
		}
		other.reset(x.text.content)
		if sim := jaccard(words, other); sim >= s.Params.Comment.DuplicateSimilarity {
			return x.text.key, sim
		}
	}
	return "", 0
}

// decision returns the first decision event of kind what on the event with key key, made by someone other
// than member (nobody confirms their own flag or adopts their own feedback), or nil.
func (s *Scorer) decision(key, what, member string) *plaudit.Event {
	for _, d := range s.Index.decisions[key] {
		if v, _ := d.Attrs[moderation.AttrDecision].(string); v == what && s.decider(d) != member {
			return d
		}
	}
	return nil
}

// decider is the member who made decision event d: attrs.by (the moderator or operator), else its actor.
func (s *Scorer) decider(d *plaudit.Event) string {
	if by, _ := d.Attrs[moderation.AttrBy].(string); by != "" {
		return by
	}
	return s.Env.Dir.MemberOfActor(d)
}

func (s *Scorer) flag(e *plaudit.Event, member string, add func(string, plaudit.Points, string, ...plaudit.Input)) {
	p := s.Params.Flag
	subject := targetKey(e)
	d := s.decision(e.Key(), moderation.DecisionConfirm, member)
	if d == nil {
		add("poe.flag.confirmed", 0, "not confirmed by a moderator", in("subject", subject))
		return
	}
	by := s.decider(d)
	if o := s.decision(e.Key(), moderation.DecisionOverturn, member); o != nil {
		add("poe.flag.confirmed", 0, "confirmed, then overturned on appeal", in("subject", subject), in("confirmed_by", by), in("overturned_by", s.decider(o)))
		return
	}
	add("poe.flag.confirmed", p.Confirmed, "", in("subject", subject), in("confirmed_by", by), in("decision", d.Key()))
	if flagged, ok := s.Index.byKey[subject]; ok {
		delay := e.Time.Sub(flagged.time)
		if delay >= 0 && delay <= p.TimelyWithin {
			add("poe.flag.timely", p.Timely, "", in("delay", delay.String()))
		}
	}
}

// dispute prices a moderator's decision on a flag: Dispute.Resolved, unless the moderator is a party to the
// flag or it is a confirmation that a later decision overturned.
func (s *Scorer) dispute(e *plaudit.Event, member string, add func(string, plaudit.Points, string, ...plaudit.Input)) {
	what, _ := e.Attrs[moderation.AttrDecision].(string)
	id, _ := e.Attrs[moderation.AttrFlag].(string)
	flagger, _ := e.Attrs[moderation.AttrFlagger].(string)
	against, _ := e.Attrs[moderation.AttrMember].(string)
	inputs := []plaudit.Input{in("decision", what), in("flag", id)}
	switch {
	case member == flagger || member == against:
		add("poe.dispute.resolved", 0, "a party to the flag", inputs...)
		return
	case what == moderation.DecisionConfirm:
		for _, d := range s.Index.byFlag[id] {
			if v, _ := d.Attrs[moderation.AttrDecision].(string); v == moderation.DecisionOverturn {
				add("poe.dispute.resolved", 0, "the confirmation was overturned on appeal", append(inputs, in("overturned_by", d.Key()))...)
				return
			}
		}
	}
	add("poe.dispute.resolved", s.Params.Dispute.Resolved, "", inputs...)
}

// Keys returns how many events the index keeps by key: every one added, or only the wanted ones (Want).
func (ix *Index) Keys() int { return len(ix.byKey) }
