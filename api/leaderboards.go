package api

import (
	"net/http"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/score"
	"github.com/plaudit/plaudit/service"
)

func init() {
	Register(func(s *Server) {
		s.Route("GET /v1/leaderboard", s.getLeaderboard, plaudit.RoleAdmin, plaudit.RoleCore, plaudit.RoleViewer)
	})
}

// LeaderboardEntry is one member's line on a leaderboard: rank, points, the rules they came from, and the
// verdict of the newest integrity run on the member when there is one.
type LeaderboardEntry struct {
	Rank    int                 `json:"rank"`
	Member  string              `json:"member"`
	Points  plaudit.Points      `json:"points"`
	Scores  int                 `json:"scores"`
	Reasons []score.Reason      `json:"reasons"`
	Verdict *plaudit.RunVerdict `json:"verdict,omitempty"`
}

// LeaderboardResponse is the body of GET /v1/leaderboard.
type LeaderboardResponse struct {
	Policy  string             `json:"policy"`
	Week    string             `json:"week,omitempty"` // the ISO week; absent for all time
	Members int                `json:"members"`        // members with points in the board's time
	Entries []LeaderboardEntry `json:"entries"`
	Next    string             `json:"next,omitempty"`
}

// getLeaderboard answers the members by points under the active policy, all time or in one ISO week
// (week=2026-W02), with each member's reasons and verdict.
func (s *Server) getLeaderboard(w http.ResponseWriter, r *http.Request) {
	q := ParseQuery(r, "week", "cursor", "limit")
	var req service.LeaderboardRequest
	if wk := q.String("week"); wk != "" {
		var err error
		if req.Year, req.Week, err = service.ParseISOWeek(wk); err != nil {
			q.fail("week", "%s", plaudit.ErrorMessage(err))
		}
	}
	page := q.Page()
	if err := q.Err(); err != nil {
		WriteError(w, err)
		return
	}
	b, err := s.Service.Leaderboard(r.Context(), req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	totals, next := Paginate(b.Totals, page)
	handles := make([]string, len(totals))
	for i, t := range totals {
		handles[i] = t.Member
	}
	verdicts, err := s.Service.MemberVerdicts(r.Context(), handles)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := LeaderboardResponse{Policy: b.Policy.Hash, Members: b.Members, Entries: make([]LeaderboardEntry, len(totals)), Next: next}
	if req.Week != 0 {
		out.Week = isoWeek(req.Year, req.Week)
	}
	for i, t := range totals {
		e := LeaderboardEntry{Rank: page.Offset + i + 1, Member: t.Member, Points: t.Points, Scores: t.Scores, Reasons: t.Reasons}
		if e.Reasons == nil {
			e.Reasons = []score.Reason{}
		}
		if v, ok := verdicts[t.Member]; ok {
			e.Verdict = &v
		}
		out.Entries[i] = e
	}
	WriteJSON(w, http.StatusOK, out)
}
