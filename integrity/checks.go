package integrity

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/text"
)

// minDupWords is the fewest words a text needs before near-duplicate detection looks at it: shorter texts
// ("thanks!") repeat innocently and are judged by the generic-reply signal instead.
const minDupWords = 6

// Check runs the event-level checks (velocity, diminishing returns, content) over events, which must be in
// the log's order, and the member-level roll-up: a member whose share of flagged events reaches
// cfg.FlagShare is flagged as a whole. dir resolves actors to members. It is CheckStream over the events
// held in memory.
func Check(events []plaudit.Event, dir *plaudit.Directory, cfg Config) *Findings {
	f, _, _ := checkStream(context.Background(), plaudit.StreamOf(events), dir, cfg, nil, nil)
	return f
}

// CheckStream is Check over a replayable stream of the log's events, walked twice. The checks need time
// order while the stream is in seq order, so the first walk keeps a compact record of each engagement
// event (member, time, kind, source, target member, and for a text long enough to compare its MinHash
// signature) and the content signals; the checks then run over the records sorted by time, and the second
// walk names the flagged events by key. The findings are Check's, byte for byte.
func CheckStream(events plaudit.EventStream, dir *plaudit.Directory, cfg Config) (*Findings, error) {
	f, _, err := checkStream(context.Background(), events, dir, cfg, nil, nil)
	return f, err
}

// record is what the checks keep of one engagement event.
type record struct {
	t      int64 // event time, Unix nanoseconds
	member int32 // the actor's member (interned)
	to     int32 // the member whose content was engaged with, for diminishing returns; -1 for none
	kind   int32 // interned
	source int32 // interned
	text   int32 // index of the text's signature; noText, or unsigned for a text with no words
}

const (
	noText   = -1
	unsigned = -2
)

// recFindings are one record's reasons, by check, in the order Check gives them.
type recFindings struct {
	velocity, diminishing, content, copies []plaudit.Reason
}

func (r *recFindings) all() []plaudit.Reason {
	out := make([]plaudit.Reason, 0, len(r.velocity)+len(r.diminishing)+len(r.content)+len(r.copies))
	out = append(out, r.velocity...)
	out = append(out, r.diminishing...)
	out = append(out, r.content...)
	return append(out, r.copies...)
}

// interner numbers strings in the order first seen.
type interner struct {
	ids   map[string]int32
	names []string
}

func (in *interner) id(s string) int32 {
	if id, ok := in.ids[s]; ok {
		return id
	}
	if in.ids == nil {
		in.ids = map[string]int32{}
	}
	id := int32(len(in.names))
	in.ids[s] = id
	in.names = append(in.names, s)
	return id
}

// checker is the state of one CheckStream.
type checker struct {
	dir     *plaudit.Directory
	cfg     Config
	recs    []record
	order   []int32 // record indices by time, then position
	members interner
	kinds   interner
	sources interner
	found   map[int32]*recFindings
	sigs    signatures
	sigKeys []string // the event key of each signature
	textsOf []int32  // by member: texts long enough to compare
}

// scopedID is a member within a scope: 0 for all sources, 1 + the interned source for one.
type scopedID struct{ scope, member int32 }

func (c *checker) find(r int32) *recFindings {
	rf := c.found[r]
	if rf == nil {
		rf = &recFindings{}
		c.found[r] = rf
	}
	return rf
}

// checkStream is CheckStream, also counting the events and handing each event of its first walk to first
// and of its second to second (when not nil; the second walk is then made even with nothing flagged), so
// that a caller can gather what it needs in the same walks. The checks between the walks stop with ctx's
// error once ctx is done (canceled).
func checkStream(ctx context.Context, events plaudit.EventStream, dir *plaudit.Directory, cfg Config, first, second func(*plaudit.Event)) (*Findings, int, error) {
	c := &checker{dir: dir, cfg: cfg, found: map[int32]*recFindings{}, sigs: signatures{budget: sigBudget(dir.Len())}}
	n := 0
	err := events(func(e *plaudit.Event) error {
		n++
		if engagement(e) {
			if err := c.add(e); err != nil {
				return err
			}
		}
		if first != nil {
			first(e)
		}
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("integrity: read the events: %w", err)
	}
	c.order = make([]int32, len(c.recs))
	for i := range c.order {
		c.order[i] = int32(i)
	}
	slices.SortFunc(c.order, func(a, b int32) int {
		if d := cmp.Compare(c.recs[a].t, c.recs[b].t); d != 0 {
			return d
		}
		return cmp.Compare(a, b)
	})
	err = c.velocity(ctx)
	if err == nil {
		err = c.diminishing(ctx)
	}
	if err == nil {
		err = c.nearDuplicates(ctx)
	}
	if cerr := c.sigs.close(); err == nil && cerr != nil {
		err = fmt.Errorf("integrity: the texts' signatures: %w", cerr)
	}
	if err != nil {
		return nil, 0, err
	}
	f := NewFindings()
	if len(c.found) > 0 || second != nil {
		r := int32(0)
		err = events(func(e *plaudit.Event) error {
			if second != nil {
				second(e)
			}
			if !engagement(e) {
				return nil
			}
			if int(r) >= len(c.recs) {
				return fmt.Errorf("the stream gave more engagement events than on its first walk")
			}
			if rf := c.found[r]; rf != nil {
				k := e.Key()
				f.Events[k] = append(f.Events[k], rf.all()...)
			}
			r++
			return nil
		})
		if err == nil && int(r) != len(c.recs) {
			err = fmt.Errorf("the stream gave %d engagement events, %d on its first walk", r, len(c.recs))
		}
		if err != nil {
			return nil, 0, fmt.Errorf("integrity: name the flagged events: %w", err)
		}
	}
	c.rollUp(f)
	return f, n, nil
}

// add records one engagement event, with its content signals and the community's engagement counts.
func (c *checker) add(e *plaudit.Event) error {
	r := int32(len(c.recs))
	member := c.dir.MemberOfActor(e)
	rec := record{t: e.Time.UnixNano(), member: c.members.id(member), to: -1, kind: c.kinds.id(string(e.Kind)),
		source: c.sources.id(string(e.Source)), text: noText}
	if e.TargetAuthor != "" {
		if to := c.dir.MemberOf(e.TargetAccountKey()); to != "" && to != member {
			rec.to = c.members.id(to)
		}
	}
	if textKind(e.Kind) && strings.TrimSpace(e.Content) != "" {
		cfg := c.cfg
		for _, s := range text.Signals(e.Content) {
			mult := cfg.SpamMultiplier
			switch s.Check {
			case "farming":
				mult = cfg.FarmMultiplier
			case "generic":
				mult = cfg.GenericMultiplier
			}
			rf := c.find(r)
			rf.content = append(rf.content, plaudit.Reason{Check: "content_" + s.Check, Detail: s.Detail, Multiplier: mult})
		}
		if cfg.NearDuplicate > 0 && len(strings.Fields(e.Content)) >= minDupWords {
			for int(rec.member) >= len(c.textsOf) {
				c.textsOf = append(c.textsOf, 0)
			}
			c.textsOf[rec.member]++
			rec.text = unsigned
			if sig, ok := text.Sign(e.Content); ok {
				if err := c.sigs.add(&sig); err != nil {
					return fmt.Errorf("event %s: %w", e.Key(), err)
				}
				rec.text = int32(len(c.sigKeys))
				c.sigKeys = append(c.sigKeys, e.Key())
			}
		}
	}
	c.recs = append(c.recs, rec)
	return nil
}

func (c *checker) velocity(ctx context.Context) error {
	cfg := c.cfg
	if len(cfg.Velocity) == 0 {
		return nil
	}
	type key struct {
		member int32
		limit  int
	}
	windows := map[key][]int64{}
	for step, r := range c.order {
		if err := canceled(ctx, step); err != nil {
			return err
		}
		rec := &c.recs[r]
		kind := plaudit.Kind(c.kinds.names[rec.kind])
		for li, l := range cfg.Velocity {
			if l.Kind != kind || l.Max <= 0 {
				continue
			}
			k := key{rec.member, li}
			w := dropBefore(windows[k], rec.t-int64(l.Window))
			w = append(w, rec.t)
			windows[k] = w
			if len(w) > l.Max {
				rf := c.find(r)
				rf.velocity = append(rf.velocity, plaudit.Reason{
					Check:      "velocity",
					Detail:     fmt.Sprintf("%d %s events within %s, limit %d", len(w), kind, l.Window, l.Max),
					Multiplier: 0,
					Evidence: []plaudit.Input{{Name: "kind", Value: string(kind)}, {Name: "window", Value: l.Window.String()},
						{Name: "count", Value: strconv.Itoa(len(w))}, {Name: "limit", Value: strconv.Itoa(l.Max)}},
				})
				break
			}
		}
	}
	return nil
}

// engagement reports whether an event is something a policy may reward (not an identity change).
func engagement(e *plaudit.Event) bool {
	return !e.Kind.IsIdentity() && e.Source != plaudit.SourcePlaudit
}

// checkDiminishing prices down repeated engagement from one member towards one author within
// cfg.DiminishWindow. Repeats are counted among similar actions — the same kind on the same source: the nth
// Discord reply to the project is judged by the Discord replies before it, not by the member's GitHub
// comments on the project's issues nor by their likes (counted together, a core contributor's every Discord
// answer to the team was a 30th "repeat", and the most active honest member of the 100- to 500-member evals
// lost up to a third of her points). The free allowance scales with the community: a member who engages n
// times in the window (every kind), in a community where others give the author a share s of their
// engagement, would by chance alone engage that author about n·s times, so the first max(cfg.DiminishFree,
// q) actions count in full, where q is the 99th percentile of a Poisson count with mean n·s. The share is
// leave-one-out — the member's own engagement is left out of it — so that a member cannot raise its own
// allowance by pumping one author. In a community of thousands with hundreds of authors n·s is tiny and the
// rule is the fixed one; in a community of 100 whose few prolific authors draw a quarter of all replies, an
// active member's daily conversation with one of them is ordinary, not farming. The decay and the cut-off
// (cfg.DiminishAfter) shift by the same extra allowance.
func (c *checker) diminishing(ctx context.Context) error {
	cfg := c.cfg
	if cfg.DiminishWindow <= 0 {
		return nil
	}
	cnt := countEngagement(c.recs, len(c.members.names), len(c.sources.names))
	type similarPair struct{ source, kind, from, to int32 }
	windows := map[similarPair][]int64{}
	memberWin := map[scopedID][]int64{} // the member's actions of every kind, by scope
	sweepAt := diminishSweep
	for step, r := range c.order {
		if err := canceled(ctx, step); err != nil {
			return err
		}
		rec := &c.recs[r]
		if rec.to < 0 {
			continue
		}
		t := rec.t
		since := t - int64(cfg.DiminishWindow)
		if len(windows)+len(memberWin) >= sweepAt {
			// Pairs and members idle for a whole window never count again: a week of a million members
			// otherwise keeps every pair that ever engaged (290 MB).
			windows, memberWin = activeSince(windows, since), activeSince(memberWin, since)
			sweepAt = max(2*(len(windows)+len(memberWin)), diminishSweep)
		}
		sp := similarPair{rec.source, rec.kind, rec.member, rec.to} // repeats are counted among similar actions
		w := append(dropBefore(windows[sp], since), t)
		windows[sp] = w
		n := len(w)
		free := max(cfg.DiminishFree, 1)
		expected := 0.0
		for _, sc := range c.scopes(rec) {
			k := scopedID{sc, rec.member}
			mw := append(dropBefore(memberWin[k], since), t)
			memberWin[k] = mw
			if others := cnt.total[sc] - cnt.sent[cnt.at(sc, rec.member)]; others > 0 {
				pair := cnt.pairAll[r]
				if sc != 0 {
					pair = cnt.pairSource[r]
				}
				expected = max(expected, float64(len(mw))*float64(cnt.received[cnt.at(sc, rec.to)]-pair)/float64(others))
			}
		}
		extra := max(0, poissonQuantile(expected, diminishChance)-free)
		free += extra
		if n <= free {
			continue
		}
		mult := plaudit.Ratio(0)
		if cfg.DiminishAfter <= 0 || n <= cfg.DiminishAfter+extra {
			mult = plaudit.One
			for j := free; j < n; j++ {
				mult = plaudit.Ratio((int64(mult)*int64(cfg.DiminishFactor) + int64(plaudit.One)/2) / int64(plaudit.One))
			}
		}
		source, kind, to := c.sources.names[rec.source], c.kinds.names[rec.kind], c.members.names[rec.to]
		rf := c.find(r)
		rf.diminishing = append(rf.diminishing, plaudit.Reason{
			Check:      "diminishing_returns",
			Detail:     fmt.Sprintf("%s %s %d towards %s within %s", source, kind, n, to, cfg.DiminishWindow),
			Multiplier: mult,
			Evidence: []plaudit.Input{{Name: "towards", Value: to}, {Name: "source", Value: source},
				{Name: "kind", Value: kind}, {Name: "nth", Value: strconv.Itoa(n)},
				{Name: "free", Value: strconv.Itoa(free)},
				{Name: "expected_at_community_rate", Value: strconv.FormatFloat(expected, 'f', 2, 64)}},
		})
	}
	return nil
}

// scopes returns the scopes a record counts in: all sources (0) and its own source (1 + its id; 0 again
// for an event without a source, which Check counted twice in the one scope).
func (c *checker) scopes(rec *record) [2]int32 {
	if c.sources.names[rec.source] == "" {
		return [2]int32{0, 0}
	}
	return [2]int32{0, 1 + rec.source}
}

// engagementCounts are the community's engagement counts the diminishing check weighs each action
// against, counted from the records with a member engaged with (record.to ≥ 0) in each scope (0 for all
// sources, 1 + the interned source for one). They are counted after the walk, in slices by member and by
// record instead of maps: at a million members a week's maps were about a quarter of a gigabyte.
type engagementCounts struct {
	members int
	// total is the actions in each scope; sent and received, by scope and member (at), the actions of the
	// member and those engaging with the member.
	total, sent, received []int32
	// pairAll and pairSource are, by record, the actions of its member engaging with its to member, in all
	// sources and in its own.
	pairAll, pairSource []int32
}

// at is the index in sent and received of member in scope sc.
func (n *engagementCounts) at(sc, member int32) int { return int(sc)*n.members + int(member) }

// countEngagement counts the engagement of recs, among members members and sources sources.
func countEngagement(recs []record, members, sources int) *engagementCounts {
	scopes := 1 + sources
	n := &engagementCounts{members: members, total: make([]int32, scopes),
		sent: make([]int32, scopes*members), received: make([]int32, scopes*members),
		pairAll: make([]int32, len(recs)), pairSource: make([]int32, len(recs))}
	var pairs []int32 // the records with a to member, by member, to member and source
	for r := range recs {
		rec := &recs[r]
		if rec.to < 0 {
			continue
		}
		pairs = append(pairs, int32(r))
		for _, sc := range [2]int32{0, 1 + rec.source} {
			n.total[sc]++
			n.sent[n.at(sc, rec.member)]++
			n.received[n.at(sc, rec.to)]++
		}
	}
	slices.SortFunc(pairs, func(a, b int32) int {
		ra, rb := &recs[a], &recs[b]
		return cmp.Or(cmp.Compare(ra.member, rb.member), cmp.Compare(ra.to, rb.to), cmp.Compare(ra.source, rb.source))
	})
	for i := 0; i < len(pairs); {
		first := &recs[pairs[i]]
		j := i
		for j < len(pairs) && recs[pairs[j]].member == first.member && recs[pairs[j]].to == first.to {
			j++
		}
		for k := i; k < j; {
			src := recs[pairs[k]].source
			l := k
			for l < j && recs[pairs[l]].source == src {
				l++
			}
			for _, r := range pairs[k:l] {
				n.pairAll[r], n.pairSource[r] = int32(j-i), int32(l-k)
			}
			k = l
		}
		i = j
	}
	return n
}

// canceled returns ctx's error at every 4,096th step of a check's loop, nil otherwise: at a million
// members the checks between the walks run for many minutes.
func canceled(ctx context.Context, step int) error {
	if step%4096 != 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("integrity: the checks stopped: %w", err)
	}
	return nil
}

// diminishChance is the chance, per action, that the community's own engagement pattern alone would take a
// member past its free allowance towards one author.
const diminishChance = 0.01

// dropBefore drops the times (Unix nanoseconds) not after since from the front of w, which is in time order.
// diminishSweep is how many pairs and members the diminishing-returns check holds before it first drops
// the idle ones (activeSince); after a sweep, twice what it kept.
var diminishSweep = 1 << 16

// activeSince returns the entries of m with a time after since, in a new map so that the memory of the
// others goes (a map does not shrink). The records come in time order, so since only grows: an entry left
// out would have been emptied by dropBefore at its next use, and starts afresh the same way.
func activeSince[K comparable](m map[K][]int64, since int64) map[K][]int64 {
	out := make(map[K][]int64)
	for k, w := range m {
		if len(w) > 0 && w[len(w)-1] > since {
			out[k] = w
		}
	}
	return out
}

func dropBefore(w []int64, since int64) []int64 {
	cut := 0
	for cut < len(w) && w[cut] <= since {
		cut++
	}
	return w[cut:]
}

// poissonQuantile is the smallest k with P(X > k) ≤ chance for X Poisson with mean lambda: the most actions
// towards one author that chance alone explains. It is a pure function of its inputs.
func poissonQuantile(lambda, chance float64) int {
	if lambda <= 0 {
		return 0
	}
	term, cdf := math.Exp(-lambda), 0.0
	for k := 0; k < 10000; k++ {
		cdf += term
		if 1-cdf <= chance {
			return k
		}
		term *= lambda / float64(k+1)
	}
	return 10000
}

func textKind(k plaudit.Kind) bool {
	switch k {
	case plaudit.KindPost, plaudit.KindReply, plaudit.KindQuote, plaudit.KindComment, plaudit.KindReview,
		plaudit.KindMention, "message":
		return true
	}
	return false
}

// nearDuplicates indexes the signed texts in time order and records, for each member whose copies reach
// CopyMin and CopyShare of their texts, each copy's finding.
func (c *checker) nearDuplicates(ctx context.Context) error {
	cfg := c.cfg
	if cfg.NearDuplicate <= 0 {
		return nil
	}
	type copyFinding struct {
		rec int32
		r   plaudit.Reason
	}
	copies := map[int32][]copyFinding{} // by member, in time order
	var copiers []int32
	// The texts are compared in time order: inOrder[i] is the signature number of the i-th.
	var inOrder []int32
	for _, r := range c.order {
		if k := c.recs[r].text; k >= 0 {
			inOrder = append(inOrder, k)
		}
	}
	corpusIDs := make([]string, len(cfg.SpamCorpus))
	for i := range corpusIDs {
		corpusIDs[i] = "corpus:" + strconv.Itoa(i)
	}
	seq, err := text.NewSequence(float64(cfg.NearDuplicate)/float64(plaudit.One), cfg.SpamCorpus, corpusIDs, len(inOrder),
		func(i int, sig *text.Signature) error { return c.sigs.read(int(inOrder[i]), sig) })
	if err != nil {
		return fmt.Errorf("integrity: near-duplicates: %w", err)
	}
	seq.MaxMatches = 8 // "a copy of what" needs the best few, not every earlier copy
	key := func(i int) string { return c.sigKeys[inOrder[i]] }
	i := -1
	for step, r := range c.order {
		if err := canceled(ctx, step); err != nil {
			return err
		}
		rec := &c.recs[r]
		if rec.text < 0 {
			continue
		}
		i++
		matches, err := seq.Matches(i, key)
		if err != nil {
			return fmt.Errorf("integrity: near-duplicates of event %s: %w", key(i), err)
		}
		if len(matches) == 0 {
			continue
		}
		m := matches[0]
		detail := fmt.Sprintf("%.0f%% similar to %s", m.Similarity*100, m.ID)
		if m.Corpus {
			detail = fmt.Sprintf("%.0f%% similar to known spam %s", m.Similarity*100, m.ID)
		}
		if copies[rec.member] == nil {
			copiers = append(copiers, rec.member)
		}
		copies[rec.member] = append(copies[rec.member], copyFinding{r, plaudit.Reason{
			Check:      "near_duplicate",
			Detail:     detail,
			Multiplier: cfg.CopyMultiplier,
			Evidence: []plaudit.Input{{Name: "matched", Value: m.ID}, {Name: "similarity", Value: strconv.FormatFloat(m.Similarity, 'f', 3, 64)},
				{Name: "earlier_matches", Value: atLeast(len(matches), seq.MaxMatches)}},
		}})
	}
	c.sigKeys = nil
	// Copy-paste is a pattern: a member's near-duplicates count only once they reach CopyMin and CopyShare
	// of the member's texts, since echoes of a stock phrase ("can confirm, works for me now") by someone who
	// mostly writes their own words are chance.
	for _, m := range copiers {
		cs, texts := copies[m], int64(c.textsOf[m])
		if len(cs) < cfg.CopyMin || int64(len(cs))*int64(plaudit.One) < int64(cfg.CopyShare)*texts {
			continue
		}
		for _, cf := range cs {
			cf.r.Detail += fmt.Sprintf(" (%d of this member's %d texts are near-duplicates)", len(cs), texts)
			rf := c.find(cf.rec)
			rf.copies = append(rf.copies, cf.r)
		}
	}
	return nil
}

// abuseChecks are the findings that accuse: an event with one of them was made to game the program.
// Diminishing returns and generic replies are not among them — they price ordinary behaviour down, and an
// enthusiastic honest member collects many of them.
var abuseChecks = map[string]bool{
	"velocity": true, "near_duplicate": true, "content_farming": true, "content_repetition": true,
	"content_emoji": true, "content_links": true, "content_shouting": true,
}

// minAbusive is the fewest accusing findings that flag a member, whatever their share: two echoes of a
// common phrase by a quiet member are chance, not a campaign.
const minAbusive = 3

func abusive(rs []plaudit.Reason) bool {
	for _, r := range rs {
		if abuseChecks[r.Check] {
			return true
		}
	}
	return false
}

// rollUp flags members whose share of engagement events with an accusing finding (abuseChecks) reaches
// cfg.FlagShare.
func (c *checker) rollUp(f *Findings) {
	cfg := c.cfg
	if cfg.FlagShare <= 0 {
		return
	}
	type tally struct{ total, hit int }
	t := make([]tally, len(c.members.names))
	for r := range c.recs {
		m := c.recs[r].member
		t[m].total++
		if rf := c.found[int32(r)]; rf != nil && (abusive(rf.velocity) || abusive(rf.content) || abusive(rf.copies) || abusive(rf.diminishing)) {
			t[m].hit++
		}
	}
	members := make([]int32, 0, len(t))
	for m := range t {
		if t[m].total > 0 {
			members = append(members, int32(m))
		}
	}
	slices.SortFunc(members, func(a, b int32) int { return strings.Compare(c.members.names[a], c.members.names[b]) })
	for _, m := range members {
		tl := t[m]
		if tl.hit < minAbusive || int64(tl.hit)*int64(plaudit.One) < int64(cfg.FlagShare)*int64(tl.total) {
			continue
		}
		f.AddMember(c.members.names[m], plaudit.Reason{
			Check:      "flagged_activity",
			Detail:     fmt.Sprintf("%d of %d events penalised by integrity checks", tl.hit, tl.total),
			Multiplier: cfg.FlaggedMultiplier,
			Evidence:   []plaudit.Input{{Name: "penalised", Value: strconv.Itoa(tl.hit)}, {Name: "events", Value: strconv.Itoa(tl.total)}},
		})
	}
}

// atLeast formats a count that a limit may have cut short: "8+" when n reached the limit.
func atLeast(n, limit int) string {
	if limit > 0 && n >= limit {
		return strconv.Itoa(n) + "+"
	}
	return strconv.Itoa(n)
}
