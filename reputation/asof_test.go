package reputation_test

import (
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/gen"
	"github.com/plaudit/plaudit/reputation"
)

// TestAsOfFirstEpochAndBoundary: in the first epoch, with members joining as it opens and no interaction
// before it, the weights are the pre-trust (the project member 1, everyone else 0); a log where nobody can be
// pre-trusted is neutral; and interactions at or after the epoch's start are not read.
func TestAsOfFirstEpochAndBoundary(t *testing.T) {
	start := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	end := start.AddDate(0, 0, 7)
	ev := func(id string, k plaudit.Kind, actor, targetAuthor string, at time.Time, attrs map[string]any) plaudit.Event {
		return plaudit.Event{Source: plaudit.SourceDiscord, ExternalID: id, Kind: k, Actor: actor, Target: "m-" + id, TargetAuthor: targetAuthor, Time: at, Attrs: attrs}
	}
	link := func(acct, member, kind string, at time.Time) plaudit.Event {
		return ev("link-"+acct, plaudit.KindLink, acct, "", at, map[string]any{"member": member, "member_kind": kind})
	}
	events := []plaudit.Event{
		link("p", "pat", string(plaudit.MemberProject), start),
		link("a", "ann", string(plaudit.MemberCommunity), start.Add(time.Hour)),
		ev("r1", plaudit.KindReply, "p", "a", start.Add(2*time.Hour), nil), // inside the epoch: not read
	}
	snap, err := reputation.AsOf(events, start, end, reputation.Params{})
	if err != nil {
		t.Fatal(err)
	}
	if snap.Basis != reputation.BasisPretrust || snap.Weight("pat", 0) != plaudit.One || snap.Weight("ann", 500_000) != 500_000 || snap.Members != 2 {
		t.Fatalf("first epoch: %+v", snap)
	}
	// The next epoch reads the reply: ann gains trust from pat.
	next, err := reputation.AsOf(events, end, end.AddDate(0, 0, 7), reputation.Params{})
	if err != nil {
		t.Fatal(err)
	}
	if next.Basis != reputation.BasisEigenTrust || next.Weight("ann", 0) <= 0 || next.Weight("pat", 0) <= next.Weight("ann", 0) {
		t.Fatalf("second epoch: %+v", next)
	}
	// Nobody to pre-trust: neutral.
	events[0] = link("p", "pat", string(plaudit.MemberCommunity), start)
	neutral, err := reputation.AsOf(events, end, end.AddDate(0, 0, 7), reputation.Params{})
	if err != nil {
		t.Fatal(err)
	}
	if neutral.Basis != reputation.BasisNeutral || neutral.Weight("ann", 500_000) != 500_000 {
		t.Fatalf("no pre-trust: %+v", neutral)
	}
}

// TestAsOfRingsGenerated: on a generated community, the snapshot of the second week finds the like rings of
// the first: ring-mates are in one ring (so a like between them weighs nothing), honest members in none, and
// ring members keep no age-based pre-trust.
func TestAsOfRingsGenerated(t *testing.T) {
	events, res := generated(t, gen.Config{Members: 1000, Days: 14, Seed: 1})
	var ring, honest []string
	for _, l := range res.Labels {
		switch l.Label {
		case gen.LikeRing:
			ring = append(ring, l.Member)
		case gen.Honest:
			honest = append(honest, l.Member)
		}
	}
	start := res.Start.AddDate(0, 0, 7)
	snap, err := reputation.AsOf(events, start, start.AddDate(0, 0, 7), reputation.Params{})
	if err != nil {
		t.Fatal(err)
	}
	pairs := 0
	for _, a := range ring {
		for _, b := range ring {
			if a != b && snap.SameRing(a, b) {
				pairs++
			}
		}
		for _, h := range honest {
			if snap.SameRing(a, h) || snap.SameRing(h, a) {
				t.Fatalf("honest %s in a ring with %s", h, a)
			}
		}
	}
	if snap.Basis != reputation.BasisEigenTrust || pairs < len(ring) {
		t.Fatalf("basis %s, %d ring-mate pairs among %d like-ring members", snap.Basis, pairs, len(ring))
	}
}
