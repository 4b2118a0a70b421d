package ledger

import (
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
)

var op = plaudit.Origin{Kind: plaudit.OriginOperator, ID: "alice"}

func posting(reason string, entries ...plaudit.Entry) *plaudit.Posting {
	return &plaudit.Posting{Origin: op, Reason: reason, Entries: entries}
}

func e(account string, amount int64) plaudit.Entry {
	return plaudit.Entry{Account: account, Asset: "USDC", Amount: big.NewInt(amount)}
}

func TestBookRefusesUnbalancedAndNegative(t *testing.T) {
	b := NewBook()
	if _, err := b.Post(posting("fund", e("source:poe", -100), e("pool:poe", 100))); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Post(posting("bad", e("pool:poe", -10), e("member:a", 9))); plaudit.ErrorCode(err) != plaudit.EINVALID || !strings.Contains(err.Error(), "sum to -1") {
		t.Fatalf("unbalanced: %v", err)
	}
	_, err := b.Post(posting("overdraw", e("pool:poe", -101), e("member:a", 101)))
	if plaudit.ErrorCode(err) != plaudit.EINVALID || !strings.Contains(err.Error(), "pool:poe would hold -1") {
		t.Fatalf("overdraw: %v", err)
	}
	if b.Balance("pool:poe", "USDC").Int64() != 100 || b.Balance("member:a", "USDC").Sign() != 0 {
		t.Fatal("a refused posting changed balances")
	}
	if _, err := b.Post(&plaudit.Posting{Origin: op, Entries: []plaudit.Entry{e("pool:poe", -1), e("member:a", 1)}}); err == nil {
		t.Fatal("posting without a reason accepted")
	}
	if _, err := b.Post(&plaudit.Posting{Reason: "x", Entries: []plaudit.Entry{e("pool:poe", -1), e("member:a", 1)}}); err == nil {
		t.Fatal("posting without an origin accepted")
	}
}

func TestReversal(t *testing.T) {
	b := NewBook()
	id1, _ := b.Post(posting("fund", e("source:poe", -100), e("pool:poe", 100)))
	id2, err := b.Post(posting("pay", e("pool:poe", -40), e("member:a", 40)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Reverse(id2, op, "", time.Time{}); err == nil {
		t.Fatal("reversal without reason accepted")
	}
	rid, err := b.Reverse(id2, op, "paid the wrong member", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if b.Balance("member:a", "USDC").Sign() != 0 || b.Balance("pool:poe", "USDC").Int64() != 100 {
		t.Fatal("reversal did not restore balances")
	}
	if p := b.Postings()[rid-1]; p.Reverses != id2 || !strings.Contains(p.Reason, "paid the wrong member") {
		t.Fatalf("reversal %+v", p)
	}
	if _, err := b.Reverse(id2, op, "again", time.Time{}); plaudit.ErrorCode(err) != plaudit.ECONFLICT {
		t.Fatalf("double reversal: %v", err)
	}
	if _, err := b.Reverse(rid, op, "undo the undo", time.Time{}); plaudit.ErrorCode(err) != plaudit.EINVALID {
		t.Fatalf("reversal of a reversal: %v", err)
	}
	// Spend the pool, then reversing the funding would overdraw it: refused.
	if _, err := b.Post(posting("pay", e("pool:poe", -100), e("member:b", 100))); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Reverse(id1, op, "unfund", time.Time{}); plaudit.ErrorCode(err) != plaudit.EINVALID {
		t.Fatalf("overdrawing reversal: %v", err)
	}
}

func TestToggleCooldown(t *testing.T) {
	at := time.Date(2026, 8, 31, 12, 0, 0, 0, time.UTC)
	// ASWG: free.
	var h []plaudit.ENGToggle
	for i := 0; i < 3; i++ {
		tg, err := Toggle(DefaultGovernance, "bob", plaudit.MemberCommunity, h, at.Add(time.Duration(i)*time.Minute), "bob")
		if err != nil {
			t.Fatal(err)
		}
		h = append(h, tg)
	}
	if Mode(h) != plaudit.ENGRewards || h[1].To != plaudit.ENGGovernance {
		t.Fatalf("modes %+v", h)
	}
	g := Governance{Model: ModelOther, Cooldown: DefaultCooldown}
	h = nil
	tg, err := Toggle(g, "bob", plaudit.MemberCommunity, h, at, "bob")
	if err != nil {
		t.Fatal(err)
	}
	h = append(h, tg)
	// Six calendar months from 31 August is 31 February, which Go normalises to 3 March.
	next := time.Date(2027, 3, 3, 12, 0, 0, 0, time.UTC)
	_, err = Toggle(g, "bob", plaudit.MemberCommunity, h, next.Add(-time.Second), "bob")
	if plaudit.ErrorCode(err) != plaudit.EFORBIDDEN || !strings.Contains(plaudit.ErrorMessage(err), "next toggle allowed at 2027-03-03T12:00:00Z") {
		t.Fatalf("within cooldown: %v", err)
	}
	if _, err := Toggle(g, "bob", plaudit.MemberCommunity, h, next, "bob"); err != nil {
		t.Fatalf("at cooldown end: %v", err)
	}
	if _, err := Toggle(g, "proj", plaudit.MemberProject, nil, at, "op"); plaudit.ErrorCode(err) != plaudit.EFORBIDDEN {
		t.Fatalf("project toggle: %v", err)
	}
}

func TestParseCooldown(t *testing.T) {
	for in, want := range map[string]Cooldown{"6mo": {Months: 6}, "182d": {Duration: 182 * 24 * time.Hour}, "72h": {Duration: 72 * time.Hour}, "0": {}} {
		got, err := ParseCooldown(in)
		if err != nil || got != want {
			t.Errorf("%s: %+v %v", in, got, err)
		}
		if back, _ := ParseCooldown(got.String()); back != got {
			t.Errorf("%s: round trip %s", in, got)
		}
	}
	for _, in := range []string{"", "6m0", "-1d", "six months", "999mo"} {
		if _, err := ParseCooldown(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}

func TestTransferRefusedAndDelegation(t *testing.T) {
	err := Transfer("bob", plaudit.MemberCommunity, "carol", big.NewInt(5))
	if plaudit.ErrorCode(err) != plaudit.EFORBIDDEN || !strings.HasPrefix(plaudit.ErrorMessage(err), "community ENG is non-transferable: ") {
		t.Fatalf("community transfer: %v", err)
	}
	if err := Transfer("project", "", "carol", big.NewInt(5)); plaudit.ErrorCode(err) != plaudit.EFORBIDDEN || !strings.Contains(err.Error(), "delegation") {
		t.Fatalf("project transfer: %v", err)
	}

	b := NewBook()
	mint := &plaudit.Posting{Origin: plaudit.Origin{Kind: plaudit.OriginEpoch, ID: "poe@x"}, Reason: "mint", Entries: []plaudit.Entry{
		{Account: plaudit.AccountENGIssuer, Asset: plaudit.AssetENG, Amount: big.NewInt(-10)},
		{Account: plaudit.AccountProjectWallet, Asset: plaudit.AssetENG, Amount: big.NewInt(10)},
	}}
	if _, err := b.Post(mint); err != nil {
		t.Fatal(err)
	}
	p, err := Delegation("carol", plaudit.MemberCommunity, big.NewInt(7), "ops", "ran the AMA", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	id, err := b.Post(p)
	if err != nil {
		t.Fatal(err)
	}
	if b.Balance(plaudit.AccountENGDelegated("carol"), plaudit.AssetENG).Int64() != 7 || b.Balance(plaudit.AccountProjectWallet, plaudit.AssetENG).Int64() != 3 {
		t.Fatal("delegation balances")
	}
	over, _ := Delegation("dave", plaudit.MemberCommunity, big.NewInt(4), "ops", "", time.Time{})
	if _, err := b.Post(over); err == nil {
		t.Fatal("delegated more than the project wallet holds")
	}
	d := &plaudit.Delegation{ID: 1, Member: "carol", Amount: big.NewInt(7), PostingID: id}
	rp, err := Revocation(d, "ops", "AMA cancelled", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Post(rp); err != nil {
		t.Fatal(err)
	}
	if b.Balance(plaudit.AccountProjectWallet, plaudit.AssetENG).Int64() != 10 {
		t.Fatal("revocation did not return the ENG")
	}
	d.Revoked = time.Now()
	if _, err := Revocation(d, "ops", "", time.Time{}); plaudit.ErrorCode(err) != plaudit.ECONFLICT {
		t.Fatalf("double revoke: %v", err)
	}
	if _, err := Delegation("proj", plaudit.MemberProject, big.NewInt(1), "ops", "", time.Time{}); err == nil {
		t.Fatal("delegation to a project account accepted")
	}
}

// FuzzParseCooldown: an accepted cooldown is not negative and its String parses back to it.
func FuzzParseCooldown(f *testing.F) {
	for _, s := range []string{"6mo", "182d", "72h", "0", "1h30m", "-1d", "mo", "d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCooldown(s)
		if err != nil {
			return
		}
		if c.Months < 0 || c.Duration < 0 {
			t.Fatalf("%q: negative %+v", s, c)
		}
		back, err := ParseCooldown(c.String())
		if err != nil || back != c {
			t.Fatalf("%q → %+v → %q → %+v %v", s, c, c.String(), back, err)
		}
	})
}
