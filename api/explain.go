package api

import (
	"net/http"
	"sort"
	"time"

	"github.com/plaudit/plaudit"
)

func init() {
	Register(func(s *Server) {
		roles := []plaudit.Role{plaudit.RoleAdmin, plaudit.RoleCore, plaudit.RoleViewer, plaudit.RoleMember}
		s.Route("GET /v1/explanations/events/{source}/{id}", s.explainEvent, roles...)
		s.Route("GET /v1/explanations/members/{member}", s.explainMember, roles...)
	})
}

// EventExplanation is the body of GET /v1/explanations/events/{source}/{id}: the event, the member it
// counts for, and each of its scores with the rules that fired, their inputs and points.
type EventExplanation struct {
	Policy   string               `json:"policy"`
	Stored   bool                 `json:"stored"` // the policy's stored scores; false: scored now from the log
	Event    *plaudit.Event       `json:"event"`
	Member   string               `json:"member"`
	Points   plaudit.Points       `json:"points"`
	Scores   []plaudit.Score      `json:"scores"`
	Verdicts []plaudit.RunVerdict `json:"verdicts"`
	Flags    []plaudit.Flag       `json:"flags"`
}

// explainEvent explains an event's points under the active policy. A member key explains only its own
// member's events.
func (s *Server) explainEvent(w http.ResponseWriter, r *http.Request) {
	if err := ParseQuery(r).Err(); err != nil {
		WriteError(w, err)
		return
	}
	src := r.PathValue("source")
	if !plaudit.Source(src).Valid() {
		WriteError(w, plaudit.Errorf(plaudit.ENOTFOUND, "no event %s/%s: unknown source %q", src, r.PathValue("id"), src))
		return
	}
	x, err := s.Service.Explain(r.Context(), src+"/"+r.PathValue("id"), nil)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !ownOnly(w, r, x.Member) {
		return
	}
	out := EventExplanation{Policy: x.Policy.Hash(), Stored: x.Stored, Event: x.Event, Member: x.Member,
		Scores: nonNil(x.Scores), Verdicts: nonNil(x.Integrity.Runs), Flags: nonNil(x.Integrity.Flags)}
	for _, sc := range x.Scores {
		out.Points += sc.Points
	}
	WriteJSON(w, http.StatusOK, out)
}

// RuleEvent is one event's points from one rule.
type RuleEvent struct {
	Event  string         `json:"event"`
	Time   time.Time      `json:"time"`
	Points plaudit.Points `json:"points"`
}

// RuleExplanation is one rule's share of a member's total, with the events it scored, largest first.
type RuleExplanation struct {
	Rule   string         `json:"rule"`
	Points plaudit.Points `json:"points"`
	Events []RuleEvent    `json:"events"`
}

// MemberExplanation is the body of GET /v1/explanations/members/{member}: the member's total under the
// active policy as rules → events → points.
type MemberExplanation struct {
	Policy   string               `json:"policy"`
	Stored   bool                 `json:"stored"`
	Member   string               `json:"member"`
	Points   plaudit.Points       `json:"points"`
	Scores   int                  `json:"scores"`
	Rules    []RuleExplanation    `json:"rules"`
	Verdicts []plaudit.RunVerdict `json:"verdicts"`
	Flags    []plaudit.Flag       `json:"flags"`
}

// explainMember explains a member's total under the active policy. A member key explains only itself.
func (s *Server) explainMember(w http.ResponseWriter, r *http.Request) {
	if err := ParseQuery(r).Err(); err != nil {
		WriteError(w, err)
		return
	}
	handle, err := s.Service.ResolveMember(r.Context(), r.PathValue("member"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !ownOnly(w, r, handle) {
		return
	}
	x, err := s.Service.Explain(r.Context(), handle, nil)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := MemberExplanation{Policy: x.Policy.Hash(), Stored: x.Stored, Member: x.Member, Scores: len(x.Scores),
		Rules: []RuleExplanation{}, Verdicts: nonNil(x.Integrity.Runs), Flags: nonNil(x.Integrity.Flags)}
	rules := map[string]*RuleExplanation{}
	for _, sc := range x.Scores {
		out.Points += sc.Points
		for _, l := range sc.Lines {
			re := rules[l.Rule]
			if re == nil {
				re = &RuleExplanation{Rule: l.Rule}
				rules[l.Rule] = re
			}
			re.Points += l.Points
			re.Events = append(re.Events, RuleEvent{Event: sc.Event, Time: sc.Time, Points: l.Points})
		}
	}
	for _, re := range rules {
		sort.SliceStable(re.Events, func(i, j int) bool {
			if re.Events[i].Points != re.Events[j].Points {
				return re.Events[i].Points > re.Events[j].Points
			}
			return re.Events[i].Event < re.Events[j].Event
		})
		out.Rules = append(out.Rules, *re)
	}
	sort.Slice(out.Rules, func(i, j int) bool {
		if out.Rules[i].Points != out.Rules[j].Points {
			return out.Rules[i].Points > out.Rules[j].Points
		}
		return out.Rules[i].Rule < out.Rules[j].Rule
	})
	WriteJSON(w, http.StatusOK, out)
}

// nonNil returns s, or an empty slice for nil, so that lists are [] in JSON rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
