package integrity

// The event-level checks as they were before CheckStream, kept as the oracle the stream implementation must
// match finding for finding.

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/collusion"
	"github.com/plaudit/plaudit/graph"
	"github.com/plaudit/plaudit/reputation"
	"github.com/plaudit/plaudit/sybil"
	"github.com/plaudit/plaudit/text"
)

// Check runs the event-level checks (velocity, diminishing returns, content) over events, which must be in
// the log's order, and the member-level roll-up: a member whose share of flagged events reaches
// cfg.FlagShare is flagged as a whole. dir resolves actors to members.
func refCheck(events []plaudit.Event, dir *plaudit.Directory, cfg Config) *Findings {
	f := NewFindings()
	order := refTimeOrder(events)
	refVelocity(events, order, dir, cfg, f)
	refDiminishing(events, order, dir, cfg, f)
	refContent(events, order, dir, cfg, f)
	refRollUp(events, dir, cfg, f)
	return f
}

// timeOrder returns the indices of events sorted by time, then by position: checks with windows need time
// order even when the log's arrival order differs.
func refTimeOrder(events []plaudit.Event) []int {
	idx := make([]int, len(events))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return events[idx[a]].Time.Before(events[idx[b]].Time) })
	return idx
}

func refVelocity(events []plaudit.Event, order []int, dir *plaudit.Directory, cfg Config, f *Findings) {
	if len(cfg.Velocity) == 0 {
		return
	}
	type key struct {
		member string
		limit  int
	}
	windows := map[key][]time.Time{}
	for _, i := range order {
		e := &events[i]
		if !engagement(e) {
			continue
		}
		m := dir.MemberOfActor(e)
		for li, l := range cfg.Velocity {
			if l.Kind != e.Kind || l.Max <= 0 {
				continue
			}
			k := key{m, li}
			w := windows[k]
			cut := 0
			for cut < len(w) && !w[cut].After(e.Time.Add(-l.Window)) {
				cut++
			}
			w = append(w[cut:], e.Time)
			windows[k] = w
			if len(w) > l.Max {
				f.AddEvent(e.Key(), plaudit.Reason{
					Check:      "velocity",
					Detail:     fmt.Sprintf("%d %s events within %s, limit %d", len(w), e.Kind, l.Window, l.Max),
					Multiplier: 0,
					Evidence: []plaudit.Input{{Name: "kind", Value: string(e.Kind)}, {Name: "window", Value: l.Window.String()},
						{Name: "count", Value: strconv.Itoa(len(w))}, {Name: "limit", Value: strconv.Itoa(l.Max)}},
				})
				break
			}
		}
	}
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
func refDiminishing(events []plaudit.Event, order []int, dir *plaudit.Directory, cfg Config, f *Findings) {
	if cfg.DiminishWindow <= 0 {
		return
	}
	type pair struct{ from, to string }
	// The community's own engagement pattern over the whole batch, over all sources (scope "") and on each
	// source alone: what each author received, what each member sent, and to whom. A source has its own
	// structure (on GitHub most comments go to issues the project opened; on X they spread over many
	// posters), so a member is compared with the others both overall and on the source it acts on.
	type scoped struct{ scope, member string }
	type scopedPair struct {
		scope string
		p     pair
	}
	received, sent := map[scoped]int{}, map[scoped]int{}
	sentTo, total := map[scopedPair]int{}, map[string]int{}
	for _, i := range order {
		e := &events[i]
		if !engagement(e) || e.TargetAuthor == "" {
			continue
		}
		from, to := dir.MemberOfActor(e), dir.MemberOf(e.TargetAccountKey())
		if to == "" || from == to {
			continue
		}
		for _, sc := range [2]string{"", string(e.Source)} {
			received[scoped{sc, to}]++
			sent[scoped{sc, from}]++
			sentTo[scopedPair{sc, pair{from, to}}]++
			total[sc]++
		}
	}
	type similarPair struct {
		source plaudit.Source
		kind   plaudit.Kind
		p      pair
	}
	windows := map[similarPair][]time.Time{}
	memberWin := map[scoped][]time.Time{} // the member's actions of every kind, by scope
	for _, i := range order {
		e := &events[i]
		if !engagement(e) || e.TargetAuthor == "" {
			continue
		}
		from, to := dir.MemberOfActor(e), dir.MemberOf(e.TargetAccountKey())
		if to == "" || from == to {
			continue
		}
		since := e.Time.Add(-cfg.DiminishWindow)
		p := pair{from, to}
		sp := similarPair{e.Source, e.Kind, p} // repeats are counted among similar actions
		w := append(refDropBefore(windows[sp], since), e.Time)
		windows[sp] = w
		n := len(w)
		free := max(cfg.DiminishFree, 1)
		expected := 0.0
		for _, sc := range [2]string{"", string(e.Source)} {
			mw := append(refDropBefore(memberWin[scoped{sc, from}], since), e.Time)
			memberWin[scoped{sc, from}] = mw
			if others := total[sc] - sent[scoped{sc, from}]; others > 0 {
				expected = max(expected,
					float64(len(mw))*float64(received[scoped{sc, to}]-sentTo[scopedPair{sc, p}])/float64(others))
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
		f.AddEvent(e.Key(), plaudit.Reason{
			Check:      "diminishing_returns",
			Detail:     fmt.Sprintf("%s %s %d towards %s within %s", e.Source, e.Kind, n, to, cfg.DiminishWindow),
			Multiplier: mult,
			Evidence: []plaudit.Input{{Name: "towards", Value: to}, {Name: "source", Value: string(e.Source)},
				{Name: "kind", Value: string(e.Kind)}, {Name: "nth", Value: strconv.Itoa(n)},
				{Name: "free", Value: strconv.Itoa(free)},
				{Name: "expected_at_community_rate", Value: strconv.FormatFloat(expected, 'f', 2, 64)}},
		})
	}
}

func refContent(events []plaudit.Event, order []int, dir *plaudit.Directory, cfg Config, f *Findings) {
	type copyFinding struct {
		key string
		r   plaudit.Reason
	}
	copies := map[string][]copyFinding{} // by member, in time order
	texts := map[string]int{}            // by member: texts long enough to compare
	var copiers []string
	var idx *text.Index
	if cfg.NearDuplicate > 0 {
		idx = text.NewIndex(float64(cfg.NearDuplicate) / float64(plaudit.One))
		idx.MaxMatches = 8 // "a copy of what" needs the best few, not every earlier copy
		for i, s := range cfg.SpamCorpus {
			idx.AddCorpus("corpus:"+strconv.Itoa(i), s)
		}
	}
	for _, i := range order {
		e := &events[i]
		if !engagement(e) || !textKind(e.Kind) || strings.TrimSpace(e.Content) == "" {
			continue
		}
		for _, s := range text.Signals(e.Content) {
			mult := cfg.SpamMultiplier
			switch s.Check {
			case "farming":
				mult = cfg.FarmMultiplier
			case "generic":
				mult = cfg.GenericMultiplier
			}
			f.AddEvent(e.Key(), plaudit.Reason{Check: "content_" + s.Check, Detail: s.Detail, Multiplier: mult})
		}
		if idx == nil || len(strings.Fields(e.Content)) < minDupWords {
			continue
		}
		member := dir.MemberOfActor(e)
		texts[member]++
		matches := idx.Add(e.Key(), e.Content)
		if len(matches) == 0 {
			continue
		}
		m := matches[0]
		detail := fmt.Sprintf("%.0f%% similar to %s", m.Similarity*100, m.ID)
		if m.Corpus {
			detail = fmt.Sprintf("%.0f%% similar to known spam %s", m.Similarity*100, m.ID)
		}
		if copies[member] == nil {
			copiers = append(copiers, member)
		}
		copies[member] = append(copies[member], copyFinding{e.Key(), plaudit.Reason{
			Check:      "near_duplicate",
			Detail:     detail,
			Multiplier: cfg.CopyMultiplier,
			Evidence: []plaudit.Input{{Name: "matched", Value: m.ID}, {Name: "similarity", Value: strconv.FormatFloat(m.Similarity, 'f', 3, 64)},
				{Name: "earlier_matches", Value: atLeast(len(matches), idx.MaxMatches)}},
		}})
	}
	// Copy-paste is a pattern: a member's near-duplicates count only once they reach CopyMin and CopyShare
	// of the member's texts, since echoes of a stock phrase ("can confirm, works for me now") by someone who
	// mostly writes their own words are chance.
	for _, m := range copiers {
		cs := copies[m]
		if len(cs) < cfg.CopyMin || int64(len(cs))*int64(plaudit.One) < int64(cfg.CopyShare)*int64(texts[m]) {
			continue
		}
		for _, c := range cs {
			c.r.Detail += fmt.Sprintf(" (%d of this member's %d texts are near-duplicates)", len(cs), texts[m])
			f.AddEvent(c.key, c.r)
		}
	}
}

// rollUp flags members whose share of engagement events with an accusing finding (abuseChecks) reaches
// cfg.FlagShare.
func refRollUp(events []plaudit.Event, dir *plaudit.Directory, cfg Config, f *Findings) {
	if cfg.FlagShare <= 0 {
		return
	}
	type tally struct{ total, hit int }
	t := map[string]*tally{}
	for i := range events {
		e := &events[i]
		if !engagement(e) {
			continue
		}
		m := dir.MemberOfActor(e)
		c := t[m]
		if c == nil {
			c = &tally{}
			t[m] = c
		}
		c.total++
		if abusive(f.Events[e.Key()]) {
			c.hit++
		}
	}
	members := make([]string, 0, len(t))
	for m := range t {
		members = append(members, m)
	}
	sort.Strings(members)
	for _, m := range members {
		c := t[m]
		if c.hit < minAbusive || int64(c.hit)*int64(plaudit.One) < int64(cfg.FlagShare)*int64(c.total) {
			continue
		}
		f.AddMember(m, plaudit.Reason{
			Check:      "flagged_activity",
			Detail:     fmt.Sprintf("%d of %d events penalised by integrity checks", c.hit, c.total),
			Multiplier: cfg.FlaggedMultiplier,
			Evidence:   []plaudit.Input{{Name: "penalised", Value: strconv.Itoa(c.hit)}, {Name: "events", Value: strconv.Itoa(c.total)}},
		})
	}
}

func refDropBefore(w []time.Time, since time.Time) []time.Time {
	cut := 0
	for cut < len(w) && !w[cut].After(since) {
		cut++
	}
	return w[cut:]
}

// refRun is Run as it was before RunStream, over refCheck.
func refRun(events []plaudit.Event, dir *plaudit.Directory, opt Options) (*Report, error) {
	f := refCheck(events, dir, opt.Checks)
	rep := &Report{Findings: f}
	var g *graph.Graph
	if opt.Collusion || opt.Reputation {
		var err error
		if g, err = graph.FromEvents(events, dir, opt.Graph); err != nil {
			return nil, fmt.Errorf("integrity: interaction graph: %w", err)
		}
	}
	seeds := opt.Seeds
	if seeds == nil {
		seeds = sybil.ProjectSeeds(dir)
	}
	if opt.Collusion {
		rp := opt.Rings
		if rp.Trusted == nil {
			rp.Trusted = sybil.ProjectMembers(dir)
		}
		rep.Rings = collusion.Detect(g, rp)
		for i := range rep.Rings {
			for j, m := range rep.Rings[i].Members {
				f.AddMember(m, rep.Rings[i].Reason(j))
			}
		}
	}
	var distrusted []string
	if opt.Sybil {
		p := opt.Sybils
		p.Graph = opt.Graph
		sig, err := sybil.Detect(events, dir, seeds, p)
		if err != nil {
			return nil, fmt.Errorf("integrity: sybil signals: %w", err)
		}
		rep.Sybil = sig
		for _, s := range sig {
			f.AddMember(s.Member, s.Reason())
			distrusted = append(distrusted, s.Member)
		}
	}
	if opt.Reputation {
		pre := opt.Seeds
		if pre == nil {
			pre = reputation.DerivePretrust(events, dir, reputation.PretrustParams{})
		}
		var rings [][]string
		for _, r := range rep.Rings {
			rings = append(rings, r.Members)
		}
		dg := reputation.Discount(g, rings, distrusted)
		p := reputation.Uniform(dg) // a community with no project and no long-standing member: PageRank
		if len(pre) > 0 {
			var err error
			if p, err = reputation.Pretrust(dg, pre); err != nil {
				return nil, fmt.Errorf("integrity: reputation: %w", err)
			}
		}
		var err error
		if rep.Reputation, err = reputation.EigenTrust(dg, p, reputation.Params{}); err != nil {
			return nil, fmt.Errorf("integrity: reputation: %w", err)
		}
	}
	rep.Verdicts = f.Verdicts()
	return rep, nil
}
