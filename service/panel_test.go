package service_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/service"
	"github.com/plaudit/plaudit/sqlstore"
)

// TestChangeIdentity records a tier, a link and a merge with their reasons, and refuses a change without a
// reason, writing nothing.
func TestChangeIdentity(t *testing.T) {
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, t.TempDir()+"/plaudit.db")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := testNow
	// Each identity event is named by its time: the clock ticks on every reading.
	svc := service.New(st, service.Options{Now: func() time.Time { now = now.Add(time.Millisecond); return now }})
	for _, a := range [][2]string{{"x:1", "alice"}, {"x:2", "bob"}} {
		if _, err := svc.LinkAccount(ctx, a[0], a[1], "", "ops"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.ChangeIdentity(ctx, service.ReasonedChange{Op: "tier", Member: "alice", Tier: 3, By: "panel:ada", Reason: "  "}); plaudit.ErrorCode(err) != plaudit.EINVALID {
		t.Fatalf("no reason: %v; want EINVALID", err)
	}
	if _, err := svc.ChangeIdentity(ctx, service.ReasonedChange{Op: "rename", Member: "alice", By: "panel:ada", Reason: "x"}); plaudit.ErrorCode(err) != plaudit.EINVALID {
		t.Fatalf("unknown op: %v; want EINVALID", err)
	}
	m, _ := svc.Member(ctx, "alice")
	if m.Tier == 3 {
		t.Fatal("a refused change was written")
	}
	ch, err := svc.ChangeIdentity(ctx, service.ReasonedChange{Op: "tier", Member: "alice", Tier: 3, By: "panel:ada", Reason: "core contributor"})
	if err != nil {
		t.Fatal(err)
	}
	if ch.Event.Attrs["reason"] != "core contributor" || ch.Event.Attrs["by"] != "panel:ada" || ch.Member.Tier != 3 {
		t.Fatalf("tier change: %+v, member %+v", ch.Event.Attrs, ch.Member)
	}
	if _, err := svc.ChangeIdentity(ctx, service.ReasonedChange{Op: "link", Member: "alice", Account: "github:alice", By: "panel:ada", Reason: "same person, checked on a call"}); err != nil {
		t.Fatal(err)
	}
	ch, err = svc.ChangeIdentity(ctx, service.ReasonedChange{Op: "merge", Member: "bob", Into: "alice", By: "panel:ada", Reason: "bob is alice's second account"})
	if err != nil {
		t.Fatal(err)
	}
	if ch.Member.Handle != "alice" || !strings.Contains(strings.Join(ch.Member.Accounts, ","), "x:2") || ch.Event.Attrs["reason"] != "bob is alice's second account" {
		t.Fatalf("merge: %+v %+v", ch.Member, ch.Event.Attrs)
	}
	// The reason is in the log, with the event.
	e, err := svc.Event(ctx, plaudit.SourcePlaudit, ch.Event.ExternalID)
	if err != nil || e.Attrs["reason"] != "bob is alice's second account" {
		t.Fatalf("stored merge event: %+v, %v", e, err)
	}
}

// TestPanelOverview counts a community's events, submissions and points per source and day over the 30
// days up to the service's clock.
func TestPanelOverview(t *testing.T) {
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, t.TempDir()+"/plaudit.db")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	events := communityOf(t, 30, 14)
	appendAll(t, st, events)
	now := time.Date(2026, 1, 20, 12, 0, 0, 0, time.UTC)
	svc := service.New(st, service.Options{Now: func() time.Time { return now }})
	o, err := svc.PanelOverview(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Days) != service.OverviewDays || !o.Until.Equal(time.Date(2026, 1, 21, 0, 0, 0, 0, time.UTC)) || o.Top != nil || o.Policy != nil {
		t.Fatalf("overview without a policy: %d days until %s, top %v", len(o.Days), o.Until, o.Top)
	}
	var total, submits int64
	for _, e := range events {
		total++
		if e.Kind == plaudit.KindSubmit {
			submits++
		}
	}
	var sum int64
	for i := range o.Sources {
		for _, n := range o.Events[i] {
			sum += n
		}
	}
	if o.EventsTotal != total || sum != total || o.Submitted != submits || o.Members == 0 {
		t.Fatalf("overview: %d events (%d by day), %d submitted, %d members; want %d, %d", o.EventsTotal, sum, o.Submitted, o.Members, total, submits)
	}
	if _, err := svc.ActivatePolicy(ctx, testPolicy(t), "test.yml", "test"); err != nil {
		t.Fatal(err)
	}
	res, err := svc.Rescore(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if o, err = svc.PanelOverview(ctx); err != nil {
		t.Fatal(err)
	}
	var pts, want plaudit.Points
	for i := range o.Sources {
		for _, p := range o.Points[i] {
			pts += p
		}
	}
	for _, s := range res.Scores {
		want += s.Points
	}
	if pts != want || o.Top == nil || o.Policy == nil {
		t.Fatalf("points by day sum to %s; the scores to %s; top %v", pts, want, o.Top)
	}
	// Thirty days later the window holds nothing.
	now = now.AddDate(0, 0, 30)
	if o, err = svc.PanelOverview(ctx); err != nil || o.EventsTotal != 0 || len(o.Sources) != 0 {
		t.Fatalf("a month later: %+v, %v", o, err)
	}
}
