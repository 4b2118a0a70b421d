package eval

import (
	"sort"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/gen"
	"github.com/plaudit/plaudit/integrity"
)

// CheckLoss is what one integrity check took from honest members, in points: the diagnosis behind
// honest_change, so that a loss is traced to the rule that caused it rather than guessed at.
type CheckLoss struct {
	Check   string         `json:"check"`   // the reason's check, e.g. "diminishing_returns"
	Points  plaudit.Points `json:"points"`  // points it took from honest members' scores
	Members int            `json:"members"` // honest members it took any points from
	Share   float64        `json:"share"`   // Points over all honest members' points before verdicts
}

// MemberLoss is one honest member's points before and after the verdicts.
type MemberLoss struct {
	Member string         `json:"member"`
	Before plaudit.Points `json:"before"`
	Lost   plaudit.Points `json:"lost"`
}

// honestLosses applies verdicts to scores (as settlement does: event multiplier, then member multiplier)
// and attributes what honest members' positive scores lost to the checks behind each verdict: a score's
// loss is split equally among the reasons with a multiplier below one on its event and member verdicts
// (the last reason takes the rounding remainder). It returns the checks by points taken, most first, and
// the honest members who lost most, at most top of them.
func honestLosses(scores []plaudit.Score, verdicts []plaudit.Verdict, labels []gen.MemberLabel, top int) ([]CheckLoss, []MemberLoss) {
	honest := make(map[string]bool, len(labels))
	for _, l := range labels {
		if l.Label == gen.Honest {
			honest[l.Member] = true
		}
	}
	by := make(map[string]*plaudit.Verdict, len(verdicts))
	for i := range verdicts {
		by[verdicts[i].Subject] = &verdicts[i]
	}
	applied := integrity.Apply(scores, verdicts)
	type acc struct {
		points  plaudit.Points
		members map[string]bool
	}
	checks := map[string]*acc{}
	members := map[string]*MemberLoss{}
	var total plaudit.Points
	for i := range scores {
		s := &scores[i]
		if !honest[s.Member] || s.Points <= 0 {
			continue
		}
		total += s.Points
		m := members[s.Member]
		if m == nil {
			m = &MemberLoss{Member: s.Member}
			members[s.Member] = m
		}
		m.Before += s.Points
		lost := s.Points - applied[i].Points
		if lost <= 0 {
			continue
		}
		m.Lost += lost
		var rs []string
		for _, subj := range []string{s.Event, plaudit.MemberSubject(s.Member)} {
			if v := by[subj]; v != nil && v.Multiplier < plaudit.One {
				for _, r := range v.Reasons {
					if r.Multiplier < plaudit.One {
						rs = append(rs, r.Check)
					}
				}
			}
		}
		part := lost / plaudit.Points(max(len(rs), 1))
		for j, c := range rs {
			a := checks[c]
			if a == nil {
				a = &acc{members: map[string]bool{}}
				checks[c] = a
			}
			p := part
			if j == len(rs)-1 {
				p = lost - part*plaudit.Points(len(rs)-1)
			}
			a.points += p
			a.members[s.Member] = true
		}
	}
	out := make([]CheckLoss, 0, len(checks))
	for c, a := range checks {
		cl := CheckLoss{Check: c, Points: a.points, Members: len(a.members)}
		if total > 0 {
			cl.Share = float64(a.points) / float64(total)
		}
		out = append(out, cl)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Points != out[j].Points {
			return out[i].Points > out[j].Points
		}
		return out[i].Check < out[j].Check
	})
	var losers []MemberLoss
	for _, m := range members {
		if m.Lost > 0 {
			losers = append(losers, *m)
		}
	}
	sort.Slice(losers, func(i, j int) bool {
		if losers[i].Lost != losers[j].Lost {
			return losers[i].Lost > losers[j].Lost
		}
		return losers[i].Member < losers[j].Member
	})
	if len(losers) > top {
		losers = losers[:top]
	}
	return out, losers
}
