package settle

import (
	"math/big"

	"github.com/plaudit/plaudit"
)

// TaskAmount is what a per-task program pays for pts points: one token per point, in base units of the
// program's token (pts · 10^decimals / 10^6, rounded down: points are millionths, so nothing is lost at six
// decimals or more).
func (p *Program) TaskAmount(pts plaudit.Points) *big.Int {
	if pts <= 0 {
		return new(big.Int)
	}
	v := new(big.Int).Mul(big.NewInt(int64(pts)), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(p.Decimals)), nil))
	return v.Quo(v, big.NewInt(int64(plaudit.One)))
}

// TaskFee splits an amount due into what the contributor is paid and the fee, exactly as an epoch's
// payouts are split: the fee is due · fee_rate rounded down, and nothing for a fee-exempt token (exempt
// true).
func (p *Program) TaskFee(due *big.Int) (paid, fee *big.Int, exempt bool) {
	rate := p.feeRate()
	exempt = rate == 0 && p.FeeRate > 0
	fee = new(big.Int)
	if rate > 0 && due.Sign() > 0 {
		fee.Mul(due, big.NewInt(int64(rate)))
		fee.Quo(fee, big.NewInt(int64(plaudit.One)))
	}
	return new(big.Int).Sub(due, fee), fee, exempt
}
