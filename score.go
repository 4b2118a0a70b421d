package plaudit

import (
	"strings"
	"time"
)

// Score is what a policy awarded for one event: the points, who earns them, and the explanation. Every
// stored score names the policy hash that made it, so that history can be replayed and audited.
type Score struct {
	Event      string    `json:"event"`  // event key "source/id"
	Seq        int64     `json:"seq"`    // the event's store sequence, 0 when scored outside a store
	Member     string    `json:"member"` // handle of the member who earns the points
	Scorer     string    `json:"scorer"` // "tiered", "cast", "conversation", "poe", ...
	Points     Points    `json:"points"`
	Time       time.Time `json:"time"` // the event's time: epochs select scores by it
	PolicyHash string    `json:"policy_hash"`
	Lines      []Line    `json:"lines,omitempty"` // rule → inputs → points, in the order the rules ran
}

// Line is one step of a score's explanation: which rule fired, on what inputs, for how many points.
type Line struct {
	Rule   string  `json:"rule"`
	Inputs []Input `json:"inputs,omitempty"`
	Points Points  `json:"points"`
	Note   string  `json:"note,omitempty"`
}

// Input is one named input of a rule, formatted for people ("likes" = "12").
type Input struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Verdict is the integrity layer's decision on one event or one member: a multiplier between 0 and 1 that
// settlement applies to the subject's points, and the reasons for it. A verdict of One with no reasons is
// a clean bill.
type Verdict struct {
	Subject    string   `json:"subject"` // event key "source/id", or "member:" + handle
	Multiplier Ratio    `json:"multiplier"`
	Reasons    []Reason `json:"reasons,omitempty"`
}

// Reason is one check's finding behind a verdict, with its evidence.
type Reason struct {
	Check      string  `json:"check"` // "velocity", "near_duplicate", "collusion_ring", "sybil", ...
	Detail     string  `json:"detail"`
	Multiplier Ratio   `json:"multiplier"` // what this check alone would apply
	Evidence   []Input `json:"evidence,omitempty"`
}

// MemberSubject returns the Verdict subject for a member handle.
func MemberSubject(handle string) string { return "member:" + handle }

// MemberOfSubject returns the handle of a member subject ("member:HANDLE") and true, or "" and false for
// an event subject.
func MemberOfSubject(subject string) (string, bool) {
	h, ok := strings.CutPrefix(subject, "member:")
	return h, ok && h != ""
}
