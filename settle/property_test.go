package settle_test

import (
	"fmt"
	"math/big"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/ledger"
	"github.com/plaudit/plaudit/payout"
	"github.com/plaudit/plaudit/settle"
)

var monday = time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)

// genBig draws a non-negative integer of up to bits bits, biased towards small and boundary values.
func genBig(t *rapid.T, label string, maxBits int) *big.Int {
	switch rapid.IntRange(0, 3).Draw(t, label+"_shape") {
	case 0:
		return big.NewInt(rapid.Int64Range(0, 20).Draw(t, label+"_small"))
	case 1:
		return new(big.Int).SetUint64(rapid.Uint64().Draw(t, label+"_u64"))
	}
	n := rapid.IntRange(1, maxBits).Draw(t, label+"_bits")
	v := new(big.Int)
	for i := 0; i < n; i += 32 {
		v.Lsh(v, 32).Or(v, big.NewInt(int64(rapid.Uint32().Draw(t, label+"_word"))))
	}
	return v.Rsh(v, uint(max(0, (n+31)/32*32-n)))
}

type world struct {
	prog     *settle.Program
	scores   []plaudit.Score
	verdicts []plaudit.Verdict
	members  map[string]settle.MemberInfo
}

func genWorld(t *rapid.T) world {
	p := &settle.Program{
		Name: "prop", Period: settle.Period{Kind: settle.Weekly},
		Pool: genBig(t, "pool", 160), Token: "0xtok", Decimals: rapid.IntRange(0, 18).Draw(t, "decimals"),
		MinScore: plaudit.Points(rapid.Int64Range(0, 3_000_000).Draw(t, "min_score")),
		Unspent:  rapid.SampledFrom([]string{settle.UnspentCarry, settle.UnspentTreasury}).Draw(t, "unspent"),
		FeeRate:  plaudit.Ratio(rapid.SampledFrom([]int64{0, 1, 25_000, 50_000, 100_000, 999_999}).Draw(t, "fee")),
		Treasury: "dao", ENGPerPoint: plaudit.Ratio(rapid.Int64Range(0, 2_000_000).Draw(t, "eng")),
	}
	if rapid.Bool().Draw(t, "has_cap") {
		p.Cap = new(big.Int).Add(genBig(t, "cap", 160), big.NewInt(1))
	}
	if rapid.Bool().Draw(t, "has_cap_share") {
		p.CapShare = plaudit.Ratio(rapid.Int64Range(1, 1_000_000).Draw(t, "cap_share"))
	}
	if rapid.Bool().Draw(t, "has_min_payout") {
		p.MinPayout = genBig(t, "min_payout", 80)
	}
	if rapid.Bool().Draw(t, "exempt") {
		p.FeeExempt = []string{"0xTOK"}
	}
	nm := rapid.IntRange(0, 30).Draw(t, "members")
	members := map[string]settle.MemberInfo{}
	var scores []plaudit.Score
	var verdicts []plaudit.Verdict
	for i := 0; i < nm; i++ {
		h := fmt.Sprintf("m%02d", i)
		if rapid.IntRange(0, 3).Draw(t, "long_handle") == 0 {
			h = fmt.Sprintf("github:a-rather-long-login-%02d", i) // kept outside the inline table
		}
		info := settle.MemberInfo{Kind: rapid.SampledFrom([]plaudit.MemberKind{plaudit.MemberCommunity, plaudit.MemberProject}).Draw(t, "kind")}
		if rapid.IntRange(0, 4).Draw(t, "wallet") > 0 {
			info.Wallet = fmt.Sprintf("0x%040d", i)
		}
		members[h] = info
		for j, ne := 0, rapid.IntRange(0, 6).Draw(t, "events"); j < ne; j++ {
			ev := fmt.Sprintf("discord/%d-%d", i, j)
			at := monday.Add(time.Duration(rapid.Int64Range(-3600, 8*24*3600).Draw(t, "at")) * time.Second)
			pts := plaudit.Points(rapid.Int64Range(-1_000_000, 1_000_000_000_000).Draw(t, "points"))
			scores = append(scores, plaudit.Score{Event: ev, Member: h, Points: pts, Time: at})
			if rapid.IntRange(0, 5).Draw(t, "ev_verdict") == 0 {
				verdicts = append(verdicts, plaudit.Verdict{Subject: ev, Multiplier: plaudit.Ratio(rapid.Int64Range(0, 1_000_000).Draw(t, "mult"))})
			}
		}
		if rapid.IntRange(0, 6).Draw(t, "m_verdict") == 0 {
			verdicts = append(verdicts, plaudit.Verdict{Subject: plaudit.MemberSubject(h), Multiplier: plaudit.Ratio(rapid.Int64Range(0, 1_000_000).Draw(t, "mmult"))})
		}
	}
	return world{p, scores, verdicts, members}
}

// payoutRoot is the Merkle root (OpenZeppelin StandardMerkleTree) over the paid members' (wallet, paid).
func payoutRoot(t *rapid.T, allocs []plaudit.Allocation) string {
	var leaves []payout.Leaf
	for _, a := range allocs {
		if a.Paid.Sign() > 0 {
			addr, err := payout.ParseAddress(a.Wallet)
			if err != nil {
				t.Fatal(err)
			}
			leaves = append(leaves, payout.Leaf{Address: addr, Amount: a.Paid})
		}
	}
	if len(leaves) == 0 {
		return ""
	}
	root, _, err := payout.Root(leaves)
	if err != nil {
		t.Fatal(err)
	}
	return root.String()
}

func sum(vs ...*big.Int) *big.Int {
	s := new(big.Int)
	for _, v := range vs {
		s.Add(s, v)
	}
	return s
}

// TestPropertyConservation: over random pools, scores, verdicts, caps, minimum payouts and fees, over
// several epochs with carries, every base unit is accounted for, postings balance and no balance goes
// negative, shares are pro rata to within one unit and respect the cap, and the same inputs in any order
// give the same digest.
func TestPropertyConservation(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		w := genWorld(t)
		book := ledger.NewBook()
		carry := map[string]*big.Int{}
		for epoch := 0; epoch < 3; epoch++ {
			win, err := w.prog.EpochAt(monday.Add(time.Duration(epoch) * 7 * 24 * time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			scores := w.scores
			if epoch > 0 { // later epochs: the same activity moved a week on per epoch
				scores = make([]plaudit.Score, len(w.scores))
				for i, s := range w.scores {
					s.Time = s.Time.Add(time.Duration(epoch) * 7 * 24 * time.Hour)
					scores[i] = s
				}
			}
			in := settle.Input{Members: w.members, CarryIn: carry, PoolCarryIn: book.Balance(plaudit.AccountPool(w.prog.Name), w.prog.Token)}
			r, err := settle.Close(w.prog, win, scores, w.verdicts, in)
			if err != nil {
				t.Fatal(err)
			}
			ep := r.Epoch

			// Payouts + fees + carries + unspent = pool + pool carry + member carries, exactly.
			if got, want := sum(ep.Paid, ep.Fees, ep.CarriedOut, ep.Unspent), sum(ep.Pool, ep.PoolCarryIn, ep.CarriedIn); got.Cmp(want) != 0 {
				t.Fatalf("out %s != in %s", got, want)
			}
			// With nothing carried and nothing unspent, payouts + fees = pool exactly.
			if ep.CarriedIn.Sign() == 0 && ep.CarriedOut.Sign() == 0 && ep.Unspent.Sign() == 0 && ep.PoolCarryIn.Sign() == 0 {
				if sum(ep.Paid, ep.Fees).Cmp(ep.Pool) != 0 {
					t.Fatalf("paid %s + fees %s != pool %s", ep.Paid, ep.Fees, ep.Pool)
				}
			}
			checkShares(t, w.prog, ep, r.Allocations)

			// Postings balance and never take a balance negative.
			for _, p := range r.Postings {
				if err := p.Check(); err != nil {
					t.Fatal(err)
				}
				if _, err := book.Post(p); err != nil {
					t.Fatal(err)
				}
			}
			for _, b := range book.Balances() {
				if b.Amount.Sign() < 0 && !plaudit.IsExternalAccount(b.Account) {
					t.Fatalf("negative balance %s %s", b.Account, b.Amount)
				}
			}
			// The carry accounts are exactly the carries.
			carry = map[string]*big.Int{}
			for _, a := range r.Allocations {
				if a.CarryOut.Sign() > 0 {
					carry[a.Member] = a.CarryOut
				}
				if got := book.Balance(plaudit.AccountCarry(w.prog.Name, a.Member), w.prog.Token); got.Cmp(a.CarryOut) != 0 {
					t.Fatalf("carry account of %s holds %s, allocation says %s", a.Member, got, a.CarryOut)
				}
			}

			// Same inputs, in another order, give the same digest.
			rev := make([]plaudit.Score, len(scores))
			for i := range scores {
				rev[len(scores)-1-i] = scores[i]
			}
			r2, err := settle.Close(w.prog, win, rev, w.verdicts, in)
			if err != nil {
				t.Fatal(err)
			}
			if r2.Epoch.Digest != ep.Digest {
				t.Fatalf("digest depends on score order: %s vs %s", r2.Epoch.Digest, ep.Digest)
			}
			// The verdicts the result says applied are enough to reproduce it (what verify relies on).
			r4, err := settle.Close(w.prog, win, scores, r.Verdicts, in)
			if err != nil {
				t.Fatal(err)
			}
			if r4.Epoch.Digest != ep.Digest {
				t.Fatalf("the applied verdicts (%d of %d) do not reproduce the epoch", len(r.Verdicts), len(w.verdicts))
			}
			// One score at a time (Add) is the same as in batches (AddAll, which Close uses).
			tally, err := settle.NewTally(w.prog, win, w.verdicts)
			if err != nil {
				t.Fatal(err)
			}
			for i := range scores {
				if err := tally.Add(&scores[i]); err != nil {
					t.Fatal(err)
				}
			}
			r3, err := tally.Settle(in)
			if err != nil {
				t.Fatal(err)
			}
			if r3.Epoch.Digest != ep.Digest {
				t.Fatalf("Add and AddAll differ: %s vs %s", r3.Epoch.Digest, ep.Digest)
			}
			if a, b := payoutRoot(t, r.Allocations), payoutRoot(t, r2.Allocations); a != b {
				t.Fatalf("Merkle root depends on score order: %s vs %s", a, b)
			}
		}
	})
}

// checkShares checks the split itself: each member's books balance, nobody gets more than the cap, an
// uncapped member's share is its exact pro rata share of what the uncapped split, rounded down or up, and a
// pool is left unspent only when there is nobody uncapped to give it to.
func checkShares(t *rapid.T, p *settle.Program, ep *plaudit.Epoch, allocs []plaudit.Allocation) {
	avail := sum(ep.Pool, ep.PoolCarryIn)
	var capAmt *big.Int
	if p.CapShare > 0 {
		capAmt = new(big.Int).Mul(avail, big.NewInt(int64(p.CapShare)))
		capAmt.Quo(capAmt, big.NewInt(1_000_000))
	}
	if p.Cap != nil && (capAmt == nil || p.Cap.Cmp(capAmt) < 0) {
		capAmt = p.Cap
	}
	rest := new(big.Int).Set(avail)
	restW := new(big.Int)
	uncapped := 0
	for _, a := range allocs {
		for _, v := range []*big.Int{a.Share, a.CarryIn, a.Fee, a.Paid, a.CarryOut, a.ENG} {
			if v.Sign() < 0 {
				t.Fatalf("%s: negative amount %s", a.Member, v)
			}
		}
		if sum(a.Paid, a.Fee, a.CarryOut).Cmp(sum(a.Share, a.CarryIn)) != 0 {
			t.Fatalf("%s: paid %s + fee %s + carry %s != share %s + carry in %s", a.Member, a.Paid, a.Fee, a.CarryOut, a.Share, a.CarryIn)
		}
		if capAmt != nil && a.Share.Cmp(capAmt) > 0 {
			t.Fatalf("%s: share %s over cap %s", a.Member, a.Share, capAmt)
		}
		if a.Capped {
			rest.Sub(rest, a.Share)
		} else if a.Points > 0 {
			restW.Add(restW, big.NewInt(int64(a.Points)))
			uncapped++
		}
	}
	if uncapped == 0 {
		return
	}
	if ep.Unspent.Sign() != 0 {
		t.Fatalf("unspent %s with %d uncapped members", ep.Unspent, uncapped)
	}
	// The units left after flooring go to the largest remainders, ties to the smaller handle: every member
	// who got one ranks above every member who did not.
	type rank struct {
		member string
		rem    *big.Int
		up     bool
	}
	var ranks []rank
	for _, a := range allocs {
		if a.Capped || a.Points <= 0 {
			continue
		}
		exact := new(big.Int).Mul(rest, big.NewInt(int64(a.Points)))
		q, r := new(big.Int).QuoRem(exact, restW, new(big.Int))
		d := new(big.Int).Sub(a.Share, q)
		if d.Sign() < 0 || d.Cmp(big.NewInt(1)) > 0 || (r.Sign() == 0 && d.Sign() != 0) {
			t.Fatalf("%s: share %s, exact %s/%s", a.Member, a.Share, exact, restW)
		}
		ranks = append(ranks, rank{a.Member, r, d.Sign() > 0})
	}
	above := func(x, y rank) bool { c := x.rem.Cmp(y.rem); return c > 0 || (c == 0 && x.member < y.member) }
	for _, x := range ranks {
		for _, y := range ranks {
			if x.up && !y.up && !above(x, y) {
				t.Fatalf("%s got a remainder unit (remainder %s) but %s did not (remainder %s)", x.member, x.rem, y.member, y.rem)
			}
		}
	}
}
