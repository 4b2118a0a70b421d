// Package integrity is the layer between scoring and settlement that catches gaming: velocity limits,
// diminishing returns for repeated similar actions, content signals (farming words, generic replies, spam,
// near-duplicates across the community and against known spam), and member-level findings (sybil clusters,
// collusion rings, confirmed abuse). It turns them into one Verdict per event and per member — a multiplier
// between 0 and 1 with the reasons — that settlement applies and `plaudit explain` shows.
//
// Everything here is a pure function of the events (in Seq order), the directory and the configuration:
// the same inputs give the same verdicts, byte for byte.
package integrity

import (
	"sort"
	"time"

	"github.com/plaudit/plaudit"
)

// Limit caps how many events of one kind a member may make in a sliding window; events beyond it earn
// nothing.
type Limit struct {
	Kind   plaudit.Kind  `yaml:"kind"`
	Window time.Duration `yaml:"window"`
	Max    int           `yaml:"max"`
}

// Config chooses which checks run and how hard. The zero value runs nothing; DefaultConfig runs everything
// with the defaults documented in docs/integrity.md.
type Config struct {
	// Velocity limits, per member and kind; several limits may apply to one kind (a burst and an hourly cap).
	Velocity []Limit `yaml:"velocity"`

	// Diminishing returns for the same member making the same kind of action towards the same author on
	// one source within DiminishWindow: the
	// first DiminishFree actions count in full, each later one DiminishFactor times the one before, and
	// nothing after DiminishAfter actions (0: no such limit). A zero window turns it off.
	DiminishWindow time.Duration `yaml:"diminish_window"`
	DiminishFree   int           `yaml:"diminish_free"`
	DiminishFactor plaudit.Ratio `yaml:"diminish_factor"`
	DiminishAfter  int           `yaml:"diminish_after"`

	// Content checks on events with text.
	NearDuplicate     plaudit.Ratio `yaml:"near_duplicate"`     // similarity at or above which a text is a copy; 0 turns it off
	CopyMin           int           `yaml:"copy_min"`           // copies a member must make before they are penalised (copy-paste is a pattern)
	CopyShare         plaudit.Ratio `yaml:"copy_share"`         // and the share of their texts that must be copies
	CopyMultiplier    plaudit.Ratio `yaml:"copy_multiplier"`    // what a copy of an earlier text keeps
	FarmMultiplier    plaudit.Ratio `yaml:"farm_multiplier"`    // what a farming reply ("gm", "wagmi") keeps
	GenericMultiplier plaudit.Ratio `yaml:"generic_multiplier"` // what a generic reply ("great post") keeps
	SpamMultiplier    plaudit.Ratio `yaml:"spam_multiplier"`    // what a text with spam signals keeps
	SpamCorpus        []string      `yaml:"spam_corpus"`        // known spam texts

	// FlagShare is the share of a member's scored events that must carry an event-level finding before the
	// member is flagged as a whole; FlaggedMultiplier is what a flagged member keeps.
	FlagShare         plaudit.Ratio `yaml:"flag_share"`
	FlaggedMultiplier plaudit.Ratio `yaml:"flagged_multiplier"`
}

// DefaultConfig returns the defaults: velocity limits that no person reaches by hand, halving for repeated
// actions towards one author within a day, and content multipliers that zero copies and farming.
func DefaultConfig() Config {
	return Config{
		Velocity: []Limit{
			{Kind: plaudit.KindLike, Window: time.Minute, Max: 6},
			{Kind: plaudit.KindLike, Window: time.Hour, Max: 60},
			{Kind: plaudit.KindRepost, Window: time.Minute, Max: 3},
			{Kind: plaudit.KindRepost, Window: time.Hour, Max: 30},
			{Kind: plaudit.KindReply, Window: time.Minute, Max: 3},
			{Kind: plaudit.KindReply, Window: time.Hour, Max: 30},
			{Kind: plaudit.KindComment, Window: time.Minute, Max: 3},
			{Kind: plaudit.KindQuote, Window: time.Minute, Max: 3},
			{Kind: plaudit.KindPost, Window: time.Hour, Max: 20},
		},
		DiminishWindow:    24 * time.Hour,
		DiminishFree:      3,
		DiminishFactor:    plaudit.One / 2,
		DiminishAfter:     10,
		NearDuplicate:     700_000,
		CopyMin:           3,
		CopyShare:         500_000,
		CopyMultiplier:    0,
		FarmMultiplier:    0,
		GenericMultiplier: plaudit.One / 4,
		SpamMultiplier:    0,
		FlagShare:         400_000,
		FlaggedMultiplier: 0,
	}
}

// Findings is what the checks found, keyed for settlement: event reasons by event key, member reasons by
// member handle.
type Findings struct {
	Events  map[string][]plaudit.Reason
	Members map[string][]plaudit.Reason
}

// NewFindings returns empty findings.
func NewFindings() *Findings {
	return &Findings{Events: map[string][]plaudit.Reason{}, Members: map[string][]plaudit.Reason{}}
}

// AddEvent records a reason against an event.
func (f *Findings) AddEvent(key string, r plaudit.Reason) { f.Events[key] = append(f.Events[key], r) }

// AddMember records a reason against a member.
func (f *Findings) AddMember(handle string, r plaudit.Reason) {
	f.Members[handle] = append(f.Members[handle], r)
}

// Verdicts turns findings into verdicts, sorted by subject: each subject's multiplier is the product of its
// reasons' multipliers (independent penalties compound), and reasons keep the order the checks ran in.
func (f *Findings) Verdicts() []plaudit.Verdict {
	out := make([]plaudit.Verdict, 0, len(f.Events)+len(f.Members))
	for k, rs := range f.Events {
		out = append(out, plaudit.Verdict{Subject: k, Multiplier: product(rs), Reasons: rs})
	}
	for h, rs := range f.Members {
		out = append(out, plaudit.Verdict{Subject: plaudit.MemberSubject(h), Multiplier: product(rs), Reasons: rs})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Subject < out[j].Subject })
	return out
}

func product(rs []plaudit.Reason) plaudit.Ratio {
	m := plaudit.One
	for _, r := range rs {
		m = plaudit.Ratio((int64(m)*int64(r.Multiplier) + int64(plaudit.One)/2) / int64(plaudit.One))
	}
	return m
}

// Apply returns scores with every verdict applied: each score's points times its event's multiplier and
// its member's multiplier, with a line per reason so that the explanation shows what integrity took. Scores
// are returned in the order given; the input is not modified.
func Apply(scores []plaudit.Score, verdicts []plaudit.Verdict) []plaudit.Score {
	by := make(map[string]*plaudit.Verdict, len(verdicts))
	for i := range verdicts {
		by[verdicts[i].Subject] = &verdicts[i]
	}
	out := make([]plaudit.Score, len(scores))
	for i, s := range scores {
		out[i] = s
		for _, subj := range []string{s.Event, plaudit.MemberSubject(s.Member)} {
			v := by[subj]
			if v == nil || v.Multiplier == plaudit.One {
				continue
			}
			before := out[i].Points
			out[i].Points = v.Multiplier.Apply(before)
			lines := append([]plaudit.Line{}, out[i].Lines...)
			for _, r := range v.Reasons {
				lines = append(lines, plaudit.Line{Rule: "integrity." + r.Check, Inputs: r.Evidence, Note: r.Detail,
					Points: 0})
			}
			lines = append(lines, plaudit.Line{Rule: "integrity.multiplier", Inputs: []plaudit.Input{
				{Name: "subject", Value: subj}, {Name: "multiplier", Value: v.Multiplier.String()}}, Points: out[i].Points - before})
			out[i].Lines = lines
		}
	}
	return out
}
