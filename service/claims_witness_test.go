package service_test

import (
	"context"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/payout"
	"github.com/plaudit/plaudit/policy"
	"github.com/plaudit/plaudit/service"
	"github.com/plaudit/plaudit/sqlstore"
	"github.com/plaudit/plaudit/witness/agent"
)

// Development keys (Hardhat's first accounts), never real ones.
var portalWitnessKeys = []string{
	"0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
	"0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
}

type portalClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *portalClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *portalClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// TestPortalShowsOnlyClaimableEpochs: under a witness committee (quorum 2), a closed epoch that its
// witnesses have not published is not in the portal's epochs, its page answers ECONFLICT saying where it
// stands, and no member's or wallet's payouts, proofs or claims include it; once attested and past its
// dispute window it is shown.
func TestPortalShowsOnlyClaimableEpochs(t *testing.T) {
	ctx := context.Background()
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		appendAll(t, st, community(t))
		clk := &portalClock{t: testNow}
		var addrs []string
		for _, k := range portalWitnessKeys {
			s, _ := payout.NewSigner(k)
			addrs = append(addrs, `"`+s.Address().String()+`"`)
		}
		src, err := policy.PresetSource("default")
		if err != nil {
			t.Fatal(err)
		}
		prog := "program:\n  name: acme\n  period: weekly\n  pool: {token: \"0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48\", decimals: 6, amount: 1000000000}\n" +
			"  witnesses:\n    addresses: [" + strings.Join(addrs, ", ") + "]\n    quorum: 2\n    dispute_window: 2h\n"
		doc := regexp.MustCompile(`(?m)^program:\n(?:[ \t].*\n)*`).ReplaceAllString(string(src), prog)
		svc := service.New(st, service.Options{Now: clk.Now})
		if _, err := svc.ActivatePolicy(ctx, []byte(doc), "test.yml", "test"); err != nil {
			t.Fatal(err)
		}
		res, err := svc.CloseEpochs(ctx, service.CloseRequest{Verdicts: []plaudit.Verdict{}, Operator: "test", Through: at("2026-01-05")})
		if err != nil || len(res.Epochs) != 1 || res.Epochs[0].Epoch.Root == "" {
			t.Fatalf("close: %+v %v", res, err)
		}
		id := res.Epochs[0].Window.ID
		ce, err := svc.Epoch(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var paid plaudit.Allocation
		for _, a := range ce.Allocations {
			if a.Paid != nil && a.Paid.Sign() > 0 {
				paid = a
				break
			}
		}
		wallet, err := payout.ParseAddress(paid.Wallet)
		if err != nil {
			t.Fatalf("the paid member %s has no wallet: %v", paid.Member, err)
		}
		shown := func() bool {
			t.Helper()
			eps, err := svc.PortalEpochs(ctx)
			if err != nil {
				t.Fatal(err)
			}
			in := slices.ContainsFunc(eps, func(e *plaudit.Epoch) bool { return e.ID == id })
			mp, err := svc.MemberPayouts(ctx, nil, paid.Member)
			if err != nil {
				t.Fatal(err)
			}
			wp, err := svc.WalletPayouts(ctx, nil, wallet)
			if err != nil {
				t.Fatal(err)
			}
			if (len(mp) > 0) != in || (len(wp) > 0) != in {
				t.Fatalf("epoch shown %v, but the member's payouts %d and the wallet's %d", in, len(mp), len(wp))
			}
			return in
		}
		if shown() {
			t.Fatal("an unwitnessed epoch is shown")
		}
		if _, err := svc.PortalEpoch(ctx, id); plaudit.ErrorCode(err) != plaudit.ECONFLICT || !strings.Contains(err.Error(), "0 of the 2") {
			t.Fatalf("the unwitnessed epoch's page: %v, want ECONFLICT naming the attestations", err)
		}
		if _, err := svc.PortalEpoch(ctx, "acme@2026-02-02T00:00:00Z"); plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
			t.Fatalf("an epoch not closed: %v, want ENOTFOUND", err)
		}
		for i, k := range portalWitnessKeys {
			s, err := payout.NewSigner(k)
			if err != nil {
				t.Fatal(err)
			}
			own := newWitnessStore(t)
			w := &agent.Agent{Signer: s, Source: agent.Local{Service: svc}, Own: service.New(own, service.Options{}), Record: own.(plaudit.WitnessStore)}
			if _, err := w.Attest(ctx, id); err != nil {
				t.Fatalf("witness %d: %v", i, err)
			}
		}
		if shown() {
			t.Fatal("an epoch inside its dispute window is shown")
		}
		if _, err := svc.PortalEpoch(ctx, id); plaudit.ErrorCode(err) != plaudit.ECONFLICT || !strings.Contains(err.Error(), "dispute window") {
			t.Fatalf("inside the window: %v", err)
		}
		clk.Add(2*time.Hour + time.Second)
		if !shown() {
			t.Fatal("a published epoch is not shown")
		}
		if _, err := svc.PortalEpoch(ctx, id); err != nil {
			t.Fatal(err)
		}
	})
}

// newWitnessStore is a witness's own SQLite store.
func newWitnessStore(t *testing.T) plaudit.Store {
	t.Helper()
	st, err := sqlstore.Open(context.Background(), filepath.Join(t.TempDir(), "witness.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}
