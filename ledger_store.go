package plaudit

import (
	"context"
	"fmt"
	"math/big"
	"sort"
	"strings"
	"time"
)

// Origin names what made a posting: the epoch that settled it, the job that ran it, or the operator who
// typed it. Every posting has one; together they are the audit log the Discord seed asks for.
type Origin struct {
	Kind string `json:"kind"` // "epoch", "job" or "operator"
	ID   string `json:"id"`   // the epoch id, job id or operator name
}

// The origin kinds.
const (
	OriginEpoch    = "epoch"
	OriginJob      = "job"
	OriginOperator = "operator"
)

// String formats o as "kind:id".
func (o Origin) String() string { return o.Kind + ":" + o.ID }

// Entry is one leg of a posting: an amount of one asset added to (positive) or taken from (negative) one
// account. Amounts are integers in the asset's base units.
type Entry struct {
	Account string   `json:"account"`
	Asset   string   `json:"asset"`
	Amount  *big.Int `json:"amount"`
}

// Posting is one movement in the double-entry ledger: entries that sum to zero for every asset. Postings are
// never edited; a correction is a new posting that reverses an earlier one (Reverses) and says why (Reason).
type Posting struct {
	ID       int64     `json:"id"` // store-assigned; 0 until stored
	Origin   Origin    `json:"origin"`
	Reason   string    `json:"reason"`
	Reverses int64     `json:"reverses,omitempty"` // id of the posting this one reverses
	Time     time.Time `json:"time"`
	Entries  []Entry   `json:"entries"`
}

// Check reports the first structural problem of p: no origin, no reason, no entries, a nil or zero amount, or
// an asset whose entries do not sum to zero. Balances are the store's business; this is the posting alone.
func (p *Posting) Check() error {
	switch {
	case p.Origin.Kind != OriginEpoch && p.Origin.Kind != OriginJob && p.Origin.Kind != OriginOperator:
		return Errorf(EINVALID, "posting: origin kind %q: want epoch, job or operator", p.Origin.Kind)
	case p.Origin.ID == "":
		return Errorf(EINVALID, "posting: origin %s has no id", p.Origin.Kind)
	case strings.TrimSpace(p.Reason) == "":
		return Errorf(EINVALID, "posting: missing reason")
	case len(p.Entries) == 0:
		return Errorf(EINVALID, "posting: no entries")
	}
	sums := map[string]*big.Int{}
	for i, e := range p.Entries {
		if e.Account == "" || e.Asset == "" {
			return Errorf(EINVALID, "posting: entry %d: missing account or asset", i)
		}
		if e.Amount == nil || e.Amount.Sign() == 0 {
			return Errorf(EINVALID, "posting: entry %d (%s %s): zero amount", i, e.Account, e.Asset)
		}
		s := sums[e.Asset]
		if s == nil {
			s = new(big.Int)
			sums[e.Asset] = s
		}
		s.Add(s, e.Amount)
	}
	assets := make([]string, 0, len(sums))
	for a := range sums {
		assets = append(assets, a)
	}
	sort.Strings(assets)
	for _, a := range assets {
		if sums[a].Sign() != 0 {
			return Errorf(EINVALID, "posting: asset %s entries sum to %s, not zero", a, sums[a])
		}
	}
	return nil
}

// Reversal returns the posting that undoes p: every entry negated, naming p and the reason.
func (p *Posting) Reversal(origin Origin, reason string, at time.Time) *Posting {
	r := &Posting{Origin: origin, Reason: reason, Reverses: p.ID, Time: at, Entries: make([]Entry, len(p.Entries))}
	for i, e := range p.Entries {
		r.Entries[i] = Entry{Account: e.Account, Asset: e.Asset, Amount: new(big.Int).Neg(e.Amount)}
	}
	return r
}

// Balance is what one account holds of one asset.
type Balance struct {
	Account string   `json:"account"`
	Asset   string   `json:"asset"`
	Amount  *big.Int `json:"amount"`
}

// Ledger account names. Program names never contain ':'; member handles may (an unlinked account's handle
// is its account key, "x:123"), so a handle always comes last.
const (
	AccountENGIssuer     = "eng:issuer"  // external: where ENG is minted from; its balance is minus the supply
	AccountProjectWallet = "eng:project" // the one project wallet: project members' ENG, the only ENG that may be delegated
	AssetENG             = "ENG"         // the governance weight asset, 6 decimals (1 ENG = 1 point at a rate of 1)
)

// AccountSource is the external account a program's pool is funded from; like every external account its
// balance may go negative (it is minus what the program has put in).
func AccountSource(program string) string { return "source:" + program }

// AccountPool holds a program's pool; an unspent pool that carries over simply stays here.
func AccountPool(program string) string { return "pool:" + program }

// AccountMember is a member's reward account: what an epoch paid them, before any claim.
func AccountMember(handle string) string { return "member:" + handle }

// AccountCarry holds what a program owes a member but has not paid yet (below the minimum payout, or no
// wallet); it is paid out with the member's next payout.
func AccountCarry(program, handle string) string { return "carry:" + program + ":" + handle }

// AccountTreasury is the treasury that receives fees and, when a program says so, the unspent pool.
func AccountTreasury(name string) string { return "treasury:" + name }

// AccountENGStake is a community member's ENG governance stake: non-transferable.
func AccountENGStake(handle string) string { return "eng:stake:" + handle }

// AccountENGDelegated holds project ENG delegated to a community member, until revoked.
func AccountENGDelegated(handle string) string { return "eng:delegated:" + handle }

// IsExternalAccount reports whether an account stands for the world outside the ledger (a funding source, the
// ENG issuer): the only accounts whose balance may go negative.
func IsExternalAccount(account string) bool {
	return account == AccountENGIssuer || strings.HasPrefix(account, "source:")
}

// Epoch is one closed period of a reward program and the totals of its settlement. Its row is the commit
// marker of a close: a store writes it last, in the same transaction as everything else, so an epoch either
// exists with all its allocations and postings or does not exist at all.
type Epoch struct {
	ID          string    `json:"id"` // "program@2026-11-16T00:00:00Z"
	Program     string    `json:"program"`
	Start       time.Time `json:"start"` // inclusive
	End         time.Time `json:"end"`   // exclusive
	PolicyHash  string    `json:"policy_hash"`
	Token       string    `json:"token"`
	Decimals    int       `json:"decimals"`
	Pool        *big.Int  `json:"pool"`          // funded this epoch
	PoolCarryIn *big.Int  `json:"pool_carry_in"` // unspent pool carried in from earlier epochs
	Shares      *big.Int  `json:"shares"`        // split among members this epoch (Σ allocation shares)
	CarriedIn   *big.Int  `json:"carried_in"`    // members' carries from earlier epochs
	Paid        *big.Int  `json:"paid"`          // Σ net payouts
	Fees        *big.Int  `json:"fees"`          // Σ fees to the treasury
	CarriedOut  *big.Int  `json:"carried_out"`   // Σ carried to members' next epochs
	Unspent     *big.Int  `json:"unspent"`       // pool left unallocated
	UnspentTo   string    `json:"unspent_to"`    // "carry" or "treasury"
	ENG         *big.Int  `json:"eng"`           // ENG minted
	Members     int       `json:"members"`       // allocations (members with points or a carry)
	Events      int       `json:"events"`        // eligible scored events
	Excluded    int       `json:"excluded"`      // scored events at or below the minimum score
	Digest      string    `json:"digest"`        // sha256 of the canonical allocation lines
	Root        string    `json:"root"`          // Merkle root over (wallet, paid), "" when nothing is paid
	ClosedAt    time.Time `json:"closed_at"`
	ClosedBy    string    `json:"closed_by"` // operator or job that closed it
	// LogSeq is the log position the epoch was settled from: its scores, verdicts and members come from
	// the events with seq ≤ LogSeq, and verify rebuilds it from those. 0 for epochs closed before it was
	// recorded.
	LogSeq int64 `json:"log_seq,omitempty"`
	// ReputationHash commits to the members' raw EigenTrust trust this epoch was scored with
	// (ReputationHash of EpochClose.Reputation), for programs whose policy weights by reputation; "" for
	// the others and for epochs closed before it was recorded. Witnesses check the vector against it.
	ReputationHash string `json:"reputation_hash,omitempty"`
}

// Allocation is one member's line of an epoch: the points behind it, the share of the pool, and how the
// share (plus any carry) became a payout, a fee and a new carry. Notes say which rules applied.
type Allocation struct {
	Epoch    string     `json:"epoch"`
	Member   string     `json:"member"`
	Kind     MemberKind `json:"kind"`
	Wallet   string     `json:"wallet,omitempty"`
	Events   int        `json:"events"`   // eligible events
	Excluded int        `json:"excluded"` // events at or below the minimum score
	Points   Points     `json:"points"`   // eligible points after verdicts: the member's weight
	Share    *big.Int   `json:"share"`    // pro rata share of the pool
	CarryIn  *big.Int   `json:"carry_in"`
	Fee      *big.Int   `json:"fee"`
	Paid     *big.Int   `json:"paid"`
	CarryOut *big.Int   `json:"carry_out"`
	ENG      *big.Int   `json:"eng"`
	Capped   bool       `json:"capped,omitempty"`
	Notes    []string   `json:"notes,omitempty"`
}

// ENGMode says what a community member's ENG stake counts for: governance votes or rewards.
type ENGMode string

// The ENG modes. A stake starts in governance.
const (
	ENGGovernance ENGMode = "governance"
	ENGRewards    ENGMode = "rewards"
)

// ENGToggle is one recorded switch of a member's ENG mode.
type ENGToggle struct {
	Member   string    `json:"member"`
	From     ENGMode   `json:"from"`
	To       ENGMode   `json:"to"`
	Time     time.Time `json:"time"`
	Operator string    `json:"operator"`
}

// Delegation is project ENG delegated from the project wallet to a community member; Revoked is set when
// the project takes it back. Both moves are postings (PostingID, RevokePostingID).
type Delegation struct {
	ID              int64     `json:"id"`
	Member          string    `json:"member"`
	Amount          *big.Int  `json:"amount"`
	Time            time.Time `json:"time"`
	Operator        string    `json:"operator"`
	Reason          string    `json:"reason"`
	PostingID       int64     `json:"posting_id"`
	Revoked         time.Time `json:"revoked,omitzero"`
	RevokePostingID int64     `json:"revoke_posting_id,omitempty"`
}

// EpochClose is everything one close writes: the epoch (the commit marker), its allocations and postings,
// and the integrity verdicts it was settled with, exactly as settlement was given them (the records that
// IntegrityStore.EpochVerdicts returns, written in the same transaction, so that a closed epoch can always be
// verified from the store alone).
type EpochClose struct {
	Epoch       *Epoch
	Allocations []Allocation
	Postings    []*Posting
	Verdicts    []Verdict
	// Reputation is the committed reputation vector (Epoch.ReputationHash), stored with the epoch in
	// the same transaction; empty when the epoch's program does not weigh by reputation.
	Reputation []TrustValue
}

// PostingFilter selects postings. Zero values select everything.
type PostingFilter struct {
	Account string // postings with an entry on this account
	Origin  string // "kind:id"
	Limit   int
}

// LedgerStore persists epochs, their allocations, the double-entry ledger and ENG governance state.
type LedgerStore interface {
	// CloseEpoch writes c in one transaction, the epoch row last. When the epoch is already closed it
	// writes nothing and returns an ECONFLICT error saying "epoch ID already closed"; a posting that
	// would take a non-external balance below zero fails the whole close.
	CloseEpoch(ctx context.Context, c *EpochClose) error

	// Epoch returns the closed epoch with the given id, or ENOTFOUND.
	Epoch(ctx context.Context, id string) (*Epoch, error)

	// Epochs lists closed epochs of program ("" for all), oldest first.
	Epochs(ctx context.Context, program string) ([]*Epoch, error)

	// ScanAllocations calls fn for each allocation of an epoch, by member handle.
	ScanAllocations(ctx context.Context, epoch string, fn func(*Allocation) error) error

	// MemberAllocations returns the member's allocation in each closed epoch that has one, in epoch order:
	// the member's points, payout and ENG by epoch.
	MemberAllocations(ctx context.Context, member string) ([]Allocation, error)

	// Balances returns the balances of accounts starting with prefix ("" for all), by account then asset,
	// leaving out zero balances.
	Balances(ctx context.Context, prefix string) ([]Balance, error)

	// AppendPosting checks and stores p, refusing (EINVALID, nothing written) one that is unbalanced,
	// takes a non-external balance below zero, or reverses a missing or already reversed posting.
	AppendPosting(ctx context.Context, p *Posting) (int64, error)

	// Posting returns the posting with the given id, or ENOTFOUND.
	Posting(ctx context.Context, id int64) (*Posting, error)

	// Postings returns postings matching f, by id.
	Postings(ctx context.Context, f PostingFilter) ([]*Posting, error)

	// ENGToggles returns the recorded toggles of member ("" for all), oldest first.
	ENGToggles(ctx context.Context, member string) ([]ENGToggle, error)

	// AddENGToggle records a toggle. The caller (package ledger) decides whether it is allowed.
	AddENGToggle(ctx context.Context, t ENGToggle) error

	// Delegations returns delegations of member ("" for all), by id.
	Delegations(ctx context.Context, member string) ([]*Delegation, error)

	// Delegate posts p (project wallet → member) and records d in one transaction, setting d.ID and
	// d.PostingID.
	Delegate(ctx context.Context, d *Delegation, p *Posting) error

	// RevokeDelegation posts p (member → project wallet) and marks delegation id revoked in one
	// transaction; a delegation revoked already is an ECONFLICT.
	RevokeDelegation(ctx context.Context, id int64, at time.Time, p *Posting) error
}

// EpochID returns the id of a program's epoch that starts at start.
func EpochID(program string, start time.Time) string {
	return program + "@" + start.UTC().Format(time.RFC3339)
}

// ParseEpochID splits an epoch id into its program and start.
func ParseEpochID(id string) (program string, start time.Time, err error) {
	p, s, ok := strings.Cut(id, "@")
	if !ok || p == "" {
		return "", time.Time{}, Errorf(EINVALID, "epoch id %q: want PROGRAM@START (e.g. poe@2026-11-16T00:00:00Z)", id)
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return "", time.Time{}, Errorf(EINVALID, "epoch id %q: start: %v", id, err)
	}
	return p, t.UTC(), nil
}

// FormatUnits formats a base-unit amount with the given decimals: 1500000 with 6 decimals is "1.5".
func FormatUnits(v *big.Int, decimals int) string {
	if v == nil {
		return "0"
	}
	s := new(big.Int).Abs(v).String()
	sign := ""
	if v.Sign() < 0 {
		sign = "-"
	}
	if decimals <= 0 {
		return sign + s
	}
	if len(s) <= decimals {
		s = strings.Repeat("0", decimals-len(s)+1) + s
	}
	whole, frac := s[:len(s)-decimals], strings.TrimRight(s[len(s)-decimals:], "0")
	if frac == "" {
		return sign + whole
	}
	return sign + whole + "." + frac
}

// ParseUnits parses a decimal token amount ("1.5") into base units with the given decimals.
func ParseUnits(s string, decimals int) (*big.Int, error) {
	orig := s
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(frac) > decimals || strings.ContainsAny(whole+frac, "+-eE _") {
		return nil, fmt.Errorf("parse amount %q: want a non-negative decimal with at most %d fractional digits", orig, decimals)
	}
	v, ok := new(big.Int).SetString(whole+frac+strings.Repeat("0", decimals-len(frac)), 10)
	if !ok {
		return nil, fmt.Errorf("parse amount %q: not a number", orig)
	}
	return v, nil
}
