package main

import (
	"math/big"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/settle"
)

// FuzzParseVerdicts: a verdicts file is outside input. Whatever parseVerdicts accepts, settlement accepts
// and settles with every base unit accounted for; whatever it refuses is an EINVALID error.
func FuzzParseVerdicts(f *testing.F) {
	f.Add([]byte(`[{"subject":"discord/1","multiplier":0.5,"reasons":[{"check":"velocity","detail":"fast","multiplier":0.5}]}]`))
	f.Add([]byte(`[{"subject":"member:alice","multiplier":"0"}]`))
	f.Add([]byte(`[{"subject":"discord/1","multiplier":1.5}]`))
	f.Add([]byte(`[{"subject":"","multiplier":1}]`))
	f.Add([]byte(`[] []`))
	f.Add([]byte(`[{"subject":"x/1","multiplier":0.1234567}]`))
	f.Add([]byte(`[{"subject":"x/1","multiplier":1,"extra":true}]`))
	p := &settle.Program{Name: "fuzz", Period: settle.Period{Kind: settle.Weekly}, Pool: big.NewInt(1000), Token: "T", Unspent: settle.UnspentCarry}
	monday := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	w, _ := p.EpochAt(monday)
	scores := []plaudit.Score{
		{Event: "discord/1", Member: "alice", Points: plaudit.PointsFromInt(3), Time: monday},
		{Event: "x/1", Member: "bob", Points: plaudit.PointsFromInt(2), Time: monday},
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		vs, err := parseVerdicts(data, "fuzz.json")
		if err != nil {
			if plaudit.ErrorCode(err) != plaudit.EINVALID {
				t.Fatalf("refused with %v", err)
			}
			return
		}
		r, err := settle.Close(p, w, scores, vs, settle.Input{Members: map[string]settle.MemberInfo{"alice": {Wallet: "0x1"}, "bob": {Wallet: "0x2"}}})
		if err != nil {
			t.Fatalf("accepted verdicts %v, settlement refused them: %v", vs, err)
		}
		out := new(big.Int).Add(r.Epoch.Paid, r.Epoch.Fees)
		out.Add(out, r.Epoch.CarriedOut).Add(out, r.Epoch.Unspent)
		if out.Int64() != 1000 {
			t.Fatalf("pool 1000, accounted %s", out)
		}
	})
}
