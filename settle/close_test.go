package settle

import (
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
)

var t0 = time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC) // a Monday

func testProgram() *Program {
	return &Program{Name: "poe", Period: Period{Kind: Weekly}, Pool: big.NewInt(100), Token: "0xtoken", Decimals: 0, Unspent: UnspentCarry}
}

func score(ev, member string, pts int64, at time.Time) plaudit.Score {
	return plaudit.Score{Event: ev, Member: member, Points: plaudit.PointsFromInt(pts), Time: at}
}

func wallets(hs ...string) map[string]MemberInfo {
	m := map[string]MemberInfo{}
	for _, h := range hs {
		m[h] = MemberInfo{Kind: plaudit.MemberCommunity, Wallet: "0x" + strings.Repeat("1", 40)}
	}
	return m
}

func byMember(r *Result) map[string]*plaudit.Allocation {
	out := map[string]*plaudit.Allocation{}
	for i := range r.Allocations {
		out[r.Allocations[i].Member] = &r.Allocations[i]
	}
	return out
}

func mustClose(t *testing.T, p *Program, scores []plaudit.Score, verdicts []plaudit.Verdict, in Input) *Result {
	t.Helper()
	w, err := p.EpochAt(t0)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Close(p, w, scores, verdicts, in)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestLargestRemainderTieBreak(t *testing.T) {
	p := testProgram()
	scores := []plaudit.Score{score("discord/1", "carol", 1, t0), score("discord/2", "alice", 1, t0), score("discord/3", "bob", 1, t0.Add(time.Hour))}
	r := mustClose(t, p, scores, nil, Input{Members: wallets("alice", "bob", "carol")})
	got := byMember(r)
	for h, want := range map[string]int64{"alice": 34, "bob": 33, "carol": 33} {
		if got[h].Paid.Int64() != want {
			t.Errorf("%s paid %s, want %d", h, got[h].Paid, want)
		}
	}
	if r.Epoch.Paid.Int64() != 100 || r.Epoch.Unspent.Sign() != 0 {
		t.Errorf("paid %s unspent %s, want 100 and 0", r.Epoch.Paid, r.Epoch.Unspent)
	}
	if r.Epoch.ID != "poe@2026-11-16T00:00:00Z" {
		t.Errorf("epoch id %s", r.Epoch.ID)
	}
}

func TestLargestRemainderByRemainder(t *testing.T) {
	p := testProgram()
	p.Pool = big.NewInt(10)
	// Weights 1, 2, 4 of 7: exact shares 1.43, 2.86, 5.71 → floors 1, 2, 5 (8), two more to the largest
	// remainders: b (0.86) and c (0.71).
	scores := []plaudit.Score{score("discord/1", "a", 1, t0), score("discord/2", "b", 2, t0), score("discord/3", "c", 4, t0)}
	r := mustClose(t, p, scores, nil, Input{Members: wallets("a", "b", "c")})
	got := byMember(r)
	for h, want := range map[string]int64{"a": 1, "b": 3, "c": 6} {
		if got[h].Share.Int64() != want {
			t.Errorf("%s share %s, want %d", h, got[h].Share, want)
		}
	}
}

func TestMinScoreStrictlyGreater(t *testing.T) {
	p := testProgram()
	p.MinScore = plaudit.PointsFromInt(5)
	scores := []plaudit.Score{score("discord/1", "a", 5, t0), score("discord/2", "b", 6, t0), score("discord/3", "a", 7, t0)}
	r := mustClose(t, p, scores, nil, Input{Members: wallets("a", "b")})
	got := byMember(r)
	if got["a"].Events != 1 || got["a"].Excluded != 1 || got["a"].Points != plaudit.PointsFromInt(7) {
		t.Errorf("a: %+v", got["a"])
	}
	if r.Epoch.Excluded != 1 || r.Epoch.Events != 2 {
		t.Errorf("epoch events %d excluded %d", r.Epoch.Events, r.Epoch.Excluded)
	}
}

func TestWindowSkipsOutsideScores(t *testing.T) {
	p := testProgram()
	scores := []plaudit.Score{score("discord/1", "a", 5, t0.Add(-time.Second)), score("discord/2", "b", 6, t0.Add(7*24*time.Hour)), score("discord/3", "c", 1, t0.Add(7*24*time.Hour-1))}
	r := mustClose(t, p, scores, nil, Input{Members: wallets("a", "b", "c")})
	if len(r.Allocations) != 1 || r.Allocations[0].Member != "c" || r.Allocations[0].Paid.Int64() != 100 {
		t.Fatalf("allocations %+v", r.Allocations)
	}
}

func TestCapExcessShared(t *testing.T) {
	p := testProgram()
	p.Pool = big.NewInt(1000)
	p.Cap = big.NewInt(400)
	// Weights 8, 1, 1: a would get 800, is capped at 400; b and c share 600.
	scores := []plaudit.Score{score("discord/1", "a", 8, t0), score("discord/2", "b", 1, t0), score("discord/3", "c", 1, t0)}
	r := mustClose(t, p, scores, nil, Input{Members: wallets("a", "b", "c")})
	got := byMember(r)
	if got["a"].Share.Int64() != 400 || !got["a"].Capped || got["b"].Share.Int64() != 300 || got["c"].Share.Int64() != 300 {
		t.Fatalf("a %s b %s c %s", got["a"].Share, got["b"].Share, got["c"].Share)
	}
	// Everyone capped: the rest is unspent and carries (stays in the pool).
	p.Cap = big.NewInt(100)
	r = mustClose(t, p, scores, nil, Input{Members: wallets("a", "b", "c")})
	if r.Epoch.Shares.Int64() != 300 || r.Epoch.Unspent.Int64() != 700 {
		t.Fatalf("shares %s unspent %s", r.Epoch.Shares, r.Epoch.Unspent)
	}
}

func TestCapShareIteratesUntilStable(t *testing.T) {
	p := testProgram()
	p.Pool = big.NewInt(100)
	p.CapShare = 300_000 // 30
	// Weights 50, 30, 10, 10: a capped at 30, then 70 over 50 gives b 42 ≥ 30: capped; c and d share 40.
	scores := []plaudit.Score{score("discord/1", "a", 50, t0), score("discord/2", "b", 30, t0), score("discord/3", "c", 10, t0), score("discord/4", "d", 10, t0)}
	r := mustClose(t, p, scores, nil, Input{Members: wallets("a", "b", "c", "d")})
	got := byMember(r)
	for h, want := range map[string]int64{"a": 30, "b": 30, "c": 20, "d": 20} {
		if got[h].Share.Int64() != want {
			t.Errorf("%s share %s, want %d", h, got[h].Share, want)
		}
	}
}

func TestMinPayoutAndWalletCarry(t *testing.T) {
	p := testProgram()
	p.MinPayout = big.NewInt(20)
	scores := []plaudit.Score{score("discord/1", "a", 90, t0), score("discord/2", "b", 9, t0), score("discord/3", "c", 1, t0)}
	members := wallets("a", "b")
	r := mustClose(t, p, scores, nil, Input{Members: members, CarryIn: map[string]*big.Int{"b": big.NewInt(15), "d": big.NewInt(30)}})
	got := byMember(r)
	// b: share 9 + carry 15 = 24 ≥ 20: paid. c: 1, no wallet: carried. d: only a carry, no wallet: carried.
	if got["b"].Paid.Int64() != 24 || got["b"].CarryOut.Sign() != 0 {
		t.Errorf("b %+v", got["b"])
	}
	if got["c"].CarryOut.Int64() != 1 || got["c"].Paid.Sign() != 0 {
		t.Errorf("c %+v", got["c"])
	}
	if got["d"].CarryOut.Int64() != 30 {
		t.Errorf("d %+v", got["d"])
	}
	members["d"] = MemberInfo{Wallet: "0xabc"}
	r = mustClose(t, p, scores, nil, Input{Members: members, CarryIn: map[string]*big.Int{"d": big.NewInt(19)}})
	if d := byMember(r)["d"]; d.CarryOut.Int64() != 19 || !strings.Contains(strings.Join(d.Notes, ";"), "below min payout") {
		t.Errorf("d %+v", d)
	}
}

func TestFeesAndExemption(t *testing.T) {
	p := testProgram()
	p.Pool = big.NewInt(1001)
	p.FeeRate = 50_000
	p.Treasury = "ubiquity-os-treasury"
	scores := []plaudit.Score{score("discord/1", "a", 1, t0), score("discord/2", "b", 1, t0)}
	r := mustClose(t, p, scores, nil, Input{Members: wallets("a", "b")})
	got := byMember(r)
	// a: 501 → fee 25 (floor of 25.05), paid 476; b: 500 → fee 25, paid 475.
	if got["a"].Fee.Int64() != 25 || got["a"].Paid.Int64() != 476 || got["b"].Fee.Int64() != 25 || got["b"].Paid.Int64() != 475 {
		t.Fatalf("a %s/%s b %s/%s", got["a"].Fee, got["a"].Paid, got["b"].Fee, got["b"].Paid)
	}
	if s := new(big.Int).Add(r.Epoch.Paid, r.Epoch.Fees); s.Int64() != 1001 {
		t.Fatalf("paid+fees %s", s)
	}
	p.FeeExempt = []string{"0xTOKEN"}
	r = mustClose(t, p, scores, nil, Input{Members: wallets("a", "b")})
	if r.Epoch.Fees.Sign() != 0 || r.Epoch.Paid.Int64() != 1001 || !strings.Contains(strings.Join(byMember(r)["a"].Notes, ";"), "fee-exempt token") {
		t.Fatalf("exempt: fees %s paid %s", r.Epoch.Fees, r.Epoch.Paid)
	}
}

func TestVerdicts(t *testing.T) {
	p := testProgram()
	p.MinScore = plaudit.PointsFromInt(2)
	scores := []plaudit.Score{score("discord/1", "a", 4, t0), score("discord/2", "a", 4, t0), score("discord/3", "b", 8, t0)}
	verdicts := []plaudit.Verdict{
		{Subject: "discord/1", Multiplier: 500_000}, // 4 → 2: no longer above the minimum
		{Subject: "member:b", Multiplier: 250_000},  // 8 → 2
	}
	r := mustClose(t, p, scores, verdicts, Input{Members: wallets("a", "b")})
	got := byMember(r)
	if got["a"].Points != plaudit.PointsFromInt(4) || got["a"].Excluded != 1 || got["b"].Points != plaudit.PointsFromInt(2) {
		t.Fatalf("a %+v b %+v", got["a"], got["b"])
	}
	if got["a"].Share.Int64() != 67 || got["b"].Share.Int64() != 33 {
		t.Fatalf("a %s b %s", got["a"].Share, got["b"].Share)
	}
	lines := Explain(p, Window{Start: t0, End: t0.Add(7 * 24 * time.Hour)}, "a", scores, verdicts)
	if len(lines) != 2 || lines[0].Eligible || !lines[1].Eligible || lines[0].Effective != plaudit.PointsFromInt(2) {
		t.Fatalf("explain %+v", lines)
	}
}

func TestUnspentTreasuryAndENG(t *testing.T) {
	p := testProgram()
	p.Unspent = UnspentTreasury
	p.Treasury = "dao"
	p.ENGPerPoint = plaudit.One
	r := mustClose(t, p, nil, nil, Input{PoolCarryIn: big.NewInt(7)})
	if r.Epoch.Unspent.Int64() != 107 || len(r.Postings) != 2 {
		t.Fatalf("unspent %s postings %d", r.Epoch.Unspent, len(r.Postings))
	}
	scores := []plaudit.Score{score("discord/1", "a", 3, t0), score("discord/2", "proj", 2, t0)}
	members := wallets("a")
	members["proj"] = MemberInfo{Kind: plaudit.MemberProject, Wallet: "0x2"}
	r = mustClose(t, p, scores, nil, Input{Members: members})
	mint := r.Postings[len(r.Postings)-1]
	if err := mint.Check(); err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{plaudit.AccountENGIssuer: -5_000_000, plaudit.AccountENGStake("a"): 3_000_000, plaudit.AccountProjectWallet: 2_000_000}
	for _, e := range mint.Entries {
		if want[e.Account] != e.Amount.Int64() {
			t.Errorf("mint %s %s", e.Account, e.Amount)
		}
	}
}

func TestPeriodBounds(t *testing.T) {
	at := time.Date(2026, 11, 19, 15, 4, 5, 0, time.UTC) // a Thursday
	cases := []struct {
		p          Period
		start, end time.Time
	}{
		{Period{Kind: Daily}, time.Date(2026, 11, 19, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)},
		{Period{Kind: Weekly}, time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)},
		{Period{Kind: Custom, Every: 14 * 24 * time.Hour, Anchor: time.Date(2026, 11, 18, 12, 0, 0, 0, time.UTC)}, time.Date(2026, 11, 18, 12, 0, 0, 0, time.UTC), time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)},
		{Period{Kind: Custom, Every: 6 * time.Hour, Anchor: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}, time.Date(2026, 11, 19, 12, 0, 0, 0, time.UTC), time.Date(2026, 11, 19, 18, 0, 0, 0, time.UTC)},
	}
	for _, c := range cases {
		s, e, err := c.p.Bounds(at.In(time.FixedZone("x", 5*3600)))
		if err != nil || !s.Equal(c.start) || !e.Equal(c.end) {
			t.Errorf("%+v: got %s–%s %v, want %s–%s", c.p, s, e, err, c.start, c.end)
		}
	}
	p := testProgram()
	w, _ := p.LastEnded(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC))
	if !w.Start.Equal(t0) {
		t.Errorf("last ended at a boundary: %s", w.Start)
	}
	w, _ = p.LastEnded(time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC))
	if !w.Start.Equal(t0) {
		t.Errorf("last ended mid-week: %s", w.Start)
	}
}

func TestValidate(t *testing.T) {
	p := &Program{Name: "Bad Name", Period: Period{Kind: "fortnightly"}, Unspent: "burn", FeeRate: 50_000}
	err := p.Validate()
	if err == nil {
		t.Fatal("want error")
	}
	for _, f := range []string{"program.name", "program.period", "program.pool", "program.token", "program.unspent", "program.treasury"} {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("error %q does not name %s", err, f)
		}
	}
}

func TestXPointsEarnENGOnly(t *testing.T) {
	p := testProgram()
	p.ENGPerPoint = plaudit.One
	scores := []plaudit.Score{score("x/1", "a", 3, t0), score("discord/2", "a", 1, t0), score("x/3", "b", 4, t0)}
	r := mustClose(t, p, scores, nil, Input{Members: wallets("a", "b")})
	got := byMember(r)
	if got["a"].Paid.Int64() != 100 || got["b"].Paid.Sign() != 0 || got["a"].ENG.Int64() != 4_000_000 || got["b"].ENG.Int64() != 4_000_000 {
		t.Fatalf("a %+v\nb %+v", got["a"], got["b"])
	}
	if lines := Explain(p, Window{Start: t0, End: t0.Add(time.Hour)}, "a", scores, nil); len(lines) != 2 || !strings.Contains(lines[1].Why, "for ENG only") || strings.Contains(lines[0].Why, "ENG only") {
		t.Fatalf("explain: %+v", lines)
	}
	p.XPayouts = true
	r = mustClose(t, p, scores, nil, Input{Members: wallets("a", "b")})
	if got := byMember(r); got["a"].Paid.Int64() != 50 || got["b"].Paid.Int64() != 50 {
		t.Fatalf("opted in: a %s b %s", got["a"].Paid, got["b"].Paid)
	}
}

func TestMonthly(t *testing.T) {
	p := Period{Kind: Monthly}
	s, e, err := p.Bounds(time.Date(2028, 2, 29, 23, 0, 0, 0, time.UTC))
	if err != nil || !s.Equal(time.Date(2028, 2, 1, 0, 0, 0, 0, time.UTC)) || !e.Equal(time.Date(2028, 3, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("%s %s %v", s, e, err)
	}
}

// TestParallelSameAsSequential settles the same large epoch with Settle's chunks in parallel and in one
// goroutine: every line, posting and the digest must be the same.
func TestParallelSameAsSequential(t *testing.T) {
	p := testProgram()
	p.Pool, _ = new(big.Int).SetString("123456789012345678901234567", 10)
	p.FeeRate, p.Treasury, p.MinPayout, p.ENGPerPoint, p.CapShare = 30_000, "dao", big.NewInt(1_000_000_000), plaudit.One, 100
	members := map[string]MemberInfo{}
	carry := map[string]*big.Int{}
	var scores []plaudit.Score
	for i := 0; i < 3000; i++ {
		h := fmt.Sprintf("m%05d", i)
		if i%7 != 0 {
			members[h] = MemberInfo{Kind: plaudit.MemberCommunity, Wallet: "0xabc"}
		}
		if i%11 == 0 {
			carry[h] = big.NewInt(int64(i) * 1_000_000)
		}
		scores = append(scores, score(fmt.Sprintf("discord/%d", i), h, int64(1+i%97), t0), score(fmt.Sprintf("x/%d", i), h, int64(i%5), t0))
	}
	in := Input{Members: members, CarryIn: carry}
	saved := parallelMin
	defer func() { parallelMin = saved }()
	parallelMin = 1 << 30
	seq := mustClose(t, p, scores, nil, in)
	parallelMin = 1
	par := mustClose(t, p, scores, nil, in)
	if seq.Epoch.Digest != par.Epoch.Digest || seq.Epoch.Paid.Cmp(par.Epoch.Paid) != 0 || seq.Epoch.ENG.Cmp(par.Epoch.ENG) != 0 {
		t.Fatalf("parallel %s/%s, sequential %s/%s", par.Epoch.Digest, par.Epoch.Paid, seq.Epoch.Digest, seq.Epoch.Paid)
	}
	for i := range seq.Postings {
		if len(seq.Postings[i].Entries) != len(par.Postings[i].Entries) {
			t.Fatalf("posting %d differs", i)
		}
		for j, e := range seq.Postings[i].Entries {
			f := par.Postings[i].Entries[j]
			if e.Account != f.Account || e.Amount.Cmp(f.Amount) != 0 {
				t.Fatalf("posting %d entry %d: %v vs %v", i, j, e, f)
			}
		}
	}
	for i := range seq.Allocations {
		if strings.Join(seq.Allocations[i].Notes, "|") != strings.Join(par.Allocations[i].Notes, "|") {
			t.Fatalf("notes of %s differ", seq.Allocations[i].Member)
		}
	}
}
