package gen

import (
	"encoding/hex"
	"math"
	"strconv"

	"github.com/plaudit/plaudit"
)

// execute runs one action at its time. Every event an action emits carries the action's time; anything that
// happens later is scheduled as another action, so that each hour's events fall inside the hour.
func (g *generator) execute(a action) {
	m := g.members[a.m]
	switch a.kind {
	case actJoin:
		g.join(m, a.t)
	case actTier:
		g.tierChange(m, a.t)
	case actSubmit:
		g.submit(m, a.it, a.t)
	case actFollow:
		if to := g.members[a.n].accounts[pX]; to != nil && g.members[a.n].join < a.t {
			g.follow(m, to, a.t)
		}
	case actComment:
		if m.has(pGitHub) && a.t > m.join {
			g.ghComment(m, a.it, a.t, "")
		}
	case actHonest:
		g.honestAction(m, a.t)
	case actGM:
		g.gmFarm(m, a.t)
	case actCopy:
		g.copyPaste(m, a.t)
	case actVelocity:
		g.velocity(m, a.t)
	case actRingPost:
		g.ringPost(m, a.t)
	case actRingEngage:
		g.ringEngage(m, a.it, a.t)
	case actRingOut:
		g.ringOut(m, a.t)
	case actSybilMain:
		g.sybilMain(m, a.t)
	case actSybil:
		g.sybil(m, a.t)
	}
}

// join links the member's accounts, and registers its wallet and tier.
func (g *generator) join(m *member, t int64) {
	for _, a := range m.acctList {
		e := g.add(platformSource[a.platform], "link-"+a.id, plaudit.KindLink, a.id, t)
		e.Attrs = map[string]any{
			"member": m.handle, "member_kind": string(m.kind),
			"account_created": a.createdAttr, "follower_count": a.followersAttr,
		}
		if a.platform != pGitHub && a.platform != pDiscord {
			e.Attrs["username"] = a.username
		}
	}
	if m.wallet != "" {
		e := g.add(plaudit.SourcePlaudit, "wallet-"+m.handle+"-"+m.wallet[2:10], plaudit.KindWallet, m.handle, t)
		e.Attrs = map[string]any{"address": m.wallet}
	}
	if m.tier > 1 {
		g.tierEvent(m, t)
	}
}

func (g *generator) tierEvent(m *member, t int64) {
	e := g.add(plaudit.SourcePlaudit, "tier-"+m.handle+"-"+strconv.FormatInt(t, 10), plaudit.KindTier, m.handle, t)
	e.Attrs = map[string]any{"tier": num(m.tier)}
}

// tierChange promotes a member one tier, as a moderator does for members who stand out.
func (g *generator) tierChange(m *member, t int64) {
	if m.tier >= 3 || t <= m.join {
		return
	}
	m.tier++
	g.tierEvent(m, t)
}

// ids

func (g *generator) snowflake(t int64, epochMs int64) string {
	g.idSeq++
	return strconv.FormatInt((t*1000+g.rng.Int64N(1000)-epochMs)<<22|int64(g.idSeq&(1<<22-1)), 10)
}

func (g *generator) castHash() string {
	var b [20]byte
	u1, u2, u3 := g.rng.Uint64(), g.rng.Uint64(), g.rng.Uint32()
	for i := range 8 {
		b[i], b[8+i] = byte(u1>>(8*i)), byte(u2>>(8*i))
	}
	for i := range 4 {
		b[16+i] = byte(u3 >> (8 * i))
	}
	return "0x" + hex.EncodeToString(b[:])
}

func (g *generator) newID(p int, t int64) string {
	switch p {
	case pX:
		return g.snowflake(t, xEpochMs)
	case pDiscord:
		return g.snowflake(t, discordEpochMs)
	case pFarcaster:
		return g.castHash()
	}
	g.idSeq++
	return strconv.FormatUint(2_000_000_000+g.idSeq, 10) // GitHub comment and review ids
}

// fitnessCeiling is the fitness from which an item is always kept when drawn from the recent pool: only the
// posts of accounts with thousands of followers reach it, and scaling by it keeps rejection sampling cheap.
const fitnessCeiling = 0.6

// fitness draws how appealing a new item is: popular authors write more appealing posts, with wide scatter.
func (g *generator) fitness(a *account) float64 {
	f := 0.05 * math.Pow(1+float64(a.followers), 0.35) * g.lognormal(0, 0.6)
	return min(f, 1)
}

// newItem records something people can now engage with.
func (g *generator) newItem(p int, id string, kind plaudit.Kind, a *account, t int64) *item {
	it := &item{platform: p, id: id, kind: kind, author: a, t: t, fitness: g.fitness(a)}
	g.pools[p].push(it, t)
	return it
}

// pickTarget picks a recent item on platform p for member m to engage with at time t: with probability pref
// the target of a recent engagement (preferential attachment: the more engaged, the likelier), otherwise a
// recent item, newer ones likelier, kept with probability its fitness. Never m's own, never from the future.
func (g *generator) pickTarget(p int, m *member, t int64, pref float64) *item {
	pl, en := &g.pools[p], &g.engaged[p]
	for range 6 {
		var it *item
		switch {
		case en.len() > 0 && g.chance(pref):
			it = en.at(g.rng.IntN(en.len()))
		case pl.len() > 0:
			n := pl.len()
			k := int(g.rng.ExpFloat64() * float64(n) / 5)
			if k >= n {
				k = g.rng.IntN(n)
			}
			it = pl.at(n - 1 - k)
			if !g.chance(it.fitness / fitnessCeiling) {
				continue
			}
		default:
			return nil
		}
		if it.t >= t || it.author.member == m.idx {
			continue
		}
		return it
	}
	return nil
}

// engage records an engagement with it, which makes it likelier to be picked again.
func (g *generator) engage(it *item, t int64) { g.engaged[it.platform].push(it, t) }

// honestAction is one thing an honest member or project does.
func (g *generator) honestAction(m *member, t int64) {
	if m.kind == plaudit.MemberProject {
		g.projectAction(m, t)
		return
	}
	if g.chance(0.012) {
		g.poe(m, t)
		return
	}
	var w [numPlatforms]float64
	var sum float64
	for p, pw := range [numPlatforms]float64{1, 0.8, 0.6, 0.7} {
		if m.has(p) {
			w[p] = pw
			sum += pw
		}
	}
	r := g.rng.Float64() * sum
	p := 0
	for ; p < numPlatforms-1; p++ {
		if r < w[p] {
			break
		}
		r -= w[p]
	}
	if !m.has(p) {
		p = m.acctList[0].platform
	}
	c := m.creator
	r = g.rng.Float64()
	switch p {
	case pX:
		switch {
		case r < 0.04+0.14*c:
			it := g.xPost(m, t, plaudit.KindPost, g.text.post(), nil)
			if m.has(pDiscord) && g.chance(0.35) {
				g.schedule(t+int64(g.between(60, 1800)), actSubmit, m.idx, it)
			}
		case r < 0.14+0.34*c:
			g.xReply(m, t, 0.5, g.text.reply())
		case r < 0.16+0.37*c:
			if it := g.pickTarget(pX, m, t, 0.5); it != nil {
				g.xPost(m, t, plaudit.KindQuote, g.text.quote(), it)
			}
		case r < 0.175+0.37*c:
			g.xMention(m, t)
		case r < 0.2+0.37*c:
			if it := g.pickTarget(pX, m, t, 0.6); it != nil {
				g.follow(m, it.author, t)
			}
		case r < 0.3+0.37*c:
			g.react(m, pX, t, true, 0.5)
		default:
			g.react(m, pX, t, false, 0.5)
		}
	case pDiscord:
		switch {
		case r < 0.3+0.2*c:
			g.discordMessage(m, t, g.text.chat(), false)
		case r < 0.6+0.2*c:
			g.discordReply(m, t, g.text.chat(), 0.3)
		default:
			g.react(m, pDiscord, t, false, 0.3)
		}
	case pGitHub:
		g.githubAction(m, t, r)
	case pFarcaster:
		switch {
		case r < 0.1+0.15*c:
			g.cast(m, t, g.text.post(), nil, false)
		case r < 0.25+0.3*c:
			if it := g.pickTarget(pFarcaster, m, t, 0.5); it != nil {
				g.cast(m, t, g.text.reply(), it, false)
			}
		case r < 0.37+0.3*c:
			g.react(m, pFarcaster, t, true, 0.5)
		default:
			g.react(m, pFarcaster, t, false, 0.5)
		}
	}
}

// xPost emits an X post, or a quote of target, and records it.
func (g *generator) xPost(m *member, t int64, kind plaudit.Kind, text string, target *item) *item {
	a := m.accounts[pX]
	id := g.newID(pX, t)
	e := g.add(plaudit.SourceX, id, kind, a.id, t)
	e.Content = text
	e.Attrs = map[string]any{"follower_count": a.followersAttr, "account_created": a.createdAttr}
	it := g.newItem(pX, id, kind, a, t)
	if target != nil {
		e.Target, e.TargetAuthor = target.id, target.author.id
		g.engage(target, t)
	}
	return it
}

// xReply emits a reply to a post or reply picked with preference pref; it returns nil if nothing was found.
func (g *generator) xReply(m *member, t int64, pref float64, text string) *item {
	target := g.pickTarget(pX, m, t, pref)
	if target == nil {
		return nil
	}
	return g.replyTo(m, target, t, text)
}

// replyTo emits a reply to target on its platform.
func (g *generator) replyTo(m *member, target *item, t int64, text string) *item {
	switch target.platform {
	case pFarcaster:
		return g.cast(m, t, text, target, false)
	case pDiscord:
		return g.discordReplyTo(m, target, t, text)
	}
	a := m.accounts[pX]
	id := g.newID(pX, t)
	e := g.add(plaudit.SourceX, id, plaudit.KindReply, a.id, t)
	e.Target, e.TargetAuthor, e.Content = target.id, target.author.id, text
	e.Attrs = map[string]any{"follower_count": a.followersAttr, "account_created": a.createdAttr}
	target.replies++
	g.engage(target, t)
	it := g.newItem(pX, id, plaudit.KindReply, a, t)
	it.depth = target.depth + 1
	it.fitness *= 0.6
	return it
}

// xMention is a post that mentions a project (mostly) or another member.
func (g *generator) xMention(m *member, t int64) {
	var to *account
	if g.chance(0.7) {
		to = g.members[g.projects[g.rng.IntN(len(g.projects))]].accounts[pX]
	} else if it := g.pickTarget(pX, m, t, 0.5); it != nil {
		to = it.author
	}
	if to == nil || to.member == m.idx || g.members[to.member].join >= t {
		return
	}
	a := m.accounts[pX]
	id := g.newID(pX, t)
	e := g.add(plaudit.SourceX, id, plaudit.KindMention, a.id, t)
	e.TargetAuthor, e.Content = to.id, g.text.mention(to.username)
	e.Attrs = map[string]any{"follower_count": a.followersAttr, "account_created": a.createdAttr}
	g.newItem(pX, id, plaudit.KindPost, a, t)
}

// follow emits m's X follow of account a, once.
func (g *generator) follow(m *member, a *account, t int64) bool {
	me := m.accounts[pX]
	if me == nil || a == nil || a.platform != pX || a.member == m.idx || t <= m.join || contains(m.follows, a.member) {
		return false
	}
	m.follows = append(m.follows, a.member)
	e := g.add(plaudit.SourceX, "follow-"+me.id+"-"+a.id, plaudit.KindFollow, me.id, t)
	e.TargetAuthor = a.id
	return true
}

// react emits a like (a reaction on Discord) or a repost (a recast on Farcaster) by m, if m has not already
// done so on the target it picks.
func (g *generator) react(m *member, p int, t int64, repost bool, pref float64) *item {
	for range 3 {
		it := g.pickTarget(p, m, t, pref)
		if it == nil {
			return nil
		}
		if g.reactTo(m, it, t, repost) {
			return it
		}
	}
	return nil
}

// reactTo emits m's like or repost of it, unless m already did; it reports whether it did.
func (g *generator) reactTo(m *member, it *item, t int64, repost bool) bool {
	a := m.accounts[it.platform]
	if a == nil || it.t >= t || it.platform == pGitHub {
		return false
	}
	if pDiscord == it.platform {
		repost = false
	}
	seen := &it.liked
	if repost {
		seen = &it.reposted
	}
	if contains(*seen, m.idx) {
		return false
	}
	*seen = append(*seen, m.idx)
	src := platformSource[it.platform]
	var e *plaudit.Event
	switch {
	case it.platform == pDiscord:
		e = g.add(src, "react-"+it.id+"-"+a.id, plaudit.KindLike, a.id, t)
		e.Attrs = map[string]any{"emoji": discordEmoji[g.rng.IntN(len(discordEmoji))]}
	case it.platform == pX && repost:
		e = g.add(src, g.newID(pX, t), plaudit.KindRepost, a.id, t)
	case it.platform == pFarcaster && repost:
		e = g.add(src, "recast-"+it.id+"-"+a.id, plaudit.KindRepost, a.id, t)
	default:
		e = g.add(src, "like-"+it.id+"-"+a.id, plaudit.KindLike, a.id, t)
	}
	e.Target, e.TargetAuthor = it.id, it.author.id
	g.engage(it, t)
	return true
}

var discordEmoji = []string{"👍", "❤️", "🔥", "😂", "🎉", "👀", "🙏", "✅"}

var discordChannels = []string{"general", "general", "general", "dev", "support", "governance", "ideas", "memes"}

func (g *generator) discordMessage(m *member, t int64, text string, spam bool) *item {
	a := m.accounts[pDiscord]
	id := g.newID(pDiscord, t)
	ch := discordChannels[g.rng.IntN(len(discordChannels))]
	if m.kind == plaudit.MemberProject {
		ch = "announcements"
	}
	e := g.add(plaudit.SourceDiscord, id, "message", a.id, t)
	e.Content = text
	e.Attrs = map[string]any{"channel": ch}
	it := g.newItem(pDiscord, id, "message", a, t)
	it.channel, it.spam = ch, spam
	return it
}

func (g *generator) discordReply(m *member, t int64, text string, pref float64) *item {
	target := g.pickTarget(pDiscord, m, t, pref)
	if target == nil {
		return g.discordMessage(m, t, text, false)
	}
	return g.discordReplyTo(m, target, t, text)
}

func (g *generator) discordReplyTo(m *member, target *item, t int64, text string) *item {
	a := m.accounts[pDiscord]
	id := g.newID(pDiscord, t)
	e := g.add(plaudit.SourceDiscord, id, plaudit.KindReply, a.id, t)
	e.Target, e.TargetAuthor, e.Content = target.id, target.author.id, text
	e.Attrs = map[string]any{"channel": target.channel}
	target.replies++
	g.engage(target, t)
	it := g.newItem(pDiscord, id, plaudit.KindReply, a, t)
	it.channel, it.depth = target.channel, target.depth+1
	return it
}

var farcasterChannels = []string{"", "", "", "farcaster", "dev", "base", "plaudit", "founders", "art"}

// cast emits a Farcaster cast, a reply when parent is set, with the attributes Neynar reports: counts as the
// platform shows them once the cast has had its run, drawn from the cast's fitness.
func (g *generator) cast(m *member, t int64, text string, parent *item, spam bool) *item {
	a := m.accounts[pFarcaster]
	if a == nil {
		return nil
	}
	id := g.newID(pFarcaster, t)
	kind := plaudit.KindPost
	if parent != nil {
		kind = plaudit.KindReply
	}
	it := g.newItem(pFarcaster, id, kind, a, t)
	it.spam = spam
	reach := it.fitness * (2 + float64(a.followers)/60)
	if parent != nil {
		reach *= 0.3
		it.depth = parent.depth + 1
	}
	it.likes = g.poisson(reach)
	it.recasts = g.poisson(reach * 0.2)
	it.nreplies = g.poisson(reach * 0.25)
	embeds := 0
	if g.chance(0.2) {
		embeds = 1 + g.rng.IntN(2)
	}
	mentioned := []any{}
	if g.chance(0.15) {
		mentioned = append(mentioned, g.members[g.projects[g.rng.IntN(len(g.projects))]].accounts[pFarcaster].username)
	}
	e := g.add(plaudit.SourceFarcaster, id, kind, a.id, t)
	e.Content = text
	e.Attrs = map[string]any{
		"fid": a.id, "username": a.username, "follower_count": a.followersAttr, "power_badge": m.badge,
		"likes_count": num(it.likes), "recasts_count": num(it.recasts), "replies_count": num(it.nreplies),
		"embeds": num(embeds), "mentioned": mentioned,
	}
	ch := farcasterChannels[g.rng.IntN(len(farcasterChannels))]
	if parent != nil {
		e.Target, e.TargetAuthor = parent.id, parent.author.id
		ch = parent.channel
		parent.replies++
		g.engage(parent, t)
	}
	if ch != "" {
		e.Attrs["channel"] = ch
	}
	it.channel = ch
	return it
}

// githubAction: issues, pull requests, comments and reviews on the projects' repositories.
func (g *generator) githubAction(m *member, t int64, r float64) {
	switch {
	case r < 0.06:
		g.issue(m, t, false)
	case r < 0.16+0.1*m.creator:
		g.pullRequest(m, t)
	case r < 0.8:
		if it := g.pickTarget(pGitHub, m, t, 0.4); it != nil {
			g.ghComment(m, it, t, "")
		}
	default:
		it := g.pickTarget(pGitHub, m, t, 0.3)
		if it != nil && it.pr {
			g.review(m, it, t)
		} else if it != nil {
			g.ghComment(m, it, t, "")
		}
	}
}

var prices = []int{25, 50, 75, 100, 150, 200, 300, 400, 600, 800, 1200}
var timeLabels = []string{"Time: <1 Hour", "Time: <2 Hours", "Time: <4 Hours", "Time: <1 Day", "Time: <1 Week"}

// issue opens an issue; a project's issues are priced tasks (Priority and Price labels).
func (g *generator) issue(m *member, t int64, priced bool) *item {
	a := m.accounts[pGitHub]
	repo := g.repos[g.rng.IntN(len(g.repos))]
	g.issueNo[repo]++
	n := g.issueNo[repo]
	id := repo + "#" + strconv.Itoa(n)
	var labels []any
	if priced {
		ti, pri := g.rng.IntN(len(timeLabels)), 1+g.rng.IntN(4)
		price := prices[min(ti*2+pri-1, len(prices)-1)]
		labels = append(labels, timeLabels[ti], "Priority: "+strconv.Itoa(pri), "Price: "+strconv.Itoa(price)+" USD")
	} else if g.chance(0.7) {
		labels = append(labels, []string{"bug", "enhancement", "question", "documentation"}[g.rng.IntN(4)])
	}
	if labels == nil {
		labels = []any{}
	}
	assignees := []any{}
	taker := int32(-1)
	if priced && g.chance(0.6) { // someone takes the task at once, and comments on it soon after
		if taker = g.someHonest(pGitHub); taker >= 0 {
			assignees = append(assignees, g.members[taker].accounts[pGitHub].id)
		}
	}
	e := g.add(plaudit.SourceGitHub, id, "issue", a.id, t)
	e.Content = g.text.issue()
	e.Attrs = map[string]any{"repo": repo, "labels": labels, "assignees": assignees, "number": num(n)}
	it := g.newItem(pGitHub, id, "issue", a, t)
	it.repo = repo
	if taker >= 0 {
		g.schedule(t+int64(g.between(300, 4*3600)), actComment, taker, it)
	}
	if priced {
		it.fitness = max(it.fitness, 0.6)
	}
	return it
}

func (g *generator) pullRequest(m *member, t int64) {
	a := m.accounts[pGitHub]
	repo := g.repos[g.rng.IntN(len(g.repos))]
	g.issueNo[repo]++
	n := g.issueNo[repo]
	id := repo + "#" + strconv.Itoa(n)
	e := g.add(plaudit.SourceGitHub, id, "pull_request", a.id, t)
	e.Content = g.text.pullRequest(max(1, n-1-g.rng.IntN(max(n-1, 1))))
	it := g.newItem(pGitHub, id, "pull_request", a, t)
	it.repo, it.pr = repo, true
	it.additions = int(g.lognormal(math.Log(60), 1.2))
	it.deletions = int(float64(it.additions) * g.rng.Float64() * 0.8)
	e.Attrs = map[string]any{"repo": repo, "labels": []any{}, "assignees": []any{a.id}, "number": num(n),
		"additions": num(it.additions), "deletions": num(it.deletions)}
}

// ghComment emits m's comment on an issue or pull request: text, or a generated comment if text is "".
func (g *generator) ghComment(m *member, it *item, t int64, text string) {
	if text == "" {
		text = g.text.ghComment()
	}
	a := m.accounts[pGitHub]
	e := g.add(plaudit.SourceGitHub, g.newID(pGitHub, t), plaudit.KindComment, a.id, t)
	e.Target, e.TargetAuthor, e.Content = it.id, it.author.id, text
	e.Attrs = map[string]any{"repo": it.repo, "author_association": m.assoc, "issue_author": it.author.id}
	it.replies++
	g.engage(it, t)
}

func (g *generator) review(m *member, it *item, t int64) {
	a := m.accounts[pGitHub]
	state := "COMMENTED"
	switch r := g.rng.Float64(); {
	case r < 0.5:
		state = "APPROVED"
	case r < 0.75:
		state = "CHANGES_REQUESTED"
	}
	e := g.add(plaudit.SourceGitHub, g.newID(pGitHub, t), plaudit.KindReview, a.id, t)
	e.Target, e.TargetAuthor, e.Content = it.id, it.author.id, g.text.review(state)
	e.Attrs = map[string]any{"repo": it.repo, "state": state, "additions": num(it.additions), "deletions": num(it.deletions),
		"author_association": m.assoc}
	g.engage(it, t)
}

// projectAction: a project announces on X (and someone submits it), casts in its channel, posts in Discord,
// or opens a priced task on GitHub.
func (g *generator) projectAction(m *member, t int64) {
	switch r := g.rng.Float64(); {
	case r < 0.35:
		it := g.xPost(m, t, plaudit.KindPost, g.text.announcement(), nil)
		it.fitness = max(it.fitness, 0.8)
		if s := g.someHonest(pX); s >= 0 && g.members[s].has(pDiscord) {
			g.schedule(t+int64(g.between(120, 3600)), actSubmit, s, it)
		}
	case r < 0.55:
		if it := g.cast(m, t, g.text.announcement(), nil, false); it != nil {
			it.fitness = max(it.fitness, 0.8)
		}
	case r < 0.72:
		g.discordMessage(m, t, g.text.announcement(), false).fitness = 0.9
	case r < 0.92:
		g.issue(m, t, true)
	default:
		if it := g.pickTarget(pGitHub, m, t, 0.3); it != nil && it.pr {
			g.review(m, it, t)
		} else if it != nil {
			g.ghComment(m, it, t, "")
		}
	}
}

// someHonest picks an active honest community member with an account on p, or -1.
func (g *generator) someHonest(p int) int32 {
	for range 8 {
		m := g.members[g.honest[g.alias.sample(g)]]
		if m.kind == plaudit.MemberCommunity && m.has(p) {
			return m.idx
		}
	}
	return -1
}

// submit emits the tiered bot's /submit of an X post, once per post.
func (g *generator) submit(m *member, it *item, t int64) {
	a := m.accounts[pX]
	if it.submitted || a == nil || t <= m.join {
		return
	}
	it.submitted = true
	e := g.add(plaudit.SourceX, "submit-"+it.id, plaudit.KindSubmit, a.id, t)
	e.Target, e.TargetAuthor = it.id, it.author.id
	e.Attrs = map[string]any{"category": []string{"announcement", "thread", "discussion", "meme"}[g.rng.IntN(4)]}
}

var flagReasons = map[Label][]string{
	GMFarmer:    {"farming", "low effort", "spam"},
	CopyPaste:   {"spam", "duplicate", "scam link"},
	VelocityBot: {"bot"},
	LikeRing:    {"collusion", "engagement ring"},
	Sybil:       {"sybil", "fake accounts"},
	Honest:      {"spam", "off-topic", "low effort"},
}

var curateLists = []string{"weekly-highlights", "best-of-dev", "newcomer-guides", "governance-reading"}

// poe is a Proof-of-Engagement action: a flag (mostly accurate), a curation, or feedback.
func (g *generator) poe(m *member, t int64) {
	a := m.accounts[pDiscord]
	if a == nil {
		a = m.acctList[0]
	}
	src := platformSource[a.platform]
	if a.platform == pGitHub {
		return
	}
	switch r := g.rng.Float64(); {
	case r < 0.4:
		var target string
		reason := ""
		if g.spam.len() > 0 && g.chance(0.85) {
			it := g.spam.at(g.rng.IntN(g.spam.len()))
			if it.t >= t {
				return
			}
			l := g.members[it.author.member].label
			reason = flagReasons[l][g.rng.IntN(len(flagReasons[l]))]
			target = it.key()
			if g.chance(0.12) {
				target = "member:" + g.members[it.author.member].handle
			}
		} else if it := g.pickTarget(pX, m, t, 0.2); it != nil {
			target, reason = it.key(), flagReasons[Honest][g.rng.IntN(3)]
		} else {
			return
		}
		e := g.add(src, g.newID(a.platform, t), plaudit.KindFlag, a.id, t)
		e.Target = target
		e.Attrs = map[string]any{"reason": reason}
	case r < 0.75:
		p := pX
		if g.chance(0.3) {
			p = pFarcaster
		}
		it := g.pickTarget(p, m, t, 0.8)
		if it == nil {
			return
		}
		e := g.add(src, g.newID(a.platform, t), plaudit.KindCurate, a.id, t)
		e.Target = it.key()
		e.Content = "Adding to " + curateLists[g.rng.IntN(len(curateLists))] + ": " + g.text.sentence()
		e.Attrs = map[string]any{"list": curateLists[g.rng.IntN(len(curateLists))]}
	default:
		e := g.add(src, g.newID(a.platform, t), plaudit.KindFeedback, a.id, t)
		e.Content = g.text.feedback()
		switch r := g.rng.Float64(); {
		case r < 0.2:
			e.Attrs = map[string]any{"adopted": true}
		case r < 0.5:
			e.Attrs = map[string]any{"adopted": false}
		}
	}
}
