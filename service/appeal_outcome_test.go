package service_test

import (
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/moderation"
	"github.com/plaudit/plaudit/service"
)

// TestParseAppealOutcome: both spellings of each decision are read; anything else is EINVALID.
func TestParseAppealOutcome(t *testing.T) {
	for in, want := range map[string]moderation.Outcome{"uphold": moderation.Upheld, "upheld": moderation.Upheld,
		"overturn": moderation.Overturned, "overturned": moderation.Overturned} {
		if got, err := service.ParseAppealOutcome(in); err != nil || got != want {
			t.Errorf("%s: %s, %v; want %s", in, got, err, want)
		}
	}
	for _, in := range []string{"", "Uphold", "reject"} {
		if _, err := service.ParseAppealOutcome(in); plaudit.ErrorCode(err) != plaudit.EINVALID {
			t.Errorf("%q: %v, want EINVALID", in, err)
		}
	}
}
