package conversation

import (
	"math"
	"strconv"
	"sync"

	"github.com/shopspring/decimal"
)

// The reference computes with decimal.js at its default settings: 20 significant digits, rounding half up
// after every operation. sig20 reproduces that rounding, so that exact halves come out as they do there
// (binary floating point would round 1.4455 down).
const precision = 20

// sig20 rounds x to 20 significant digits, half away from zero (decimal.js ROUND_HALF_UP).
func sig20(x decimal.Decimal) decimal.Decimal {
	if x.IsZero() {
		return x
	}
	adjusted := int32(x.NumDigits()) + x.Exponent() - 1 // exponent of the leading digit
	places := precision - 1 - adjusted
	if places >= -x.Exponent() {
		return x // already short enough
	}
	return x.Round(places)
}

// mul and add are decimal.js multiplication and addition.
func mul(a, b decimal.Decimal) decimal.Decimal { return sig20(a.Mul(b)) }
func add(a, b decimal.Decimal) decimal.Decimal { return sig20(a.Add(b)) }

// round rounds x to places decimals, half away from zero (decimal.js toDecimalPlaces).
func round(x decimal.Decimal, places int32) decimal.Decimal { return x.Round(places) }

// fromFloat converts a float64 the way decimal.js reads a JavaScript number: through its shortest decimal
// representation.
func fromFloat(f float64) decimal.Decimal {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return decimal.Zero
	}
	v, err := decimal.NewFromString(strconv.FormatFloat(f, 'g', -1, 64))
	if err != nil {
		return decimal.Zero
	}
	return v
}

// toFloat converts a decimal to the JavaScript number nearest to it (Decimal.toNumber).
func toFloat(x decimal.Decimal) float64 {
	f, _ := strconv.ParseFloat(x.String(), 64)
	return f
}

// curveKey identifies one word-curve value.
type curveKey struct {
	words    int
	exponent string
}

// curveCache memoises W^exponent · e^(−W/100), which depends only on the word count and the exponent.
var curveCache sync.Map // curveKey → decimal.Decimal

// wordCurve returns decimal.js's Decimal(W).pow(exponent).mul(Decimal.exp(−W/100)), each step correctly
// rounded to 20 significant digits.
func wordCurve(words int, exponent decimal.Decimal) decimal.Decimal {
	if words <= 0 {
		return decimal.Zero
	}
	key := curveKey{words, exponent.String()}
	if v, ok := curveCache.Load(key); ok {
		return v.(decimal.Decimal)
	}
	w := decimal.NewFromInt(int64(words))
	// W^e = exp(e · ln W), computed with ample guard digits and then rounded as decimal.js rounds.
	pow := w
	if !exponent.Equal(decimal.NewFromInt(1)) {
		ln, err := w.Ln(40)
		if err == nil {
			pow, err = ln.Mul(exponent).ExpTaylor(40)
		}
		if err != nil {
			pow = fromFloat(math.Pow(float64(words), exponent.InexactFloat64()))
		}
	}
	pow = sig20(pow)
	e, err := w.Div(decimal.NewFromInt(100)).Neg().ExpTaylor(40)
	if err != nil {
		e = fromFloat(math.Exp(-float64(words) / 100))
	}
	v := mul(pow, sig20(e))
	curveCache.Store(key, v)
	return v
}

// WordValue returns round2(W^exponent · e^(−W/100) · wordValue), the reward for W words.
func WordValue(words int, exponent, wordValue decimal.Decimal) decimal.Decimal {
	return round(mul(wordCurve(words, exponent), wordValue), 2)
}
