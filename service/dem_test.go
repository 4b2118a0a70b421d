package service_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/policy"
	"github.com/plaudit/plaudit/service"
)

// TestDEMEpochMintsENG closes a week of preset:dem (with the program's hashtag and a token pool) on both
// stores: the project account's post and a linked community account's quote of it earn Engagement Value,
// the ledger mints one ENG per point — the project's into eng:project, alice's into her stake — and no
// token goes to anyone for X activity (x_payouts off); the whole pool carries.
func TestDEMEpochMintsENG(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)
	x := func(id string, k plaudit.Kind, actor, user, content string, at time.Duration) plaudit.Event {
		return plaudit.Event{Source: plaudit.SourceX, ExternalID: id, Kind: k, Actor: actor, Content: content, Time: t0.Add(at),
			Attrs: map[string]any{"username": user}}
	}
	quote := x("q1", plaudit.KindQuote, "200", "alice", "this is why I hold #AcmeDAO", 2*time.Minute)
	quote.Target, quote.TargetAuthor = "p1", "100"
	events := []plaudit.Event{
		{Source: plaudit.SourcePlaudit, ExternalID: "op1", Kind: plaudit.KindLink, Actor: "x:100", Time: t0.Add(-time.Hour),
			Attrs: map[string]any{"member": "acme", "member_kind": "project"}},
		{Source: plaudit.SourceX, ExternalID: "l2", Kind: plaudit.KindLink, Actor: "200", Time: t0.Add(-time.Hour), Attrs: map[string]any{"member": "alice"}},
		x("p1", plaudit.KindPost, "100", "acme_hq", "v2 ships today", time.Minute),
		quote,
		x("p3", plaudit.KindPost, "300", "bob", "@acme_hq #acmedao wen token", 3*time.Minute), // bob does not participate
	}
	src, err := policy.PresetSource("dem")
	if err != nil {
		t.Fatal(err)
	}
	doc := strings.Replace(string(src), "keywords: []", `keywords: ["#acmedao"]`, 1)
	doc = strings.Replace(doc, "  x_payouts: false\n", "  x_payouts: false\n  pool: {token: USDC, decimals: 6, amount: 1000000000}\n", 1)
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		appendAll(t, st, events)
		svc := newService(st)
		if _, err := svc.ActivatePolicy(ctx, []byte(doc), "dem.yml", "test"); err != nil {
			t.Fatal(err)
		}
		res, err := svc.CloseEpochs(ctx, service.CloseRequest{Through: time.Date(2026, 1, 12, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Epochs) == 0 || res.Epochs[0].Result == nil {
			t.Fatalf("closed %+v", res)
		}
		for _, a := range res.Epochs[0].Result.Allocations {
			if a.Paid != nil && a.Paid.Sign() != 0 {
				t.Errorf("%s paid %s tokens for X activity", a.Member, a.Paid)
			}
			if a.Member == "x:300" {
				t.Errorf("bob, who does not participate, has an allocation: %+v", a)
			}
		}
		bals, err := st.Balances(ctx, "eng:")
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, b := range bals {
			if b.Asset == plaudit.AssetENG {
				got[b.Account] = b.Amount.String()
			}
		}
		if got[plaudit.AccountProjectWallet] != "10000000" || got[plaudit.AccountENGStake("alice")] != "8000000" {
			t.Errorf("ENG balances %v: want 10 ENG in %s and 8 in %s", got, plaudit.AccountProjectWallet, plaudit.AccountENGStake("alice"))
		}
	})
}
