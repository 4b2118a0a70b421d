package github_test

import (
	"context"
	"encoding/json"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/payout"
	"github.com/plaudit/plaudit/service"
	"github.com/plaudit/plaudit/source/github"
	"github.com/plaudit/plaudit/sqlstore"
)

// testSignerKey is a well-known development key (Hardhat's first account), never a real one.
const testSignerKey = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"

const (
	taskToken    = "0x6B175474E89094C44Da98b954EedeAC495271d0F"
	taskTreasury = "0x000000000000000000000000000000000000dEaD"
	daveWallet   = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
)

// taskPolicy is the conversation preset as a per-task program paying an 18-decimal token with a 5% fee.
func taskPolicy(extra string) []byte {
	return []byte(`name: tasks
program:
  settlement: task
  pool: {token: "` + taskToken + `", decimals: 18}
  fee_rate: 0.05
  treasury: "` + taskTreasury + `"
` + extra + `scorers:
  - scorer: conversation
    sources: [github]
    kinds: [issue, pull_request, comment, review]
`)
}

// evaluateTask runs the github-evaluate job's evaluation of acme/widgets#1 through the fake GitHub, with
// per-task payouts, after dave registered a wallet.
func evaluateTask(t *testing.T, st *sqlstore.DB, pol []byte) (*service.Service, *github.Evaluator, *fakeGitHub) {
	t.Helper()
	ctx := context.Background()
	f := newFakeGitHub(t)
	svc := service.New(st, service.Options{Logger: quiet()})
	if _, err := svc.ActivatePolicy(ctx, pol, "tasks.yml", "test"); err != nil {
		t.Fatal(err)
	}
	// What dave's "/wallet 0x…" comment registers (github.WalletCommand).
	comment := plaudit.Event{Source: plaudit.SourceGitHub, ExternalID: "IC_wallet_dave", Kind: plaudit.KindComment, Actor: "dave",
		Content: "/wallet " + daveWallet, Time: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), Target: "I_kwDOAcme0009"}
	w, ok := github.WalletCommand(&comment)
	if !ok {
		t.Fatal("the wallet command was not recognised")
	}
	if _, err := svc.AppendEvents(ctx, []plaudit.Event{w}); err != nil {
		t.Fatal(err)
	}
	c, err := github.NewClient(f.srv.URL, "ghp_test", nil)
	if err != nil {
		t.Fatal(err)
	}
	c.Logger = quiet()
	ev := &github.Evaluator{Client: c, Service: svc, Comment: true, Logger: quiet(),
		TaskPayouts: &github.TaskPayouts{Key: payout.SignerConfig{Key: testSignerKey}, Domain: payout.Domain{ChainID: 100, Permit2: payout.CanonicalPermit2}}}
	return svc, ev, f
}

// TestTaskSettlementEndToEnd: an issue closed as completed, under a per-task program, is settled at once
// into Permit2 claims for the contributors' wallets, with the fee to the treasury, nonces derived from the
// issue's id, and the claims in the evaluation comment; evaluating it again pays nothing twice.
func TestTaskSettlementEndToEnd(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *sqlstore.DB) {
		ctx := context.Background()
		_, ev, f := evaluateTask(t, st, taskPolicy(""))
		res, err := ev.Evaluate(ctx, "acme/widgets", 1)
		if err != nil {
			t.Fatal(err)
		}
		ts := res.Settlement
		if ts == nil || ts.Already || ts.Task != "github/I_kwDOAcme0001" || ts.Program != "tasks" {
			t.Fatalf("settlement %+v", ts)
		}
		byMember := map[string]service.TaskPayout{}
		for _, p := range ts.Payouts {
			byMember[p.Member] = p
		}
		dave, erin := byMember["github:dave"], byMember["github:erin"]
		if dave.Points <= 0 || dave.Wallet != daveWallet {
			t.Fatalf("dave's payout %+v (payouts %+v)", dave, ts.Payouts)
		}
		// One token per point (18 decimals), less the 5% fee rounded down.
		due := new(big.Int).Mul(big.NewInt(int64(dave.Points)), new(big.Int).Exp(big.NewInt(10), big.NewInt(12), nil))
		fee := new(big.Int).Quo(new(big.Int).Mul(due, big.NewInt(50000)), big.NewInt(1000000))
		if dave.Due.Cmp(due) != 0 || dave.Fee.Cmp(fee) != 0 || dave.Paid.Cmp(new(big.Int).Sub(due, fee)) != 0 {
			t.Fatalf("dave: due %s fee %s paid %s; want %s, %s", dave.Due, dave.Fee, dave.Paid, due, fee)
		}
		if erin.Points <= 0 || erin.Wallet != "" || erin.Paid.Sign() != 0 || !strings.Contains(erin.Note, "no wallet") {
			t.Fatalf("erin (no wallet) %+v", erin)
		}
		if ts.Fees.Cmp(fee) != 0 || len(ts.Claims.Claims) != 2 {
			t.Fatalf("fees %s, claims %d", ts.Fees, len(ts.Claims.Claims))
		}
		token, _ := payout.ParseAddress(taskToken)
		signer, _ := payout.NewSigner(testSignerKey)
		for _, c := range ts.Claims.Claims {
			want := payout.ClaimNonce("tasks", "task:github/I_kwDOAcme0001", token, c.Permit.Spender)
			if c.Permit.Nonce.Cmp(want) != 0 {
				t.Fatalf("claim of %s: nonce %s, want the issue's %s", c.Permit.Spender, c.Permit.Nonce, want)
			}
			got, err := payout.RecoverPermitSigner(payout.Domain{ChainID: 100, Permit2: payout.CanonicalPermit2}, c.Permit, c.Signature)
			if err != nil || got != signer.Address() {
				t.Fatalf("claim of %s signed by %s (%v), want %s", c.Permit.Spender, got, err, signer.Address())
			}
			switch c.Permit.Spender.String() {
			case daveWallet:
				if c.Permit.Amount.Cmp(dave.Paid) != 0 {
					t.Fatalf("dave's claim %s, want %s", c.Permit.Amount, dave.Paid)
				}
			case taskTreasury:
				if c.Permit.Amount.Cmp(fee) != 0 {
					t.Fatalf("treasury claim %s, want the fee %s", c.Permit.Amount, fee)
				}
			default:
				t.Fatalf("a claim for %s", c.Permit.Spender)
			}
		}
		if len(f.comments) != 1 || !strings.Contains(f.comments[0].Body, "Permit2 claim of "+daveWallet) ||
			!strings.Contains(f.comments[0].Body, "| dave | ") {
			t.Fatalf("comments %+v", f.comments)
		}
		first, _ := json.Marshal(ts.Claims)

		// The job retried, or the issue reopened and closed again: the first settlement stands.
		again, err := ev.Evaluate(ctx, "acme/widgets", 1)
		if err != nil {
			t.Fatal(err)
		}
		second, _ := json.Marshal(again.Settlement.Claims)
		if !again.Settlement.Already || string(first) != string(second) {
			t.Fatalf("second settlement already=%v\n%s\n%s", again.Settlement.Already, first, second)
		}
	})
}

// TestTaskSettlementFeeExempt: a fee-exempt token pays the whole reward and no treasury claim.
func TestTaskSettlementFeeExempt(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *sqlstore.DB) {
		_, ev, _ := evaluateTask(t, st, taskPolicy("  fee_exempt: [\""+strings.ToLower(taskToken)+"\"]\n"))
		res, err := ev.Evaluate(context.Background(), "acme/widgets", 1)
		if err != nil {
			t.Fatal(err)
		}
		ts := res.Settlement
		if ts == nil || ts.Fees.Sign() != 0 || len(ts.Claims.Claims) != 1 || ts.Claims.Claims[0].Permit.Spender.String() != daveWallet {
			t.Fatalf("settlement %+v", ts)
		}
		for _, p := range ts.Payouts {
			if p.Wallet != "" && (p.Fee.Sign() != 0 || p.Paid.Cmp(p.Due) != 0 || p.Note != "fee-exempt token") {
				t.Fatalf("payout %+v", p)
			}
		}
	})
}

// TestTaskSettlementEpochProgram: under a program that settles by epoch nothing is settled per task.
func TestTaskSettlementEpochProgram(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *sqlstore.DB) {
		pol := []byte(strings.Replace(string(taskPolicy("")), "settlement: task", "settlement: epoch", 1))
		_, ev, _ := evaluateTask(t, st, pol)
		res, err := ev.Evaluate(context.Background(), "acme/widgets", 1)
		if err != nil || res.Settlement != nil {
			t.Fatalf("evaluation %+v, %v", res, err)
		}
	})
}
