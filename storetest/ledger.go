package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/ledger"
	"github.com/plaudit/plaudit/settle"
)

func init() { register(30, "Ledger", testLedger) }

func testLedger(t *testing.T, open Opener) {
	t.Run("CloseEpochRoundTrip", func(t *testing.T) { testCloseEpochRoundTrip(t, open(t)) })
	t.Run("EpochReputation", func(t *testing.T) { testEpochReputation(t, open(t)) })
	t.Run("MemberPayouts", func(t *testing.T) { testMemberPayouts(t, open(t)) })
	t.Run("CloseEpochTwice", func(t *testing.T) { testCloseEpochTwice(t, open(t)) })
	t.Run("CloseEpochCarries", func(t *testing.T) { testCloseEpochCarries(t, open(t)) })
	t.Run("CloseEpochAtomic", func(t *testing.T) { testCloseEpochAtomic(t, open(t)) })
	t.Run("CloseEpochRecordedVerdicts", func(t *testing.T) { testCloseEpochRecordedVerdicts(t, open(t)) })
	t.Run("PostingRules", func(t *testing.T) { testPostingRules(t, open(t)) })
	t.Run("ENGToggleAndDelegation", func(t *testing.T) { testENG(t, open(t)) })
}

var weekOf = time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)

func ledgerProgram() *settle.Program {
	return &settle.Program{
		Name: "poe", Period: settle.Period{Kind: settle.Weekly}, Pool: big.NewInt(1_000_003), Token: "0xtok", Decimals: 6,
		MinPayout: big.NewInt(100), Unspent: settle.UnspentCarry, FeeRate: 50_000, Treasury: "dao", ENGPerPoint: plaudit.One,
		CapShare: 400_000,
	}
}

// settleWeek settles week n (0-based) of the ledger program against the store's current ledger.
func settleWeek(t *testing.T, s plaudit.Store, p *settle.Program, n int, scores []plaudit.Score) *plaudit.EpochClose {
	t.Helper()
	ctx := context.Background()
	w, err := p.EpochAt(weekOf.Add(time.Duration(n) * 7 * 24 * time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	in := settle.Input{PolicyHash: "sha256:test", Members: map[string]settle.MemberInfo{
		"alice": {Kind: plaudit.MemberCommunity, Wallet: "0x" + strings.Repeat("a", 40)},
		"bob":   {Kind: plaudit.MemberCommunity, Wallet: "0x" + strings.Repeat("b", 40)},
		"proj":  {Kind: plaudit.MemberProject, Wallet: "0x" + strings.Repeat("c", 40)},
	}, CarryIn: map[string]*big.Int{}, PoolCarryIn: new(big.Int)}
	bals, err := s.Balances(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bals {
		if b.Asset != p.Token {
			continue
		}
		if b.Account == plaudit.AccountPool(p.Name) {
			in.PoolCarryIn = b.Amount
		} else if h, ok := strings.CutPrefix(b.Account, plaudit.AccountCarry(p.Name, "")); ok {
			in.CarryIn[h] = b.Amount
		}
	}
	// Shift the scores into week n.
	shifted := make([]plaudit.Score, len(scores))
	for i, sc := range scores {
		sc.Time = sc.Time.Add(time.Duration(n) * 7 * 24 * time.Hour)
		shifted[i] = sc
	}
	verdicts := []plaudit.Verdict{
		{Subject: "discord/2", Multiplier: 500_000, Reasons: []plaudit.Reason{{Check: "velocity", Detail: "12 likes in a minute", Multiplier: 500_000, Evidence: []plaudit.Input{{Name: "window", Value: "60s"}}}}},
		{Subject: plaudit.MemberSubject("bob"), Multiplier: 900_000},
		{Subject: "discord/never", Multiplier: 0}, // no such score: not applied, not kept
	}
	r, err := settle.Close(p, w, shifted, verdicts, in)
	if err != nil {
		t.Fatal(err)
	}
	r.Epoch.ClosedAt, r.Epoch.ClosedBy = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), "test"
	return &plaudit.EpochClose{Epoch: r.Epoch, Allocations: r.Allocations, Postings: r.Postings, Verdicts: verdicts}
}

func weekScores() []plaudit.Score {
	sc := func(ev, m string, pts int64) plaudit.Score {
		return plaudit.Score{Event: ev, Member: m, Points: plaudit.PointsFromInt(pts), Time: weekOf.Add(time.Hour)}
	}
	// carol has no wallet: her share carries.
	return []plaudit.Score{sc("discord/1", "alice", 10), sc("discord/2", "bob", 5), sc("discord/3", "alice", 7), sc("discord/4", "proj", 3), sc("discord/5", "carol", 2)}
}

func balanceMap(t *testing.T, s plaudit.Store) map[string]string {
	t.Helper()
	bals, err := s.Balances(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, b := range bals {
		out[b.Account+" "+b.Asset] = b.Amount.String()
	}
	return out
}

// testEpochReputation: an epoch closed with a reputation vector keeps its hash and the vector bit for bit (by
// member id); a vector that does not hash to the epoch's hash, or one without a hash, is refused and nothing
// is written; an epoch without one reads back no hash and no vector.
func testEpochReputation(t *testing.T, s plaudit.Store) {
	ctx := context.Background()
	rs, ok := s.(plaudit.EpochReputationStore)
	if !ok {
		t.Fatalf("%T does not keep epochs' reputation vectors", s)
	}
	vec := []plaudit.TrustValue{{Member: "bob", Bits: math.Float64bits(0.25)}, {Member: "alice", Bits: math.Float64bits(0.75)}, {Member: "proj", Bits: math.Float64bits(1e-300)}}
	c := settleWeek(t, s, ledgerProgram(), 0, weekScores())
	c.Epoch.ReputationHash, c.Reputation = plaudit.ReputationHash(vec), vec
	bad := *c.Epoch
	bad.ReputationHash = plaudit.ReputationHash(vec[1:])
	if err := s.CloseEpoch(ctx, &plaudit.EpochClose{Epoch: &bad, Allocations: c.Allocations, Postings: c.Postings, Verdicts: c.Verdicts, Reputation: vec}); plaudit.ErrorCode(err) != plaudit.EINVALID {
		t.Fatalf("a vector that does not hash to the epoch's hash: %v", err)
	}
	if _, err := s.Epoch(ctx, c.Epoch.ID); plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
		t.Fatalf("the refused close wrote the epoch: %v", err)
	}
	if err := s.CloseEpoch(ctx, c); err != nil {
		t.Fatal(err)
	}
	ep, err := s.Epoch(ctx, c.Epoch.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ep.ReputationHash != plaudit.ReputationHash(vec) {
		t.Fatalf("hash %q, want %q", ep.ReputationHash, plaudit.ReputationHash(vec))
	}
	got, err := rs.EpochReputation(ctx, ep.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := append([]plaudit.TrustValue(nil), vec...)
	plaudit.SortTrust(want)
	if mustJSON(t, got) != mustJSON(t, want) {
		t.Fatalf("vector %+v, want %+v", got, want)
	}
	next := settleWeek(t, s, ledgerProgram(), 1, weekScores())
	next.Reputation = vec
	if err := s.CloseEpoch(ctx, next); plaudit.ErrorCode(err) != plaudit.EINVALID {
		t.Fatalf("a vector without a hash: %v", err)
	}
	next.Reputation = nil
	if err := s.CloseEpoch(ctx, next); err != nil {
		t.Fatal(err)
	}
	if ep, err := s.Epoch(ctx, next.Epoch.ID); err != nil || ep.ReputationHash != "" {
		t.Fatalf("an epoch without reputation: %+v %v", ep, err)
	}
	if got, err := rs.EpochReputation(ctx, next.Epoch.ID); err != nil || len(got) != 0 {
		t.Fatalf("an epoch without reputation has a vector %v %v", got, err)
	}
}

// testMemberPayouts checks that the members' kinds and wallets a rescore keeps are read back as kept, in
// member order, with the log position they are of, and that keeping them again replaces them.
func testMemberPayouts(t *testing.T, s plaudit.Store) {
	ctx := context.Background()
	ps, ok := s.(plaudit.MemberPayoutStore)
	if !ok {
		t.Fatalf("%T does not keep the members' kinds and wallets", s)
	}
	if _, _, err := ps.MemberPayouts(ctx); plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
		t.Fatalf("nothing kept yet: %v, want ENOTFOUND", err)
	}
	ms := []plaudit.MemberPayout{
		{Member: "zoe", Kind: plaudit.MemberCommunity, Wallet: "0x00000000000000000000000000000000000000aa"},
		{Member: "proj", Kind: plaudit.MemberProject},
	}
	if err := ps.SaveMemberPayouts(ctx, 41, ms); err != nil {
		t.Fatal(err)
	}
	got, through, err := ps.MemberPayouts(ctx)
	if err != nil || through != 41 || mustJSON(t, got) != mustJSON(t, []plaudit.MemberPayout{ms[1], ms[0]}) {
		t.Fatalf("MemberPayouts = %+v through %d, %v", got, through, err)
	}
	if err := ps.SaveMemberPayouts(ctx, 57, ms[:1]); err != nil {
		t.Fatal(err)
	}
	got, through, err = ps.MemberPayouts(ctx)
	if err != nil || through != 57 || mustJSON(t, got) != mustJSON(t, ms[:1]) {
		t.Fatalf("after keeping them again: %+v through %d, %v", got, through, err)
	}
}

func testCloseEpochRoundTrip(t *testing.T, s plaudit.Store) {
	ctx := context.Background()
	c := settleWeek(t, s, ledgerProgram(), 0, weekScores())
	if err := s.CloseEpoch(ctx, c); err != nil {
		t.Fatal(err)
	}
	ep, err := s.Epoch(ctx, c.Epoch.ID)
	if err != nil {
		t.Fatal(err)
	}
	if gj, wj := mustJSON(t, ep), mustJSON(t, c.Epoch); gj != wj {
		t.Fatalf("epoch round trip:\n got %+v\nwant %+v", ep, c.Epoch)
	}
	var got []plaudit.Allocation
	if err := s.ScanAllocations(ctx, c.Epoch.ID, func(a *plaudit.Allocation) error { got = append(got, *a); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(c.Allocations) {
		t.Fatalf("%d allocations, want %d", len(got), len(c.Allocations))
	}
	for i := range got {
		if settle.Digest(ep, got) != ep.Digest {
			t.Fatalf("stored allocations do not reproduce the digest")
		}
		if got[i].Member != c.Allocations[i].Member || got[i].Paid.Cmp(c.Allocations[i].Paid) != 0 || !reflect.DeepEqual(got[i].Notes, c.Allocations[i].Notes) {
			t.Fatalf("allocation %d: got %+v want %+v", i, got[i], c.Allocations[i])
		}
	}
	// Balances are exactly the settlement: payouts, fees, carries, pool remainder, ENG.
	bals := balanceMap(t, s)
	for _, a := range c.Allocations {
		if a.Paid.Sign() > 0 && bals[plaudit.AccountMember(a.Member)+" 0xtok"] != a.Paid.String() {
			t.Errorf("%s: balance %s, paid %s", a.Member, bals[plaudit.AccountMember(a.Member)+" 0xtok"], a.Paid)
		}
		if a.CarryOut.Sign() > 0 && bals[plaudit.AccountCarry("poe", a.Member)+" 0xtok"] != a.CarryOut.String() {
			t.Errorf("%s: carry %s, want %s", a.Member, bals[plaudit.AccountCarry("poe", a.Member)+" 0xtok"], a.CarryOut)
		}
	}
	if bals["treasury:dao 0xtok"] != c.Epoch.Fees.String() || bals[plaudit.AccountProjectWallet+" ENG"] != "3000000" || bals["eng:stake:alice ENG"] != "17000000" {
		t.Errorf("balances %v", bals)
	}
	if bals["source:poe 0xtok"] != "-1000003" {
		t.Errorf("source %s", bals["source:poe 0xtok"])
	}
	ps, err := s.Postings(ctx, plaudit.PostingFilter{Origin: "epoch:" + c.Epoch.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != len(c.Postings) {
		t.Fatalf("%d postings, want %d", len(ps), len(c.Postings))
	}
	for i, p := range ps {
		if err := p.Check(); err != nil {
			t.Fatal(err)
		}
		if p.Reason != c.Postings[i].Reason || len(p.Entries) != len(c.Postings[i].Entries) || !p.Time.Equal(c.Epoch.End) {
			t.Fatalf("posting %d: %+v", i, p)
		}
	}
	byAcct, err := s.Postings(ctx, plaudit.PostingFilter{Account: plaudit.AccountMember("alice")})
	if err != nil || len(byAcct) != 1 {
		t.Fatalf("postings of alice: %d %v", len(byAcct), err)
	}
	vs, err := s.EpochVerdicts(ctx, c.Epoch.ID)
	if err != nil || len(vs) != 3 || mustJSON(t, vs) != mustJSON(t, c.Verdicts) {
		t.Fatalf("verdicts round trip: %v\n got %s\nwant %s", err, mustJSON(t, vs), mustJSON(t, c.Verdicts))
	}
	eps, err := s.Epochs(ctx, "poe")
	if err != nil || len(eps) != 1 || eps[0].ID != c.Epoch.ID {
		t.Fatalf("epochs %v %v", eps, err)
	}
	if _, err := s.Epoch(ctx, "poe@2020-01-06T00:00:00Z"); plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
		t.Fatalf("missing epoch: %v", err)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func testCloseEpochTwice(t *testing.T, s plaudit.Store) {
	ctx := context.Background()
	c := settleWeek(t, s, ledgerProgram(), 0, weekScores())
	if err := s.CloseEpoch(ctx, c); err != nil {
		t.Fatal(err)
	}
	before := balanceMap(t, s)
	again := settleWeek(t, s, ledgerProgram(), 0, weekScores()) // computed from the ledger after the close
	err := s.CloseEpoch(ctx, again)
	if plaudit.ErrorCode(err) != plaudit.ECONFLICT || plaudit.ErrorMessage(err) != "epoch "+c.Epoch.ID+" already closed" {
		t.Fatalf("second close: %v", err)
	}
	if err := s.CloseEpoch(ctx, c); plaudit.ErrorCode(err) != plaudit.ECONFLICT {
		t.Fatalf("third close: %v", err)
	}
	if after := balanceMap(t, s); !reflect.DeepEqual(before, after) {
		t.Fatalf("a refused close changed balances:\n%v\n%v", before, after)
	}
}

func testCloseEpochCarries(t *testing.T, s plaudit.Store) {
	ctx := context.Background()
	p := ledgerProgram()
	for week := 0; week < 3; week++ {
		c := settleWeek(t, s, p, week, weekScores())
		if week > 0 && c.Epoch.CarriedIn.Sign() == 0 {
			t.Fatalf("week %d: carol's carry did not come back", week)
		}
		if err := s.CloseEpoch(ctx, c); err != nil {
			t.Fatalf("week %d: %v", week, err)
		}
	}
	bals := balanceMap(t, s)
	// carol never had a wallet: three weeks of her share sit in her carry account.
	var carol big.Int
	for week := 0; week < 3; week++ {
		err := s.ScanAllocations(ctx, plaudit.EpochID("poe", weekOf.Add(time.Duration(week)*7*24*time.Hour)), func(a *plaudit.Allocation) error {
			if a.Member == "carol" {
				carol.Add(&carol, a.Share)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if bals[plaudit.AccountCarry("poe", "carol")+" 0xtok"] != carol.String() {
		t.Fatalf("carol carry %s, shares %s", bals[plaudit.AccountCarry("poe", "carol")+" 0xtok"], &carol)
	}
	// A close computed from a stale ledger is refused whole.
	stale := settleWeek(t, s, p, 3, weekScores())
	stale.Epoch.PoolCarryIn = big.NewInt(12345)
	if err := s.CloseEpoch(ctx, stale); plaudit.ErrorCode(err) != plaudit.ECONFLICT || !strings.Contains(err.Error(), "ledger changed") {
		t.Fatalf("stale close: %v", err)
	}
	if _, err := s.Epoch(ctx, stale.Epoch.ID); plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
		t.Fatalf("stale epoch written: %v", err)
	}
}

func testCloseEpochAtomic(t *testing.T, s plaudit.Store) {
	ctx := context.Background()
	c := settleWeek(t, s, ledgerProgram(), 0, weekScores())
	// A last posting that overdraws the treasury: the whole close must fail and leave nothing behind.
	c.Postings = append(c.Postings, &plaudit.Posting{Origin: plaudit.Origin{Kind: plaudit.OriginEpoch, ID: c.Epoch.ID}, Reason: "bad", Time: c.Epoch.End,
		Entries: []plaudit.Entry{{Account: "treasury:dao", Asset: "0xtok", Amount: big.NewInt(-1_000_000_000)}, {Account: "member:alice", Asset: "0xtok", Amount: big.NewInt(1_000_000_000)}}})
	if err := s.CloseEpoch(ctx, c); plaudit.ErrorCode(err) != plaudit.EINVALID {
		t.Fatalf("overdrawing close: %v", err)
	}
	if _, err := s.Epoch(ctx, c.Epoch.ID); plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
		t.Fatalf("epoch of a failed close: %v", err)
	}
	n := 0
	if err := s.ScanAllocations(ctx, c.Epoch.ID, func(*plaudit.Allocation) error { n++; return nil }); err != nil || n != 0 {
		t.Fatalf("%d allocations of a failed close (%v)", n, err)
	}
	if bals := balanceMap(t, s); len(bals) != 0 {
		t.Fatalf("balances after a failed close: %v", bals)
	}
	if vs, err := s.EpochVerdicts(ctx, c.Epoch.ID); err != nil || len(vs) != 0 {
		t.Fatalf("verdicts after a failed close: %v %v", vs, err)
	}
	if ps, _ := s.Postings(ctx, plaudit.PostingFilter{}); len(ps) != 0 {
		t.Fatalf("%d postings after a failed close", len(ps))
	}
	// And the good close still goes through afterwards.
	if err := s.CloseEpoch(ctx, settleWeek(t, s, ledgerProgram(), 0, weekScores())); err != nil {
		t.Fatal(err)
	}
}

// A close keeps verdicts recorded for its epoch before when they are the same, and refuses other ones.
func testCloseEpochRecordedVerdicts(t *testing.T, s plaudit.Store) {
	ctx := context.Background()
	c := settleWeek(t, s, ledgerProgram(), 0, weekScores())
	other := append([]plaudit.Verdict{}, c.Verdicts[:1]...)
	if err := s.SaveEpochVerdicts(ctx, c.Epoch.ID, other); err != nil {
		t.Fatal(err)
	}
	if err := s.CloseEpoch(ctx, c); plaudit.ErrorCode(err) != plaudit.ECONFLICT || !strings.Contains(err.Error(), "other verdicts") {
		t.Fatalf("close over other recorded verdicts: %v", err)
	}
	if _, err := s.Epoch(ctx, c.Epoch.ID); plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
		t.Fatalf("epoch written: %v", err)
	}
	s2 := c.Epoch.ID + "x" // a second epoch id with the same verdicts recorded first: the close keeps them
	c.Epoch.ID = s2
	for _, p := range c.Postings {
		p.Origin.ID = s2
	}
	for i := range c.Allocations {
		c.Allocations[i].Epoch = s2
	}
	if err := s.SaveEpochVerdicts(ctx, s2, c.Verdicts); err != nil {
		t.Fatal(err)
	}
	if err := s.CloseEpoch(ctx, c); err != nil {
		t.Fatalf("close over the same recorded verdicts: %v", err)
	}
	if vs, err := s.EpochVerdicts(ctx, s2); err != nil || mustJSON(t, vs) != mustJSON(t, c.Verdicts) {
		t.Fatalf("verdicts %v %v", vs, err)
	}
}

func testPostingRules(t *testing.T, s plaudit.Store) {
	ctx := context.Background()
	op := plaudit.Origin{Kind: plaudit.OriginOperator, ID: "ops"}
	at := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	e := func(acct string, n int64) plaudit.Entry {
		return plaudit.Entry{Account: acct, Asset: "USDC", Amount: big.NewInt(n)}
	}
	fund := &plaudit.Posting{Origin: op, Reason: "fund", Time: at, Entries: []plaudit.Entry{e("source:grants", -100), e("treasury:dao", 100)}}
	id, err := s.AppendPosting(ctx, fund)
	if err != nil || id == 0 || fund.ID != id {
		t.Fatalf("fund: %d %v", id, err)
	}
	if _, err := s.AppendPosting(ctx, &plaudit.Posting{Origin: op, Reason: "overdraw", Time: at, Entries: []plaudit.Entry{e("treasury:dao", -101), e("member:a", 101)}}); plaudit.ErrorCode(err) != plaudit.EINVALID {
		t.Fatalf("overdraw: %v", err)
	}
	if _, err := s.AppendPosting(ctx, &plaudit.Posting{Origin: op, Reason: "unbalanced", Time: at, Entries: []plaudit.Entry{e("treasury:dao", -10), e("member:a", 9)}}); plaudit.ErrorCode(err) != plaudit.EINVALID {
		t.Fatalf("unbalanced: %v", err)
	}
	pay := &plaudit.Posting{Origin: plaudit.Origin{Kind: plaudit.OriginJob, ID: "job-7"}, Reason: "grant", Time: at, Entries: []plaudit.Entry{e("treasury:dao", -40), e("member:a", 40)}}
	if _, err := s.AppendPosting(ctx, pay); err != nil {
		t.Fatal(err)
	}
	got, err := s.Posting(ctx, pay.ID)
	if err != nil || got.Origin != pay.Origin || !got.Time.Equal(at) || len(got.Entries) != 2 || got.Entries[1].Amount.Int64() != 40 {
		t.Fatalf("posting round trip: %+v %v", got, err)
	}
	rev := got.Reversal(op, "granted to the wrong member", at.Add(time.Hour))
	if _, err := s.AppendPosting(ctx, rev); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AppendPosting(ctx, got.Reversal(op, "again", at)); plaudit.ErrorCode(err) != plaudit.ECONFLICT {
		t.Fatalf("double reversal: %v", err)
	}
	bad := got.Reversal(op, "wrong amounts", at)
	bad.Entries[0].Amount = big.NewInt(1)
	bad.Entries[1].Amount = big.NewInt(-1)
	if _, err := s.AppendPosting(ctx, bad); err == nil {
		t.Fatal("reversal that does not negate accepted")
	}
	if _, err := s.Posting(ctx, 999_999); plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
		t.Fatalf("missing posting: %v", err)
	}
	bals := balanceMap(t, s)
	if bals["treasury:dao USDC"] != "100" || bals["member:a USDC"] != "" {
		t.Fatalf("balances %v", bals)
	}
	all, _ := s.Postings(ctx, plaudit.PostingFilter{})
	if len(all) != 3 || all[2].Reverses != pay.ID {
		t.Fatalf("postings %d", len(all))
	}
}

func testENG(t *testing.T, s plaudit.Store) {
	ctx := context.Background()
	at := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	g := ledger.Governance{Model: ledger.ModelOther, Cooldown: ledger.DefaultCooldown}
	hist, err := s.ENGToggles(ctx, "bob")
	if err != nil || len(hist) != 0 {
		t.Fatalf("toggles %v %v", hist, err)
	}
	tg, err := ledger.Toggle(g, "bob", plaudit.MemberCommunity, hist, at, "bob")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddENGToggle(ctx, tg); err != nil {
		t.Fatal(err)
	}
	if err := s.AddENGToggle(ctx, tg); plaudit.ErrorCode(err) != plaudit.ECONFLICT {
		t.Fatalf("same toggle twice: %v", err)
	}
	hist, _ = s.ENGToggles(ctx, "bob")
	if len(hist) != 1 || hist[0] != tg {
		t.Fatalf("toggle round trip %+v", hist)
	}
	if _, err := ledger.Toggle(g, "bob", plaudit.MemberCommunity, hist, at.AddDate(0, 5, 0), "bob"); plaudit.ErrorCode(err) != plaudit.EFORBIDDEN {
		t.Fatalf("toggle within cooldown: %v", err)
	}

	mint := &plaudit.Posting{Origin: plaudit.Origin{Kind: plaudit.OriginEpoch, ID: "poe@x"}, Reason: "mint", Time: at, Entries: []plaudit.Entry{
		{Account: plaudit.AccountENGIssuer, Asset: plaudit.AssetENG, Amount: big.NewInt(-50)},
		{Account: plaudit.AccountProjectWallet, Asset: plaudit.AssetENG, Amount: big.NewInt(50)},
	}}
	if _, err := s.AppendPosting(ctx, mint); err != nil {
		t.Fatal(err)
	}
	for i, amt := range []int64{20, 31} {
		p, err := ledger.Delegation("carol", plaudit.MemberCommunity, big.NewInt(amt), "ops", fmt.Sprint("round ", i), at)
		if err != nil {
			t.Fatal(err)
		}
		d := &plaudit.Delegation{Member: "carol", Amount: big.NewInt(amt), Time: at, Operator: "ops", Reason: "round"}
		err = s.Delegate(ctx, d, p)
		if i == 0 && (err != nil || d.ID == 0 || d.PostingID == 0) {
			t.Fatalf("delegate: %+v %v", d, err)
		}
		if i == 1 && plaudit.ErrorCode(err) != plaudit.EINVALID {
			t.Fatalf("delegating more than the wallet holds: %v", err)
		}
	}
	ds, err := s.Delegations(ctx, "carol")
	if err != nil || len(ds) != 1 || ds[0].Amount.Int64() != 20 || !ds[0].Revoked.IsZero() {
		t.Fatalf("delegations %+v %v", ds, err)
	}
	rp, _ := ledger.Revocation(ds[0], "ops", "done", at.Add(time.Hour))
	if err := s.RevokeDelegation(ctx, ds[0].ID, at.Add(time.Hour), rp); err != nil {
		t.Fatal(err)
	}
	rp2, _ := ledger.Revocation(ds[0], "ops", "again", at.Add(2*time.Hour))
	if err := s.RevokeDelegation(ctx, ds[0].ID, at.Add(2*time.Hour), rp2); plaudit.ErrorCode(err) != plaudit.ECONFLICT {
		t.Fatalf("double revoke: %v", err)
	}
	ds, _ = s.Delegations(ctx, "")
	if !ds[0].Revoked.Equal(at.Add(time.Hour)) || ds[0].RevokePostingID == 0 {
		t.Fatalf("revoked delegation %+v", ds[0])
	}
	if bals := balanceMap(t, s); bals[plaudit.AccountProjectWallet+" ENG"] != "50" || bals[plaudit.AccountENGDelegated("carol")+" ENG"] != "" {
		t.Fatalf("balances after revoke %v", bals)
	}
}
