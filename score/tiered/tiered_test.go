package tiered

import (
	"testing"
	"time"

	"github.com/plaudit/plaudit"
)

var t0 = time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)

func pk(id string) PostKey { return PostKey{plaudit.SourceX, id} }

func pts(n int64) plaudit.Points { return plaudit.PointsFromInt(n) }

func TestPrice(t *testing.T) {
	p := DefaultParams()
	tests := []struct {
		tier int
		kind plaudit.Kind
		want plaudit.Points
		ok   bool
	}{
		{1, plaudit.KindLike, pts(1), true}, {1, plaudit.KindRepost, pts(2), true}, {1, plaudit.KindReply, pts(3), true},
		{2, plaudit.KindLike, pts(2), true}, {2, plaudit.KindRepost, pts(4), true}, {2, plaudit.KindReply, pts(6), true},
		{3, plaudit.KindLike, pts(3), true}, {3, plaudit.KindRepost, pts(6), true}, {3, plaudit.KindReply, pts(9), true},
		{4, plaudit.KindReply, pts(9), true}, // above the table: highest rule below
		{0, plaudit.KindLike, pts(1), true},  // below the table: the first rule
		{1, plaudit.KindQuote, 0, false},     // not priced
		{2, plaudit.KindMention, 0, false},   // not priced
	}
	for _, tc := range tests {
		got, _, ok := p.Price(tc.tier, tc.kind)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Price(%d, %s) = %s, %v; want %s, %v", tc.tier, tc.kind, got, ok, tc.want, tc.ok)
		}
	}
	// More tiers may be configured, with gaps.
	p.Tiers = append(p.Tiers, Rule{Tier: 5, Like: pts(10), Repost: pts(20), Reply: 0})
	for _, tc := range []struct {
		tier int
		kind plaudit.Kind
		want plaudit.Points
	}{{4, plaudit.KindLike, pts(3)}, {5, plaudit.KindLike, pts(10)}, {9, plaudit.KindRepost, pts(20)}, {5, plaudit.KindReply, 0}} {
		if got, _, _ := p.Price(tc.tier, tc.kind); got != tc.want {
			t.Errorf("Price(%d, %s) = %s, want %s", tc.tier, tc.kind, got, tc.want)
		}
	}
}

func TestEngage(t *testing.T) {
	p := DefaultParams()
	tests := []struct {
		name   string
		member string
		kind   plaudit.Kind
		tier   int
		at     time.Duration // after submission
		want   plaudit.Points
		out    Outcome
	}{
		{"like tier 1", "bob", plaudit.KindLike, 1, time.Hour, pts(1), Awarded},
		{"like again: once ever", "bob", plaudit.KindLike, 1, 2 * time.Hour, 0, AlreadyAwarded},
		{"repost same member: another kind", "bob", plaudit.KindRepost, 1, 2 * time.Hour, pts(2), Awarded},
		{"reply tier 3", "carol", plaudit.KindReply, 3, 3 * time.Hour, pts(9), Awarded},
		{"at the window's end", "dave", plaudit.KindLike, 2, 24 * time.Hour, pts(2), Awarded},
		{"just after the window", "erin", plaudit.KindLike, 2, 24*time.Hour + time.Second, 0, OutsideWindow},
		{"before submission counts", "frank", plaudit.KindLike, 1, -time.Hour, pts(1), Awarded},
		{"submitter", "alice", plaudit.KindLike, 1, time.Hour, 0, Self},
		{"author", "anna", plaudit.KindReply, 1, time.Hour, 0, Self},
		{"not priced", "gina", plaudit.KindQuote, 1, time.Hour, 0, NotPriced},
	}
	tr := NewTracker(p)
	if !tr.Submit(Post{Key: pk("p1"), Submitted: t0, Submitter: "alice", Author: "anna"}) {
		t.Fatal("first submit not first")
	}
	if tr.Submit(Post{Key: pk("p1"), Submitted: t0.Add(48 * time.Hour), Submitter: "zed"}) {
		t.Fatal("second submit replaced the first")
	}
	for _, tc := range tests {
		got, out := tr.Engage(pk("p1"), tc.member, tc.kind, tc.tier, t0.Add(tc.at))
		if got != tc.want || out != tc.out {
			t.Errorf("%s: got %s %v, want %s %v", tc.name, got, out, tc.want, tc.out)
		}
	}
	if _, out := tr.Engage(pk("nope"), "bob", plaudit.KindLike, 1, t0); out != NotTracked {
		t.Errorf("untracked post: %v", out)
	}
	// A rule set to 0 awards 0 but still counts as the award: a later raise does not pay it again.
	p0 := DefaultParams()
	p0.Tiers[0].Like = 0
	tr0 := NewTracker(p0)
	tr0.Submit(Post{Key: pk("p"), Submitted: t0, Submitter: "a"})
	if got, out := tr0.Engage(pk("p"), "b", plaudit.KindLike, 1, t0); got != 0 || out != Awarded {
		t.Errorf("zero rule: %s %v", got, out)
	}
}

func TestValidate(t *testing.T) {
	if errs := DefaultParams().Validate(); len(errs) != 0 {
		t.Fatal(errs)
	}
	tests := []struct {
		name  string
		edit  func(p *Params)
		field string
	}{
		{"zero window", func(p *Params) { p.Window = 0 }, "window"},
		{"no tiers", func(p *Params) { p.Tiers = nil }, "tiers"},
		{"first not 1", func(p *Params) { p.Tiers[0].Tier = 2 }, "tiers[0].tier"},
		{"repeat", func(p *Params) { p.Tiers[2].Tier = 2 }, "tiers[2].tier"},
		{"negative", func(p *Params) { p.Tiers[1].Reply = -1 }, "tiers[1].reply"},
		{"tier 101", func(p *Params) { p.Tiers[2].Tier = 101 }, "tiers[2].tier"},
	}
	for _, tc := range tests {
		p := DefaultParams()
		tc.edit(p)
		errs := p.Validate()
		if len(errs) == 0 || errs[0].Field != tc.field {
			t.Errorf("%s: errs %v, want field %s", tc.name, errs, tc.field)
		}
	}
}
