package moderation

import (
	"fmt"
	"sort"
	"time"

	"github.com/plaudit/plaudit"
)

// Config says how hard a confirmed flag hits.
type Config struct {
	// Penalty is the member's multiplier while a confirmed flag's penalty lasts: the reputation cost of
	// confirmed abuse. Several standing flags compound.
	Penalty plaudit.Ratio
	// PenaltyEpochs is how many epochs the penalty lasts, starting with the one in which the flag was
	// confirmed; at least 1.
	PenaltyEpochs int
	// EventMultiplier is what an event keeps once a flag on it is confirmed.
	EventMultiplier plaudit.Ratio
}

// DefaultConfig halves the member's points for the epoch of the confirmation and zeroes the flagged event.
func DefaultConfig() Config {
	return Config{Penalty: plaudit.One / 2, PenaltyEpochs: 1, EventMultiplier: 0}
}

// EpochFunc returns the bounds [start, end) of the epoch that contains t: settle.Program.EpochAt, adapted.
type EpochFunc func(t time.Time) (start, end time.Time, err error)

// Effects returns the effects of confirming a flag at time at with an exclusion of n epochs: the penalty and
// the exclusion both start with the epoch in progress at at.
func (c Config) Effects(epochAt EpochFunc, at time.Time, n int) (Effects, error) {
	if n < 0 || n > MaxExcludeEpochs {
		return Effects{}, plaudit.Errorf(plaudit.EINVALID, "exclude epochs: want 0 to %d, got %d", MaxExcludeEpochs, n)
	}
	if c.PenaltyEpochs < 1 || c.PenaltyEpochs > MaxExcludeEpochs {
		return Effects{}, plaudit.Errorf(plaudit.EINVALID, "penalty epochs: want 1 to %d, got %d", MaxExcludeEpochs, c.PenaltyEpochs)
	}
	if c.Penalty < 0 || c.Penalty > plaudit.One || c.EventMultiplier < 0 || c.EventMultiplier > plaudit.One {
		return Effects{}, plaudit.Errorf(plaudit.EINVALID, "moderation multipliers must lie between 0 and 1")
	}
	from, _, err := epochAt(at)
	if err != nil {
		return Effects{}, fmt.Errorf("epoch at %s: %w", at.Format(time.RFC3339), err)
	}
	endAfter := func(k int) (time.Time, error) {
		t := at
		var end time.Time
		for range k {
			var err error
			if _, end, err = epochAt(t); err != nil {
				return time.Time{}, fmt.Errorf("epoch at %s: %w", t.Format(time.RFC3339), err)
			}
			t = end
		}
		return end, nil
	}
	eff := Effects{EventMultiplier: c.EventMultiplier, Penalty: c.Penalty, From: from.UTC(), ExcludeEpochs: n}
	if eff.PenaltyUntil, err = endAfter(c.PenaltyEpochs); err != nil {
		return Effects{}, err
	}
	eff.PenaltyUntil = eff.PenaltyUntil.UTC()
	if n > 0 {
		if eff.ExcludedUntil, err = endAfter(n); err != nil {
			return Effects{}, err
		}
		eff.ExcludedUntil = eff.ExcludedUntil.UTC()
	}
	return eff, nil
}

// Exclusion is a member's exclusion from rewards by a standing flag.
type Exclusion = plaudit.Exclusion

// Exclusions returns the exclusions of the standing flags, by member then flag.
func Exclusions(flags []Flag) []Exclusion {
	var out []Exclusion
	for i := range flags {
		f := &flags[i]
		if Standing(f) && f.Effects != nil && f.Effects.ExcludeEpochs > 0 {
			out = append(out, Exclusion{Member: f.Member, Flag: f.ID, From: f.Effects.From, Until: f.Effects.ExcludedUntil, Epochs: f.Effects.ExcludeEpochs, By: f.Decision.By, At: f.Decision.At})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Member != out[j].Member {
			return out[i].Member < out[j].Member
		}
		return out[i].Flag < out[j].Flag
	})
	return out
}

// Checks named in the reasons of moderation verdicts.
const (
	CheckFlag      = "moderation_flag"      // a confirmed flag on an event
	CheckPenalty   = "moderation_penalty"   // the reputation penalty of a confirmed flag
	CheckExclusion = "moderation_exclusion" // an exclusion from rewards
)

// Verdicts returns the verdicts that the standing flags give for the epoch [start, end): a confirmed flag
// on an event scales that event by its EventMultiplier whatever the window (settlement only counts events
// inside it); a member's penalty and exclusion apply when their window overlaps the epoch. Each subject's
// multiplier is the product of its reasons, reasons in flag order; verdicts are sorted by subject.
func Verdicts(flags []Flag, start, end time.Time) []plaudit.Verdict {
	sorted := append([]Flag(nil), flags...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].ID < sorted[j].ID })
	reasons := map[string][]plaudit.Reason{}
	overlaps := func(from, until time.Time) bool { return from.Before(end) && until.After(start) }
	for i := range sorted {
		f := &sorted[i]
		if !Standing(f) || f.Effects == nil {
			continue
		}
		e := f.Effects
		ev := func(extra ...plaudit.Input) []plaudit.Input {
			return append([]plaudit.Input{
				{Name: "flag", Value: fmt.Sprint(f.ID)},
				{Name: "flagged_by", Value: f.By},
				{Name: "confirmed_by", Value: f.Decision.By},
				{Name: "confirmed_at", Value: f.Decision.At.Format(time.RFC3339)},
			}, extra...)
		}
		member := plaudit.MemberSubject(f.Member)
		if _, ok := IsMemberSubject(f.Subject); !ok {
			reasons[f.Subject] = append(reasons[f.Subject], plaudit.Reason{Check: CheckFlag,
				Detail: fmt.Sprintf("flag %d confirmed: %s", f.ID, f.Reason), Multiplier: e.EventMultiplier, Evidence: ev()})
		}
		if overlaps(e.From, e.PenaltyUntil) {
			reasons[member] = append(reasons[member], plaudit.Reason{Check: CheckPenalty,
				Detail: fmt.Sprintf("flag %d on %s confirmed: %s", f.ID, f.Subject, f.Reason), Multiplier: e.Penalty,
				Evidence: ev(plaudit.Input{Name: "until", Value: e.PenaltyUntil.Format(time.RFC3339)})})
		}
		if e.ExcludeEpochs > 0 && overlaps(e.From, e.ExcludedUntil) {
			reasons[member] = append(reasons[member], plaudit.Reason{Check: CheckExclusion,
				Detail: fmt.Sprintf("excluded for %d epochs by flag %d", e.ExcludeEpochs, f.ID), Multiplier: 0,
				Evidence: ev(plaudit.Input{Name: "until", Value: e.ExcludedUntil.Format(time.RFC3339)})})
		}
	}
	out := make([]plaudit.Verdict, 0, len(reasons))
	for s, rs := range reasons {
		out = append(out, plaudit.Verdict{Subject: s, Multiplier: product(rs), Reasons: rs})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Subject < out[j].Subject })
	return out
}

// Merge combines verdict lists into one verdict per subject: the reasons of every list, in list order, and
// their compound multiplier (the product of the lists' multipliers, as settlement compounds them). The
// result is sorted by subject.
func Merge(lists ...[]plaudit.Verdict) []plaudit.Verdict {
	idx := map[string]int{}
	var out []plaudit.Verdict
	for _, l := range lists {
		for _, v := range l {
			i, ok := idx[v.Subject]
			if !ok {
				idx[v.Subject] = len(out)
				out = append(out, plaudit.Verdict{Subject: v.Subject, Multiplier: v.Multiplier, Reasons: append([]plaudit.Reason(nil), v.Reasons...)})
				continue
			}
			out[i].Multiplier = mul(out[i].Multiplier, v.Multiplier)
			out[i].Reasons = append(out[i].Reasons, v.Reasons...)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Subject < out[j].Subject })
	return out
}

func mul(a, b plaudit.Ratio) plaudit.Ratio {
	return plaudit.Ratio((int64(a)*int64(b) + int64(plaudit.One)/2) / int64(plaudit.One))
}

func product(rs []plaudit.Reason) plaudit.Ratio {
	m := plaudit.One
	for _, r := range rs {
		m = mul(m, r.Multiplier)
	}
	return m
}
