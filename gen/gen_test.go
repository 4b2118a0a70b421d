package gen

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/eventio"
)

// community is a generated community held in memory for tests.
type community struct {
	res    *Result
	events []plaudit.Event
	dir    *plaudit.Directory
	label  map[string]Label // member handle → label
}

var cache = map[string]*community{}

func generate(t testing.TB, cfg Config) *community {
	t.Helper()
	key, _ := json.Marshal(cfg)
	if c := cache[string(key)]; c != nil {
		return c
	}
	c := &community{label: map[string]Label{}}
	res, err := Generate(cfg, func(e *plaudit.Event) error {
		c.events = append(c.events, *e)
		return nil
	})
	if err != nil {
		t.Fatalf("generate: %v", err)
	}
	c.res = res
	c.dir = plaudit.BuildDirectory(c.events)
	for _, ml := range res.Labels {
		c.label[ml.Member] = ml.Label
	}
	cache[string(key)] = c
	return c
}

func encode(t testing.TB, cfg Config) []byte {
	t.Helper()
	var buf bytes.Buffer
	_, err := Generate(cfg, func(e *plaudit.Event) error {
		b, err := json.Marshal(e)
		if err != nil {
			return err
		}
		buf.Write(b)
		buf.WriteByte('\n')
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var std = Config{Members: 1000, Days: 14, Seed: 7}

func TestDeterministic(t *testing.T) {
	cfg := Config{Members: 300, Days: 5, Seed: 42}
	a, b := encode(t, cfg), encode(t, cfg)
	if !bytes.Equal(a, b) {
		t.Fatal("same seed gave different bytes")
	}
	cfg.Seed = 43
	if c := encode(t, cfg); bytes.Equal(a, c) {
		t.Fatal("different seeds gave the same bytes")
	}
	if len(a) == 0 {
		t.Fatal("no events")
	}
}

func TestEventsValidAndOrdered(t *testing.T) {
	c := generate(t, std)
	keys := make(map[string]bool, len(c.events))
	linked := map[string]bool{}
	for i := range c.events {
		e := &c.events[i]
		if errs := e.Validate(); len(errs) > 0 {
			t.Fatalf("event %d %s invalid: %v", i, e.Key(), errs[0])
		}
		if keys[e.Key()] {
			t.Fatalf("duplicate key %s", e.Key())
		}
		keys[e.Key()] = true
		if e.Time.Before(c.res.Start) || !e.Time.Before(c.res.End) {
			t.Fatalf("event %s at %s outside %s – %s", e.Key(), e.Time, c.res.Start, c.res.End)
		}
		if i > 0 {
			p := &c.events[i-1]
			if e.Time.Before(p.Time) || (e.Time.Equal(p.Time) && e.Key() <= p.Key()) {
				t.Fatalf("events %d and %d out of order: %s %s then %s %s", i-1, i, p.Time, p.Key(), e.Time, e.Key())
			}
		}
		if e.TargetAuthor != "" && !linked[e.TargetAccountKey()] {
			t.Fatalf("event %s names account %s before it is linked", e.Key(), e.TargetAccountKey())
		}
		if e.Kind == plaudit.KindLink {
			linked[e.AccountKey()] = true
		} else if e.Source != plaudit.SourcePlaudit && !linked[e.AccountKey()] {
			t.Fatalf("event %s by account %s before it is linked", e.Key(), e.AccountKey())
		}
		if e.Target != "" && e.Kind != plaudit.KindFlag && e.Kind != plaudit.KindCurate && !keys[string(e.Source)+"/"+e.Target] {
			t.Fatalf("event %s targets %s, not emitted before it", e.Key(), e.Target)
		}
	}
	if got := int64(len(c.events)); got != c.res.Events {
		t.Fatalf("Result.Events = %d, emitted %d", c.res.Events, got)
	}
	perDay := float64(len(c.events)) / float64(std.Members*std.Days)
	if perDay < 1 || perDay > 3.5 {
		t.Fatalf("%.2f events per member per day, want 1–3.5", perDay)
	}
}

func TestLabelsCoverDirectory(t *testing.T) {
	c := generate(t, std)
	members := c.dir.Members()
	if len(members) != len(c.res.Labels) || len(members) != std.Members {
		t.Fatalf("directory has %d members, labels %d, config %d", len(members), len(c.res.Labels), std.Members)
	}
	projects, multi := 0, 0
	for i, m := range members {
		if m.Handle != c.res.Labels[i].Member {
			t.Fatalf("member %d: directory %q, labels %q", i, m.Handle, c.res.Labels[i].Member)
		}
		if m.Kind == plaudit.MemberProject {
			projects++
		}
		if len(m.Accounts) > 1 {
			multi++
		}
	}
	if projects < 2 || projects > 6 {
		t.Errorf("%d project members, want a few", projects)
	}
	if multi < std.Members/4 {
		t.Errorf("only %d members linked on several platforms", multi)
	}
}

func TestAttackerCounts(t *testing.T) {
	c := generate(t, std)
	mix := DefaultMix()
	total := 0
	for _, l := range AttackerLabels {
		want := int(math.Round(mix.Share(l) * float64(std.Members)))
		if got := c.res.Count(l); got != want {
			t.Errorf("%s: %d members, want %d", l, got, want)
		}
		total += c.res.Count(l)
	}
	if share := float64(total) / float64(std.Members); share < 0.06 || share > 0.08 {
		t.Errorf("attackers are %.1f%% of members, want 6–8%%", share*100)
	}
	none := generate(t, Config{Members: 200, Days: 3, Seed: 1, Mix: &Mix{}})
	if n := none.res.Count(Honest); n != 200 {
		t.Errorf("empty mix: %d honest of 200", n)
	}
}

// actorLabel returns the label of the member behind each event's actor.
func (c *community) actorLabel(e *plaudit.Event) Label { return c.label[c.dir.MemberOfActor(e)] }

func (c *community) targetMember(e *plaudit.Event) string {
	if e.TargetAuthor == "" {
		return ""
	}
	return c.dir.MemberOf(e.TargetAccountKey())
}

func TestActivityHeavyTailedAndHonestMajority(t *testing.T) {
	c := generate(t, std)
	per := map[string]int{}
	honest := 0
	for i := range c.events {
		e := &c.events[i]
		per[c.dir.MemberOfActor(e)]++
		if c.actorLabel(e) == Honest {
			honest++
		}
	}
	counts := make([]int, 0, len(c.res.Labels))
	for _, ml := range c.res.Labels {
		counts = append(counts, per[ml.Member])
	}
	sort.Sort(sort.Reverse(sort.IntSlice(counts)))
	top := 0
	for _, n := range counts[:len(counts)/10] {
		top += n
	}
	t.Logf("top 10%%: %.2f, honest: %.2f, median %d", float64(top)/float64(len(c.events)), float64(honest)/float64(len(c.events)), counts[len(counts)/2])
	if share := float64(top) / float64(len(c.events)); share < 0.4 {
		t.Errorf("top 10%% of members make %.0f%% of events, want > 40%%", share*100)
	}
	if share := float64(honest) / float64(len(c.events)); share < 0.7 {
		t.Errorf("honest members make %.0f%% of events, want a clear majority (> 70%%)", share*100)
	}
	if median := counts[len(counts)/2]; median > 40 {
		t.Errorf("median member makes %d events in 14 days: not many lurkers", median)
	}
}

func isEngagement(k plaudit.Kind) bool {
	return k == plaudit.KindLike || k == plaudit.KindRepost || k == plaudit.KindReply || k == plaudit.KindQuote
}

func TestLikeRingsEngageInside(t *testing.T) {
	c := generate(t, std)
	ring := map[string]int{} // member → ring
	for i, r := range newGeneratorForTest(std).rings {
		if len(r) < 5 || len(r) > 12 {
			t.Errorf("ring %d has %d members, want 5–12", i, len(r))
		}
	}
	g := newGeneratorForTest(std)
	for i, r := range g.rings {
		for _, m := range r {
			ring[g.members[m].handle] = i
		}
	}
	inside, all := 0, 0
	for i := range c.events {
		e := &c.events[i]
		if !isEngagement(e.Kind) {
			continue
		}
		r, ok := ring[c.dir.MemberOfActor(e)]
		if !ok {
			continue
		}
		all++
		if tr, ok := ring[c.targetMember(e)]; ok && tr == r {
			inside++
		}
	}
	if all < 100 {
		t.Fatalf("ring members engaged only %d times", all)
	}
	t.Logf("ring inside %d of %d", inside, all)
	if share := float64(inside) / float64(all); share < 0.7 {
		t.Errorf("ring engagement inside the ring: %.0f%%, want > 70%%", share*100)
	}
}

// newGeneratorForTest redraws the community's members (not its events) to see its groups.
func newGeneratorForTest(cfg Config) *generator { return newGenerator(cfg) }

func TestSybilClusters(t *testing.T) {
	c := generate(t, std)
	g := newGeneratorForTest(std)
	if len(g.clusters) == 0 {
		t.Fatal("no sybil clusters")
	}
	cluster := map[string]int{}
	for i, cl := range g.clusters {
		if n := len(cl.puppets) + 1; n < 20 || n > 60 {
			t.Errorf("cluster %d has %d accounts, want 20–60", i, n)
		}
		for _, m := range append([]int32{cl.main}, cl.puppets...) {
			cluster[g.members[m].handle] = i
		}
	}
	// Puppets' accounts are created in a burst: within two days of each other.
	created := map[int][]time.Time{}
	wallets := map[int]map[string]int{}
	for i := range c.events {
		e := &c.events[i]
		h := c.dir.MemberOfActor(e)
		cl, ok := cluster[h]
		if !ok {
			continue
		}
		if e.Kind == plaudit.KindLink && h != g.members[g.clusters[cl].main].handle {
			s, _ := e.AttrString("account_created")
			tm, err := time.Parse(time.RFC3339, s)
			if err != nil {
				t.Fatalf("%s: account_created %q: %v", e.Key(), s, err)
			}
			created[cl] = append(created[cl], tm)
		}
		if e.Kind == plaudit.KindWallet {
			a, _ := e.AttrString("address")
			if wallets[cl] == nil {
				wallets[cl] = map[string]int{}
			}
			wallets[cl][a]++
		}
	}
	for cl, ts := range created {
		sort.Slice(ts, func(i, j int) bool { return ts[i].Before(ts[j]) })
		if span := ts[len(ts)-1].Sub(ts[0]); span > 48*time.Hour {
			t.Errorf("cluster %d: puppet accounts created over %s, want a burst", cl, span)
		}
		if ts[len(ts)-1].After(c.res.Start) {
			t.Errorf("cluster %d: account created after the community started", cl)
		}
	}
	for cl, ws := range wallets {
		n := 0
		for _, k := range ws {
			n += k
		}
		if len(ws)*3 > n {
			t.Errorf("cluster %d: %d wallet registrations use %d addresses, want shared wallets", cl, n, len(ws))
		}
	}
	inside, all := 0, 0
	followsIn, follows := 0, 0
	for i := range c.events {
		e := &c.events[i]
		if !isEngagement(e.Kind) && e.Kind != plaudit.KindFollow {
			continue
		}
		h := c.dir.MemberOfActor(e)
		cl, ok := cluster[h]
		if !ok || h == g.members[g.clusters[cl].main].handle {
			continue
		}
		tc, ok := cluster[c.targetMember(e)]
		in := ok && tc == cl
		if e.Kind == plaudit.KindFollow {
			follows++
			if in {
				followsIn++
			}
			continue
		}
		all++
		if in {
			inside++
		}
	}
	if follows < len(cluster) || followsIn*10 < follows*9 {
		t.Errorf("puppets follow %d accounts, %d inside the cluster: want follows of the operator and each other", follows, followsIn)
	}
	t.Logf("sybil inside %d of %d; wallets %v", inside, all, wallets)
	if share := float64(inside) / float64(all); all < 100 || share < 0.7 {
		t.Errorf("puppet engagement inside the cluster: %d of %d, want > 70%%", inside, all)
	}
}

func TestVelocityBotsAreFast(t *testing.T) {
	c := generate(t, std)
	last := map[string]time.Time{}
	gaps := map[Label][]float64{}
	for i := range c.events {
		e := &c.events[i]
		if e.Kind != plaudit.KindLike && e.Kind != plaudit.KindRepost {
			continue
		}
		h := c.dir.MemberOfActor(e)
		if p, ok := last[h]; ok {
			gaps[c.label[h]] = append(gaps[c.label[h]], e.Time.Sub(p).Seconds())
		}
		last[h] = e.Time
	}
	median := func(l Label) float64 {
		s := gaps[l]
		sort.Float64s(s)
		return s[len(s)/2]
	}
	t.Logf("gaps vb %.0f honest %.0f", median(VelocityBot), median(Honest))
	if m := median(VelocityBot); m > 5 {
		t.Errorf("velocity bots: median gap between likes %.0f s, want ≤ 5 s", m)
	}
	if m := median(Honest); m < 600 {
		t.Errorf("honest members: median gap between likes %.0f s, want minutes to hours", m)
	}
}

func words(s string) int { return len(strings.Fields(s)) }

func TestFarmersAndCopyPasters(t *testing.T) {
	c := generate(t, std)
	lens := map[Label][]int{}
	texts := map[string][]string{}
	for i := range c.events {
		e := &c.events[i]
		if e.Content == "" || e.Kind.IsIdentity() {
			continue
		}
		l := c.actorLabel(e)
		if e.Kind == plaudit.KindReply {
			lens[l] = append(lens[l], words(e.Content))
		}
		if l == CopyPaste || l == Honest {
			h := c.dir.MemberOfActor(e)
			texts[h] = append(texts[h], e.Content)
		}
	}
	med := func(l Label) int { s := lens[l]; sort.Ints(s); return s[len(s)/2] }
	if m := med(GMFarmer); m > 3 {
		t.Errorf("gm farmers' median reply is %d words, want ≤ 3", m)
	}
	if m := med(Honest); m < 10 {
		t.Errorf("honest median reply is %d words, want substantive (≥ 10)", m)
	}
	// Copy-pasters repeat themselves: most pairs of their texts share most words; honest members' rarely do.
	similar := func(l Label) float64 {
		near, pairs := 0, 0
		for h, ts := range texts {
			if c.label[h] != l {
				continue
			}
			for i := 1; i < len(ts) && i < 40; i++ {
				pairs++
				if jaccard(ts[i-1], ts[i]) > 0.6 {
					near++
				}
			}
		}
		return float64(near) / float64(max(pairs, 1))
	}
	t.Logf("gm %d honest %d cp-sim %.2f honest-sim %.2f", med(GMFarmer), med(Honest), similar(CopyPaste), similar(Honest))
	if s := similar(CopyPaste); s < 0.4 {
		t.Errorf("copy-pasters: %.0f%% of consecutive texts near-duplicates, want > 40%%", s*100)
	}
	if s := similar(Honest); s > 0.1 {
		t.Errorf("honest members: %.0f%% of consecutive texts near-duplicates, want < 10%%", s*100)
	}
}

func jaccard(a, b string) float64 {
	sa, sb := map[string]bool{}, map[string]bool{}
	for _, w := range strings.Fields(strings.ToLower(a)) {
		sa[w] = true
	}
	for _, w := range strings.Fields(strings.ToLower(b)) {
		sb[w] = true
	}
	inter := 0
	for w := range sa {
		if sb[w] {
			inter++
		}
	}
	return float64(inter) / float64(max(len(sa)+len(sb)-inter, 1))
}

func TestPlatformAttributes(t *testing.T) {
	c := generate(t, std)
	var priced, casts, submits, flags, attackerFlags, follows int
	for i := range c.events {
		e := &c.events[i]
		switch {
		case e.Kind == plaudit.KindFollow:
			follows++
			if e.Source != plaudit.SourceX || e.TargetAuthor == "" || e.Target != "" {
				t.Fatalf("bad follow %+v", e)
			}
		case e.Source == plaudit.SourceGitHub && e.Kind == "issue":
			labels, _ := e.Attrs["labels"].([]any)
			for _, l := range labels {
				if s, _ := l.(string); strings.HasPrefix(s, "Price: ") && strings.HasSuffix(s, " USD") {
					priced++
				}
			}
		case e.Source == plaudit.SourceFarcaster && (e.Kind == plaudit.KindPost || e.Kind == plaudit.KindReply):
			casts++
			for _, k := range []string{"fid", "username", "follower_count", "power_badge", "likes_count", "recasts_count", "replies_count", "embeds", "mentioned"} {
				if _, ok := e.Attrs[k]; !ok {
					t.Fatalf("cast %s lacks attrs.%s", e.Key(), k)
				}
			}
			if fid, _ := e.AttrString("fid"); fid != e.Actor {
				t.Fatalf("cast %s: fid %q, actor %q", e.Key(), fid, e.Actor)
			}
		case e.Kind == plaudit.KindSubmit:
			submits++
			if e.Source != plaudit.SourceX || e.Target == "" {
				t.Fatalf("bad submit %+v", e)
			}
		case e.Kind == plaudit.KindFlag:
			flags++
			src, id, ok := strings.Cut(e.Target, "/")
			if strings.HasPrefix(e.Target, "member:") {
				if c.label[strings.TrimPrefix(e.Target, "member:")] != Honest {
					attackerFlags++
				}
				continue
			}
			if !ok {
				t.Fatalf("flag %s: target %q", e.Key(), e.Target)
			}
			for j := range i {
				if f := &c.events[j]; string(f.Source) == src && f.ExternalID == id {
					if c.actorLabel(f) != Honest {
						attackerFlags++
					}
					break
				}
			}
		}
	}
	if priced == 0 || casts == 0 || submits == 0 || flags == 0 || follows == 0 {
		t.Fatalf("priced issues %d, casts %d, submits %d, flags %d, follows %d: want some of each", priced, casts, submits, flags, follows)
	}
	t.Logf("flags %d attacker %d priced %d casts %d submits %d", flags, attackerFlags, priced, casts, submits)
	if float64(attackerFlags) < 0.6*float64(flags) {
		t.Errorf("%d of %d flags hit attackers, want most", attackerFlags, flags)
	}
}

func TestPopularityIsSkewed(t *testing.T) {
	c := generate(t, std)
	likes := map[string]int{}
	total := 0
	for i := range c.events {
		if e := &c.events[i]; e.Kind == plaudit.KindLike && e.Source == plaudit.SourceX {
			likes[e.Target]++
			total++
		}
	}
	n := make([]int, 0, len(likes))
	for _, k := range likes {
		n = append(n, k)
	}
	sort.Sort(sort.Reverse(sort.IntSlice(n)))
	top := 0
	for _, k := range n[:len(n)/20] {
		top += k
	}
	t.Logf("top5%% likes share %.2f", float64(top)/float64(total))
	if share := float64(top) / float64(total); share < 0.2 {
		t.Errorf("top 5%% of liked posts get %.0f%% of likes, want a skew (> 20%%)", share*100)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, cfg := range []Config{
		{Members: 5, Days: 1},
		{Members: 100, Days: 0},
		{Members: 100, Days: 1, Rate: -1},
		{Members: 100, Days: 1, Mix: &Mix{Sybil: 0.6}},
		{Members: 100, Days: 1, Start: time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC)},
	} {
		if _, err := Generate(cfg, func(*plaudit.Event) error { return nil }); err == nil {
			t.Errorf("%+v: no error", cfg)
		}
	}
}

func TestEmitErrorStops(t *testing.T) {
	boom := errors.New("boom")
	n := 0
	_, err := Generate(Config{Members: 50, Days: 2}, func(*plaudit.Event) error {
		n++
		if n == 10 {
			return boom
		}
		return nil
	})
	if !errors.Is(err, boom) || n != 10 {
		t.Fatalf("err %v after %d events", err, n)
	}
	res, err := Generate(Config{Members: 50, Days: 2}, func(*plaudit.Event) error { return ErrStop })
	if err != nil || res.Events != 0 {
		t.Fatalf("ErrStop: err %v, %d events", err, res.Events)
	}
}

func TestSmallAndOddSizes(t *testing.T) {
	for _, cfg := range []Config{
		{Members: 10, Days: 1, Seed: 3},
		{Members: 37, Days: 2, Seed: 4, Mix: &Mix{Sybil: 0.3, LikeRing: 0.1}},
		{Members: 120, Days: 3, Seed: 5, Rate: 0.5, Start: time.Date(2025, 3, 30, 12, 30, 0, 0, time.UTC)},
	} {
		c := generate(t, cfg)
		if c.dir.Len() != cfg.Members {
			t.Errorf("%+v: directory has %d members", cfg, c.dir.Len())
		}
		for i := range c.events {
			if errs := c.events[i].Validate(); len(errs) > 0 {
				t.Fatalf("%+v: %v", cfg, errs[0])
			}
		}
	}
}

func TestParseMix(t *testing.T) {
	m, err := ParseMix("gm_farmer=1%, sybil=0.04,like_ring=0")
	if err != nil || m.GMFarmer != 0.01 || m.Sybil != 0.04 || m.LikeRing != 0 || m.CopyPaste != 0 {
		t.Fatalf("got %+v, %v", m, err)
	}
	if back, err := ParseMix(DefaultMix().String()); err != nil || back != DefaultMix() {
		t.Fatalf("round trip: %+v, %v", back, err)
	}
	for _, bad := range []string{"gm_farmer", "spammer=1%", "sybil=2", "sybil=-1%", "sybil=x", "sybil=1%,sybil=2%", "sybil=40%,gm_farmer=20%", "sybil=NaN"} {
		if _, err := ParseMix(bad); err == nil {
			t.Errorf("ParseMix(%q): no error", bad)
		}
	}
}

func FuzzParseMix(f *testing.F) {
	for _, s := range []string{"", "none", "gm_farmer=1%", DefaultMix().String(), "sybil=0.5", "a=b=c", "sybil=1e-3,velocity_bot=.5%"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMix(s)
		if err != nil {
			return
		}
		if m.Total() > 0.5 || m.Total() < 0 {
			t.Fatalf("ParseMix(%q) accepted total %g", s, m.Total())
		}
		back, err := ParseMix(m.String())
		if err != nil {
			t.Fatalf("ParseMix(%q).String() = %q does not parse: %v", s, m.String(), err)
		}
		for _, l := range AttackerLabels {
			if math.Abs(back.Share(l)-m.Share(l)) > 1e-12 {
				t.Fatalf("round trip of %q: %s %g then %g", s, l, m.Share(l), back.Share(l))
			}
		}
	})
}

func TestMembersForEvents(t *testing.T) {
	const want = 60_000
	cfg := Config{Members: MembersForEvents(want, 10), Days: 10, Seed: 9}
	var n int64
	if _, err := Generate(cfg, func(*plaudit.Event) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if n < want*8/10 || n > want*12/10 {
		t.Errorf("asked for about %d events, got %d", want, n)
	}
	cfg = Config{Members: 400, Days: 10, Seed: 9, Rate: RateForEvents(want, 400, 10)}
	n = 0
	if _, err := Generate(cfg, func(*plaudit.Event) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if n < want*8/10 || n > want*12/10 {
		t.Errorf("asked for about %d events from 400 members, got %d (rate %.2f)", want, n, cfg.Rate)
	}
}

// cpuTime returns the CPU time (user and system) the process has used: on a shared machine a rate per
// CPU-second says more than one per wall-clock second.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchGenerate generates about a million events per iteration through emit and reports events per second
// of wall time and per CPU-second.
func benchGenerate(b *testing.B, emit func() func(*plaudit.Event) error) {
	cfg := Config{Members: MembersForEvents(1_000_000, 30), Days: 30, Seed: 1}
	var n int64
	cpu := cpuTime()
	for b.Loop() {
		res, err := Generate(cfg, emit())
		if err != nil {
			b.Fatal(err)
		}
		n += res.Events
	}
	b.ReportMetric(float64(n)/float64(b.N), "events/op")
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(n)/(cpuTime()-cpu).Seconds(), "events/cpu-s")
}

// BenchmarkGenerate measures generation alone; BenchmarkGenerateJSON adds the import format's encoding.
func BenchmarkGenerate(b *testing.B) {
	benchGenerate(b, func() func(*plaudit.Event) error { return func(*plaudit.Event) error { return nil } })
}

func BenchmarkGenerateJSON(b *testing.B) {
	benchGenerate(b, func() func(*plaudit.Event) error { return eventio.NewEncoder(io.Discard).Encode })
}

func TestDiurnalRhythm(t *testing.T) {
	c := generate(t, std)
	tz := map[string]int{}
	for _, m := range newGeneratorForTest(std).members {
		tz[m.handle] = m.tz
	}
	var byHour [24]int
	for i := range c.events {
		e := &c.events[i]
		h := c.dir.MemberOfActor(e)
		if c.label[h] != Honest || e.Kind.IsIdentity() {
			continue
		}
		byHour[localHour(e.Time.Unix(), tz[h])]++
	}
	night := byHour[2] + byHour[3] + byHour[4]
	evening := byHour[18] + byHour[19] + byHour[20]
	if night*4 > evening {
		t.Errorf("honest events at 2–5 h local: %d, at 18–21 h: %d; want a clear diurnal rhythm", night, evening)
	}
}

func TestRateKeepsHonestMajority(t *testing.T) {
	for _, rate := range []float64{0.5, 6} {
		cfg := Config{Members: 600, Days: 7, Seed: 5, Rate: rate}
		c := generate(t, cfg)
		honest := 0
		for i := range c.events {
			if c.actorLabel(&c.events[i]) == Honest {
				honest++
			}
		}
		if share := float64(honest) / float64(len(c.events)); share < 0.65 {
			t.Errorf("rate %g: honest members make %.0f%% of events", rate, share*100)
		}
		want := expectedEvents(cfg.Members, cfg.Days, rate)
		if n := float64(len(c.events)); n < want*0.6 || n > want*1.4 {
			t.Errorf("rate %g: %0.f events, expected about %.0f", rate, n, want)
		}
	}
}

// TestMemoryBounded checks that generation streams: the live heap while generating four months is about
// what it is for two weeks, since only the members and a few days of posts are kept.
func TestMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("generates four months")
	}
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	// peak is the most live heap generation adds to what the process held before it began.
	peak := func(days int) uint64 {
		var max uint64
		var n int
		base := heap()
		_, err := Generate(Config{Members: 500, Days: days, Seed: 2}, func(*plaudit.Event) error {
			if n++; n%4_000 == 0 {
				if h := heap(); h > base {
					max = maxU(max, h-base)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return max
	}
	short, long := peak(15), peak(120)
	t.Logf("live heap: %d KiB over 15 days, %d KiB over 120 days", short>>10, long>>10)
	if long > 2*short+4<<20 {
		t.Errorf("live heap grows with the period: %d KiB over 15 days, %d KiB over 120", short>>10, long>>10)
	}
}

func maxU(a, b uint64) uint64 {
	if a > b {
		return a
	}
	return b
}

// TestRingsShareX: every like-ring member has an X account, where rings post most, so a planted ring is one
// group that engages itself. Before, a ring member drawn without X (5%) never saw the X members' posts, and at
// 100 members seed 3 a ring of 5 fell apart into a pair and a trio that never engaged each other.
func TestRingsShareX(t *testing.T) {
	for _, members := range []int{100, 200, 500} {
		for seed := int64(1); seed <= 5; seed++ {
			g := newGeneratorForTest(Config{Members: members, Days: 14, Seed: seed})
			for i, r := range g.rings {
				for _, m := range r {
					if g.members[m].accounts[pX] == nil {
						t.Errorf("members %d seed %d: ring %d member %s has no X account", members, seed, i, g.members[m].handle)
					}
				}
			}
		}
	}
}
