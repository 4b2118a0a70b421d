package settle_test

import (
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/policy"
	_ "github.com/plaudit/plaudit/score" // registers the scorers policies name
	"github.com/plaudit/plaudit/settle"
)

func TestFromPolicy(t *testing.T) {
	doc := `name: community
program:
  name: weekly-poe
  period: monthly
  pool: {token: "0x00000000000000000000000000000000000000aa", decimals: 6, amount: 5000000000}
  min_score: 2.5
  cap: 0.1
  min_payout: 1000000
  unspent: treasury
  fee_rate: 0.05
  treasury: "0x00000000000000000000000000000000000000bb"
  fee_exempt: [USDC]
scorers:
  - scorer: poe
`
	pol, err := policy.Parse([]byte(doc), "test.yml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := settle.FromPolicy(pol)
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "weekly-poe" || p.Period.Kind != settle.Monthly || p.Pool.Int64() != 5_000_000_000 || p.Decimals != 6 ||
		p.MinScore != 2_500_000 || p.CapShare != 100_000 || p.MinPayout.Int64() != 1_000_000 || p.Unspent != settle.UnspentTreasury ||
		p.FeeRate != 50_000 || p.Treasury != "0x00000000000000000000000000000000000000bb" || p.ENGPerPoint != plaudit.One || p.XPayouts {
		t.Fatalf("%+v", p)
	}
	def, err := policy.Preset("default")
	if err != nil {
		t.Fatal(err)
	}
	p, err = settle.FromPolicy(def)
	if err != nil || p.Pool.Sign() != 0 || p.Period.Kind != settle.Weekly || p.Name != "default" {
		t.Fatalf("default preset: %+v %v", p, err)
	}
}
