package service_test

import (
	"context"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/service"
)

// closeFirstWeek closes the test community's first week without integrity verdicts (fast) and returns it.
func closeFirstWeek(t *testing.T, svc *service.Service) *service.ClosedEpoch {
	t.Helper()
	res, err := svc.CloseEpochs(context.Background(), service.CloseRequest{Verdicts: []plaudit.Verdict{}, Operator: "test"})
	if err != nil || len(res.Epochs) != 1 || res.Epochs[0].Epoch == nil {
		t.Fatalf("close the first week: %+v %v", res, err)
	}
	return &res.Epochs[0]
}

// memberOfKind returns the first allocated member of kind in ce, failing when there is none.
func memberOfKind(t *testing.T, ce *service.ClosedEpoch, kind plaudit.MemberKind) string {
	t.Helper()
	for _, a := range ce.Result.Allocations {
		if a.Kind == kind && a.Points > 0 {
			return a.Member
		}
	}
	t.Fatalf("epoch %s has no %s member with points", ce.Window.ID, kind)
	return ""
}

func balance(t *testing.T, svc *service.Service, account, asset string) *big.Int {
	t.Helper()
	bals, err := svc.Balances(context.Background(), account)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bals {
		if b.Account == account && b.Asset == asset {
			return b.Amount
		}
	}
	return new(big.Int)
}

// TestLedgerReversal: a posting is reversed once, restoring the balances it moved; a second reversal, a
// reversal without a reason and one of a missing posting are refused and write nothing.
func TestLedgerReversal(t *testing.T) {
	ctx := context.Background()
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		svc := setUp(t, st)
		ce := closeFirstWeek(t, svc)
		ps, err := svc.Postings(ctx, plaudit.PostingFilter{Origin: "epoch:" + ce.Window.ID})
		if err != nil || len(ps) < 2 {
			t.Fatalf("postings of %s: %d, %v", ce.Window.ID, len(ps), err)
		}
		// The posting that pays members out of the pool.
		var pay *plaudit.Posting
		for _, p := range ps {
			for _, e := range p.Entries {
				if strings.HasPrefix(e.Account, "member:") && e.Amount.Sign() > 0 && pay == nil {
					pay = p
				}
			}
		}
		if pay == nil {
			t.Fatalf("no posting of %s pays a member", ce.Window.ID)
		}
		var acct, asset string
		for _, e := range pay.Entries {
			if strings.HasPrefix(e.Account, "member:") {
				acct, asset = e.Account, e.Asset
				break
			}
		}
		before := balance(t, svc, acct, asset)
		if before.Sign() <= 0 {
			t.Fatalf("%s holds %s after the close", acct, before)
		}
		all, _ := svc.Postings(ctx, plaudit.PostingFilter{})

		if _, err := svc.ReversePosting(ctx, pay.ID, "  ", "tester"); plaudit.ErrorCode(err) != plaudit.EINVALID {
			t.Fatalf("reversal without a reason: %v", err)
		}
		if _, err := svc.ReversePosting(ctx, 99999, "why", "tester"); plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
			t.Fatalf("reversal of a missing posting: %v", err)
		}
		rev, err := svc.ReversePosting(ctx, pay.ID, "paid the wrong week", "tester")
		if err != nil {
			t.Fatal(err)
		}
		if rev.ID == 0 || rev.Reverses != pay.ID || rev.Origin != (plaudit.Origin{Kind: plaudit.OriginOperator, ID: "tester"}) ||
			!strings.Contains(rev.Reason, "paid the wrong week") || !rev.Time.Equal(testNow) {
			t.Fatalf("reversal %+v", rev)
		}
		if got := balance(t, svc, acct, asset); got.Sign() != 0 {
			t.Fatalf("%s holds %s after the reversal, want 0", acct, got)
		}
		if _, err := svc.ReversePosting(ctx, pay.ID, "again", "tester"); err == nil || !strings.Contains(plaudit.ErrorMessage(err), "already reversed") {
			t.Fatalf("second reversal: %v", err)
		}
		after, _ := svc.Postings(ctx, plaudit.PostingFilter{})
		if len(after) != len(all)+1 {
			t.Fatalf("%d postings before, %d after one reversal and three refused ones", len(all), len(after))
		}
	})
}

// activateGovernance activates the test policy with program.governance set to gov (a flow mapping).
func activateGovernance(t *testing.T, svc *service.Service, gov string) {
	t.Helper()
	doc := strings.Replace(string(testPolicy(t)), "program:\n", "program:\n  governance: "+gov+"\n", 1)
	if _, err := svc.ActivatePolicy(context.Background(), []byte(doc), "gov.yml", "test"); err != nil {
		t.Fatal(err)
	}
}

// TestENGToggleCooldown: the governance model and cooldown are the active policy's settings, not the
// caller's: under model other a toggle inside the cooldown is refused naming when the next is allowed,
// and no call can pick another model to get through (the old per-call model let `aswg` toggle at once
// after `other` refused); once the cooldown has passed it is allowed. Under aswg toggles are free;
// project members and unknown handles cannot toggle.
func TestENGToggleCooldown(t *testing.T) {
	ctx := context.Background()
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		svc := setUp(t, st)
		ce := closeFirstWeek(t, svc)
		m := memberOfKind(t, ce, plaudit.MemberCommunity)
		activateGovernance(t, svc, "{model: other, cooldown: 6mo}")

		tg, err := svc.ToggleENG(ctx, m, "tester")
		if err != nil || tg.From != plaudit.ENGGovernance || tg.To != plaudit.ENGRewards || !tg.Time.Equal(testNow) || tg.Operator != "tester" {
			t.Fatalf("first toggle: %+v %v", tg, err)
		}
		for _, who := range []string{"tester", "someone-else", ""} {
			if _, err = svc.ToggleENG(ctx, m, who); plaudit.ErrorCode(err) != plaudit.EFORBIDDEN || !strings.Contains(err.Error(), "next toggle allowed at 2026-09-04T12:00:00Z") {
				t.Fatalf("toggle inside the cooldown by %q: %v", who, err)
			}
		}
		if es, err := svc.ENGStatus(ctx, m); err != nil || es.Mode != plaudit.ENGRewards || len(es.Toggles) != 1 {
			t.Fatalf("status after the refused toggles: %+v %v", es, err)
		}
		later := service.New(st, service.Options{Now: func() time.Time { return testNow.AddDate(0, 6, 0) }})
		if tg, err := later.ToggleENG(ctx, m, "tester"); err != nil || tg.To != plaudit.ENGGovernance {
			t.Fatalf("toggle after the cooldown: %+v %v", tg, err)
		}
		activateGovernance(t, svc, "{model: aswg}")
		aswg := service.New(st, service.Options{Now: func() time.Time { return testNow.AddDate(0, 6, 0).Add(time.Minute) }})
		if tg, err := aswg.ToggleENG(ctx, m, ""); err != nil || tg.To != plaudit.ENGRewards || tg.Operator != "plaudit" {
			t.Fatalf("toggle under ASWG right after: %+v %v", tg, err)
		}
		es, err := svc.ENGStatus(ctx, m)
		if err != nil || es.Mode != plaudit.ENGRewards || len(es.Toggles) != 3 || es.Stake.Sign() <= 0 {
			t.Fatalf("status of %s: %+v %v", m, es, err)
		}
		if _, err := svc.ToggleENG(ctx, memberOfKind(t, ce, plaudit.MemberProject), "tester"); plaudit.ErrorCode(err) != plaudit.EFORBIDDEN {
			t.Fatalf("toggle of a project member: %v", err)
		}
		if _, err := svc.ToggleENG(ctx, "nobody-at-all", "tester"); plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
			t.Fatalf("toggle of an unknown member: %v", err)
		}
	})
}

// TestENGWeights: the toggle decides where a member's stake counts — governance weight (with what was
// delegated to them) or reward weight, never both — and --at lists the weights as they stood then.
func TestENGWeights(t *testing.T) {
	ctx := context.Background()
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		svc := setUp(t, st)
		ce := closeFirstWeek(t, svc)
		m := memberOfKind(t, ce, plaudit.MemberCommunity)
		before, ws, err := svc.ENGWeights(ctx, time.Time{})
		if err != nil || !before.Equal(testNow) || len(ws) == 0 {
			t.Fatalf("weights: %v %d %v", before, len(ws), err)
		}
		find := func(ws []service.ENGWeight, h string) service.ENGWeight {
			for _, w := range ws {
				if w.Member == h {
					return w
				}
			}
			t.Fatalf("%s missing from the weights", h)
			return service.ENGWeight{}
		}
		total := new(big.Int)
		for i, w := range ws {
			if i > 0 && ws[i-1].Member >= w.Member {
				t.Fatalf("weights not sorted by member: %s then %s", ws[i-1].Member, w.Member)
			}
			if w.Mode != plaudit.ENGGovernance || w.Rewards.Sign() != 0 || w.Governance.Cmp(new(big.Int).Add(w.Stake, w.Delegated)) != 0 {
				t.Fatalf("before any toggle: %+v", w)
			}
			total.Add(total, w.Stake)
		}
		if supply := balance(t, svc, "eng:issuer", plaudit.AssetENG); new(big.Int).Add(total, balance(t, svc, plaudit.AccountProjectWallet, plaudit.AssetENG)).Cmp(new(big.Int).Neg(supply)) != 0 {
			t.Fatalf("stakes %s + project wallet do not add up to the ENG supply %s", total, supply)
		}
		stake := find(ws, m).Stake
		if _, err := svc.ToggleENG(ctx, m, "tester"); err != nil {
			t.Fatal(err)
		}
		later := service.New(st, service.Options{Now: func() time.Time { return testNow.Add(time.Hour) }})
		_, ws, err = later.ENGWeights(ctx, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if w := find(ws, m); w.Mode != plaudit.ENGRewards || w.Governance.Sign() != 0 || w.Rewards.Cmp(stake) != 0 {
			t.Fatalf("after the toggle to rewards: %+v, stake %s", w, stake)
		}
		_, ws, err = later.ENGWeights(ctx, testNow.Add(-time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if w := find(ws, m); w.Mode != plaudit.ENGGovernance || w.Governance.Cmp(stake) != 0 {
			t.Fatalf("at a moment before the toggle: %+v", w)
		}
		var out strings.Builder
		if err := service.WriteENGWeights(&out, "csv", before, ws); err != nil || !strings.HasPrefix(out.String(), "member,wallet,mode,governance_weight_eng_base_units,reward_weight_eng_base_units,") {
			t.Fatalf("csv: %v\n%s", err, out.String())
		}
	})
}

// TestENGDelegation: project ENG is delegated to a community member and revoked once; a delegation over
// what the project wallet holds, one to a project member and one of nothing are refused and write nothing;
// every transfer is refused with the sender's reason.
func TestENGDelegation(t *testing.T) {
	ctx := context.Background()
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		svc := setUp(t, st)
		ce := closeFirstWeek(t, svc)
		m := memberOfKind(t, ce, plaudit.MemberCommunity)
		proj := memberOfKind(t, ce, plaudit.MemberProject)
		wallet := balance(t, svc, plaudit.AccountProjectWallet, plaudit.AssetENG)
		if wallet.Sign() <= 0 {
			t.Fatalf("the project wallet holds %s ENG after the close", wallet)
		}

		over := new(big.Int).Add(wallet, big.NewInt(1))
		if _, err := svc.DelegateENG(ctx, m, over, "tester", "too much"); plaudit.ErrorCode(err) != plaudit.EINVALID ||
			!strings.Contains(err.Error(), "eng:project would hold -1") {
			t.Fatalf("delegation over the project wallet: %v", err)
		}
		if _, err := svc.DelegateENG(ctx, proj, big.NewInt(1), "tester", ""); plaudit.ErrorCode(err) != plaudit.EINVALID {
			t.Fatalf("delegation to a project member: %v", err)
		}
		if _, err := svc.DelegateENG(ctx, m, new(big.Int), "tester", ""); plaudit.ErrorCode(err) != plaudit.EINVALID {
			t.Fatalf("delegation of nothing: %v", err)
		}
		if _, err := svc.DelegateENG(ctx, "nobody-at-all", big.NewInt(1), "tester", ""); plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
			t.Fatalf("delegation to an unknown member: %v", err)
		}
		if ds, err := svc.Delegations(ctx, ""); err != nil || len(ds) != 0 {
			t.Fatalf("refused delegations recorded: %v %v", ds, err)
		}
		if got := balance(t, svc, plaudit.AccountProjectWallet, plaudit.AssetENG); got.Cmp(wallet) != 0 {
			t.Fatalf("refused delegations moved ENG: wallet %s, was %s", got, wallet)
		}

		amt := big.NewInt(4_500_000) // 4.5 ENG
		d, err := svc.DelegateENG(ctx, m, amt, "tester", "AMA host")
		if err != nil || d.ID == 0 || d.PostingID == 0 || d.Member != m || d.Amount.Cmp(amt) != 0 {
			t.Fatalf("delegate: %+v %v", d, err)
		}
		es, err := svc.ENGStatus(ctx, m)
		if err != nil || es.Delegated.Cmp(amt) != 0 || len(es.Delegations) != 1 || es.Delegations[0].ID != d.ID {
			t.Fatalf("status after the delegation: %+v %v", es, err)
		}
		if got := balance(t, svc, plaudit.AccountProjectWallet, plaudit.AssetENG); new(big.Int).Sub(wallet, got).Cmp(amt) != 0 {
			t.Fatalf("wallet %s after delegating %s of %s", got, amt, wallet)
		}
		r, err := svc.RevokeDelegation(ctx, d.ID, "tester", "done")
		if err != nil || r.Revoked.IsZero() || r.RevokePostingID == 0 {
			t.Fatalf("revoke: %+v %v", r, err)
		}
		if _, err := svc.RevokeDelegation(ctx, d.ID, "tester", "again"); plaudit.ErrorCode(err) != plaudit.ECONFLICT {
			t.Fatalf("revoke twice: %v", err)
		}
		if _, err := svc.RevokeDelegation(ctx, 999, "tester", ""); plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
			t.Fatalf("revoke a missing delegation: %v", err)
		}
		if es, _ := svc.ENGStatus(ctx, m); es.Delegated.Sign() != 0 {
			t.Fatalf("%s still holds %s delegated ENG after the revocation", m, es.Delegated)
		}
		if got := balance(t, svc, plaudit.AccountProjectWallet, plaudit.AssetENG); got.Cmp(wallet) != 0 {
			t.Fatalf("wallet %s after the revocation, was %s", got, wallet)
		}

		for from, want := range map[string]string{
			m:                              "community ENG is non-transferable: " + m + "'s ENG",
			"nobody-at-all":                "community ENG is non-transferable",
			proj:                           "project ENG is not transferred",
			"project":                      "project ENG is not transferred",
			plaudit.AccountENGDelegated(m): "delegated ENG is not transferable",
		} {
			err := svc.TransferENG(ctx, from, "someone", big.NewInt(1))
			if plaudit.ErrorCode(err) != plaudit.EFORBIDDEN || !strings.Contains(plaudit.ErrorMessage(err), want) {
				t.Fatalf("transfer from %s: %v; want %q", from, err, want)
			}
		}
	})
}
