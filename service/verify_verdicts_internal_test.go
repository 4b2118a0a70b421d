package service

import (
	"math/big"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/settle"
)

// TestSettledVerdictsSettleAlike: the verdicts a rebuild keeps (subjects, multipliers, the names of a member
// verdict's checks) settle an epoch to the same allocations, notes and digest as the whole verdicts, and hold
// nothing else.
func TestSettledVerdictsSettleAlike(t *testing.T) {
	evidence := []plaudit.Input{{Name: "matched", Value: "x/9"}, {Name: "similarity", Value: "0.914"}}
	vs := []plaudit.Verdict{
		{Subject: "x/1", Multiplier: 0, Reasons: []plaudit.Reason{{Check: "near_duplicate", Detail: "91% similar to x/9", Multiplier: 0, Evidence: evidence}}},
		{Subject: "x/2", Multiplier: plaudit.One / 2},
		{Subject: "member:bob", Multiplier: plaudit.One / 4, Reasons: []plaudit.Reason{
			{Check: "sybil", Detail: "shares a wallet with 12 accounts", Multiplier: plaudit.One / 2, Evidence: evidence},
			{Check: "velocity", Detail: "40 actions in a minute", Multiplier: plaudit.One / 2}}},
		{Subject: "member:bob", Multiplier: plaudit.One / 2, Reasons: []plaudit.Reason{{Check: "collusion_ring", Detail: "ring 3"}}},
		{Subject: "member:carol", Multiplier: plaudit.One / 10, Reasons: []plaudit.Reason{{Check: "sybil", Detail: "new account"}}},
	}
	lean := settledVerdicts(vs)
	if len(lean) != len(vs) {
		t.Fatalf("%d verdicts kept of %d", len(lean), len(vs))
	}
	for i, v := range lean {
		reasons := len(vs[i].Reasons)
		if !strings.HasPrefix(v.Subject, "member:") {
			reasons = 0 // an event's verdict scales its points; nothing names its checks
		}
		if v.Subject != vs[i].Subject || v.Multiplier != vs[i].Multiplier || len(v.Reasons) != reasons {
			t.Fatalf("verdict %d kept as %+v, was %+v", i, v, vs[i])
		}
		for j, r := range v.Reasons {
			if r.Check != vs[i].Reasons[j].Check || r.Detail != "" || r.Evidence != nil {
				t.Fatalf("verdict %d reason %d kept as %+v", i, j, r)
			}
		}
	}

	p := &settle.Program{Name: "poe", Period: settle.Period{Kind: settle.Weekly}, Pool: big.NewInt(1_000_000), Token: "0xtoken", Unspent: settle.UnspentCarry}
	monday := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	w, err := p.EpochAt(monday)
	if err != nil {
		t.Fatal(err)
	}
	scores := []plaudit.Score{
		{Event: "x/1", Member: "alice", Points: plaudit.PointsFromInt(5), Time: monday},
		{Event: "x/2", Member: "alice", Points: plaudit.PointsFromInt(4), Time: monday.Add(time.Hour)},
		{Event: "x/3", Member: "bob", Points: plaudit.PointsFromInt(8), Time: monday.Add(2 * time.Hour)},
		{Event: "x/4", Member: "carol", Points: plaudit.PointsFromInt(6), Time: monday.Add(3 * time.Hour)},
		{Event: "x/5", Member: "dave", Points: plaudit.PointsFromInt(3), Time: monday.Add(4 * time.Hour)},
	}
	in := settle.Input{Members: map[string]settle.MemberInfo{"alice": {Wallet: "0x1"}, "bob": {Wallet: "0x2"}, "carol": {Wallet: "0x3"}, "dave": {Wallet: "0x4"}}}
	whole, err := settle.Close(p, w, scores, vs, in)
	if err != nil {
		t.Fatal(err)
	}
	kept, err := settle.Close(p, w, scores, lean, in)
	if err != nil {
		t.Fatal(err)
	}
	if whole.Epoch.Digest != kept.Epoch.Digest || !reflect.DeepEqual(whole.Allocations, kept.Allocations) {
		t.Fatalf("the kept verdicts settle differently:\n%+v\nwant\n%+v", kept.Allocations, whole.Allocations)
	}
	notes := 0
	for _, a := range kept.Allocations {
		notes += len(a.Notes)
	}
	if notes == 0 {
		t.Fatal("no allocation notes the member verdicts: the test settles nothing they change")
	}
}
