package main

import (
	"fmt"
	"math/big"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/policy"
	"github.com/plaudit/plaudit/service"
	"github.com/plaudit/plaudit/settle"
)

// The demo's settlement stages: close every week of the generated community under a program with a pool,
// print the last week's payout table and Merkle root, then verify every closed epoch from the log.
func init() {
	registerDemoStep(60, "settle", demoSettle)
	registerDemoStep(70, "verify", demoVerify)
}

// demoProgramYAML is the program the demo pays by: 10,000 USDC a week (6 decimals), a 5% fee to the
// treasury, no member above 5% of a week's pool, payouts under 1 USDC carried.
const demoProgramYAML = `program:
  name: demo
  period: weekly
  pool: {token: "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48", decimals: 6, amount: 10000000000}
  min_score: 0
  cap: 0.05
  min_payout: 1000000
  unspent: carry
  fee_rate: 0.05
  treasury: "0x00000000000000000000000000000000000d4a0e"
  x_payouts: false
`

var programSection = regexp.MustCompile(`(?m)^program:\n(?:[ \t].*\n)*`)

// demoPolicy is the scoring stage's policy with the demo program in place of its program section: the same
// scorers (so the same points), a different hash.
func demoPolicy(env *demoEnv) (*policy.Policy, string, error) {
	base := "default"
	if p, ok := env.extra["policy"].(*policy.Policy); ok && p.Name != "" {
		base = p.Name
	}
	src, err := policy.PresetSource(base)
	if err != nil {
		return nil, "", err
	}
	doc := programSection.ReplaceAllString(string(src), demoProgramYAML+demoWitnessesYAML())
	p, err := policy.Parse([]byte(doc), "demo:"+base)
	if err != nil {
		return nil, "", err
	}
	return p, doc, nil
}

func demoSettle(env *demoEnv) error {
	if env.store == nil || len(env.scores) == 0 {
		fmt.Fprintln(env.out, "== Settle: nothing scored, nothing to settle")
		return nil
	}
	ctx := env.context()
	began := time.Now()
	_, doc, err := demoPolicy(env)
	if err != nil {
		return err
	}
	// The same scorers, so the same points, under a program with a pool: activating it makes the scores
	// stale, and the close rescores the log under it, runs the integrity checks over each week's events,
	// and closes every week in order.
	svc := env.service()
	if _, err := svc.ActivatePolicy(ctx, []byte(doc), "demo:default", "demo"); err != nil {
		return fmt.Errorf("activate the demo policy: %w", err)
	}
	last := env.scores[0].Time
	for _, s := range env.scores {
		if s.Time.After(last) {
			last = s.Time
		}
	}
	res, err := svc.CloseEpochs(ctx, service.CloseRequest{Through: last, Operator: "demo"})
	if err != nil {
		return err
	}
	prog := res.Program
	var closed []*settle.Result
	verdicts := 0
	for _, ce := range res.Epochs {
		if ce.Already {
			fmt.Fprintf(env.out, "epoch %s already closed\n", ce.Window.ID)
			continue
		}
		closed = append(closed, ce.Result)
		verdicts += ce.Verdicts
	}
	env.extra["epochs"] = closed
	verdictNote := "no integrity verdicts"
	if verdicts > 0 {
		verdictNote = fmt.Sprintf("%d integrity verdicts applied from each week's own integrity run", verdicts)
	}
	fmt.Fprintf(env.out, "== Settled %d weekly epochs of program %q (%s) in %s\n", len(closed), prog.Name, verdictNote, time.Since(began).Round(time.Millisecond))
	fmt.Fprintf(env.out, "pool %s USDC a week, fee %s to treasury, cap %s of the pool, payouts under %s USDC carried, X points earn ENG only\n",
		plaudit.FormatUnits(prog.Pool, prog.Decimals), prog.FeeRate, prog.CapShare, plaudit.FormatUnits(prog.MinPayout, prog.Decimals))
	for _, r := range closed {
		ep := r.Epoch
		noWallet, small := 0, 0
		for _, a := range r.Allocations {
			for _, n := range a.Notes {
				switch {
				case n == "no wallet: carried":
					noWallet++
				case strings.HasPrefix(n, "below min payout"):
					small++
				}
			}
		}
		fmt.Fprintf(env.out, "  %s  %4d members  paid %12s  fees %10s  carried %11s (%d without a wallet, %d under the minimum)  unspent %s\n", ep.ID, ep.Members,
			plaudit.FormatUnits(ep.Paid, ep.Decimals), plaudit.FormatUnits(ep.Fees, ep.Decimals), plaudit.FormatUnits(ep.CarriedOut, ep.Decimals), noWallet, small, plaudit.FormatUnits(ep.Unspent, ep.Decimals))
	}
	if len(closed) == 0 {
		return nil
	}
	r := closed[len(closed)-1]
	ep := r.Epoch
	top := make([]plaudit.Allocation, len(r.Allocations))
	copy(top, r.Allocations)
	sort.SliceStable(top, func(i, j int) bool {
		if c := top[i].Paid.Cmp(top[j].Paid); c != 0 {
			return c > 0
		}
		return top[i].Member < top[j].Member
	})
	fmt.Fprintf(env.out, "\nPayouts of %s (top 10 of %d members):\n", ep.ID, ep.Members)
	if err := writeAllocations(env.out, ep, top, 10); err != nil {
		return err
	}
	u := func(v *big.Int) string { return plaudit.FormatUnits(v, ep.Decimals) }
	in := new(big.Int).Add(ep.Pool, ep.PoolCarryIn)
	in.Add(in, ep.CarriedIn)
	out := new(big.Int).Add(ep.Paid, ep.Fees)
	out.Add(out, ep.CarriedOut).Add(out, ep.Unspent)
	check := "exact"
	if in.Cmp(out) != 0 {
		check = "MISMATCH"
	}
	fmt.Fprintf(env.out, "totals: pool %s + pool carry %s + member carries %s = paid %s + fees %s + carried %s + unspent %s (%s, to the base unit)\n",
		u(ep.Pool), u(ep.PoolCarryIn), u(ep.CarriedIn), u(ep.Paid), u(ep.Fees), u(ep.CarriedOut), u(ep.Unspent), check)
	fmt.Fprintf(env.out, "ENG minted %s; Merkle root %s\n\n", plaudit.FormatUnits(ep.ENG, 6), ep.Root)
	if check != "exact" {
		return fmt.Errorf("epoch %s does not balance", ep.ID)
	}
	return nil
}

func demoVerify(env *demoEnv) error {
	closed, _ := env.extra["epochs"].([]*settle.Result)
	if len(closed) == 0 {
		return nil
	}
	began := time.Now()
	fmt.Fprintln(env.out, "== Verify: each epoch rebuilt from the event log and its recorded policy")
	svc := env.service()
	log, err := svc.ReadLog(env.context(), nil)
	if err != nil {
		return err
	}
	for _, r := range closed {
		res, err := svc.Verify(env.context(), r.Epoch.ID, nil, log)
		if res != nil && res.Line != "" {
			fmt.Fprintln(env.out, res.Line)
		}
		if err != nil {
			return err
		}
	}
	fmt.Fprintf(env.out, "(%s)\n\n", time.Since(began).Round(time.Millisecond))
	return nil
}
