package plaudit

import (
	"encoding/json"
	"testing"
)

func TestPointsStringParse(t *testing.T) {
	tests := []struct {
		p    Points
		want string
	}{
		{0, "0"}, {PointScale, "1"}, {1, "0.000001"}, {-1, "-0.000001"},
		{12_500_000, "12.5"}, {-250_000, "-0.25"}, {1_446_000, "1.446"},
	}
	for _, tt := range tests {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("Points(%d).String() = %q, want %q", int64(tt.p), got, tt.want)
		}
		back, err := ParsePoints(tt.want)
		if err != nil || back != tt.p {
			t.Errorf("ParsePoints(%q) = %d, %v; want %d", tt.want, back, err, tt.p)
		}
	}
	for _, bad := range []string{"", "1.2345678", "1e3", "abc", "--1", "1.-2", "99999999999999999999"} {
		if _, err := ParsePoints(bad); err == nil {
			t.Errorf("ParsePoints(%q): want error", bad)
		}
	}
}

func TestPointsJSON(t *testing.T) {
	b, err := json.Marshal(struct{ P Points }{12_345_000})
	if err != nil || string(b) != `{"P":12.345}` {
		t.Fatalf("marshal = %s, %v", b, err)
	}
	var v struct{ P Points }
	if err := json.Unmarshal([]byte(`{"P":"0.5"}`), &v); err != nil || v.P != 500_000 {
		t.Fatalf("unmarshal = %d, %v", v.P, err)
	}
}

func TestRatioApply(t *testing.T) {
	tests := []struct {
		r    Ratio
		p    Points
		want Points
	}{
		{One, 123, 123}, {0, 123, 0}, {One / 2, 3, 2}, {One / 2, -3, -2}, {250_000, 4_000_000, 1_000_000},
	}
	for _, tt := range tests {
		if got := tt.r.Apply(tt.p); got != tt.want {
			t.Errorf("Ratio(%d).Apply(%d) = %d, want %d", tt.r, tt.p, got, tt.want)
		}
	}
}
