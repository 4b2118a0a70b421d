package service_test

import (
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/service"
)

// TestParseISOWeek checks the one reading of an ISO week that plaudit score leaderboard --week, the API's
// and the panel's ?week= share: exactly YYYY-Www, of a year Plaudit works in, and a week that year has.
func TestParseISOWeek(t *testing.T) {
	for s, want := range map[string][2]int{"2026-W02": {2026, 2}, "2026-W53": {2026, 53}, "2000-W01": {2000, 1}, "2200-W52": {2200, 52}} {
		y, w, err := service.ParseISOWeek(s)
		if err != nil || y != want[0] || w != want[1] {
			t.Errorf("ParseISOWeek(%q) = %d, %d, %v; want %d, %d", s, y, w, err, want[0], want[1])
		}
	}
	// 2025 has 52 ISO weeks: its W53 would be 2026-W01 under another name.
	for _, s := range []string{"2025-W53", "2026-W00", "2026-W2", "2026-W002", "2026-W02x", "+2026-W02", "W3", "1999-W52", "2201-W01", "2026-02", ""} {
		if _, _, err := service.ParseISOWeek(s); plaudit.ErrorCode(err) != plaudit.EINVALID {
			t.Errorf("ParseISOWeek(%q): %v, want EINVALID", s, err)
		}
	}
}
