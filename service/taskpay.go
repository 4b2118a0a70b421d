package service

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"sort"
	"strings"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/payout"
	"github.com/plaudit/plaudit/policy"
	"github.com/plaudit/plaudit/settle"
)

// TaskSettlementFormat names the JSON document of a per-task settlement.
const TaskSettlementFormat = "plaudit-task-settlement-v1"

// TaskNonceEpoch is the "epoch" part of a per-task claim's nonce: "task:" and the task's event key. The
// nonce is payout.ClaimNonce(program, TaskNonceEpoch(task), token, wallet), derived from the id, so
// every signing of one task's claim for one wallet carries the same nonce and Permit2 pays it once.
func TaskNonceEpoch(task string) string { return "task:" + task }

// TaskRequest asks for the settlement of one completed task: a GitHub issue closed as completed.
type TaskRequest struct {
	// Task is the event key, "github/NODE_ID": it names the task and makes the claims' nonces.
	Task string
	// Events are the event keys of the task's conversation (the issue, its comments, the linked pull
	// requests and their comments and reviews): their scores under the active policy are what it pays.
	Events []string
	// Key opens the signing key; Domain is the chain and Permit2 deployment of the claims.
	Key    payout.SignerConfig
	Domain payout.Domain
	// Deadline is the claims' deadline in Unix seconds; nil for never (as Ubiquity's permits).
	Deadline *big.Int
}

// TaskSettlement is a settled task: what each contributor earned in it, the fee, and the signed Permit2
// claims. Its JSON is what the store keeps.
type TaskSettlement struct {
	Format   string       `json:"format"`
	Program  string       `json:"program"`
	Task     string       `json:"task"`
	Policy   string       `json:"policy"` // the hash of the policy whose scores it paid
	Token    string       `json:"token"`
	Decimals int          `json:"decimals"`
	Settled  time.Time    `json:"settled"`
	Payouts  []TaskPayout `json:"payouts"` // by member handle
	Fees     *big.Int     `json:"fees"`    // base units, paid to the treasury by a claim of its own
	Treasury string       `json:"treasury,omitempty"`
	Claims   *ClaimSet    `json:"claims"` // one claim per wallet, in address order
	Already  bool         `json:"-"`      // the task was settled before: this is that settlement
}

// TaskPayout is one contributor's part of a task.
type TaskPayout struct {
	Member string         `json:"member"`
	Points plaudit.Points `json:"points"`
	Wallet string         `json:"wallet,omitempty"` // "" when the member registered none: not paid
	Due    *big.Int       `json:"due"`              // base units before the fee
	Fee    *big.Int       `json:"fee"`
	Paid   *big.Int       `json:"paid"` // what the member's wallet can claim
	Note   string         `json:"note,omitempty"`
}

// SettleTask settles a completed task at once, as Ubiquity pays a closed issue, when the active policy's
// program settles per task (program.settlement: task); otherwise it returns nil and no error. It scores
// what is new, sums each contributor's points over the task's events (scores at or below min_score count
// nothing; X events only with x_payouts), turns points into token base units (one token per point), takes
// the fee as an epoch does (none for a fee-exempt token; the fees go to the treasury by a claim of its
// own), and signs one Permit2 claim per wallet with nonces made from the task's id. A member without a
// wallet is listed, unpaid. The first settlement of a task is stored and returned for ever after (Already):
// a task is never paid twice.
func (s *Service) SettleTask(ctx context.Context, r TaskRequest) (*TaskSettlement, error) {
	if src, id, ok := strings.Cut(r.Task, "/"); !ok || id == "" || !plaudit.Source(src).Valid() {
		return nil, plaudit.Errorf(plaudit.EINVALID, "settle task: %q is not an event key source/id", r.Task)
	}
	ts, ok := s.store.(plaudit.TaskSettlementStore)
	if !ok {
		return nil, plaudit.Errorf(plaudit.EINTERNAL, "settle task: the store keeps no task settlements")
	}
	pol, err := s.ActivePolicy(ctx)
	if err != nil {
		return nil, err
	}
	if pol.Program.Settlement != policy.SettlementTask {
		return nil, nil
	}
	prog, err := settle.FromPolicy(pol)
	if err != nil {
		return nil, err
	}
	if doc, err := ts.TaskSettlement(ctx, prog.Name, r.Task); err == nil {
		return decodeTaskSettlement(doc, true)
	} else if plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
		return nil, err
	}
	token, err := payout.ParseAddress(prog.Token)
	if err != nil {
		return nil, plaudit.Errorf(plaudit.EINVALID, "settle task %s: program %s pays %q, not a token address", r.Task, prog.Name, prog.Token)
	}
	if _, err := s.CatchUp(ctx); err != nil {
		return nil, fmt.Errorf("settle task %s: score: %w", r.Task, err)
	}
	log, err := s.ReadLog(ctx, nil)
	if err != nil {
		return nil, err
	}
	dir := log.Directory(0)
	points := map[string]plaudit.Points{}
	seen := map[string]bool{}
	for _, key := range r.Events {
		if seen[key] {
			continue
		}
		seen[key] = true
		if !prog.XPayouts && strings.HasPrefix(key, string(plaudit.SourceX)+"/") {
			continue
		}
		scores, err := s.store.ScoresByEvent(ctx, pol.Hash(), key)
		if err != nil {
			return nil, fmt.Errorf("settle task %s: scores of %s: %w", r.Task, key, err)
		}
		for _, sc := range scores {
			if sc.Points <= prog.MinScore {
				continue
			}
			m := sc.Member
			if m == "" {
				src, id, _ := strings.Cut(key, "/")
				e, err := s.store.EventByKey(ctx, plaudit.Source(src), id)
				if err != nil {
					return nil, fmt.Errorf("settle task %s: %w", r.Task, err)
				}
				m = dir.MemberOfActor(e)
			}
			if h := dir.MemberOf(m); h != "" && strings.Contains(m, ":") {
				m = h
			}
			points[m] += sc.Points
		}
	}
	infos := MemberInfos(dir)
	out := &TaskSettlement{Format: TaskSettlementFormat, Program: prog.Name, Task: r.Task, Policy: pol.Hash(), Token: token.String(),
		Decimals: prog.Decimals, Settled: s.now().UTC().Truncate(time.Second), Fees: new(big.Int)}
	members := make([]string, 0, len(points))
	for m := range points {
		members = append(members, m)
	}
	sort.Strings(members)
	byWallet := map[payout.Address]*big.Int{}
	who := map[payout.Address][]string{}
	for _, m := range members {
		due := prog.TaskAmount(points[m])
		paid, fee, exempt := prog.TaskFee(due)
		p := TaskPayout{Member: m, Points: points[m], Due: due, Fee: fee, Paid: paid}
		if exempt {
			p.Note = "fee-exempt token"
		}
		addr, err := payout.ParseAddress(infos[m].Wallet)
		if err != nil {
			p.Fee, p.Paid, p.Note = new(big.Int), new(big.Int), "no wallet: not paid (register one with a /wallet comment)"
			out.Payouts = append(out.Payouts, p)
			continue
		}
		p.Wallet = addr.String()
		out.Fees.Add(out.Fees, fee)
		add(byWallet, addr, paid)
		who[addr] = append(who[addr], m)
		out.Payouts = append(out.Payouts, p)
	}
	if out.Fees.Sign() > 0 {
		t, err := payout.ParseAddress(prog.Treasury)
		if err != nil {
			return nil, plaudit.Errorf(plaudit.EINVALID, "settle task %s: program.treasury %q is not an address to pay the fees to", r.Task, prog.Treasury)
		}
		out.Treasury = t.String()
		add(byWallet, t, out.Fees)
		who[t] = append(who[t], "treasury")
	}
	addrs := make([]payout.Address, 0, len(byWallet))
	for a := range byWallet {
		addrs = append(addrs, a)
	}
	sort.Slice(addrs, func(i, j int) bool { return bytes.Compare(addrs[i][:], addrs[j][:]) < 0 })
	claims := make([]payout.Claim, len(addrs))
	for i, a := range addrs {
		claims[i] = payout.Claim{Beneficiary: a, Amount: byWallet[a]}
	}
	opts := payout.ClaimOptions{Domain: r.Domain, Token: token, Deadline: r.Deadline, Program: prog.Name, Epoch: TaskNonceEpoch(r.Task)}
	if err := checkClaimOptions(opts); err != nil {
		return nil, err
	}
	signer, err := r.Key.Signer()
	if err != nil {
		return nil, err
	}
	defer signer.Destroy()
	signed, err := payout.SignClaims(ctx, signer, opts, claims)
	if err != nil {
		return nil, fmt.Errorf("settle task %s: %w", r.Task, err)
	}
	out.Claims = newClaimSet(signer, opts, len(signed))
	for i, c := range signed {
		out.Claims.Claims[i] = LineClaim{SignedClaim: c, Members: who[c.Permit.Spender]}
	}
	doc, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("settle task %s: %w", r.Task, err)
	}
	stored, existed, err := ts.SaveTaskSettlement(ctx, prog.Name, r.Task, pol.Hash(), out.Settled, doc)
	if err != nil {
		return nil, err
	}
	if existed {
		// Another process settled it meanwhile: its settlement is the one.
		return decodeTaskSettlement(stored, true)
	}
	s.log.Info("task settled", "program", prog.Name, "task", r.Task, "claims", len(signed), "fees", out.Fees.String())
	return out, nil
}

// TaskSettlementOf returns the stored settlement of task under the active policy's program (ENOTFOUND when
// it was not settled).
func (s *Service) TaskSettlementOf(ctx context.Context, task string) (*TaskSettlement, error) {
	ts, ok := s.store.(plaudit.TaskSettlementStore)
	if !ok {
		return nil, plaudit.Errorf(plaudit.EINTERNAL, "task settlement: the store keeps no task settlements")
	}
	pol, err := s.ActivePolicy(ctx)
	if err != nil {
		return nil, err
	}
	prog, err := settle.FromPolicy(pol)
	if err != nil {
		return nil, err
	}
	doc, err := ts.TaskSettlement(ctx, prog.Name, task)
	if err != nil {
		return nil, err
	}
	return decodeTaskSettlement(doc, true)
}

func add(m map[payout.Address]*big.Int, a payout.Address, v *big.Int) {
	if m[a] == nil {
		m[a] = new(big.Int)
	}
	m[a].Add(m[a], v)
}

func decodeTaskSettlement(doc []byte, already bool) (*TaskSettlement, error) {
	var t TaskSettlement
	if err := json.Unmarshal(doc, &t); err != nil {
		return nil, fmt.Errorf("read a stored task settlement: %w", err)
	}
	if t.Format != TaskSettlementFormat {
		return nil, fmt.Errorf("read a stored task settlement: format %q, want %s", t.Format, TaskSettlementFormat)
	}
	t.Already = already
	return &t, nil
}
