// Package gen generates synthetic communities: realistic activity on X, Discord, GitHub and Farcaster by
// honest members, a few project accounts and planted attackers whose true nature is returned as labels.
//
// A generated community is the test bed of everything downstream: scorers see plausible text, threads and
// engagement counts; the integrity layer must find the attackers without being told (their events carry no
// give-away attribute), and its findings can be checked against the labels. Generation is deterministic: the
// same Config gives the same events in the same order, byte for byte once encoded, on the same platform.
//
// The model in brief (docs/gen.md has the whole of it): members have heavy-tailed activity (Pareto weights, so a
// few are very active and many lurk), a time zone and a diurnal rhythm; they hold one to four platform accounts
// linked to their member handle by identity events; they post, reply, quote, like and repost, and what they
// engage with follows popularity (preferential attachment on a per-post fitness). Attackers follow their own
// schedules: gm farmers, copy-pasters, velocity bots, like rings and sybil clusters.
package gen

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/plaudit/plaudit"
)

// Label says what a generated member really is: honest, or one of the planted attacker types.
type Label string

// The labels. Project accounts are honest.
const (
	Honest      Label = "honest"
	GMFarmer    Label = "gm_farmer"    // volumes of "gm", "wagmi", "lfg ser" replies on popular posts
	CopyPaste   Label = "copy_paste"   // the same templated text, lightly edited, posted across threads
	VelocityBot Label = "velocity_bot" // likes and reposts everything in machine-speed bursts
	LikeRing    Label = "like_ring"    // a group of 5–12 that engages reciprocally, mostly only with itself
	Sybil       Label = "sybil"        // one operator's cluster of 20–60 accounts created in a burst
)

// AttackerLabels lists the attacker labels in a fixed order, for reports that must not depend on map order.
var AttackerLabels = []Label{GMFarmer, CopyPaste, VelocityBot, LikeRing, Sybil}

// DefaultStart is the first instant of a generated community when Config.Start is zero: a Monday.
var DefaultStart = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)

// Mix gives the share of members of each attacker type, as fractions of all members (0.01 is 1%).
type Mix struct {
	GMFarmer    float64
	CopyPaste   float64
	VelocityBot float64
	LikeRing    float64
	Sybil       float64
}

// DefaultMix is 7.8% attackers: mostly sybils, as in real campaigns, and a few of every other kind.
func DefaultMix() Mix {
	return Mix{GMFarmer: 0.01, CopyPaste: 0.008, VelocityBot: 0.004, LikeRing: 0.016, Sybil: 0.04}
}

// Share returns the share of members with attacker label l, 0 for any other label.
func (m Mix) Share(l Label) float64 {
	switch l {
	case GMFarmer:
		return m.GMFarmer
	case CopyPaste:
		return m.CopyPaste
	case VelocityBot:
		return m.VelocityBot
	case LikeRing:
		return m.LikeRing
	case Sybil:
		return m.Sybil
	}
	return 0
}

func (m *Mix) set(l Label, v float64) bool {
	switch l {
	case GMFarmer:
		m.GMFarmer = v
	case CopyPaste:
		m.CopyPaste = v
	case VelocityBot:
		m.VelocityBot = v
	case LikeRing:
		m.LikeRing = v
	case Sybil:
		m.Sybil = v
	default:
		return false
	}
	return true
}

// Total returns the share of all attackers.
func (m Mix) Total() float64 { return m.GMFarmer + m.CopyPaste + m.VelocityBot + m.LikeRing + m.Sybil }

// String formats m as ParseMix reads it, in the fixed label order.
func (m Mix) String() string {
	parts := make([]string, 0, len(AttackerLabels))
	for _, l := range AttackerLabels {
		parts = append(parts, string(l)+"="+strconv.FormatFloat(m.Share(l)*100, 'f', -1, 64)+"%")
	}
	return strings.Join(parts, ",")
}

// ParseMix reads an attacker mix such as "gm_farmer=1%,sybil=0.04,like_ring=0": comma-separated label=share
// pairs, a share being a fraction or a percentage. Labels not named get 0; "none" or "" means no attackers.
func ParseMix(s string) (Mix, error) {
	var m Mix
	s = strings.TrimSpace(s)
	if s == "" || s == "none" {
		return m, nil
	}
	seen := map[Label]bool{}
	for _, part := range strings.Split(s, ",") {
		name, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return Mix{}, fmt.Errorf("attacker mix %q: %q is not label=share", s, part)
		}
		l := Label(strings.TrimSpace(name))
		if seen[l] {
			return Mix{}, fmt.Errorf("attacker mix %q: %s given twice", s, l)
		}
		seen[l] = true
		val = strings.TrimSpace(val)
		scale := 1.0
		if v, ok := strings.CutSuffix(val, "%"); ok {
			val, scale = v, 0.01
		}
		f, err := strconv.ParseFloat(val, 64)
		if err != nil || f < 0 || f*scale > 1 || f != f {
			return Mix{}, fmt.Errorf("attacker mix %q: share of %s must be a number from 0 to 1 or 0%% to 100%%, got %q", s, l, val)
		}
		if !m.set(l, f*scale) {
			return Mix{}, fmt.Errorf("attacker mix %q: unknown attacker type %q (known: %s)", s, l, joinLabels(AttackerLabels))
		}
	}
	if m.Total() > 0.5 {
		return Mix{}, fmt.Errorf("attacker mix %q: attackers would be %.1f%% of members, at most 50%%", s, m.Total()*100)
	}
	return m, nil
}

func joinLabels(ls []Label) string {
	s := make([]string, len(ls))
	for i, l := range ls {
		s[i] = string(l)
	}
	return strings.Join(s, ", ")
}

// Config says what community to generate.
type Config struct {
	Members int       // members, attackers and project accounts included; at least 10
	Days    int       // days of activity, 1 to 3650
	Seed    int64     // the same seed gives the same community
	Start   time.Time // first instant; zero means DefaultStart. Truncated to the second.
	Rate    float64   // mean actions per honest member per day; 0 means DefaultRate
	Mix     *Mix      // attacker shares; nil means DefaultMix(), &Mix{} means none
}

// DefaultRate is the mean number of actions (posts, replies, likes …) per honest member per day. With the
// default attacker mix a community makes about 2.5 events per member per day in all, identity events included.
const DefaultRate = 2.0

// A community makes about identityPerMember identity events per member (links, wallets, tiers) and
// eventsPerRate other events per member-day per unit of Rate, attackers included (they scale with the rate).
// MembersForEvents and RateForEvents size a community with them.
const (
	identityPerMember = 2.7
	eventsPerRate     = 1.16
)

// expectedEvents is about how many events a community of members makes over days at rate.
func expectedEvents(members, days int, rate float64) float64 {
	return float64(members) * (identityPerMember + float64(days)*rate*eventsPerRate)
}

// MembersForEvents returns how many members make about events events over days at the default rate and mix:
// the --events size knob.
func MembersForEvents(events int64, days int) int {
	n := int(float64(events) / expectedEvents(1, max(days, 1), DefaultRate))
	return max(n, 10)
}

// RateForEvents returns the Rate at which members make about events events over days with the default mix:
// the --events size knob when the number of members is fixed.
func RateForEvents(events int64, members, days int) float64 {
	perMember := float64(events)/float64(max(members, 1)) - identityPerMember
	r := perMember / (float64(max(days, 1)) * eventsPerRate)
	return min(max(r, 0.01), 1000)
}

// Validate reports what is wrong with c, naming the field, or nil.
func (c *Config) Validate() error {
	switch {
	case c.Members < 10:
		return fmt.Errorf("generate: members must be at least 10, got %d", c.Members)
	case c.Members > 10_000_000:
		return fmt.Errorf("generate: members must be at most 10,000,000, got %d", c.Members)
	case c.Days < 1 || c.Days > 3650:
		return fmt.Errorf("generate: days must be from 1 to 3650, got %d", c.Days)
	case c.Rate < 0 || c.Rate > 1000 || c.Rate != c.Rate:
		return fmt.Errorf("generate: rate must be from 0 to 1000 actions per member per day, got %g", c.Rate)
	}
	if y := c.Start.Year(); !c.Start.IsZero() && (y < 2010 || y > 2150) {
		return fmt.Errorf("generate: start %s out of range 2010–2150", c.Start.Format(time.RFC3339))
	}
	if c.Mix != nil {
		for _, l := range AttackerLabels {
			if s := c.Mix.Share(l); s < 0 || s > 1 || s != s {
				return fmt.Errorf("generate: share of %s must be from 0 to 1, got %g", l, s)
			}
		}
		if c.Mix.Total() > 0.5 {
			return fmt.Errorf("generate: attackers would be %.1f%% of members, at most 50%%", c.Mix.Total()*100)
		}
	}
	return nil
}

// MemberLabel is one row of the labels file: a member handle and what it really is.
type MemberLabel struct {
	Member string
	Label  Label
}

// Result describes a generated community.
type Result struct {
	Labels []MemberLabel // every member, sorted by handle
	Events int64         // events emitted
	Start  time.Time     // first instant of the community
	End    time.Time     // Start plus Days
}

// Count returns the number of members with label l.
func (r *Result) Count(l Label) int {
	n := 0
	for _, ml := range r.Labels {
		if ml.Label == l {
			n++
		}
	}
	return n
}

// Summary is a one-line description: members, events and attackers by type.
func (r *Result) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d members, %d events over %d days (%s – %s); attackers:", len(r.Labels), r.Events,
		int(r.End.Sub(r.Start)/(24*time.Hour)), r.Start.Format("2006-01-02"), r.End.Add(-time.Second).Format("2006-01-02"))
	total := 0
	for _, l := range AttackerLabels {
		n := r.Count(l)
		total += n
		fmt.Fprintf(&b, " %s %d", l, n)
	}
	fmt.Fprintf(&b, " (%d, %.1f%%)", total, 100*float64(total)/float64(max(len(r.Labels), 1)))
	return b.String()
}

// ErrStop may be returned by an emit function to end generation early without an error.
var ErrStop = errors.New("gen: stop")

// Generate generates the community cfg describes and calls emit with each event, in order of time and then
// event key ("source/id"): the order of the import format. emit must not keep the pointer after it returns
// (copy the Event; its Attrs map is never changed afterwards). An error from emit stops generation and is
// returned, except ErrStop, which just stops it. Memory stays bounded by the community's size and a few days
// of recent posts, whatever Days is.
func Generate(cfg Config, emit func(*plaudit.Event) error) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	g := newGenerator(cfg)
	res := &Result{Labels: g.labels(), Start: time.Unix(g.start, 0).UTC(), End: time.Unix(g.end, 0).UTC()}
	n, err := g.run(emit)
	res.Events = n
	if errors.Is(err, ErrStop) {
		err = nil
	}
	return res, err
}

// Events generates the community cfg describes and returns its events in memory, in Generate's order, each
// numbered by its place in the log (Seq 1, 2, …) as an import of them would: for tests and small
// communities. A large community is streamed with Generate instead.
func Events(cfg Config) ([]plaudit.Event, *Result, error) {
	var events []plaudit.Event
	res, err := Generate(cfg, func(e *plaudit.Event) error {
		e.Seq = int64(len(events) + 1)
		events = append(events, *e)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return events, res, nil
}

// generator is the state of one generation run.
type generator struct {
	cfg        Config
	rng        *rand.Rand
	start, end int64 // unix seconds

	members  []*member
	projects []int32 // indexes of project members
	rings    [][]int32
	clusters []*cluster

	honest       []int32 // honest and project members that act by the alias table
	honestWeight float64 // their total weight
	alias        aliasTable
	maxDiurnal   float64
	attackers    []int32

	queue actionQueue
	seq   uint64 // action push order, the tie-breaker of the queue
	idSeq uint64 // low bits of snowflake ids

	pools   [numPlatforms]pool // recent items people can engage with
	engaged [numPlatforms]pool // targets of recent engagements: picking from it is preferential attachment
	spam    pool               // recent attacker content, what honest members flag
	repos   []string           // GitHub repositories of the projects
	issueNo map[string]int     // next issue number per repo
	buf     []plaudit.Event    // the current hour's events not yet emitted
	flushAt int                // emit them early from this many (flushAt, or another size in tests)
	text    textGen
}

// run is the main loop: hour by hour, it schedules the hour's fresh actions, executes every queued action
// that falls in the hour in time order (actions may schedule more), and emits the hour's events sorted.
func (g *generator) run(emit func(*plaudit.Event) error) (int64, error) {
	var n int64
	g.scheduleJoins()
	for h := g.start; h < g.end; h += 3600 {
		if (h-g.start)%86400 == 0 {
			g.startDay(h)
		}
		g.scheduleHour(h)
		for g.queue.Len() > 0 && g.queue.peek().t < h+3600 {
			a := g.queue.pop()
			if len(g.buf) >= g.flushAt && g.buf[len(g.buf)-1].Time.Unix() < a.t {
				if err := g.flush(emit, &n); err != nil {
					return n, err
				}
			}
			g.execute(a)
		}
		g.evict(h)
		if err := g.flush(emit, &n); err != nil {
			return n, err
		}
	}
	return n, nil
}

// flushAt is the number of buffered events from which run emits them before the hour is over, so that an
// hour in which a whole large community joins (2.7 identity events per member, nearly all in the first ten
// minutes: 2,700,000 events for a million members) is not held in memory at once.
const flushAt = 8192

// flush sorts and emits the buffered events, counting them in *n. run calls it within an hour only before an
// action later than every buffered event: actions run in time order, each event carries its action's time and
// actions only schedule later ones, so every event still to come is later than everything flushed, and the
// output is the same as if the hour had been sorted whole.
func (g *generator) flush(emit func(*plaudit.Event) error, n *int64) error {
	sortHour(g.buf)
	for i := range g.buf {
		if err := emit(&g.buf[i]); err != nil {
			return err
		}
		*n++
	}
	clear(g.buf)
	g.buf = g.buf[:0]
	return nil
}

// sortHour sorts an hour's events by time, then source, then id. Actions run in time order and every event
// takes its action's time, so the events are already in time order and only events of the same second may
// need reordering: insertion sort does that in linear time.
func sortHour(evs []plaudit.Event) {
	less := func(a, b *plaudit.Event) bool {
		if ta, tb := a.Time.Unix(), b.Time.Unix(); ta != tb {
			return ta < tb
		}
		if a.Source != b.Source {
			return a.Source < b.Source
		}
		return a.ExternalID < b.ExternalID
	}
	for i := 1; i < len(evs); i++ {
		if !less(&evs[i], &evs[i-1]) {
			continue
		}
		e := evs[i]
		j := i
		for j > 0 && less(&e, &evs[j-1]) {
			evs[j] = evs[j-1]
			j--
		}
		evs[j] = e
	}
}

// labels returns every member's label, sorted by handle.
func (g *generator) labels() []MemberLabel {
	out := make([]MemberLabel, len(g.members))
	for i, m := range g.members {
		out[i] = MemberLabel{Member: m.handle, Label: m.label}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Member < out[j].Member })
	return out
}

// add appends an event to the current hour's buffer and returns it; the pointer is good until the next add.
func (g *generator) add(src plaudit.Source, id string, kind plaudit.Kind, actor string, t int64) *plaudit.Event {
	g.buf = append(g.buf, plaudit.Event{Source: src, ExternalID: id, Kind: kind, Actor: actor, Time: time.Unix(t, 0).UTC()})
	return &g.buf[len(g.buf)-1]
}
