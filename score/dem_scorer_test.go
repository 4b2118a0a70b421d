package score_test

import (
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/policy"
	"github.com/plaudit/plaudit/score"
	"github.com/plaudit/plaudit/settle"
)

// demEvents: the project account acme_hq (x:100, linked to the project member acme) posts; alice (x:200,
// linked to the community member alice) quotes it with the tracked hashtag and posts about lunch; bob
// (x:300, linked by nobody) mentions the project.
func demEvents() []plaudit.Event {
	x := func(id string, k plaudit.Kind, actor, user, content string, at time.Duration, attrs map[string]any) plaudit.Event {
		if attrs == nil {
			attrs = map[string]any{}
		}
		attrs["username"] = user
		return plaudit.Event{Source: plaudit.SourceX, ExternalID: id, Kind: k, Actor: actor, Content: content, Time: t0.Add(at), Attrs: attrs}
	}
	q := x("q1", plaudit.KindQuote, "200", "alice", "this is why I hold #AcmeDAO", 2*time.Minute, nil)
	q.Target, q.TargetAuthor = "p1", "100"
	return []plaudit.Event{
		{Source: plaudit.SourcePlaudit, ExternalID: "op1", Kind: plaudit.KindLink, Actor: "x:100", Time: t0.Add(-time.Hour),
			Attrs: map[string]any{"member": "acme", "member_kind": "project"}},
		{Source: plaudit.SourceX, ExternalID: "l2", Kind: plaudit.KindLink, Actor: "200", Time: t0.Add(-time.Hour), Attrs: map[string]any{"member": "alice"}},
		x("p1", plaudit.KindPost, "100", "acme_hq", "v2 ships today", time.Minute, nil),
		q,
		x("p2", plaudit.KindPost, "200", "alice", "lunch was good", 3*time.Minute, nil),
		x("m1", plaudit.KindMention, "300", "bob", "@acme_hq when token", 4*time.Minute, map[string]any{"mentioned": []any{"acme_hq"}}),
	}
}

func pointsBy(scores []plaudit.Score) map[string]plaudit.Points {
	out := map[string]plaudit.Points{}
	for _, s := range scores {
		out[s.Event] += s.Points
	}
	return out
}

// TestDefaultScoresDEM: under preset:default, an X post of a project account and a community quote of it
// with a tracked reference earn Engagement Value (they scored 0 before: no scorer took X posts or quotes),
// every event once.
func TestDefaultScoresDEM(t *testing.T) {
	p, err := policy.Preset("default")
	if err != nil {
		t.Fatal(err)
	}
	scores, _, err := score.Run(p, demEvents(), nil)
	if err != nil {
		t.Fatal(err)
	}
	got := pointsBy(scores)
	// No keyword is tracked by default: the quote earns as a quote of a tracked (project) account.
	want := map[string]plaudit.Points{"x/p1": plaudit.PointsFromInt(10), "x/q1": plaudit.PointsFromInt(6)}
	for ev, w := range want {
		if got[ev] != w {
			t.Errorf("%s: %s points, want %s", ev, got[ev], w)
		}
	}
	// alice's lunch is not about the program and bob does not participate: no score at all.
	for _, ev := range []string{"x/p2", "x/m1"} {
		if _, ok := got[ev]; ok {
			t.Errorf("%s scored, want no score", ev)
		}
	}
	seen := map[string]int{}
	for _, s := range scores {
		seen[s.Event]++
		if seen[s.Event] > 1 {
			t.Errorf("%s scored twice", s.Event)
		}
	}
}

// TestDEMPresetMintsENG: preset:dem with the program's keyword scores the events, and settlement mints one
// ENG per point — the project's into the project wallet, alice's into her stake — and pays no token for X
// even when the program has a pool (x_payouts off).
func TestDEMPresetMintsENG(t *testing.T) {
	src, err := policy.PresetSource("dem")
	if err != nil {
		t.Fatal(err)
	}
	doc := strings.Replace(string(src), "keywords: []", `keywords: ["#acmedao"]`, 1)
	doc = strings.Replace(doc, "  x_payouts: false\n", "  x_payouts: false\n  pool: {token: USDC, decimals: 6, amount: 1000000000}\n", 1)
	p, err := policy.Parse([]byte(doc), "dem.yml")
	if err != nil {
		t.Fatal(err)
	}
	scores, dir, err := score.Run(p, demEvents(), nil)
	if err != nil {
		t.Fatal(err)
	}
	got := pointsBy(scores)
	if got["x/p1"] != plaudit.PointsFromInt(10) || got["x/q1"] != plaudit.PointsFromInt(6+2) || len(got) != 2 {
		t.Fatalf("scores %v", got)
	}
	prog, err := settle.FromPolicy(p)
	if err != nil {
		t.Fatal(err)
	}
	if prog.XPayouts {
		t.Fatal("preset dem pays tokens for X")
	}
	w, err := prog.EpochAt(t0)
	if err != nil {
		t.Fatal(err)
	}
	members := map[string]settle.MemberInfo{}
	for _, m := range dir.Members() {
		members[m.Handle] = settle.MemberInfo{Kind: m.Kind, Wallet: "0x" + strings.Repeat("1", 40)}
	}
	r, err := settle.Close(prog, w, scores, nil, settle.Input{Members: members})
	if err != nil {
		t.Fatal(err)
	}
	allocs := map[string]plaudit.Allocation{}
	for _, a := range r.Allocations {
		allocs[a.Member] = a
		if a.Paid != nil && a.Paid.Sign() != 0 {
			t.Errorf("%s paid %s for X activity", a.Member, a.Paid)
		}
	}
	if a := allocs["acme"]; a.ENG == nil || a.ENG.Cmp(big.NewInt(10_000_000)) != 0 || a.Kind != plaudit.MemberProject {
		t.Errorf("acme: %+v", a)
	}
	if a := allocs["alice"]; a.ENG == nil || a.ENG.Cmp(big.NewInt(8_000_000)) != 0 {
		t.Errorf("alice: %+v", a)
	}
	var toProject, toStake *big.Int
	for _, pst := range r.Postings {
		for _, e := range pst.Entries {
			if e.Asset != plaudit.AssetENG {
				continue
			}
			switch {
			case e.Account == plaudit.AccountProjectWallet:
				toProject = e.Amount
			case strings.HasSuffix(e.Account, "alice"):
				toStake = e.Amount
			}
		}
	}
	if toProject == nil || toProject.Int64() != 10_000_000 || toStake == nil || toStake.Int64() != 8_000_000 {
		t.Errorf("ENG minted to the project wallet %v, to alice's stake %v", toProject, toStake)
	}
}
