package service

import (
	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/moderation"
)

// ParseAppealOutcome reads a moderator's decision on an appeal: uphold (or upheld) keeps the confirmed
// flag's effects, overturn (or overturned) lifts them. Anything else is EINVALID, before any store is read.
func ParseAppealOutcome(s string) (moderation.Outcome, error) {
	switch s {
	case "uphold", "upheld":
		return moderation.Upheld, nil
	case "overturn", "overturned":
		return moderation.Overturned, nil
	}
	return "", plaudit.Errorf(plaudit.EINVALID, "appeal decision %q: want uphold or overturn", s)
}
