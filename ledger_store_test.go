package plaudit

import (
	"math/big"
	"strings"
	"testing"
	"time"
)

func TestFormatParseUnits(t *testing.T) {
	cases := []struct {
		v        string
		decimals int
		want     string
	}{
		{"1500000", 6, "1.5"}, {"0", 6, "0"}, {"1", 18, "0.000000000000000001"}, {"-2500", 3, "-2.5"}, {"42", 0, "42"},
		{"1000000000000000000000000", 18, "1000000"},
	}
	for _, c := range cases {
		v, _ := new(big.Int).SetString(c.v, 10)
		if got := FormatUnits(v, c.decimals); got != c.want {
			t.Errorf("FormatUnits(%s, %d) = %s, want %s", c.v, c.decimals, got, c.want)
		}
		if v.Sign() >= 0 {
			back, err := ParseUnits(c.want, c.decimals)
			if err != nil || back.Cmp(v) != 0 {
				t.Errorf("ParseUnits(%s, %d) = %v %v", c.want, c.decimals, back, err)
			}
		}
	}
	for _, bad := range []string{"", ".5", "1.2345678", "-1", "1e6", "0x10", "1 000", "1.2.3"} {
		if _, err := ParseUnits(bad, 6); err == nil {
			t.Errorf("ParseUnits(%q) accepted", bad)
		}
	}
}

// FuzzParseUnits: whatever ParseUnits accepts is a non-negative amount that FormatUnits writes back into a
// string ParseUnits reads as the same amount.
func FuzzParseUnits(f *testing.F) {
	for _, s := range []string{"1.5", "0", "12.000001", "007", "1.", "99999999999999999999999.5"} {
		f.Add(s, 6)
	}
	f.Fuzz(func(t *testing.T, s string, decimals int) {
		decimals = ((decimals % 37) + 37) % 37
		v, err := ParseUnits(s, decimals)
		if err != nil {
			return
		}
		if v.Sign() < 0 {
			t.Fatalf("%q parsed negative %s", s, v)
		}
		back, err := ParseUnits(FormatUnits(v, decimals), decimals)
		if err != nil || back.Cmp(v) != 0 {
			t.Fatalf("%q → %s → %q → %v %v", s, v, FormatUnits(v, decimals), back, err)
		}
	})
}

// FuzzParseEpochID: an accepted id names a program and a start that EpochID writes back to an id that
// parses the same.
func FuzzParseEpochID(f *testing.F) {
	f.Add("poe@2026-11-16T00:00:00Z")
	f.Add("demo@2026-01-05T00:00:00+02:00")
	f.Add("@2026-01-05T00:00:00Z")
	f.Add("x@y@z")
	f.Fuzz(func(t *testing.T, id string) {
		p, start, err := ParseEpochID(id)
		if err != nil {
			return
		}
		if p == "" || strings.Contains(p, "@") || start.Location() != time.UTC {
			t.Fatalf("%q: program %q start %s", id, p, start)
		}
		p2, start2, err := ParseEpochID(EpochID(p, start))
		if err != nil || p2 != p || !start2.Equal(start) {
			t.Fatalf("%q: round trip %q %s %v", id, p2, start2, err)
		}
	})
}

func TestPostingCheck(t *testing.T) {
	op := Origin{Kind: OriginOperator, ID: "ops"}
	e := func(acct, asset string, n int64) Entry {
		return Entry{Account: acct, Asset: asset, Amount: big.NewInt(n)}
	}
	good := &Posting{Origin: op, Reason: "r", Entries: []Entry{e("a", "X", 5), e("b", "X", -5), e("c", "Y", 1), e("d", "Y", -1)}}
	if err := good.Check(); err != nil {
		t.Fatal(err)
	}
	for name, p := range map[string]*Posting{
		"unbalanced asset": {Origin: op, Reason: "r", Entries: []Entry{e("a", "X", 5), e("b", "Y", -5)}},
		"zero amount":      {Origin: op, Reason: "r", Entries: []Entry{e("a", "X", 0)}},
		"no origin id":     {Origin: Origin{Kind: OriginJob}, Reason: "r", Entries: []Entry{e("a", "X", 1), e("b", "X", -1)}},
		"bad origin kind":  {Origin: Origin{Kind: "robot", ID: "x"}, Reason: "r", Entries: []Entry{e("a", "X", 1), e("b", "X", -1)}},
		"no reason":        {Origin: op, Reason: " ", Entries: []Entry{e("a", "X", 1), e("b", "X", -1)}},
		"no entries":       {Origin: op, Reason: "r"},
	} {
		if err := p.Check(); ErrorCode(err) != EINVALID {
			t.Errorf("%s: %v", name, err)
		}
	}
	r := good.Reversal(op, "undo", time.Time{})
	if err := r.Check(); err != nil || r.Entries[0].Amount.Int64() != -5 || good.Entries[0].Amount.Int64() != 5 {
		t.Fatalf("reversal %+v %v", r, err)
	}
}
