// Package conversation scores GitHub issue and pull-request conversations the way Ubiquity's
// text-conversation-rewards plugin does: each comment earns points for its formatting and its words, weighted by
// readability, its author's role, its relevance to the specification and the issue's priority; the assignees
// share the task's price; reviewers earn for the lines they reviewed.
//
// A Config loaded from a Ubiquity plugin configuration (ParseUbiquityConfig) runs in compatibility mode and
// reproduces the reference's recorded results exactly, quirks included. DefaultConfig is Plaudit's own preset:
// the same rules with the two quirks of the reference's tag walk fixed. docs/conversation.md explains both.
package conversation

import (
	"fmt"
	"strings"
)

// Kind says whether a comment belongs to an issue or to a pull request.
type Kind string

// The comment kinds.
const (
	KindIssue Kind = "ISSUE"
	KindPull  Kind = "PULL"
)

// Association is the commenter's relation to the issue or pull request.
type Association string

// The associations, as Ubiquity names them.
const (
	Specification Association = "SPECIFICATION" // the issue or pull-request body itself
	Author        Association = "AUTHOR"        // a comment by the issue's (or pull request's) author
	Assignee      Association = "ASSIGNEE"      // a comment by an assignee
	Collaborator  Association = "COLLABORATOR"  // a member, owner or collaborator of the repository
	Contributor   Association = "CONTRIBUTOR"   // anyone else
)

// Role is a comment's kind and association, written as Ubiquity writes it: ISSUE_CONTRIBUTOR, PULL_AUTHOR.
type Role string

// Roles lists every role in Ubiquity's order.
var Roles = func() []Role {
	var rs []Role
	for _, k := range []Kind{KindIssue, KindPull} {
		for _, a := range []Association{Specification, Author, Assignee, Collaborator, Contributor} {
			rs = append(rs, MakeRole(k, a))
		}
	}
	return rs
}()

// MakeRole joins a kind and an association.
func MakeRole(k Kind, a Association) Role { return Role(string(k) + "_" + string(a)) }

// ParseRole checks that s names a role.
func ParseRole(s string) (Role, error) {
	for _, r := range Roles {
		if string(r) == s {
			return r, nil
		}
	}
	return "", fmt.Errorf("unknown role %q: want one of %s", s, joinRoles())
}

func joinRoles() string {
	var b strings.Builder
	for i, r := range Roles {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(string(r))
	}
	return b.String()
}

// Kind returns the role's kind.
func (r Role) Kind() Kind {
	k, _, _ := strings.Cut(string(r), "_")
	return Kind(k)
}

// Association returns the role's association.
func (r Role) Association() Association {
	_, a, _ := strings.Cut(string(r), "_")
	return Association(a)
}

// IsSpecification reports whether r is the issue or pull-request body.
func (r Role) IsSpecification() bool { return r.Association() == Specification }
