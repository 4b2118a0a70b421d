package settle

import (
	"math/big"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/policy"
)

// FromPolicy returns the reward program of a validated policy: min_score is tested per event (the PoE seed's
// "events … above a minimum threshold"), a cap's excess is shared among the other members (only a pool
// nobody uncapped can take is unspent), and an amount below min_payout carries to the member's next epoch.
// A policy has no ENG rate: ENG is minted at one ENG per eligible point (6 decimals, so ENG base units equal
// Points units), as the DEM seed turns engagement value into ENG.
func FromPolicy(p *policy.Policy) (*Program, error) {
	g := &p.Program
	name := g.Name
	if name == "" {
		name = p.Name
	}
	pool := g.Pool.Amount
	if pool == nil {
		pool = new(big.Int)
	}
	token := g.Pool.Token
	if token == "" {
		token = "POINTS" // a points-only program: the pool is zero, only ENG is minted
	}
	prog := &Program{
		Name:        name,
		Period:      Period{Kind: g.Period},
		Pool:        new(big.Int).Set(pool),
		Token:       token,
		Decimals:    g.Pool.Decimals,
		MinScore:    g.MinScore,
		CapShare:    g.Cap,
		MinPayout:   g.MinPayout,
		Unspent:     g.Unspent,
		FeeRate:     g.FeeRate,
		Treasury:    g.Treasury,
		FeeExempt:   g.FeeExempt,
		XPayouts:    g.XPayouts,
		ENGPerPoint: plaudit.One,
	}
	if prog.Unspent == "" {
		prog.Unspent = UnspentCarry
	}
	if prog.Period.Kind == "" {
		prog.Period.Kind = Weekly
	}
	if err := prog.Validate(); err != nil {
		return nil, err
	}
	return prog, nil
}
