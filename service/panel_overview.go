package service

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/plaudit/plaudit"
)

// OverviewDays is how many days the panel's overview charts cover.
const OverviewDays = 30

// Overview is the admin panel's front page: the community at a glance and its last OverviewDays days,
// day by day and source by source.
type Overview struct {
	// Since and Until bound the days charted (UTC midnights; Until exclusive, the day after today).
	Since, Until time.Time
	// Days are the UTC midnights from Since, one per day.
	Days []time.Time
	// Sources are the sources with events or points in the window, sorted.
	Sources []plaudit.Source
	// Events[i][d] counts the events of Sources[i] on Days[d]; Points[i][d] sums the active policy's points
	// of those events' scores by event time.
	Events [][]int64
	Points [][]plaudit.Points
	// Submitted counts the submissions (kind submit) in the window: the posts put forward for rewards.
	Submitted int64
	// EventsTotal counts every event in the window.
	EventsTotal int64
	// Members counts the members of the directory (people and projects with a linked or seen account).
	Members int
	// Top is the first entry of the all-time leaderboard after verdicts; nil when nobody has points.
	Top *BoardEntry
	// Policy is the active policy's record; nil when none is active.
	Policy *plaudit.PolicyRecord
}

// PanelOverview gathers the overview of the OverviewDays days up to now (the service's clock): events and
// points per source per day, submissions, members and the top of the leaderboard. Without an active
// policy the points and the top are empty.
func (s *Service) PanelOverview(ctx context.Context) (*Overview, error) {
	now := s.now().UTC()
	until := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, 1)
	o := &Overview{Since: until.AddDate(0, 0, -OverviewDays), Until: until}
	for d := o.Since; d.Before(until); d = d.AddDate(0, 0, 1) {
		o.Days = append(o.Days, d)
	}
	day := func(t time.Time) int { return int(t.UTC().Sub(o.Since) / (24 * time.Hour)) }
	events := map[plaudit.Source][]int64{}
	points := map[plaudit.Source][]plaudit.Points{}
	row := func(src plaudit.Source) {
		if events[src] == nil {
			events[src] = make([]int64, len(o.Days))
			points[src] = make([]plaudit.Points, len(o.Days))
		}
	}
	err := s.store.ScanEvents(ctx, plaudit.EventFilter{Since: o.Since, Until: until}, func(e *plaudit.Event) error {
		d := day(e.Time)
		if d < 0 || d >= len(o.Days) {
			return nil
		}
		row(e.Source)
		events[e.Source][d]++
		o.EventsTotal++
		if e.Kind == plaudit.KindSubmit {
			o.Submitted++
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("overview: events: %w", err)
	}
	rec, err := s.store.ActivePolicy(ctx)
	switch {
	case plaudit.ErrorCode(err) == plaudit.ENOTFOUND:
	case err != nil:
		return nil, fmt.Errorf("overview: active policy: %w", err)
	default:
		o.Policy = rec
		scores, err := s.store.Scores(ctx, plaudit.ScoreFilter{PolicyHash: rec.Hash, Since: o.Since, Until: until})
		if err != nil {
			return nil, fmt.Errorf("overview: scores: %w", err)
		}
		for _, sc := range scores {
			d := day(sc.Time)
			src, _, ok := strings.Cut(sc.Event, "/")
			if d < 0 || d >= len(o.Days) || !ok {
				continue
			}
			row(plaudit.Source(src))
			points[plaudit.Source(src)][d] += sc.Points
		}
		board, err := s.Leaderboard(ctx, LeaderboardRequest{Limit: 1})
		if err != nil {
			return nil, fmt.Errorf("overview: leaderboard: %w", err)
		}
		if len(board.Entries) > 0 {
			o.Top = &board.Entries[0]
		}
	}
	for src := range events {
		o.Sources = append(o.Sources, src)
	}
	sort.Slice(o.Sources, func(i, j int) bool { return o.Sources[i] < o.Sources[j] })
	for _, src := range o.Sources {
		o.Events = append(o.Events, events[src])
		o.Points = append(o.Points, points[src])
	}
	dir, err := s.directory(ctx)
	if err != nil {
		return nil, fmt.Errorf("overview: members: %w", err)
	}
	o.Members = len(dir.Members())
	return o, nil
}
