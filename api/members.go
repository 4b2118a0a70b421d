package api

import (
	"fmt"
	"math/big"
	"net/http"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/score"
)

func init() {
	Register(func(s *Server) {
		s.Route("GET /v1/members", s.listMembers, plaudit.RoleAdmin, plaudit.RoleCore, plaudit.RoleViewer)
		s.Route("GET /v1/members/{member}", s.getMember, plaudit.RoleAdmin, plaudit.RoleCore, plaudit.RoleViewer, plaudit.RoleMember)
	})
}

// MembersPage is the body of GET /v1/members.
type MembersPage struct {
	Members []*plaudit.Member `json:"members"`
	Next    string            `json:"next,omitempty"`
}

// listMembers lists the members by handle: all, of one kind, or those whose handle, account or wallet
// contains q.
func (s *Server) listMembers(w http.ResponseWriter, r *http.Request) {
	q := ParseQuery(r, "q", "kind", "cursor", "limit")
	search := q.String("q")
	kind := plaudit.MemberKind(q.Enum("kind", "", string(plaudit.MemberCommunity), string(plaudit.MemberProject)))
	page := q.Page()
	if err := q.Err(); err != nil {
		WriteError(w, err)
		return
	}
	ms, err := s.Service.SearchMembers(r.Context(), search, kind)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var out MembersPage
	out.Members, out.Next = Paginate(ms, page)
	WriteJSON(w, http.StatusOK, out)
}

// MemberResponse is the body of GET /v1/members/{member}: the identity, the points under the active policy
// by rule, the integrity verdicts and the flags.
type MemberResponse struct {
	*plaudit.Member
	History []plaudit.IdentityChange `json:"history"`
	Policy  string                   `json:"policy,omitempty"`
	Points  plaudit.Points           `json:"points"` // after integrity verdicts
	// PointsBeforeVerdicts is what the member's scores came to before integrity verdicts.
	PointsBeforeVerdicts plaudit.Points       `json:"points_before_verdicts"`
	Rank                 int                  `json:"rank,omitempty"` // on the all-time leaderboard
	Reputation           *MemberReputation    `json:"reputation,omitempty"`
	Scores               int                  `json:"scores"`
	Reasons              []score.Reason       `json:"reasons"`
	Epochs               []MemberEpoch        `json:"epochs"`
	Verdicts             []plaudit.RunVerdict `json:"verdicts"`
	Flags                []plaudit.Flag       `json:"flags"`
}

// MemberReputation is the weight a member's likes carry in the epoch in progress (the median member 0.5),
// what it rests on (eigentrust, pretrust or neutral) and the epoch.
type MemberReputation struct {
	Weight     plaudit.Ratio `json:"weight"`
	Basis      string        `json:"basis"`
	EpochStart time.Time     `json:"epoch_start"`
	EpochEnd   time.Time     `json:"epoch_end"`
}

// MemberEpoch is a member's allocation in one closed epoch: points after verdicts, and the base units paid
// and ENG minted.
type MemberEpoch struct {
	Epoch  string         `json:"epoch"`
	Points plaudit.Points `json:"points"`
	Events int            `json:"events"`
	Paid   string         `json:"paid"`
	ENG    string         `json:"eng"`
	Wallet string         `json:"wallet,omitempty"`
}

// getMember answers one member, named by handle, account key or wallet. A member key reads only its own.
func (s *Server) getMember(w http.ResponseWriter, r *http.Request) {
	if err := ParseQuery(r).Err(); err != nil {
		WriteError(w, err)
		return
	}
	p, err := s.Service.MemberProfile(r.Context(), r.PathValue("member"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !ownOnly(w, r, p.Detail.Handle) {
		return
	}
	out := MemberResponse{Member: p.Detail.Member, History: p.Detail.History, Policy: p.Policy,
		Reasons: []score.Reason{}, Verdicts: p.Integrity.Runs, Flags: p.Integrity.Flags}
	if out.History == nil {
		out.History = []plaudit.IdentityChange{}
	}
	if out.Verdicts == nil {
		out.Verdicts = []plaudit.RunVerdict{}
	}
	if out.Flags == nil {
		out.Flags = []plaudit.Flag{}
	}
	out.PointsBeforeVerdicts, out.Rank, out.Epochs = p.Raw, p.Rank, make([]MemberEpoch, len(p.Epochs))
	if r := p.Reputation; r != nil {
		out.Reputation = &MemberReputation{Weight: r.Weight, Basis: r.Basis, EpochStart: r.Start, EpochEnd: r.End}
	}
	for i, a := range p.Epochs {
		out.Epochs[i] = MemberEpoch{Epoch: a.Epoch, Points: a.Points, Events: a.Events, Paid: amountString(a.Paid), ENG: amountString(a.ENG), Wallet: a.Wallet}
	}
	if p.Total != nil {
		out.Points, out.Scores = p.Total.Points, p.Total.Scores
		if p.Total.Reasons != nil {
			out.Reasons = p.Total.Reasons
		}
	}
	WriteJSON(w, http.StatusOK, out)
}

// isoWeek formats an ISO week as 2026-W02.
func isoWeek(year, week int) string { return fmt.Sprintf("%04d-W%02d", year, week) }

// amountString renders base units as a decimal string ("0" for none).
func amountString(v *big.Int) string {
	if v == nil {
		return "0"
	}
	return v.String()
}
