package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	gh "github.com/google/go-github/v84/github"
)

// Closer associations recorded as the closed_by_association attribute of a done issue or pull request, in
// GitHub's author_association vocabulary, which the conversation scorer's collaboratorOnlyPaymentInvocation
// reads (OWNER, MEMBER and COLLABORATOR may invoke a payout).
const (
	AssociationOwner        = "OWNER"
	AssociationMember       = "MEMBER"
	AssociationCollaborator = "COLLABORATOR"
	AssociationNone         = "NONE"
)

// collaboratorRoles are the repository role names (and legacy permissions) that make a user a collaborator
// who may invoke a payout, as Ubiquity's conversation-rewards lists them (its ADMIN_ROLES and
// COLLABORATOR_ROLES).
var collaboratorRoles = map[string]bool{
	"admin": true, "owner": true, "billing_manager": true,
	"write": true, "member": true, "collaborator": true, "maintain": true, "triage": true, "push": true,
}

// Association reports how login relates to owner/repo, the way Ubiquity decides who may invoke a payout
// (isUserAllowedToGenerateRewards): the repository's owner is OWNER; a member of the owning organisation
// (GET /orgs/{org}/memberships/{username} answers) is MEMBER; a user whose repository role
// (GET /repos/{owner}/{repo}/collaborators/{username}/permission, role_name) is admin, maintain, write,
// triage or another collaborator role is COLLABORATOR; anyone else is NONE. A 404 or 403 from either call
// means "not that"; rate limits and server errors are waited out and retried as every read is.
func (c *Client) Association(ctx context.Context, owner, repo, login string) (string, error) {
	if login == "" {
		return "", fmt.Errorf("github: association in %s/%s: no login", owner, repo)
	}
	if strings.EqualFold(login, owner) {
		return AssociationOwner, nil
	}
	var m *gh.Membership
	err := c.do(ctx, fmt.Sprintf("read %s's membership of %s", login, owner), func() (r *gh.Response, err error) {
		m, r, err = c.gh.Organizations.GetOrgMembership(ctx, login, owner)
		return r, err
	})
	switch {
	case err == nil && m != nil:
		if role := strings.ToLower(m.GetRole()); role == "admin" {
			return AssociationOwner, nil
		}
		return AssociationMember, nil
	case err != nil && !denied(err):
		return "", err
	}
	var p *gh.RepositoryPermissionLevel
	err = c.do(ctx, fmt.Sprintf("read %s's permission on %s/%s", login, owner, repo), func() (r *gh.Response, err error) {
		p, r, err = c.gh.Repositories.GetPermissionLevel(ctx, owner, repo, login)
		return r, err
	})
	switch {
	case err != nil && denied(err):
		return AssociationNone, nil
	case err != nil:
		return "", err
	}
	if collaboratorRoles[strings.ToLower(p.GetRoleName())] || collaboratorRoles[strings.ToLower(p.GetPermission())] {
		return AssociationCollaborator, nil
	}
	if perms := p.GetUser().GetPermissions(); perms.GetAdmin() || perms.GetMaintain() || perms.GetPush() || perms.GetTriage() {
		return AssociationCollaborator, nil
	}
	return AssociationNone, nil
}

// denied reports whether GitHub answered "not found" or "forbidden" (without a rate limit): the user is not
// a member or collaborator, or the token may not see it.
func denied(err error) bool {
	var ge *gh.ErrorResponse
	if !errors.As(err, &ge) || ge.Response == nil {
		return false
	}
	return ge.Response.StatusCode == http.StatusNotFound || ge.Response.StatusCode == http.StatusForbidden
}
