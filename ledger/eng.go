package ledger

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/plaudit/plaudit"
)

// Governance models. Under Active Stake Weighted Governance (the model the DEM seed was designed for) a
// member may toggle their ENG between governance and rewards at any time; under any other model a cooldown
// separates two toggles, so that weight cannot be moved in just before a vote and out just after.
const (
	ModelASWG  = "aswg"
	ModelOther = "other"
)

// DefaultCooldown is the DEM seed's recommended cooldown for models other than ASWG: six calendar months.
var DefaultCooldown = Cooldown{Months: 6}

// Cooldown is the wait between two toggles of one member: calendar months (added with time.AddDate in UTC,
// so six months from 31 August is 3 March, as Go normalises dates) plus a fixed duration.
type Cooldown struct {
	Months   int
	Duration time.Duration
}

// After returns the first time a member who toggled at t may toggle again.
func (c Cooldown) After(t time.Time) time.Time {
	return t.UTC().AddDate(0, c.Months, 0).Add(c.Duration)
}

// String formats c as ParseCooldown reads it.
func (c Cooldown) String() string {
	switch {
	case c.Months == 0 && c.Duration == 0:
		return "0"
	case c.Duration == 0:
		return strconv.Itoa(c.Months) + "mo"
	case c.Months == 0:
		if c.Duration%(24*time.Hour) == 0 {
			return strconv.Itoa(int(c.Duration/(24*time.Hour))) + "d"
		}
		return c.Duration.String()
	}
	return strconv.Itoa(c.Months) + "mo+" + c.Duration.String()
}

// ParseCooldown reads "6mo" (calendar months), "182d" (days of 24 h), a Go duration ("72h"), or "0".
func ParseCooldown(s string) (Cooldown, error) {
	switch {
	case s == "0":
		return Cooldown{}, nil
	case strings.HasSuffix(s, "mo"):
		n, err := strconv.Atoi(strings.TrimSuffix(s, "mo"))
		if err != nil || n < 0 || n > 120 {
			return Cooldown{}, fmt.Errorf("cooldown %q: want whole months 0–120, e.g. 6mo", s)
		}
		return Cooldown{Months: n}, nil
	case strings.HasSuffix(s, "d"):
		n, err := strconv.Atoi(strings.TrimSuffix(s, "d"))
		if err != nil || n < 0 || n > 3660 {
			return Cooldown{}, fmt.Errorf("cooldown %q: want whole days 0–3660, e.g. 182d", s)
		}
		return Cooldown{Duration: time.Duration(n) * 24 * time.Hour}, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return Cooldown{}, fmt.Errorf("cooldown %q: want 6mo, 182d or a duration such as 72h", s)
	}
	return Cooldown{Duration: d}, nil
}

// Governance is how a deployment uses ENG: its governance model and, for models other than ASWG, the
// cooldown between toggles.
type Governance struct {
	Model    string
	Cooldown Cooldown
}

// DefaultGovernance is ASWG: toggles are free.
var DefaultGovernance = Governance{Model: ModelASWG}

// Validate reports a bad model.
func (g Governance) Validate() error {
	if g.Model != ModelASWG && g.Model != ModelOther {
		return plaudit.Errorf(plaudit.EINVALID, "governance model %q: want aswg or other", g.Model)
	}
	return nil
}

// Mode returns a member's current ENG mode from their toggle history (oldest first): governance until the
// first toggle.
func Mode(history []plaudit.ENGToggle) plaudit.ENGMode {
	if len(history) == 0 {
		return plaudit.ENGGovernance
	}
	return history[len(history)-1].To
}

// Toggle decides a member's toggle at now and returns the record to store. kind is the member's kind:
// project members have no stake of their own (their ENG pools in the project wallet), so they cannot
// toggle. Under a model other than ASWG a toggle within the cooldown of the previous one is refused with
// EFORBIDDEN naming when the next toggle is allowed.
func Toggle(g Governance, member string, kind plaudit.MemberKind, history []plaudit.ENGToggle, now time.Time, operator string) (plaudit.ENGToggle, error) {
	if err := g.Validate(); err != nil {
		return plaudit.ENGToggle{}, err
	}
	if kind == plaudit.MemberProject {
		return plaudit.ENGToggle{}, plaudit.Errorf(plaudit.EFORBIDDEN, "member %s is a project account: its ENG pools in the project wallet and has no governance toggle", member)
	}
	from := Mode(history)
	to := plaudit.ENGRewards
	if from == plaudit.ENGRewards {
		to = plaudit.ENGGovernance
	}
	if g.Model != ModelASWG && len(history) > 0 {
		last := history[len(history)-1].Time
		if next := g.Cooldown.After(last); now.Before(next) {
			return plaudit.ENGToggle{}, plaudit.Errorf(plaudit.EFORBIDDEN,
				"member %s toggled ENG at %s; under governance model %q the cooldown is %s: next toggle allowed at %s",
				member, last.UTC().Format(time.RFC3339), g.Model, g.Cooldown, next.Format(time.RFC3339))
		}
	}
	return plaudit.ENGToggle{Member: member, From: from, To: to, Time: now.UTC(), Operator: operator}, nil
}

// Transfer refuses every transfer of ENG, with the reason that applies to the sender: a community member's
// ENG is non-transferable, project ENG moves only by delegation, delegated ENG only by revocation. It
// exists so that the CLI and the API answer such a request with a clear error.
func Transfer(from string, fromKind plaudit.MemberKind, to string, amount *big.Int) error {
	switch {
	case from == "project" || from == plaudit.AccountProjectWallet || fromKind == plaudit.MemberProject:
		return plaudit.Errorf(plaudit.EFORBIDDEN, "project ENG is not transferred: it moves only by delegation to a community member (plaudit ledger eng delegate %s AMOUNT)", to)
	case strings.HasPrefix(from, "eng:delegated:"):
		return plaudit.Errorf(plaudit.EFORBIDDEN, "delegated ENG is not transferable: only the project can revoke it")
	}
	return plaudit.Errorf(plaudit.EFORBIDDEN, "community ENG is non-transferable: %s's ENG lives in their governance stake (toggle it between governance and rewards with plaudit ledger eng toggle %s)", from, from)
}

// Delegation returns the posting that delegates amount of project ENG to a community member.
func Delegation(member string, kind plaudit.MemberKind, amount *big.Int, operator, reason string, at time.Time) (*plaudit.Posting, error) {
	if kind == plaudit.MemberProject {
		return nil, plaudit.Errorf(plaudit.EINVALID, "delegate: %s is a project account; project ENG is delegated to community members", member)
	}
	if amount == nil || amount.Sign() <= 0 {
		return nil, plaudit.Errorf(plaudit.EINVALID, "delegate: amount must be positive")
	}
	if reason == "" {
		reason = "delegation"
	}
	return &plaudit.Posting{
		Origin: plaudit.Origin{Kind: plaudit.OriginOperator, ID: operator},
		Reason: "delegate project ENG to " + member + ": " + reason,
		Time:   at.UTC(),
		Entries: []plaudit.Entry{
			{Account: plaudit.AccountProjectWallet, Asset: plaudit.AssetENG, Amount: new(big.Int).Neg(amount)},
			{Account: plaudit.AccountENGDelegated(member), Asset: plaudit.AssetENG, Amount: new(big.Int).Set(amount)},
		},
	}, nil
}

// Revocation returns the posting that takes delegation d back into the project wallet.
func Revocation(d *plaudit.Delegation, operator, reason string, at time.Time) (*plaudit.Posting, error) {
	if !d.Revoked.IsZero() {
		return nil, plaudit.Errorf(plaudit.ECONFLICT, "delegation %d was already revoked at %s", d.ID, d.Revoked.UTC().Format(time.RFC3339))
	}
	if reason == "" {
		reason = "revoked"
	}
	return &plaudit.Posting{
		Origin: plaudit.Origin{Kind: plaudit.OriginOperator, ID: operator},
		Reason: fmt.Sprintf("revoke delegation %d to %s: %s", d.ID, d.Member, reason),
		Time:   at.UTC(),
		Entries: []plaudit.Entry{
			{Account: plaudit.AccountENGDelegated(d.Member), Asset: plaudit.AssetENG, Amount: new(big.Int).Neg(d.Amount)},
			{Account: plaudit.AccountProjectWallet, Asset: plaudit.AssetENG, Amount: new(big.Int).Set(d.Amount)},
		},
	}, nil
}
