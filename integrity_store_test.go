package plaudit

import (
	"testing"
	"time"
)

func TestVerdictRunCovers(t *testing.T) {
	d := func(day int) time.Time { return time.Date(2026, 11, day, 0, 0, 0, 0, time.UTC) }
	for _, c := range []struct {
		since, until time.Time
		want         bool
	}{
		{time.Time{}, time.Time{}, true},
		{d(2), d(9), true},
		{d(1), time.Time{}, true},
		{time.Time{}, d(10), true},
		{d(3), d(9), false},
		{d(2), d(8), false},
		{d(10), time.Time{}, false},
	} {
		r := VerdictRun{Since: c.since, Until: c.until}
		if got := r.Covers(d(2), d(9)); got != c.want {
			t.Errorf("run [%v, %v) covers [2, 9): %v, want %v", c.since, c.until, got, c.want)
		}
	}
}
