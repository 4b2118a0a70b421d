package plaudit

import (
	"fmt"
	"strconv"
	"strings"
)

// Points is a score in millionths of a point. Scores are fixed-point so that the same events always give the
// same bytes, and so that settlement can split a pool pro rata in exact integer arithmetic. Every seed's
// rounding (cast scores to 2 decimals, Ubiquity rewards to 3) fits exactly.
type Points int64

// PointScale is the number of Points units in one point.
const PointScale = 1_000_000

// PointsFromInt returns n whole points.
func PointsFromInt(n int64) Points { return Points(n * PointScale) }

// String formats p as a decimal with no trailing zeros: 12.5, -0.25, 3.
func (p Points) String() string {
	neg := p < 0
	u := uint64(p)
	if neg {
		u = uint64(-p)
	}
	s := strconv.FormatUint(u/PointScale, 10)
	if frac := u % PointScale; frac != 0 {
		f := strings.TrimRight(fmt.Sprintf("%06d", frac), "0")
		s += "." + f
	}
	if neg {
		s = "-" + s
	}
	return s
}

// MarshalJSON writes p as a JSON number with its exact decimal value.
func (p Points) MarshalJSON() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalJSON reads a JSON number or string holding a decimal with at most six fractional digits.
func (p *Points) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	v, err := ParsePoints(s)
	if err != nil {
		return err
	}
	*p = v
	return nil
}

// ParsePoints parses a decimal such as "12.5" or "-3" with at most six fractional digits.
func ParsePoints(s string) (Points, error) {
	orig := s
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(frac) > 6 || strings.ContainsAny(whole+frac, "+-eE ") {
		return 0, fmt.Errorf("parse points %q: want a decimal with at most 6 fractional digits", orig)
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w > (1<<63-1)/PointScale {
		return 0, fmt.Errorf("parse points %q: out of range", orig)
	}
	var f int64
	if frac != "" {
		f, err = strconv.ParseInt(frac+strings.Repeat("0", 6-len(frac)), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("parse points %q: bad fraction", orig)
		}
	}
	v := Points(w*PointScale + f)
	if neg {
		v = -v
	}
	return v, nil
}

// Ratio is a multiplier between 0 and 1 in millionths (parts per million): 1_000_000 is 1. Integrity
// verdicts and policy weights that reach settlement use it, never float64.
type Ratio int64

// One is the Ratio 1.
const One Ratio = 1_000_000

// Apply returns p scaled by r, rounded half away from zero.
func (r Ratio) Apply(p Points) Points {
	n := int64(p) * int64(r)
	if n >= 0 {
		return Points((n + int64(One)/2) / int64(One))
	}
	return Points((n - int64(One)/2) / int64(One))
}

// String formats r as a decimal: 0.5, 1, 0.000125.
func (r Ratio) String() string { return Points(r).String() }

// MarshalJSON writes r as a JSON number with its exact decimal value.
func (r Ratio) MarshalJSON() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalJSON reads a decimal JSON number or string.
func (r *Ratio) UnmarshalJSON(b []byte) error {
	var p Points
	if err := p.UnmarshalJSON(b); err != nil {
		return err
	}
	*r = Ratio(p)
	return nil
}
