package policy

import (
	"fmt"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/integrity"
)

// Integrity is a policy's integrity section: which checks of package integrity run and how hard, and what a
// confirmed flag costs a member (package moderation). Every field defaults to DefaultIntegrity's value, so
// a policy without the section runs every check with its defaults.
//
// A policy whose integrity section equals the defaults hashes as if it had none, so that adding the
// section to Plaudit did not change the hash of any policy written before it.
type Integrity struct {
	// Checks are the event-level checks: velocity limits, diminishing returns, content checks and the
	// roll-up of event findings into member findings.
	Checks integrity.Config `yaml:"checks"`
	// Collusion turns the detection of collusion rings on or off; Sybil the sybil signals; Reputation the
	// EigenTrust reputation (rings and sybils discounted).
	Collusion  bool `yaml:"collusion"`
	Sybil      bool `yaml:"sybil"`
	Reputation bool `yaml:"reputation"`
	// Moderation says what a confirmed flag costs.
	Moderation Moderation `yaml:"moderation"`
}

// Moderation is what a confirmed flag costs the member it is against.
type Moderation struct {
	// Penalty is the member's multiplier for PenaltyEpochs epochs from the one in which the flag is
	// confirmed: the reputation cost of confirmed abuse (default 0.5).
	Penalty       plaudit.Ratio `yaml:"penalty"`
	PenaltyEpochs int           `yaml:"penalty_epochs"` // default 1
	// EventMultiplier is what a flagged event keeps once the flag is confirmed (default 0).
	EventMultiplier plaudit.Ratio `yaml:"event_multiplier"`
}

// DefaultIntegrity runs every check with integrity.DefaultOptions and halves a confirmed member's points
// for one epoch.
func DefaultIntegrity() Integrity {
	o := integrity.DefaultOptions()
	return Integrity{
		Checks: o.Checks, Collusion: o.Collusion, Sybil: o.Sybil, Reputation: o.Reputation,
		Moderation: Moderation{Penalty: plaudit.One / 2, PenaltyEpochs: 1, EventMultiplier: 0},
	}
}

// Options returns the integrity options the section chooses; tuning the section does not cover (ring and
// sybil parameters, seeds) keeps integrity's defaults.
func (in *Integrity) Options() integrity.Options {
	o := integrity.DefaultOptions()
	o.Checks, o.Collusion, o.Sybil, o.Reputation = in.Checks, in.Collusion, in.Sybil, in.Reputation
	return o
}

// maxModerationEpochs bounds penalty_epochs: ten years of weekly epochs.
const maxModerationEpochs = 520

// validateIntegrity checks the integrity section, naming each bad field.
func (d *decoder) validateIntegrity(in *Integrity) {
	ratio := func(path string, r plaudit.Ratio) {
		if r < 0 || r > plaudit.One {
			d.failAt(path, "want 0 to 1, got %s", r)
		}
	}
	nonNeg := func(path string, n int) {
		if n < 0 {
			d.failAt(path, "must not be negative, got %d", n)
		}
	}
	c := &in.Checks
	// An empty list is the same as none, so that the effective form (which prints "[]") parses back to
	// the same policy and hash.
	if len(c.SpamCorpus) == 0 {
		c.SpamCorpus = nil
	}
	if len(c.Velocity) == 0 {
		c.Velocity = nil
	}
	for i, l := range c.Velocity {
		path := fmt.Sprintf("integrity.checks.velocity[%d]", i)
		if !kindKnown(nil, l.Kind) {
			d.failAt(path+".kind", "unknown kind %q", truncate(string(l.Kind), 40))
		}
		if l.Window <= 0 {
			d.failAt(path+".window", "want a positive duration such as 1m or 1h, got %s", l.Window)
		}
		if l.Max < 1 {
			d.failAt(path+".max", "want 1 or more, got %d", l.Max)
		}
	}
	if c.DiminishWindow < 0 {
		d.failAt("integrity.checks.diminish_window", "must not be negative (0 turns diminishing returns off)")
	}
	nonNeg("integrity.checks.diminish_free", c.DiminishFree)
	nonNeg("integrity.checks.diminish_after", c.DiminishAfter)
	nonNeg("integrity.checks.copy_min", c.CopyMin)
	ratio("integrity.checks.diminish_factor", c.DiminishFactor)
	ratio("integrity.checks.near_duplicate", c.NearDuplicate)
	ratio("integrity.checks.copy_share", c.CopyShare)
	ratio("integrity.checks.copy_multiplier", c.CopyMultiplier)
	ratio("integrity.checks.farm_multiplier", c.FarmMultiplier)
	ratio("integrity.checks.generic_multiplier", c.GenericMultiplier)
	ratio("integrity.checks.spam_multiplier", c.SpamMultiplier)
	ratio("integrity.checks.flag_share", c.FlagShare)
	ratio("integrity.checks.flagged_multiplier", c.FlaggedMultiplier)
	for i, s := range c.SpamCorpus {
		if s == "" {
			d.failAt(fmt.Sprintf("integrity.checks.spam_corpus[%d]", i), "empty text")
		}
	}
	m := &in.Moderation
	ratio("integrity.moderation.penalty", m.Penalty)
	ratio("integrity.moderation.event_multiplier", m.EventMultiplier)
	if m.PenaltyEpochs < 1 || m.PenaltyEpochs > maxModerationEpochs {
		d.failAt("integrity.moderation.penalty_epochs", "want 1 to %d, got %d", maxModerationEpochs, m.PenaltyEpochs)
	}
}
