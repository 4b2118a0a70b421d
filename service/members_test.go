package service_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/service"
)

// TestMemberChanges links, tiers, adds a wallet to, merges and unlinks members, and checks that each change
// is an operator event with attrs.by that the directory replayed from the log shows, and that refusals
// write nothing.
func TestMemberChanges(t *testing.T) {
	ctx := context.Background()
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		appendAll(t, st, decode(t, smallLog))
		svc := tickingService(st)
		logLen := func() int {
			t.Helper()
			log, err := svc.ReadLog(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			return len(log.Events)
		}
		n := logLen()
		refused := func(what string, err error, code string) {
			t.Helper()
			wantCode(t, what, err, code)
			if logLen() != n {
				t.Fatalf("%s: a refused change wrote to the log", what)
			}
		}
		_, err := svc.SetTier(ctx, "nobody", 2, "ops")
		refused("tier of an unknown member", err, plaudit.ENOTFOUND)
		_, err = svc.SetTier(ctx, "alice", 0, "ops")
		refused("tier 0", err, plaudit.EINVALID)
		_, err = svc.SetTier(ctx, "alice", service.MaxTier+1, "ops")
		refused("a tier above MaxTier", err, plaudit.EINVALID)
		_, err = svc.AddWallet(ctx, "alice", "0x12", "ops")
		refused("a short wallet", err, plaudit.EINVALID)
		_, err = svc.MergeMembers(ctx, "ghost", "alice", "ops")
		refused("merge an unknown member", err, plaudit.ENOTFOUND)
		_, err = svc.MergeMembers(ctx, "alice", "discord:a1", "ops")
		refused("merge a member into itself", err, plaudit.ENOTFOUND) // an account key is not a handle
		_, err = svc.MergeMembers(ctx, "alice", "alice", "ops")
		refused("merge a member into itself", err, plaudit.EINVALID)
		_, err = svc.LinkAccount(ctx, "a1", "alice", "", "ops")
		refused("link without a source", err, plaudit.EINVALID)
		_, err = svc.LinkAccount(ctx, "plaudit:a1", "alice", "", "ops")
		refused("link an operator account", err, plaudit.EINVALID)
		_, err = svc.LinkAccount(ctx, "x:new", "bad handle!", "", "ops")
		refused("link to a bad handle", err, plaudit.EINVALID)
		_, err = svc.UnlinkAccount(ctx, "x:unknown", "ops")
		refused("unlink an unknown account", err, plaudit.ENOTFOUND)
		_, err = svc.Member(ctx, "x:nope")
		wantCode(t, "show an unknown account", err, plaudit.ENOTFOUND)
		_, err = svc.Members(ctx, "bogus")
		wantCode(t, "list an unknown kind", err, plaudit.EINVALID)

		c, err := svc.SetTier(ctx, "alice", 3, "ops")
		if err != nil || c.Member.Tier != 3 || c.Event.Source != plaudit.SourcePlaudit || c.Event.Kind != plaudit.KindTier || c.Event.Seq == 0 {
			t.Fatalf("tier: %+v %v", c, err)
		}
		if by, _ := c.Event.AttrString("by"); by != "ops" || !strings.HasPrefix(c.Event.ExternalID, "op-") || !c.Event.Time.After(testNow) {
			t.Fatalf("tier event %+v: want attrs.by ops, an op- id and the service's time", c.Event)
		}
		if c, err = svc.AddWallet(ctx, "alice", "0x00000000000000000000000000000000000000AA", "ops"); err != nil ||
			fmt.Sprint(c.Member.Wallets) != "[0x00000000000000000000000000000000000000aa]" {
			t.Fatalf("wallet: %+v %v", c, err)
		}
		if c, err = svc.LinkAccount(ctx, "x:alice_x", "alice", plaudit.MemberProject, "ops"); err != nil ||
			c.Member.Kind != plaudit.MemberProject || !strings.Contains(strings.Join(c.Member.Accounts, ","), "x:alice_x") {
			t.Fatalf("link: %+v %v", c, err)
		}
		if c, err = svc.MergeMembers(ctx, "bob", "alice", "ops"); err != nil || c.Member.Handle != "alice" || c.Event.Actor != "ops" {
			t.Fatalf("merge: %+v %v", c, err)
		}
		if logLen() != n+4 {
			t.Fatalf("%d events after four changes, want %d", logLen(), n+4)
		}

		// The changes are in the log: a directory replayed from it, and the service's reads, show them.
		log, err := svc.ReadLog(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		dir := log.Directory(0)
		if got := dir.MemberOf("discord:b1"); got != "alice" {
			t.Fatalf("replayed directory: discord:b1 belongs to %q, want alice", got)
		}
		d, err := svc.Member(ctx, "discord:b1")
		if err != nil {
			t.Fatal(err)
		}
		if d.Handle != "alice" || d.Tier != 3 || strings.Join(d.Accounts, ",") != "discord:a1,discord:b1,x:alice_x,x:xa,x:xb" {
			t.Fatalf("member after the merge: %+v", d.Member)
		}
		var kinds []string
		for _, h := range d.History {
			if h.Member != "alice" {
				t.Fatalf("history of alice holds %+v", h)
			}
			kinds = append(kinds, string(h.Kind))
		}
		if got := strings.Join(kinds, ","); !strings.HasSuffix(got, "tier,wallet,link,merge") {
			t.Fatalf("alice's history %s: want it to end with the four changes", got)
		}
		if bob, err := svc.Member(ctx, "bob"); err != nil || bob.Handle != "alice" {
			t.Fatalf("bob after the merge: %+v %v", bob, err)
		}
		projects, err := svc.Members(ctx, plaudit.MemberProject)
		if err != nil || len(projects) != 1 || projects[0].Handle != "alice" {
			t.Fatalf("project members: %v %v", projects, err)
		}
		all, err := svc.Members(ctx, "")
		if err != nil || len(all) != dir.Len() {
			t.Fatalf("members: %d %v; the directory has %d", len(all), err, dir.Len())
		}

		// Unlinked, the account stands alone again.
		if c, err = svc.UnlinkAccount(ctx, "x:alice_x", "ops"); err != nil || c.Member.Handle != "x:alice_x" {
			t.Fatalf("unlink: %+v %v", c, err)
		}
		if d, err = svc.Member(ctx, "alice"); err != nil || strings.Contains(strings.Join(d.Accounts, ","), "alice_x") {
			t.Fatalf("alice after the unlink: %+v %v", d, err)
		}

		// Two changes at one instant would share an id: the second is refused, not silently dropped.
		frozen := newService(st)
		if _, err := frozen.SetTier(ctx, "mod", 2, "ops"); err != nil {
			t.Fatal(err)
		}
		n = logLen()
		_, err = frozen.SetTier(ctx, "mod", 3, "ops")
		refused("a second change at the same instant", err, plaudit.ECONFLICT)
	})
}

// countingNotifier counts what it hears.
type countingNotifier struct{ appended, activated int }

func (n *countingNotifier) EventsAppended(k int)     { n.appended += k }
func (n *countingNotifier) PolicyActivated(_ string) { n.activated++ }

// TestMemberChangesNotify: an identity change tells the notifier that an event was appended, so that a
// server rescores for it; a refused one tells it nothing.
func TestMemberChangesNotify(t *testing.T) {
	ctx := context.Background()
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		appendAll(t, st, decode(t, smallLog))
		heard := &countingNotifier{}
		svc := service.New(st, service.Options{Now: tickingClock(), Notify: heard})
		if _, err := svc.SetTier(ctx, "nobody", 2, "ops"); err == nil {
			t.Fatal("tier of an unknown member: no error")
		}
		if _, err := svc.SetTier(ctx, "alice", 2, "ops"); err != nil {
			t.Fatal(err)
		}
		if heard.appended != 1 {
			t.Fatalf("the notifier heard of %d appended events, want 1", heard.appended)
		}
	})
}

// TestMemberRules checks the tier range and member kinds every way in refuses the same values by.
func TestMemberRules(t *testing.T) {
	for n, want := range map[int]bool{0: false, service.MinTier: true, 50: true, service.MaxTier: true, service.MaxTier + 1: false, -3: false} {
		if got := service.ValidTier(n); got != want {
			t.Errorf("ValidTier(%d) = %v, want %v", n, got, want)
		}
	}
	for kind, want := range map[plaudit.MemberKind]bool{plaudit.MemberProject: true, plaudit.MemberCommunity: true, "": false, "bogus": false} {
		if got := service.ValidMemberKind(kind); got != want {
			t.Errorf("ValidMemberKind(%q) = %v, want %v", kind, got, want)
		}
	}
}
