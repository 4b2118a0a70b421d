package github_test

import (
	"context"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/source/github"
	"github.com/plaudit/plaudit/sqlstore"
)

// TestAssociation: who may invoke a payout, read as Ubiquity reads it: the owner; a member of the owning
// organisation (an admin member counts as an owner); a repository collaborator by role name (maintain,
// triage); anyone else NONE. Rate limits on the way are waited out.
func TestAssociation(t *testing.T) {
	f := newFakeGitHub(t)
	f.fail("/orgs/acme/memberships/carol", 4291)
	c, err := github.NewClient(f.srv.URL, "ghp_test", nil)
	if err != nil {
		t.Fatal(err)
	}
	c.Logger = quiet()
	for login, want := range map[string]string{"acme": "OWNER", "olga": "OWNER", "frank": "MEMBER", "carol": "COLLABORATOR",
		"tom": "COLLABORATOR", "mallory": "NONE"} {
		got, err := c.Association(context.Background(), "acme", "widgets", login)
		if err != nil || got != want {
			t.Errorf("%s: %q, %v; want %q", login, got, err, want)
		}
	}
	if n := f.served("/orgs/acme/memberships/carol"); n != 2 {
		t.Errorf("carol's membership read %d times; want 2 (a secondary rate limit, then the answer)", n)
	}
}

// TestClosedByAssociationRecorded: the github-evaluate job stores a closed issue and a merged pull request
// with who closed or merged them and that person's role in the repository, which Ubiquity's
// collaboratorOnlyPaymentInvocation reads.
func TestClosedByAssociationRecorded(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *sqlstore.DB) {
		ctx := context.Background()
		svc, ev, _ := evaluateTask(t, st, taskPolicy(""))
		if _, err := ev.Evaluate(ctx, "acme/widgets", 1); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{"I_kwDOAcme0001", "PR_kwDOAcme0002"} {
			e, err := svc.Event(ctx, plaudit.SourceGitHub, id)
			if err != nil {
				t.Fatal(err)
			}
			if e.Attrs["closed_by"] != "carol" || e.Attrs["closed_by_association"] != "COLLABORATOR" {
				t.Errorf("%s attrs %v: want closed by carol, a COLLABORATOR", id, e.Attrs)
			}
		}
	})
}
