package service

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"sort"
	"strings"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/ledger"
)

// Balances returns the non-zero balances of the accounts whose names start with prefix ("" for all), by
// account then asset: what `plaudit ledger balances` and the API list.
func (s *Service) Balances(ctx context.Context, prefix string) ([]plaudit.Balance, error) {
	bals, err := s.store.Balances(ctx, prefix)
	if err != nil {
		return nil, fmt.Errorf("read balances %q: %w", prefix, err)
	}
	return bals, nil
}

// Postings returns the postings that f selects, oldest first: the ledger's audit log.
func (s *Service) Postings(ctx context.Context, f plaudit.PostingFilter) ([]*plaudit.Posting, error) {
	ps, err := s.store.Postings(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("read postings: %w", err)
	}
	return ps, nil
}

// ReversePosting posts the reversal of posting id, recorded as made by operator for reason, and returns it
// as stored. Postings are never edited: a correction is this new posting that negates every entry. A
// posting is reversed once; a reversal that would take a balance below zero is refused, and nothing is
// written then.
func (s *Service) ReversePosting(ctx context.Context, id int64, reason, operator string) (*plaudit.Posting, error) {
	if id <= 0 {
		return nil, plaudit.Errorf(plaudit.EINVALID, "reverse posting %d: want a posting number", id)
	}
	if strings.TrimSpace(reason) == "" {
		return nil, plaudit.Errorf(plaudit.EINVALID, "reverse posting %d: a reason is required", id)
	}
	orig, err := s.store.Posting(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("reverse posting %d: %w", id, err)
	}
	rev := orig.Reversal(plaudit.Origin{Kind: plaudit.OriginOperator, ID: operatorOrDefault(operator)},
		fmt.Sprintf("reverse posting %d: %s", id, reason), s.now().UTC())
	if rev.ID, err = s.store.AppendPosting(ctx, rev); err != nil {
		return nil, fmt.Errorf("reverse posting %d: %w", id, err)
	}
	s.log.Info("reversed posting", "posting", id, "reversal", rev.ID, "by", rev.Origin.ID)
	return rev, nil
}

// ENGStatus is a member's ENG governance weight: their stake and the project ENG delegated to them (6
// decimals), the mode the stake counts for, the toggles that made it, and the delegations they received.
type ENGStatus struct {
	Member      string
	Stake       *big.Int
	Delegated   *big.Int
	Mode        plaudit.ENGMode
	Toggles     []plaudit.ENGToggle
	Delegations []*plaudit.Delegation
}

// ENGStatus returns member's ENG status. A handle the ledger has never seen has no ENG: its status is
// zero stake in governance mode, not an error.
func (s *Service) ENGStatus(ctx context.Context, member string) (*ENGStatus, error) {
	hist, err := s.store.ENGToggles(ctx, member)
	if err != nil {
		return nil, fmt.Errorf("ENG status of %s: %w", member, err)
	}
	st := &ENGStatus{Member: member, Mode: ledger.Mode(hist), Toggles: hist}
	if st.Stake, err = s.accountBalance(ctx, plaudit.AccountENGStake(member), plaudit.AssetENG); err != nil {
		return nil, fmt.Errorf("ENG status of %s: %w", member, err)
	}
	if st.Delegated, err = s.accountBalance(ctx, plaudit.AccountENGDelegated(member), plaudit.AssetENG); err != nil {
		return nil, fmt.Errorf("ENG status of %s: %w", member, err)
	}
	if st.Delegations, err = s.store.Delegations(ctx, member); err != nil {
		return nil, fmt.Errorf("ENG status of %s: %w", member, err)
	}
	return st, nil
}

// accountBalance returns what exactly account holds of asset (zero when nothing): Balances selects by
// prefix, so eng:stake:bob must not pick up eng:stake:bobby.
func (s *Service) accountBalance(ctx context.Context, account, asset string) (*big.Int, error) {
	bals, err := s.store.Balances(ctx, account)
	if err != nil {
		return nil, err
	}
	for _, b := range bals {
		if b.Account == account && b.Asset == asset {
			return b.Amount, nil
		}
	}
	return new(big.Int), nil
}

// ToggleENG switches member's ENG stake between governance and rewards, recorded as done by operator now,
// and returns the toggle. The governance model and cooldown are the active policy's program settings
// (program.governance, part of its hash), never a per-call choice, so one member's toggles are always
// judged by the same rules; with no active policy the defaults apply (aswg). Project members cannot toggle
// (their ENG pools in the project wallet), and under a model other than ASWG a toggle within the cooldown
// of the last one is refused with EFORBIDDEN saying when the next is allowed. The member must be in the
// event log.
func (s *Service) ToggleENG(ctx context.Context, member, operator string) (plaudit.ENGToggle, error) {
	g, err := s.governance(ctx)
	if err != nil {
		return plaudit.ENGToggle{}, fmt.Errorf("toggle ENG of %s: %w", member, err)
	}
	kind, err := s.ledgerMemberKind(ctx, member)
	if err != nil {
		return plaudit.ENGToggle{}, err
	}
	hist, err := s.store.ENGToggles(ctx, member)
	if err != nil {
		return plaudit.ENGToggle{}, fmt.Errorf("toggle ENG of %s: %w", member, err)
	}
	t, err := ledger.Toggle(g, member, kind, hist, s.now().UTC(), operatorOrDefault(operator))
	if err != nil {
		return plaudit.ENGToggle{}, err
	}
	if err := s.store.AddENGToggle(ctx, t); err != nil {
		return plaudit.ENGToggle{}, fmt.Errorf("toggle ENG of %s: %w", member, err)
	}
	s.log.Info("toggled ENG", "member", member, "from", t.From, "to", t.To, "by", t.Operator, "model", g.Model)
	return t, nil
}

// governance returns the active policy's governance rules, or the defaults when no policy is active.
func (s *Service) governance(ctx context.Context) (ledger.Governance, error) {
	pol, err := s.ActivePolicy(ctx)
	switch {
	case plaudit.ErrorCode(err) == plaudit.ENOTFOUND:
		return ledger.DefaultGovernance, nil
	case err != nil:
		return ledger.Governance{}, fmt.Errorf("read the governance model: %w", err)
	}
	return pol.Program.Governance.Ledger(), nil
}

// ENGWeight is one member's ENG weight at a moment, in ENG base units (6 decimals). Governance is what a
// snapshot-style governance tool counts as the member's vote: their stake when it is in governance mode,
// plus the project ENG delegated to them (delegated ENG always counts for governance). Rewards is their
// stake when it is in rewards mode: it counts for no vote. Exactly one of the two holds the stake.
type ENGWeight struct {
	Member     string
	Wallet     string // the member's payout wallet at the moment, "" when none
	Mode       plaudit.ENGMode
	Stake      *big.Int
	Delegated  *big.Int
	Governance *big.Int
	Rewards    *big.Int
}

// ENGWeightUnit names the unit of every amount in a weights listing.
const ENGWeightUnit = "ENG base units (6 decimals: 1 ENG = 1000000)"

// ENGWeightsDoc is the JSON form of a weights listing (`plaudit ledger eng weights --format json` and
// GET /v1/ledger/eng/weights): amounts as decimal strings of ENG base units, so that no reader rounds them
// through a float.
type ENGWeightsDoc struct {
	At      time.Time          `json:"at"`
	Unit    string             `json:"unit"`
	Weights []ENGWeightJSONRow `json:"weights"`
}

// ENGWeightJSONRow is one member of an ENGWeightsDoc; amounts in ENG base units.
type ENGWeightJSONRow struct {
	Member           string          `json:"member"`
	Wallet           string          `json:"wallet"`
	Mode             plaudit.ENGMode `json:"mode"`
	GovernanceWeight string          `json:"governance_weight"`
	RewardWeight     string          `json:"reward_weight"`
	Stake            string          `json:"stake"`
	Delegated        string          `json:"delegated"`
}

// NewENGWeightsDoc returns ws, listed at at, in their JSON form.
func NewENGWeightsDoc(at time.Time, ws []ENGWeight) ENGWeightsDoc {
	d := ENGWeightsDoc{At: at.UTC(), Unit: ENGWeightUnit, Weights: make([]ENGWeightJSONRow, 0, len(ws))}
	for _, w := range ws {
		d.Weights = append(d.Weights, ENGWeightJSONRow{Member: w.Member, Wallet: w.Wallet, Mode: w.Mode,
			GovernanceWeight: w.Governance.String(), RewardWeight: w.Rewards.String(), Stake: w.Stake.String(), Delegated: w.Delegated.String()})
	}
	return d
}

// WriteENGWeights writes ws, listed at at, as "csv" (a header whose amount columns name their unit, then
// one row per member) or "json" (an ENGWeightsDoc): the one writer the CLI uses.
func WriteENGWeights(w io.Writer, format string, at time.Time, ws []ENGWeight) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(NewENGWeightsDoc(at, ws)); err != nil {
			return fmt.Errorf("write ENG weights: %w", err)
		}
		return nil
	case "csv":
		cw := csv.NewWriter(w)
		_ = cw.Write([]string{"member", "wallet", "mode", "governance_weight_eng_base_units", "reward_weight_eng_base_units", "stake_eng_base_units", "delegated_eng_base_units"})
		for _, x := range ws {
			_ = cw.Write([]string{x.Member, x.Wallet, string(x.Mode), x.Governance.String(), x.Rewards.String(), x.Stake.String(), x.Delegated.String()})
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return fmt.Errorf("write ENG weights: %w", err)
		}
		return nil
	}
	return plaudit.Errorf(plaudit.EINVALID, "--format %q: want csv or json", format)
}

// ENGWeights lists every member who holds ENG (stake or delegation) at at (now when zero), by handle: the
// balances of eng:stake:HANDLE and eng:delegated:HANDLE from the postings made at or before at, the mode
// from the toggles recorded at or before at, and the wallet from the event log's wallet events up to at.
// It is what `plaudit ledger eng weights` and GET /v1/ledger/eng/weights list for governance snapshots;
// it returns the moment it listed them at with them.
func (s *Service) ENGWeights(ctx context.Context, at time.Time) (time.Time, []ENGWeight, error) {
	if at.IsZero() {
		at = s.now()
	}
	at = at.UTC()
	ws, err := s.engWeights(ctx, at)
	if err != nil {
		return at, nil, fmt.Errorf("ENG weights at %s: %w", at.Format(time.RFC3339), err)
	}
	return at, ws, nil
}

func (s *Service) engWeights(ctx context.Context, at time.Time) ([]ENGWeight, error) {
	ps, err := s.store.Postings(ctx, plaudit.PostingFilter{})
	if err != nil {
		return nil, err
	}
	stake, deleg := map[string]*big.Int{}, map[string]*big.Int{}
	add := func(m map[string]*big.Int, h string, v *big.Int) {
		if m[h] == nil {
			m[h] = new(big.Int)
		}
		m[h].Add(m[h], v)
	}
	for _, p := range ps {
		if p.Time.After(at) {
			continue
		}
		for _, e := range p.Entries {
			if e.Asset != plaudit.AssetENG {
				continue
			}
			if h, ok := strings.CutPrefix(e.Account, "eng:stake:"); ok {
				add(stake, h, e.Amount)
			} else if h, ok := strings.CutPrefix(e.Account, "eng:delegated:"); ok {
				add(deleg, h, e.Amount)
			}
		}
	}
	toggles, err := s.store.ENGToggles(ctx, "")
	if err != nil {
		return nil, err
	}
	mode := map[string]plaudit.ENGMode{}
	for _, t := range toggles { // oldest first: the last one at or before at wins
		if !t.Time.After(at) {
			mode[t.Member] = t.To
		}
	}
	l, err := s.ReadLog(ctx, nil)
	if err != nil {
		return nil, err
	}
	var evs []plaudit.Event
	for _, e := range l.Events {
		if !e.Time.After(at) {
			evs = append(evs, e)
		}
	}
	infos := MemberInfos(plaudit.BuildDirectory(evs))
	handles := make([]string, 0, len(stake)+len(deleg))
	for h, v := range stake {
		if v.Sign() != 0 || (deleg[h] != nil && deleg[h].Sign() != 0) {
			handles = append(handles, h)
		}
	}
	for h, v := range deleg {
		if v.Sign() != 0 && stake[h] == nil {
			handles = append(handles, h)
		}
	}
	sort.Strings(handles)
	out := make([]ENGWeight, 0, len(handles))
	for _, h := range handles {
		w := ENGWeight{Member: h, Wallet: infos[h].Wallet, Mode: plaudit.ENGGovernance, Stake: new(big.Int), Delegated: new(big.Int),
			Governance: new(big.Int), Rewards: new(big.Int)}
		if m, ok := mode[h]; ok {
			w.Mode = m
		}
		if stake[h] != nil {
			w.Stake.Set(stake[h])
		}
		if deleg[h] != nil {
			w.Delegated.Set(deleg[h])
		}
		w.Governance.Set(w.Delegated)
		if w.Mode == plaudit.ENGRewards {
			w.Rewards.Set(w.Stake)
		} else {
			w.Governance.Add(w.Governance, w.Stake)
		}
		out = append(out, w)
	}
	return out, nil
}

// DelegateENG delegates amount (ENG base units, 6 decimals) of project ENG from the project wallet to the
// community member member, recorded as done by operator for reason, and returns the stored delegation.
// The member must be in the event log and not a project account; a delegation larger than the project
// wallet holds is refused (EINVALID naming eng:project), and nothing is written then.
func (s *Service) DelegateENG(ctx context.Context, member string, amount *big.Int, operator, reason string) (*plaudit.Delegation, error) {
	kind, err := s.ledgerMemberKind(ctx, member)
	if err != nil {
		return nil, err
	}
	now, op := s.now().UTC(), operatorOrDefault(operator)
	p, err := ledger.Delegation(member, kind, amount, op, reason, now)
	if err != nil {
		return nil, err
	}
	d := &plaudit.Delegation{Member: member, Amount: new(big.Int).Set(amount), Time: now, Operator: op, Reason: reason}
	if err := s.store.Delegate(ctx, d, p); err != nil {
		return nil, fmt.Errorf("delegate %s ENG to %s: %w", plaudit.FormatUnits(amount, 6), member, err)
	}
	s.log.Info("delegated ENG", "member", member, "amount", plaudit.FormatUnits(amount, 6), "delegation", d.ID, "by", op)
	return d, nil
}

// RevokeDelegation takes delegation id back into the project wallet, recorded as done by operator for
// reason, and returns the delegation as it now stands. A delegation is revoked once: again is ECONFLICT.
func (s *Service) RevokeDelegation(ctx context.Context, id int64, operator, reason string) (*plaudit.Delegation, error) {
	ds, err := s.store.Delegations(ctx, "")
	if err != nil {
		return nil, fmt.Errorf("revoke delegation %d: %w", id, err)
	}
	var d *plaudit.Delegation
	for _, x := range ds {
		if x.ID == id {
			d = x
		}
	}
	if d == nil {
		return nil, plaudit.Errorf(plaudit.ENOTFOUND, "delegation %d not found", id)
	}
	now, op := s.now().UTC(), operatorOrDefault(operator)
	p, err := ledger.Revocation(d, op, reason, now)
	if err != nil {
		return nil, err
	}
	if err := s.store.RevokeDelegation(ctx, id, now, p); err != nil {
		return nil, fmt.Errorf("revoke delegation %d: %w", id, err)
	}
	d.Revoked, d.RevokePostingID = now, p.ID
	s.log.Info("revoked delegation", "delegation", id, "member", d.Member, "by", op)
	return d, nil
}

// Delegations lists the delegations of project ENG to member ("" for all), by id.
func (s *Service) Delegations(ctx context.Context, member string) ([]*plaudit.Delegation, error) {
	ds, err := s.store.Delegations(ctx, member)
	if err != nil {
		return nil, fmt.Errorf("read delegations: %w", err)
	}
	return ds, nil
}

// TransferENG answers a request to transfer amount of ENG from from to to: it is always refused
// (EFORBIDDEN), with the reason that applies to the sender — community ENG is non-transferable, project
// ENG moves only by delegation, delegated ENG only by revocation. It exists so that every edge answers such
// a request the same way. A sender missing from the event log is answered as a community member.
func (s *Service) TransferENG(ctx context.Context, from, to string, amount *big.Int) error {
	kind := plaudit.MemberCommunity
	if from != "project" && from != plaudit.AccountProjectWallet && !strings.HasPrefix(from, "eng:") {
		k, err := s.ledgerMemberKind(ctx, from)
		switch {
		case err == nil:
			kind = k
		case plaudit.ErrorCode(err) != plaudit.ENOTFOUND:
			return err
		}
	}
	return ledger.Transfer(from, kind, to, amount)
}

// ledgerMemberKind returns the kind of the member handle names in the whole event log, or ENOTFOUND.
func (s *Service) ledgerMemberKind(ctx context.Context, handle string) (plaudit.MemberKind, error) {
	l, err := s.ReadLog(ctx, nil)
	if err != nil {
		return "", err
	}
	m, ok := l.Directory(0).Member(handle)
	if !ok {
		return "", plaudit.Errorf(plaudit.ENOTFOUND, "member %s not found in the event log", handle)
	}
	return m.Kind, nil
}

// operatorOrDefault is who an action is recorded as: the operator given, else "plaudit".
func operatorOrDefault(op string) string {
	if op = strings.TrimSpace(op); op == "" {
		return "plaudit"
	}
	return op
}
