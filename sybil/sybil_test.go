package sybil

import (
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/gen"
	"github.com/plaudit/plaudit/graph"
)

// Two cliques joined by one edge: trust seeded in the first stays there after ⌈log₂ n⌉ steps.
func TestSybilRankTwoRegions(t *testing.T) {
	b := graph.NewBuilder()
	clique := func(prefix string, k int) {
		for i := 0; i < k; i++ {
			for j := 0; j < k; j++ {
				if i != j {
					_ = b.AddEdge(fmt.Sprintf("%s%d", prefix, i), fmt.Sprintf("%s%d", prefix, j), 1)
				}
			}
		}
	}
	clique("h", 8)
	clique("s", 8)
	_ = b.AddEdge("s0", "h0", 1) // the one attack edge
	b.AddNode("lonely")
	u := b.Build().Undirected()
	seeds := make([]float64, u.Len())
	i, _ := u.Index("h3")
	seeds[i] = 1
	r := SybilRank(u, seeds, 0)
	for k, id := range u.IDs {
		switch {
		case id == "lonely":
			if !math.IsNaN(r[k]) {
				t.Errorf("isolated node: %v, want NaN", r[k])
			}
		case strings.HasPrefix(id, "h"):
			if r[k] < 0.5 {
				t.Errorf("honest %s: %v", id, r[k])
			}
		case strings.HasPrefix(id, "s"):
			if r[k] > 0.2 {
				t.Errorf("sybil %s: %v", id, r[k])
			}
		}
	}
	// No seeds: nothing is reached.
	r = SybilRank(u, make([]float64, u.Len()), 0)
	if r[0] != 0 {
		t.Errorf("no seeds: %v", r[0])
	}
}

func at(h int) time.Time { return time.Date(2026, 1, 1, h, 0, 0, 0, time.UTC) }

func TestWalletsLinksAge(t *testing.T) {
	events := []plaudit.Event{
		{Source: "x", ExternalID: "1", Kind: plaudit.KindLink, Actor: "a1", Time: at(1), Attrs: map[string]any{"member": "alice", "account_created": "2020-01-01T00:00:00Z"}},
		{Source: "x", ExternalID: "2", Kind: plaudit.KindLink, Actor: "b1", Time: at(1), Attrs: map[string]any{"member": "bob", "account_created": "2025-12-25T00:00:00Z"}},
		{Source: "plaudit", ExternalID: "3", Kind: plaudit.KindWallet, Actor: "alice", Time: at(2), Attrs: map[string]any{"address": "0xAbC0000000000000000000000000000000000001"}},
		{Source: "plaudit", ExternalID: "4", Kind: plaudit.KindWallet, Actor: "bob", Time: at(2), Attrs: map[string]any{"address": "0xabc0000000000000000000000000000000000001"}},
		// x:c1 is linked to carol, then to dave.
		{Source: "x", ExternalID: "5", Kind: plaudit.KindLink, Actor: "c1", Time: at(3), Attrs: map[string]any{"member": "carol"}},
		{Source: "x", ExternalID: "6", Kind: plaudit.KindLink, Actor: "c1", Time: at(4), Attrs: map[string]any{"member": "dave"}},
		{Source: "x", ExternalID: "7", Kind: plaudit.KindLink, Actor: "c2", Time: at(4), Attrs: map[string]any{"member": "carol"}},
	}
	dir := plaudit.BuildDirectory(events)
	sigs, err := Detect(events, dir, map[string]float64{"alice": 1}, Params{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range sigs {
		got = append(got, s.Member+" "+s.Check)
	}
	want := []string{"alice shared_wallet", "bob shared_wallet", "bob account_age", "carol linked_identity", "dave linked_identity"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("signals %q, want %q", got, want)
	}
	if ev := sigs[1].Evidence[0]; ev.Name != "wallet:0xabc0000000000000000000000000000000000001" || ev.Value != "shared with alice" {
		t.Errorf("wallet evidence %+v", ev)
	}
	if ev := sigs[3].Evidence[0]; ev.Value != "held by carol, dave" {
		t.Errorf("link evidence %+v", ev)
	}
	if r := sigs[2].Reason(); r.Check != CheckAccountAge || r.Multiplier != 700_000 || !strings.Contains(r.Detail, "7 days") {
		t.Errorf("age reason %+v", r)
	}
}

type labelled struct {
	events []plaudit.Event
	labels map[string]gen.Label
}

func generate(t *testing.T, cfg gen.Config) labelled {
	var l labelled
	res, err := gen.Generate(cfg, func(e *plaudit.Event) error {
		l.events = append(l.events, *e)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	l.labels = map[string]gen.Label{}
	for _, m := range res.Labels {
		l.labels[m.Member] = m.Label
	}
	return l
}

// TestDetectGeneratedSybils checks each signal against the sybil clusters planted by gen (20–60 accounts
// made in a burst weeks before they join, sharing a few wallets, boosting their operator's main account).
func TestDetectGeneratedSybils(t *testing.T) {
	for _, cfg := range []gen.Config{{Members: 2000, Days: 14, Seed: 1}, {Members: 3000, Days: 7, Seed: 2}} {
		t.Run(fmt.Sprintf("members=%d,days=%d,seed=%d", cfg.Members, cfg.Days, cfg.Seed), func(t *testing.T) {
			l := generate(t, cfg)
			dir := plaudit.BuildDirectory(l.events)
			seeds := ProjectSeeds(dir)
			sigs, err := Detect(l.events, dir, seeds, Params{})
			if err != nil {
				t.Fatal(err)
			}
			planted, withWallet := 0, 0
			for _, lb := range l.labels {
				if lb == gen.Sybil {
					planted++
				}
			}
			for _, m := range dir.Members() {
				if l.labels[m.Handle] == gen.Sybil && len(m.Wallets) > 0 {
					withWallet++
				}
			}
			t.Logf("%d sybils planted, %d with a wallet; SybilRank counts like-ring members as true positives too", planted, withWallet)
			type pr struct {
				tp, fp, sybils int
				fpLabels       map[gen.Label]int
			}
			by := map[string]*pr{}
			for _, s := range sigs {
				c := by[s.Check]
				if c == nil {
					c = &pr{fpLabels: map[gen.Label]int{}}
					by[s.Check] = c
				}
				if l.labels[s.Member] == gen.Sybil {
					c.sybils++
				}
				if l.labels[s.Member] == gen.Sybil || (s.Check == CheckSybilRank && l.labels[s.Member] == gen.LikeRing) {
					c.tp++
				} else {
					c.fp++
					c.fpLabels[l.labels[s.Member]]++
				}
			}
			for _, check := range []string{CheckSybilRank, CheckSharedWallet, CheckLinkedIdentity, CheckAccountAge, CheckBurstCreation} {
				c := by[check]
				if c == nil {
					c = &pr{}
				}
				t.Logf("%-16s flagged %4d: sybils %4d of %d (recall %.2f), like-ring members %d, others %4d %v (precision %.2f)", check, c.tp+c.fp, c.sybils, planted,
					float64(c.sybils)/float64(planted), c.tp-c.sybils, c.fp, c.fpLabels, float64(c.tp)/float64(max(c.tp+c.fp, 1)))
			}
			any := map[string]bool{}
			for _, s := range sigs {
				if s.Check != CheckAccountAge {
					any[s.Member] = true
				}
			}
			caught, honest := 0, 0
			for m := range any {
				switch l.labels[m] {
				case gen.Sybil:
					caught++
				case gen.Honest:
					honest++
				}
			}
			t.Logf("any of sybilrank, shared_wallet, linked_identity, burst_creation: %d of %d sybils, %d honest members", caught, planted, honest)
			// Wallets: every sybil with a wallet shares it (gen gives a cluster 1–4 wallets), nobody else does.
			if c := by[CheckSharedWallet]; c == nil || c.fp != 0 || c.tp != withWallet {
				t.Errorf("shared_wallet: want exactly the %d sybils with wallets", withWallet)
			}
			if c := by[CheckBurstCreation]; c == nil || float64(c.tp)/float64(c.tp+c.fp) < 0.95 || float64(c.tp)/float64(planted) < 0.9 {
				t.Errorf("burst_creation: want precision ≥ 0.95 and recall ≥ 0.9")
			}
			if c := by[CheckSybilRank]; c == nil || float64(c.tp)/float64(c.tp+c.fp) < 0.8 {
				t.Errorf("sybilrank: want precision ≥ 0.8 for sybils and like rings")
			}
			again, _ := Detect(l.events, dir, seeds, Params{})
			if !reflect.DeepEqual(sigs, again) {
				t.Error("second run differs")
			}
		})
	}
}

// Ten puppets made within an hour and forty members made over the years all mostly like one account; only
// the puppets form a burst.
func TestBurstCreation(t *testing.T) {
	var events []plaudit.Event
	add := func(actor string, created time.Time, n int) {
		for k := 0; k < n; k++ {
			events = append(events, plaudit.Event{Source: "x", ExternalID: fmt.Sprintf("%s-%d", actor, k), Kind: plaudit.KindLike, Actor: actor,
				Target: "post", TargetAuthor: "main", Time: at(k), Attrs: map[string]any{"account_created": created.Format(time.RFC3339)}})
		}
	}
	base := time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 10; i++ {
		add(fmt.Sprintf("puppet%d", i), base.Add(time.Duration(i)*6*time.Minute), 4)
	}
	for i := 0; i < 40; i++ {
		add(fmt.Sprintf("fan%02d", i), base.AddDate(-1-i/4, -(i%12), 0), 4)
	}
	dir := plaudit.BuildDirectory(events)
	sigs, err := Detect(events, dir, nil, Params{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range sigs {
		if s.Check == CheckBurstCreation {
			got = append(got, s.Member)
		}
	}
	if len(got) != 10 || got[0] != "x:puppet0" || got[9] != "x:puppet9" {
		t.Fatalf("burst members %v", got)
	}
	ev := sigs[0].Evidence
	if ev[0].Value != "10" || ev[3].Value != "x:main" || ev[4].Value != "4 of 4" {
		t.Errorf("evidence %+v", ev)
	}
	// Without the puppets, the fans alone are no burst.
	fans := events[40:]
	sigs, _ = Detect(fans, plaudit.BuildDirectory(fans), nil, Params{})
	for _, s := range sigs {
		if s.Check == CheckBurstCreation {
			t.Fatalf("fans flagged: %+v", s)
		}
	}
}

// mutualClique makes every pair of members engage both ways, n times each.
func mutualClique(events *[]plaudit.Event, members []string, n int, created time.Time) {
	for _, a := range members {
		for _, b := range members {
			if a == b {
				continue
			}
			for k := 0; k < n; k++ {
				*events = append(*events, plaudit.Event{Source: "x", ExternalID: fmt.Sprintf("%s-%s-%d", a, b, k), Kind: plaudit.KindLike,
					Actor: a, Target: "post-" + b, TargetAuthor: b, Time: at(k),
					Attrs: map[string]any{"account_created": created.Format(time.RFC3339)}})
			}
		}
	}
}

// In a small community the project's accounts may return engagement to only a couple of members: the seeds
// then sit outside the community's core, trust cannot reach it, and SybilRank must not call the whole core
// sybil.
func TestSybilRankSeedsOutsideTheCore(t *testing.T) {
	var events []plaudit.Event
	old := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	mutualClique(&events, []string{"proj", "fan1", "fan2"}, 2, old)
	var core []string
	for i := 0; i < 12; i++ {
		core = append(core, fmt.Sprintf("m%02d", i))
	}
	mutualClique(&events, core, 1, old)
	dir := plaudit.BuildDirectory(events)
	sigs, err := Detect(events, dir, map[string]float64{"x:proj": 1}, Params{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sigs {
		if s.Check == CheckSybilRank {
			t.Errorf("%s flagged by SybilRank though the seeds never reach the core: %s", s.Member, s.Detail)
		}
	}
}

// Three puppets made within an hour in an old community of thirty, all boosting one account, are a burst:
// the community's own creation rate makes that far beyond chance, though it is fewer than a large
// community would need.
func TestSmallBurst(t *testing.T) {
	var events []plaudit.Event
	add := func(actor, target string, created time.Time, n int) {
		for k := 0; k < n; k++ {
			events = append(events, plaudit.Event{Source: "x", ExternalID: fmt.Sprintf("%s-%s-%d", actor, target, k), Kind: plaudit.KindLike,
				Actor: actor, Target: "post-" + target, TargetAuthor: target, Time: at(k),
				Attrs: map[string]any{"account_created": created.Format(time.RFC3339)}})
		}
	}
	base := time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 3; i++ {
		add(fmt.Sprintf("puppet%d", i), "main", base.Add(time.Duration(i)*20*time.Minute), 5)
	}
	for i := 0; i < 30; i++ {
		add(fmt.Sprintf("m%02d", i), fmt.Sprintf("m%02d", (i+1)%30), base.AddDate(-1-i/6, -(i%12), -i), 4)
	}
	dir := plaudit.BuildDirectory(events)
	sigs, err := Detect(events, dir, nil, Params{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range sigs {
		if s.Check == CheckBurstCreation {
			got = append(got, s.Member)
			if s.Evidence[len(s.Evidence)-1].Name != "chance_at_community_rate" {
				t.Errorf("evidence %+v lacks the chance", s.Evidence)
			}
		}
	}
	if !reflect.DeepEqual(got, []string{"x:puppet0", "x:puppet1", "x:puppet2"}) {
		t.Fatalf("burst members %v, want the three puppets", got)
	}
	if p := poissonTail(0.1, 3); p < 1.5e-4 || p > 1.6e-4 {
		t.Errorf("P(X≥3 | λ=0.1) = %g, want about 1.547e-4", p)
	}
}
