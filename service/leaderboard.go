package service

import (
	"context"
	"fmt"
	"sort"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/policy"
	"github.com/plaudit/plaudit/score"
)

// LeaderboardRequest asks for the members by points under the active policy's stored scores.
type LeaderboardRequest struct {
	// Year and Week select one ISO week (Monday to Sunday, UTC); both zero: all time.
	Year, Week int
	// Limit is how many members to return, most points first (0: all).
	Limit int
}

// Leaderboard is the members by points under the active policy, with their reasons.
type Leaderboard struct {
	// Policy is the active policy's record: the board reads its stored scores as they are, without parsing
	// the document again.
	Policy *plaudit.PolicyRecord
	// Year and Week are the ISO week of the board; zero for all time.
	Year, Week int
	// Scores is how many stored scores the policy has (0: nothing was scored under it yet).
	Scores int
	// Members is how many members have scores in the board's time, Totals the first Limit of them, most
	// points first (then by handle), each with its reasons largest first.
	Members int
	Totals  []score.MemberTotal
}

// Leaderboard sums the active policy's stored scores per member, all time or in one ISO week. It reads the
// scores as they are stored (by `plaudit score` or the scheduler's catch-ups); it scores nothing.
func (s *Service) Leaderboard(ctx context.Context, req LeaderboardRequest) (*Leaderboard, error) {
	weekly := req.Year != 0 || req.Week != 0
	if weekly && (req.Week < 1 || req.Week > 53 || req.Year < minYear || req.Year > maxYear) {
		return nil, plaudit.Errorf(plaudit.EINVALID, "leaderboard: ISO week %d-W%02d: want a week 1 to 53 of a year %d–%d", req.Year, req.Week, minYear, maxYear)
	}
	if req.Limit < 0 {
		return nil, plaudit.Errorf(plaudit.EINVALID, "leaderboard: limit %d: want 0 (all) or more", req.Limit)
	}
	rec, err := s.store.ActivePolicy(ctx)
	if err != nil {
		return nil, err
	}
	scores, err := s.store.Scores(ctx, plaudit.ScoreFilter{PolicyHash: rec.Hash})
	if err != nil {
		return nil, fmt.Errorf("leaderboard: scores of %s: %w", rec.Hash, err)
	}
	b := &Leaderboard{Policy: rec, Year: req.Year, Week: req.Week, Scores: len(scores)}
	if weekly {
		b.Totals = score.WeeklyTotals(scores, req.Year, req.Week)
	} else {
		b.Totals = score.Totals(scores)
	}
	b.Members = len(b.Totals)
	if req.Limit > 0 && req.Limit < len(b.Totals) {
		b.Totals = b.Totals[:req.Limit]
	}
	return b, nil
}

// ReplayRow is one member's points under the active policy and under the new one.
type ReplayRow struct {
	Member string         `json:"member"`
	Active plaudit.Points `json:"active"`
	New    plaudit.Points `json:"new"`
	Change plaudit.Points `json:"change"` // New − Active
}

// Replay is the whole log scored under the active policy and under a new one, compared member by member:
// what publishing the new policy would change.
type Replay struct {
	Events int // events in the log
	Active *policy.Policy
	New    *policy.Policy
	// ActivePoints and NewPoints are the points of every score under each policy.
	ActivePoints, NewPoints plaudit.Points
	// Rows are the members with points under either policy, largest absolute change first (then by handle).
	Rows []ReplayRow
}

// Replay scores the whole log under the active policy and under next, in memory, and compares the members'
// totals, before next is published. It stores nothing. Replay is the policy preview: the panel and the CLI
// show it before `policy activate`.
func (s *Service) Replay(ctx context.Context, next *policy.Policy) (*Replay, error) {
	if next == nil {
		return nil, plaudit.Errorf(plaudit.EINVALID, "replay: no policy to compare with the active one")
	}
	cur, err := s.ActivePolicy(ctx)
	if err != nil {
		return nil, err
	}
	log, err := s.ReadLog(ctx, nil)
	if err != nil {
		return nil, err
	}
	a, _, err := score.Run(cur, log.Events, nil)
	if err != nil {
		return nil, fmt.Errorf("replay under the active policy %s: %w", cur.Hash(), err)
	}
	b, _, err := score.Run(next, log.Events, nil)
	if err != nil {
		return nil, fmt.Errorf("replay under %s: %w", next.Hash(), err)
	}
	r := &Replay{Events: len(log.Events), Active: cur, New: next, Rows: CompareTotals(score.Totals(a), score.Totals(b))}
	for _, sc := range a {
		r.ActivePoints += sc.Points
	}
	for _, sc := range b {
		r.NewPoints += sc.Points
	}
	return r, nil
}

// CompareTotals compares two sets of member totals member by member, largest absolute change first (then
// by handle); a member missing from one set has 0 points there.
func CompareTotals(active, next []score.MemberTotal) []ReplayRow {
	rows := map[string]*ReplayRow{}
	get := func(m string) *ReplayRow {
		r := rows[m]
		if r == nil {
			r = &ReplayRow{Member: m}
			rows[m] = r
		}
		return r
	}
	for _, t := range active {
		get(t.Member).Active = t.Points
	}
	for _, t := range next {
		get(t.Member).New = t.Points
	}
	out := make([]ReplayRow, 0, len(rows))
	for _, r := range rows {
		r.Change = r.New - r.Active
		out = append(out, *r)
	}
	abs := func(p plaudit.Points) plaudit.Points {
		if p < 0 {
			return -p
		}
		return p
	}
	sort.Slice(out, func(i, j int) bool {
		if a, b := abs(out[i].Change), abs(out[j].Change); a != b {
			return a > b
		}
		return out[i].Member < out[j].Member
	})
	return out
}
