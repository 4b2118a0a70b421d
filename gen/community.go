package gen

import (
	"encoding/hex"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/plaudit/plaudit"
)

const (
	day  = 86400
	year = 365 * day
)

var projectNames = []string{"plaudit", "echonet", "castboard", "ubiquity_dao", "dem_protocol", "tierbot"}

// platform launch dates: no account is older than its platform.
var launch = [numPlatforms]int64{
	time.Date(2007, 1, 1, 0, 0, 0, 0, time.UTC).Unix(),
	time.Date(2015, 6, 1, 0, 0, 0, 0, time.UTC).Unix(),
	time.Date(2008, 4, 1, 0, 0, 0, 0, time.UTC).Unix(),
	time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC).Unix(),
}

// newGenerator draws the community: members, their accounts, groups of attackers.
func newGenerator(cfg Config) *generator {
	if cfg.Start.IsZero() {
		cfg.Start = DefaultStart
	}
	if cfg.Rate == 0 {
		cfg.Rate = DefaultRate
	}
	mix := DefaultMix()
	if cfg.Mix != nil {
		mix = *cfg.Mix
	}
	rng := rand.New(rand.NewPCG(uint64(cfg.Seed), 0x9e3779b97f4a7c15))
	start := cfg.Start.Truncate(time.Second).Unix()
	g := &generator{
		cfg:     cfg,
		rng:     rng,
		start:   start,
		end:     start + int64(cfg.Days)*day,
		issueNo: map[string]int{},
		flushAt: flushAt,
		text:    textGen{r: rng, project: "Plaudit", ticker: "$PLD"},
	}
	n := cfg.Members
	nproj := 1
	if n >= 50 {
		nproj = min(2+n/2500, len(projectNames))
	}
	labels := make([]Label, 0, n)
	for range nproj {
		labels = append(labels, Honest)
	}
	for _, l := range AttackerLabels {
		count := int(math.Round(mix.Share(l) * float64(n)))
		if l == LikeRing && count > 0 {
			// A ring is at least minRing members (see groupAttackers): in a small community the mix's share
			// would otherwise plant a "ring" of two, which is two friends, not a ring.
			count = max(count, minRing)
		}
		for range count {
			labels = append(labels, l)
		}
	}
	for len(labels) < n {
		labels = append(labels, Honest)
	}
	used := map[string]bool{}
	usernames := [numPlatforms]map[string]bool{{}, {}, {}, {}}
	ids := map[string]bool{}
	for i, l := range labels {
		m := &member{idx: int32(i), label: l, kind: plaudit.MemberCommunity, group: -1, tier: 1}
		if i < nproj {
			m.kind = plaudit.MemberProject
			m.handle = projectNames[i]
		} else {
			for m.handle == "" || used[m.handle] {
				m.handle = g.text.handle(l == Sybil)
				if used[m.handle] {
					m.handle += strconv.Itoa(g.rng.IntN(1000))
				}
			}
		}
		used[m.handle] = true
		g.members = append(g.members, m)
	}
	g.groupAttackers()
	for _, m := range g.members {
		g.drawMember(m, usernames, ids)
		if m.label != Honest {
			g.attackers = append(g.attackers, m.idx)
		}
	}
	g.normalizeWeights()
	for i := range nproj {
		g.projects = append(g.projects, int32(i))
		login := g.members[i].accounts[pGitHub].username
		for _, r := range []string{"core", "docs", "bot"}[:min(3, 1+i)] {
			g.repos = append(g.repos, login+"/"+r)
		}
	}
	return g
}

// minRing is the fewest members of a like ring.
const minRing = 5

// groupAttackers splits like-ring members into rings of 5–12 and sybils into clusters of 20–60, each with a
// main account (the operator's).
func (g *generator) groupAttackers() {
	split := func(l Label, lo, hi int) [][]int32 {
		var all []int32
		for _, m := range g.members {
			if m.label == l {
				all = append(all, m.idx)
			}
		}
		var groups [][]int32
		for rem := len(all); rem > 0; {
			size := g.between(lo, hi)
			if rem-size < lo {
				if rem <= hi {
					size = rem
				} else {
					size = rem - lo
				}
			}
			groups = append(groups, all[:size])
			all, rem = all[size:], rem-size
		}
		return groups
	}
	g.rings = split(LikeRing, minRing, 12)
	for i, r := range g.rings {
		for _, m := range r {
			g.members[m].group = i
		}
	}
	for i, grp := range split(Sybil, 20, 60) {
		c := &cluster{main: grp[0], puppets: grp[1:]}
		c.join = g.start + day/2 + g.rng.Int64N(max(int64(g.cfg.Days)*day/2, day))
		c.created = c.join - 15*day - g.rng.Int64N(75*day)
		for range 1 + min(len(grp)/15, 3) {
			c.wallets = append(c.wallets, g.wallet())
		}
		for _, m := range grp {
			g.members[m].group = i
		}
		g.clusters = append(g.clusters, c)
	}
}

func (g *generator) wallet() string {
	var b [20]byte
	for i := range b {
		b[i] = byte(g.rng.Uint32())
	}
	return "0x" + hex.EncodeToString(b[:])
}

// pareto draws from a Pareto distribution with minimum 1 and shape alpha.
func (g *generator) pareto(alpha float64) float64 {
	return math.Pow(1-g.rng.Float64(), -1/alpha)
}

func (g *generator) lognormal(mu, sigma float64) float64 {
	return math.Exp(mu + sigma*g.rng.NormFloat64())
}

var timeZones = []int{-8, -7, -6, -5, -5, -5, -4, -3, 0, 0, 1, 1, 1, 2, 2, 3, 4, 5, 5, 7, 8, 8, 9, 10}

// drawMember draws a member's activity, time zone, accounts, tier and wallet.
func (g *generator) drawMember(m *member, usernames [numPlatforms]map[string]bool, ids map[string]bool) {
	m.tz = timeZones[g.rng.IntN(len(timeZones))]
	raw := g.pareto(1.3)
	if g.chance(0.35) {
		raw *= 0.15 // a lurker
	}
	raw = min(raw, 300)
	m.weight = raw
	m.creator = min(max(0.2+0.25*math.Log10(raw)+0.1*g.rng.NormFloat64(), 0.05), 0.9)
	m.join = g.start + g.rng.Int64N(600)
	if m.label == Honest && m.kind == plaudit.MemberCommunity && g.cfg.Days >= 3 && g.chance(0.12) {
		m.join = g.start + day + g.rng.Int64N(int64(g.cfg.Days-2)*day)
	}

	var want [numPlatforms]float64
	ageLo, ageHi := 30.0*day, 12.0*year
	followers := g.lognormal(math.Log(40)+0.6*math.Log(raw), 1.3)
	switch m.label {
	case Honest:
		want = [numPlatforms]float64{0.72, 0.55, 0.12 + 0.3*m.creator, 0.3}
		if m.kind == plaudit.MemberProject {
			want = [numPlatforms]float64{1, 1, 1, 1}
			followers = 3000 + g.pareto(1.2)*4000
			m.weight = 14
			m.creator = 1
		}
	case GMFarmer:
		want, ageLo, ageHi = [numPlatforms]float64{0.9, 0.4, 0, 0.5}, 0.3*year, 3*year
		followers = 100 + g.rng.Float64()*1900
	case CopyPaste:
		want, ageLo, ageHi = [numPlatforms]float64{0.85, 0.6, 0, 0.4}, 0.2*year, 3*year
		followers = 50 + g.rng.Float64()*1500
		for range 1 + g.rng.IntN(2) {
			m.template = append(m.template, g.rng.IntN(len(copyTemplates)))
		}
	case VelocityBot:
		want, ageLo, ageHi = [numPlatforms]float64{0.9, 0, 0, 0.5}, 0.08*year, 1*year
		followers = g.rng.Float64() * 60
	case LikeRing:
		// Every ring member is on X, where the ring posts most: a ring coordinates where all its members are.
		// (With X at 0.95, a member on Farcaster only and another on X only never saw each other's posts,
		// and a planted ring of 5 fell apart into two groups that never engaged each other.)
		want, ageLo, ageHi = [numPlatforms]float64{1, 0.4, 0, 0.5}, 1*year, 8*year
		followers = 300 + g.rng.Float64()*4700
	case Sybil:
		want = [numPlatforms]float64{1, 0.35, 0, 0.3}
		followers = g.rng.Float64() * 40
		c := g.clusters[m.group]
		if m.idx == c.main {
			want = [numPlatforms]float64{1, 1, 0, 1}
			followers = 500 + g.rng.Float64()*2500
		} else {
			m.join = c.join + g.rng.Int64N(3*3600)
		}
	}
	age := math.Exp(math.Log(ageLo) + g.rng.Float64()*(math.Log(ageHi)-math.Log(ageLo)))
	var burst int64 // sybil puppets: all accounts made within a day or two, weeks before they join
	if m.label == Sybil && m.idx != g.clusters[m.group].main {
		burst = g.clusters[m.group].created + g.rng.Int64N(36*3600)
	}
	for p := range numPlatforms {
		if !g.chance(want[p]) {
			continue
		}
		a := &account{platform: p, member: m.idx}
		if burst != 0 {
			a.created = burst + g.rng.Int64N(900)
		} else {
			a.created = g.start - int64(age*(0.6+0.4*g.rng.Float64()))
		}
		a.created = max(a.created, launch[p]+g.rng.Int64N(90*day))
		a.createdAt = time.Unix(a.created, 0).UTC().Format(time.RFC3339)
		f := followers
		switch p {
		case pDiscord:
			f = 0
		case pGitHub:
			f = followers / 10
		case pFarcaster:
			f = followers * (0.2 + 0.4*g.rng.Float64())
		}
		a.followers = int(f)
		a.username = g.username(m, p, usernames[p])
		a.id = g.accountID(a, ids)
		a.setAttrs()
		m.accounts[p] = a
		m.acctList = append(m.acctList, a)
	}
	if len(m.acctList) == 0 { // everyone has at least an X account
		a := &account{platform: pX, member: m.idx, created: max(g.start-int64(age), launch[pX]), followers: int(followers)}
		if burst != 0 {
			a.created = burst
		}
		a.createdAt = time.Unix(a.created, 0).UTC().Format(time.RFC3339)
		a.username = g.username(m, pX, usernames[pX])
		a.id = g.accountID(a, ids)
		a.setAttrs()
		m.accounts[pX] = a
		m.acctList = append(m.acctList, a)
	}
	if a := m.accounts[pFarcaster]; a != nil {
		m.badge = (a.followers > 2000 && g.chance(0.5)) || g.chance(0.02)
	}
	if m.has(pGitHub) {
		switch {
		case m.kind == plaudit.MemberProject:
			m.assoc = "OWNER"
		case m.creator > 0.6 && g.chance(0.35):
			m.assoc = "COLLABORATOR"
		case m.creator > 0.6 && g.chance(0.2):
			m.assoc = "MEMBER"
		case g.chance(0.45):
			m.assoc = "CONTRIBUTOR"
		default:
			m.assoc = "NONE"
		}
	}
	switch {
	case m.kind == plaudit.MemberProject:
		m.tier = 3
	case m.label == Honest && g.chance(0.03+0.1*m.creator):
		m.tier = 3
	case (m.label == Honest || m.label == GMFarmer || m.label == LikeRing) && g.chance(0.12+0.2*m.creator):
		m.tier = 2
	}
	pw := map[Label]float64{Honest: 0.6, GMFarmer: 0.7, CopyPaste: 0.5, VelocityBot: 0.4, LikeRing: 0.8}[m.label]
	switch {
	case m.label == Sybil:
		c := g.clusters[m.group]
		if m.idx == c.main {
			m.wallet = c.wallets[0]
		} else if g.chance(0.75) {
			m.wallet = c.wallets[g.rng.IntN(len(c.wallets))]
		}
	case g.chance(pw):
		m.wallet = g.wallet()
	}
}

// username derives a platform user name from the member handle, unique on the platform.
func (g *generator) username(m *member, p int, used map[string]bool) string {
	base := strings.TrimSuffix(m.handle, ".eth")
	switch p {
	case pGitHub:
		base = strings.NewReplacer("_", "-", ".", "-").Replace(base)
		if m.kind == plaudit.MemberProject {
			base += "-labs"
		}
	case pX:
		base = strings.ReplaceAll(base, ".", "_")
		if len(base) > 15 {
			base = base[:15]
		}
	case pFarcaster:
		base = strings.ReplaceAll(base, "_", "")
	}
	name := base
	for tries := 0; used[name]; tries++ {
		name = base + strconv.Itoa(g.rng.IntN(widen(10000, tries)))
	}
	used[name] = true
	return name
}

const (
	xEpochMs       = 1288834974657 // X snowflake epoch
	discordEpochMs = 1420070400000 // Discord snowflake epoch
)

// accountID draws the account's platform id the way each platform makes them: X and Discord ids are
// snowflakes of the creation time, GitHub uses the login, Farcaster fids grow with time.
func (g *generator) accountID(a *account, ids map[string]bool) string {
	var id string
	for tries := 0; id == "" || ids[string(platformSource[a.platform])+":"+id]; tries++ {
		switch a.platform {
		case pX:
			if a.created < xEpochMs/1000 {
				id = strconv.FormatInt(12+(a.created-launch[pX])/8+g.rng.Int64N(1000), 10)
			} else {
				id = strconv.FormatInt((a.created*1000+g.rng.Int64N(1000)-xEpochMs)<<22|g.rng.Int64N(1<<22), 10)
			}
		case pDiscord:
			id = strconv.FormatInt((a.created*1000+g.rng.Int64N(1000)-discordEpochMs)<<22|g.rng.Int64N(1<<22), 10)
		case pGitHub:
			id = a.username
		case pFarcaster:
			id = strconv.FormatInt(fidAt(a.created)+g.rng.Int64N(int64(widen(50, tries))), 10)
		}
		if ids[string(platformSource[a.platform])+":"+id] && a.platform == pGitHub {
			a.username += strconv.Itoa(g.rng.IntN(10))
			id = ""
		}
	}
	ids[string(platformSource[a.platform])+":"+id] = true
	return id
}

// widenAfter is how many draws from a fixed range a collision loop makes before the range starts to grow.
const widenAfter = 32

// widen returns the size of the range to draw from on the given retry of a loop that draws until it finds an
// unused value: n for the first widenAfter tries, then doubling every 8 tries. A fixed range can be full: only
// about 2,500 Farcaster fids exist in the 90 days after launch, where every older account's creation is
// clamped, so a community of 100,000 members (some 5,000 such accounts) drew fids forever. Widening ends every
// such loop, and since the first widenAfter draws are the same as before, a community whose loops never got
// that far is generated byte for byte as it was.
func widen(n, tries int) int {
	if tries < widenAfter {
		return n
	}
	return n << min((tries-widenAfter)/8+1, 30)
}

// fidAt approximates the Farcaster fid registered at time t: slow growth until 2023, fast after.
func fidAt(t int64) int64 {
	pts := [][2]int64{
		{time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC).Unix(), 1},
		{time.Date(2023, 6, 1, 0, 0, 0, 0, time.UTC).Unix(), 20_000},
		{time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC).Unix(), 600_000},
		{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Unix(), 1_100_000},
	}
	if t <= pts[0][0] {
		return 1
	}
	for i := 1; i < len(pts); i++ {
		if t <= pts[i][0] {
			a, b := pts[i-1], pts[i]
			return a[1] + (b[1]-a[1])*(t-a[0])/(b[0]-a[0])
		}
	}
	last := pts[len(pts)-1]
	return last[1] + (t-last[0])/100
}

// normalizeWeights scales honest community members' weights so that their mean is the configured rate.
func (g *generator) normalizeWeights() {
	var sum float64
	var n int
	for _, m := range g.members {
		if m.label == Honest && m.kind == plaudit.MemberCommunity {
			sum += m.weight
			n++
		}
	}
	if n == 0 || sum == 0 {
		return
	}
	f := g.cfg.Rate * float64(n) / sum
	for _, m := range g.members {
		if m.label == Honest && m.kind == plaudit.MemberCommunity {
			m.weight *= f
		}
	}
}

// scheduleJoins queues every member's joining: links, wallet, tier. Sybil puppets follow the main account
// and a few other puppets within the hour after they join.
func (g *generator) scheduleJoins() {
	for _, m := range g.members {
		if m.join < g.end {
			g.schedule(m.join, actJoin, m.idx, nil)
		}
	}
	for _, c := range g.clusters {
		for _, p := range c.puppets {
			t := g.members[p].join
			g.scheduleFollow(t+int64(g.between(30, 3600)), p, c.main)
			for range g.between(2, 6) {
				if o := c.puppets[g.rng.IntN(len(c.puppets))]; o != p {
					g.scheduleFollow(t+int64(g.between(30, 3600)), p, o)
				}
			}
		}
	}
}

func (g *generator) scheduleFollow(t int64, m, n int32) {
	if t < g.end {
		g.seq++
		g.queue.push(action{t: t, seq: g.seq, kind: actFollow, m: m, n: n})
	}
}

// startDay rebuilds the table of who acts: honest members and projects that joined by the end of the day,
// weighted by activity. It also schedules the day's tier changes.
func (g *generator) startDay(h int64) {
	g.honest = g.honest[:0]
	g.honestWeight = 0
	var w []float64
	for _, m := range g.members {
		if m.label == Honest && m.join < h+day {
			g.honest = append(g.honest, m.idx)
			w = append(w, m.weight)
			g.honestWeight += m.weight
		}
	}
	g.alias = newAlias(w)
	g.maxDiurnal = 0
	for _, d := range diurnal {
		g.maxDiurnal = max(g.maxDiurnal, d)
	}
	for _, m := range g.members {
		if m.join < h && m.kind == plaudit.MemberCommunity && m.tier < 3 && g.chance(0.003) {
			g.schedule(h+g.rng.Int64N(day), actTier, m.idx, nil)
		}
	}
}

// scheduleHour queues the fresh actions of the hour starting at h: honest members by the alias table and
// their diurnal rhythm, attackers by their own schedules.
func (g *generator) scheduleHour(h int64) {
	wd := time.Unix(h, 0).UTC().Weekday()
	week := 1.0
	if wd == time.Saturday || wd == time.Sunday {
		week = 0.85
	}
	if len(g.honest) > 0 {
		utc := int(h / 3600 % 24)
		for range g.poisson(g.honestWeight / 24 * g.maxDiurnal * week) {
			m := g.members[g.honest[g.alias.sample(g)]]
			if !g.chance(diurnal[(utc+m.tz+24)%24] / g.maxDiurnal) {
				continue
			}
			if t := h + g.rng.Int64N(3600); t > m.join {
				g.schedule(t, actHonest, m.idx, nil)
			}
		}
	}
	scale := g.cfg.Rate / DefaultRate // attackers keep their share of the activity whatever the rate
	for _, i := range g.attackers {
		m := g.members[i]
		if m.join >= h+3600 {
			continue
		}
		d := diurnal[localHour(h, m.tz)]
		each := func(perDay float64, kind actKind) {
			for range g.poisson(perDay * scale / 24 * d) {
				if t := h + g.rng.Int64N(3600); t > m.join {
					g.schedule(t, kind, m.idx, nil)
				}
			}
		}
		switch m.label {
		case GMFarmer:
			each(10, actGM)
		case CopyPaste:
			each(8, actCopy)
		case VelocityBot:
			if g.chance(1.5 * scale / 24) { // a burst, at any hour: bots do not sleep
				t := h + g.rng.Int64N(3600)
				for range g.between(10, 30) {
					t += int64(g.between(1, 4))
					if t > m.join {
						g.schedule(t, actVelocity, m.idx, nil)
					}
				}
			}
		case LikeRing:
			each(1.0, actRingPost)
			each(0.4, actRingOut)
		case Sybil:
			c := g.clusters[m.group]
			if m.idx == c.main {
				each(2.5, actSybilMain)
				if h >= c.join && g.chance(min(3.0*scale/24, 1)) { // the operator runs the script: every puppet acts within minutes
					t0 := h + g.rng.Int64N(3600)
					for _, p := range c.puppets {
						if !g.chance(0.7) || g.members[p].join >= t0 {
							continue
						}
						for range g.between(1, 3) {
							g.schedule(t0+g.rng.Int64N(1800), actSybil, p, nil)
						}
					}
				}
			}
		}
	}
}

// evict drops items too old to be engaged with: two days on the feeds, two weeks on GitHub.
func (g *generator) evict(h int64) {
	now := h + 3600
	for p := range numPlatforms {
		keep := int64(2 * day)
		if p == pGitHub {
			keep = 14 * day
		}
		g.pools[p].evictBefore(now - keep)
		g.engaged[p].evictBefore(now - day)
	}
	g.spam.evictBefore(now - day)
	for _, c := range g.clusters {
		c.trim()
	}
}
