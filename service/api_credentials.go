package service

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/plaudit/plaudit"
)

// CredentialWindow is the time a credential counts points over: all time, the last N days up to now, or
// one ISO week.
type CredentialWindow struct {
	// Name is the window as given: "all", "7d", "30d", "2026-W02".
	Name string
	// Since (inclusive) and Until (exclusive) bound the scores' event times; both zero for all time.
	Since, Until time.Time
}

// MaxCredentialDays is the longest window of days a credential takes ("366d").
const MaxCredentialDays = 366

// ParseCredentialWindow reads a credential window: "all" (or ""), "Nd" for the last N days up to now (1 ≤ N
// ≤ MaxCredentialDays), or an ISO week "YYYY-Www" (Monday 00:00 UTC to the next Monday).
func ParseCredentialWindow(s string, now time.Time) (CredentialWindow, error) {
	now = now.UTC()
	switch {
	case s == "" || s == "all":
		return CredentialWindow{Name: "all"}, nil
	case strings.HasSuffix(s, "d"):
		n, err := strconv.Atoi(strings.TrimSuffix(s, "d"))
		if err != nil || n < 1 || n > MaxCredentialDays || strings.HasPrefix(s, "+") || strings.HasPrefix(s, "0") {
			break
		}
		return CredentialWindow{Name: s, Since: now.AddDate(0, 0, -n), Until: now}, nil
	default:
		year, week, ok := parseISOWeek(s)
		if !ok {
			break
		}
		start := isoWeekStart(year, week)
		return CredentialWindow{Name: s, Since: start, Until: start.AddDate(0, 0, 7)}, nil
	}
	return CredentialWindow{}, plaudit.Errorf(plaudit.EINVALID, "window %q: want all, a number of days from 1d to %dd, or an ISO week such as 2026-W02", s, MaxCredentialDays)
}

// parseISOWeek reads "YYYY-Www" with a week that the year has.
func parseISOWeek(s string) (year, week int, ok bool) {
	if len(s) != 8 || s[4] != '-' || s[5] != 'W' {
		return 0, 0, false
	}
	y, err1 := strconv.Atoi(s[:4])
	w, err2 := strconv.Atoi(s[6:])
	if err1 != nil || err2 != nil || y < minYear || y > maxYear || w < 1 {
		return 0, 0, false
	}
	if _, last := time.Date(y, 12, 28, 0, 0, 0, 0, time.UTC).ISOWeek(); w > last {
		return 0, 0, false
	}
	return y, w, true
}

// ParseISOWeek reads an ISO week "YYYY-Www" (2026-W02) of a year Plaudit works in, refusing a week the
// year does not have.
func ParseISOWeek(s string) (year, week int, err error) {
	y, w, ok := parseISOWeek(s)
	if !ok {
		return 0, 0, plaudit.Errorf(plaudit.EINVALID, "week %q: want an ISO week such as 2026-W02 (years %d–%d)", s, minYear, maxYear)
	}
	return y, w, nil
}

// isoWeekStart is the Monday 00:00 UTC that begins ISO week week of year.
func isoWeekStart(year, week int) time.Time {
	jan4 := time.Date(year, 1, 4, 0, 0, 0, 0, time.UTC)
	monday := jan4.AddDate(0, 0, -((int(jan4.Weekday()) + 6) % 7))
	return monday.AddDate(0, 0, 7*(week-1))
}

// CredentialRequest asks whether a member meets a points rule: at least MinPoints under the active policy
// in Window.
type CredentialRequest struct {
	// Subject names the member: a handle, an account key such as discord:42, or a wallet address.
	Subject   string
	MinPoints plaudit.Points
	Window    CredentialWindow
}

// Credential is the answer a quest or role platform reads: whether the member meets the rule, and with
// what.
type Credential struct {
	Subject string
	// Member is the member's handle; "" when the subject names no member (then Eligible is false).
	Member    string
	Eligible  bool
	Points    plaudit.Points // the member's points in the window, after integrity verdicts
	MinPoints plaudit.Points
	Scores    int // scored events in the window
	Window    CredentialWindow
	Policy    string // the active policy's hash
}

// Credential answers whether the subject's member has at least req.MinPoints under the active policy's
// stored scores in req.Window, after integrity verdicts (as the leaderboard counts them). A subject that names no member is not eligible (not an error), so that a
// platform asking about a stranger gets a plain no; no active policy is ENOTFOUND.
func (s *Service) Credential(ctx context.Context, req CredentialRequest) (*Credential, error) {
	if req.MinPoints < 0 {
		return nil, plaudit.Errorf(plaudit.EINVALID, "min_points %s: want 0 or more", req.MinPoints)
	}
	rec, err := s.store.ActivePolicy(ctx)
	if err != nil {
		return nil, err
	}
	c := &Credential{Subject: req.Subject, MinPoints: req.MinPoints, Window: req.Window, Policy: rec.Hash}
	handle, err := s.ResolveMember(ctx, req.Subject)
	if plaudit.ErrorCode(err) == plaudit.ENOTFOUND {
		return c, nil
	} else if err != nil {
		return nil, err
	}
	c.Member = handle
	scores, err := s.store.Scores(ctx, plaudit.ScoreFilter{PolicyHash: rec.Hash, Member: handle, Since: req.Window.Since, Until: req.Window.Until})
	if err != nil {
		return nil, fmt.Errorf("credential of %s: scores: %w", handle, err)
	}
	runs, err := s.policyRuns(ctx, rec.Hash)
	if err != nil {
		return nil, fmt.Errorf("credential of %s: %w", handle, err)
	}
	adjusted, _, _, err := s.applyRunVerdicts(ctx, scores, runs)
	if err != nil {
		return nil, fmt.Errorf("credential of %s: %w", handle, err)
	}
	for _, sc := range adjusted {
		c.Points += sc.Points
	}
	c.Scores = len(scores)
	c.Eligible = c.Points >= req.MinPoints
	return c, nil
}

// Now returns the service's clock's time: what windows relative to now ("7d") count back from.
func (s *Service) Now() time.Time { return s.now() }
