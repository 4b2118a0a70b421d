package eval

import (
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/gen"
)

// TestHonestLosses: what honest members lose is traced to the checks behind it — split equally when two
// reasons below one meet on a score, evidence-only reasons (multiplier 1) and attackers left out — and the
// members who lost most are listed first.
func TestHonestLosses(t *testing.T) {
	pts := func(s string) plaudit.Points {
		p, err := plaudit.ParsePoints(s)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	labels := []gen.MemberLabel{{Member: "ann", Label: gen.Honest}, {Member: "bob", Label: gen.Honest}, {Member: "eve", Label: gen.LikeRing}}
	scores := []plaudit.Score{
		{Event: "x/1", Member: "ann", Points: pts("10")},
		{Event: "x/2", Member: "ann", Points: pts("10")},
		{Event: "x/3", Member: "bob", Points: pts("20")},
		{Event: "x/4", Member: "eve", Points: pts("40")},
	}
	verdicts := []plaudit.Verdict{
		{Subject: "member:bob", Multiplier: plaudit.One, Reasons: []plaudit.Reason{{Check: "sybilrank", Multiplier: plaudit.One}}},
		{Subject: "member:eve", Multiplier: 0, Reasons: []plaudit.Reason{{Check: "collusion_ring", Multiplier: 0}}},
		{Subject: "x/1", Multiplier: plaudit.One / 2, Reasons: []plaudit.Reason{{Check: "diminishing_returns", Multiplier: plaudit.One / 2}}},
		{Subject: "x/2", Multiplier: 0, Reasons: []plaudit.Reason{
			{Check: "diminishing_returns", Multiplier: plaudit.One / 2}, {Check: "content_farming", Multiplier: 0}}},
		{Subject: "x/3", Multiplier: plaudit.One * 3 / 4, Reasons: []plaudit.Reason{{Check: "content_generic", Multiplier: plaudit.One * 3 / 4}}},
	}
	checks, losers := honestLosses(scores, verdicts, labels, 1)
	want := []CheckLoss{
		{Check: "diminishing_returns", Points: pts("10"), Members: 1, Share: 0.25},
		{Check: "content_farming", Points: pts("5"), Members: 1, Share: 0.125},
		{Check: "content_generic", Points: pts("5"), Members: 1, Share: 0.125},
	}
	if len(checks) != len(want) {
		t.Fatalf("checks %+v, want %+v", checks, want)
	}
	for i := range want {
		if checks[i] != want[i] {
			t.Errorf("check %d: %+v, want %+v", i, checks[i], want[i])
		}
	}
	if len(losers) != 1 || losers[0] != (MemberLoss{Member: "ann", Before: pts("20"), Lost: pts("15")}) {
		t.Errorf("losers %+v, want ann losing 15 of 20", losers)
	}
}
