// Package settle closes the epochs of reward programs: it picks the eligible scored events of a period,
// splits the pool pro rata to the members' points in exact integer base units, applies caps, minimum payouts,
// fees and the unspent-pool rule, and produces the allocations and the double-entry postings that record
// them.
//
// It is a pure core: no I/O, no wall clock, no float64. The same program, scores, verdicts and carries always
// give the same allocations, the same postings and the same digest.
package settle

import (
	"fmt"
	"math/big"
	"regexp"
	"strings"
	"time"

	"github.com/plaudit/plaudit"
)

// Period kinds.
const (
	Daily   = "daily"
	Weekly  = "weekly"
	Monthly = "monthly"
	Custom  = "custom"
)

// Unspent pool rules: carry the unspent pool over to the next epoch, or return it to the treasury.
const (
	UnspentCarry    = "carry"
	UnspentTreasury = "treasury"
)

// Period says how a program's time is cut into epochs, in UTC. Daily epochs start at midnight, weekly ones
// on Monday at midnight, monthly ones at midnight on the first of the month; a custom period is windows of a
// fixed length [Anchor + n·Every, Anchor + (n+1)·Every), anchored at midnight on 1 January 1970 unless
// Anchor says otherwise. Daily and weekly periods may move their anchor too (a week starting on Sunday).
type Period struct {
	Kind   string        `json:"kind"`            // daily, weekly or custom
	Every  time.Duration `json:"every,omitempty"` // length of a custom period
	Anchor time.Time     `json:"anchor,omitzero"` // start of one epoch; others are whole periods away
}

var (
	dailyAnchor  = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	weeklyAnchor = time.Date(1970, 1, 5, 0, 0, 0, 0, time.UTC) // a Monday
)

// length returns the epoch length and anchor of p.
func (p Period) length() (time.Duration, time.Time, error) {
	anchor := p.Anchor.UTC()
	switch p.Kind {
	case Daily:
		if p.Anchor.IsZero() {
			anchor = dailyAnchor
		}
		return 24 * time.Hour, anchor, nil
	case Weekly:
		if p.Anchor.IsZero() {
			anchor = weeklyAnchor
		}
		return 7 * 24 * time.Hour, anchor, nil
	case Monthly:
		return 0, anchor, nil
	case Custom:
		if p.Every < time.Minute {
			return 0, anchor, fmt.Errorf("period: custom period needs every ≥ 1m, got %s", p.Every)
		}
		if p.Anchor.IsZero() {
			anchor = dailyAnchor
		}
		return p.Every, anchor, nil
	}
	return 0, anchor, fmt.Errorf("period: kind %q: want daily, weekly, monthly or custom", p.Kind)
}

// Bounds returns the epoch [start, end) that contains t.
func (p Period) Bounds(t time.Time) (start, end time.Time, err error) {
	d, anchor, err := p.length()
	if err != nil {
		return start, end, err
	}
	if p.Kind == Monthly {
		u := t.UTC()
		start = time.Date(u.Year(), u.Month(), 1, 0, 0, 0, 0, time.UTC)
		return start, start.AddDate(0, 1, 0), nil
	}
	off := t.UTC().Sub(anchor)
	n := off / d
	if off%d < 0 {
		n--
	}
	start = anchor.Add(n * d)
	return start, start.Add(d), nil
}

// Program is a reward program: when its epochs are, what each epoch's pool is, and the rules that turn
// points into payouts.
type Program struct {
	Name     string   `json:"name"`
	Period   Period   `json:"period"`
	Pool     *big.Int `json:"pool"`     // per epoch, in base units of Token
	Token    string   `json:"token"`    // token address (0x…) or symbol; the ledger asset
	Decimals int      `json:"decimals"` // of Token

	// MinScore: an event counts only when its points after its verdict are strictly greater.
	MinScore plaudit.Points `json:"min_score"`
	// Cap limits one member's share of an epoch: an absolute amount (base units), a share of the epoch's
	// pool (ppm), or both (the smaller wins). The excess is shared among the other members.
	Cap      *big.Int      `json:"cap,omitempty"`
	CapShare plaudit.Ratio `json:"cap_share,omitempty"`
	// MinPayout: a member owed less (share plus carry) is paid nothing now; the amount carries to their
	// next epoch.
	MinPayout *big.Int `json:"min_payout,omitempty"`
	// Unspent says where a pool nobody could take goes: "carry" (the next epoch) or "treasury".
	Unspent string `json:"unspent"`
	// FeeRate is the part of each payout that goes to the treasury, in ppm (5% = 50000).
	FeeRate plaudit.Ratio `json:"fee_rate,omitempty"`
	// Treasury names the treasury account that receives fees and a returned pool.
	Treasury string `json:"treasury,omitempty"`
	// FeeExempt lists tokens that pay no fee (compared case-insensitively with Token).
	FeeExempt []string `json:"fee_exempt,omitempty"`
	// XPayouts opts in to token payouts for points earned on X (events of source x). X's developer terms
	// forbid paying users for posting on X, so by default X points earn ENG governance weight but no share
	// of the pool.
	XPayouts bool `json:"x_payouts,omitempty"`
	// ENGPerPoint mints governance weight: ENG base units (6 decimals) per point of eligible weight; 0 mints none.
	ENGPerPoint plaudit.Ratio `json:"eng_per_point,omitempty"`
}

var programName = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,63}$`)

// Validate reports every problem of p, naming the field.
func (p *Program) Validate() error {
	var errs []string
	bad := func(field, format string, args ...any) {
		errs = append(errs, "program."+field+": "+fmt.Sprintf(format, args...))
	}
	if !programName.MatchString(p.Name) {
		bad("name", "%q: want lower-case letters, digits, '.', '_' or '-' (at most 64)", p.Name)
	}
	if _, _, err := p.Period.length(); err != nil {
		bad("period", "%v", err)
	}
	if p.Pool == nil || p.Pool.Sign() < 0 {
		bad("pool", "missing or negative")
	}
	if p.Token == "" {
		bad("token", "missing")
	}
	if p.Decimals < 0 || p.Decimals > 36 {
		bad("decimals", "%d: want 0–36", p.Decimals)
	}
	if p.MinScore < 0 {
		bad("min_score", "%s: must not be negative", p.MinScore)
	}
	if p.Cap != nil && p.Cap.Sign() <= 0 {
		bad("cap", "%s: must be positive (leave it out for no cap)", p.Cap)
	}
	if p.CapShare < 0 || p.CapShare > plaudit.One {
		bad("cap_share", "%s: want 0–1", p.CapShare)
	}
	if p.MinPayout != nil && p.MinPayout.Sign() < 0 {
		bad("min_payout", "must not be negative")
	}
	if p.Unspent != UnspentCarry && p.Unspent != UnspentTreasury {
		bad("unspent", "%q: want carry or treasury", p.Unspent)
	}
	if p.FeeRate < 0 || p.FeeRate >= plaudit.One {
		bad("fee_rate", "%s: want 0 ≤ rate < 1", p.FeeRate)
	}
	if (p.FeeRate > 0 || p.Unspent == UnspentTreasury) && p.Treasury == "" {
		bad("treasury", "missing: a fee rate or unspent: treasury needs a treasury account")
	}
	if p.ENGPerPoint < 0 {
		bad("eng_per_point", "must not be negative")
	}
	if len(errs) > 0 {
		return plaudit.Errorf(plaudit.EINVALID, "%s", strings.Join(errs, "; "))
	}
	return nil
}

// feeRate returns the fee rate that applies: zero for a fee-exempt token.
func (p *Program) feeRate() plaudit.Ratio {
	for _, t := range p.FeeExempt {
		if strings.EqualFold(t, p.Token) {
			return 0
		}
	}
	return p.FeeRate
}

// Window is one epoch of a program: its id and its bounds.
type Window struct {
	ID    string
	Start time.Time // inclusive
	End   time.Time // exclusive
}

// EpochAt returns the epoch of p that contains t.
func (p *Program) EpochAt(t time.Time) (Window, error) {
	start, end, err := p.Period.Bounds(t)
	if err != nil {
		return Window{}, err
	}
	return Window{ID: plaudit.EpochID(p.Name, start), Start: start, End: end}, nil
}

// LastEnded returns the latest epoch of p that has ended at or before now.
func (p *Program) LastEnded(now time.Time) (Window, error) {
	w, err := p.EpochAt(now)
	if err != nil {
		return w, err
	}
	return p.EpochAt(w.Start.Add(-time.Nanosecond))
}
