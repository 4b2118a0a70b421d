package gen

import (
	"math"
)

// The attackers. None of their events carries anything an honest event would not: what gives them away is
// behaviour (what they write, how fast, with whom), which is what the integrity layer has to find.

// platformOf picks one of m's accounts among the platforms given, by weight; -1 if m has none of them.
func (g *generator) platformOf(m *member, weights [numPlatforms]float64) int {
	var sum float64
	for p, w := range weights {
		if m.has(p) {
			sum += w
		}
	}
	if sum == 0 {
		return -1
	}
	r := g.rng.Float64() * sum
	last := -1
	for p, w := range weights {
		if !m.has(p) || w == 0 {
			continue
		}
		last = p
		if r < w {
			return p
		}
		r -= w
	}
	return last
}

// gmFarm: a short farming reply on a popular post (preferential attachment with a strong pull), often with a
// like; on Discord a "gm" in #general.
func (g *generator) gmFarm(m *member, t int64) {
	p := g.platformOf(m, [numPlatforms]float64{pX: 0.65, pDiscord: 0.1, pFarcaster: 0.35})
	if p < 0 {
		return
	}
	if p == pDiscord {
		g.spam.push(g.discordMessage(m, t, g.text.gm(), true), t)
		return
	}
	target := g.pickTarget(p, m, t, 0.9)
	if target == nil {
		return
	}
	it := g.replyTo(m, target, t, g.text.gm())
	if it == nil {
		return
	}
	it.spam, it.fitness = true, 0.02
	g.spam.push(it, t)
	if g.chance(0.4) {
		g.reactTo(m, target, t, false)
	}
}

// copyPaste: one of the member's templates, lightly edited, as a reply across many threads or as a post.
func (g *generator) copyPaste(m *member, t int64) {
	p := g.platformOf(m, [numPlatforms]float64{pX: 0.6, pDiscord: 0.2, pFarcaster: 0.3})
	if p < 0 {
		return
	}
	text := g.text.copyPaste(m.template[g.rng.IntN(len(m.template))])
	var it *item
	if target := g.pickTarget(p, m, t, 0.6); target != nil && g.chance(0.8) {
		it = g.replyTo(m, target, t, text)
	} else {
		switch p {
		case pX:
			it = g.xPost(m, t, "post", text, nil)
		case pDiscord:
			it = g.discordMessage(m, t, text, true)
		case pFarcaster:
			it = g.cast(m, t, text, nil, true)
		}
	}
	if it != nil {
		it.spam, it.fitness = true, 0.03
		g.spam.push(it, t)
	}
}

// velocity: one like or repost of whatever is newest, seconds after the previous one.
func (g *generator) velocity(m *member, t int64) {
	p := g.platformOf(m, [numPlatforms]float64{pX: 0.65, pFarcaster: 0.35})
	if p < 0 {
		return
	}
	pl := &g.pools[p]
	for range 4 {
		if pl.len() == 0 {
			return
		}
		n := pl.len()
		k := min(int(g.rng.ExpFloat64()*float64(n)/10), n-1)
		it := pl.at(n - 1 - k)
		if it.author.member == m.idx {
			continue
		}
		if g.chance(0.12) && g.follow(m, it.author, t) { // follow-back farming
			return
		}
		if g.reactTo(m, it, t, g.chance(0.25)) {
			return
		}
	}
}

// ringPost: a ring member posts plausible content; most of the ring likes it within minutes to hours, some
// repost it, some reply with praise.
func (g *generator) ringPost(m *member, t int64) {
	p := g.platformOf(m, [numPlatforms]float64{pX: 0.7, pFarcaster: 0.3})
	if p < 0 {
		return
	}
	var it *item
	if p == pX {
		it = g.xPost(m, t, "post", g.text.post(), nil)
	} else {
		it = g.cast(m, t, g.text.post(), nil, false)
	}
	if it == nil {
		return
	}
	for _, o := range g.rings[m.group] {
		if o == m.idx || !g.chance(0.65) {
			continue
		}
		delay := int64(60 + g.lognormal(math.Log(900), 1))
		g.schedule(t+delay, actRingEngage, o, it)
	}
}

// ringEngage: a ring member likes a ring post, and perhaps reposts it and replies.
func (g *generator) ringEngage(m *member, it *item, t int64) {
	if m.accounts[it.platform] == nil || t <= m.join {
		return
	}
	g.reactTo(m, it, t, false)
	if g.chance(0.35) {
		g.reactTo(m, it, t, true)
	}
	if g.chance(0.3) {
		g.replyTo(m, it, t, g.text.ringReply(it.author.username))
	}
}

// ringOut: now and then a ring member likes or answers something outside the ring, to look normal.
func (g *generator) ringOut(m *member, t int64) {
	p := g.platformOf(m, [numPlatforms]float64{pX: 0.7, pFarcaster: 0.3})
	if p < 0 {
		return
	}
	if g.chance(0.75) {
		g.react(m, p, t, false, 0.7)
	} else if target := g.pickTarget(p, m, t, 0.7); target != nil {
		g.replyTo(m, target, t, g.text.reply())
	}
}

// sybilMain: the operator's main account posts like an ordinary member.
func (g *generator) sybilMain(m *member, t int64) {
	c := g.clusters[m.group]
	p := g.platformOf(m, [numPlatforms]float64{pX: 0.75, pFarcaster: 0.25})
	var it *item
	if p == pX {
		it = g.xPost(m, t, "post", g.text.post(), nil)
	} else if p == pFarcaster {
		it = g.cast(m, t, g.text.post(), nil, false)
	}
	if it != nil {
		c.posts = append(c.posts, it)
	}
}

// sybil: a puppet acts in the operator's session: mostly boosting the main account and other puppets, a little
// ordinary liking for cover, sometimes a post of its own.
func (g *generator) sybil(m *member, t int64) {
	c := g.clusters[m.group]
	pickFrom := func(items []*item) *item {
		for range 3 {
			if len(items) == 0 {
				return nil
			}
			// newest first, geometrically
			k := min(int(g.rng.ExpFloat64()*2), len(items)-1)
			it := items[len(items)-1-k]
			if it.t < t && m.accounts[it.platform] != nil && it.author.member != m.idx {
				return it
			}
		}
		return nil
	}
	var target *item
	switch r := g.rng.Float64(); {
	case r < 0.55:
		target = pickFrom(c.posts)
	case r < 0.78:
		target = pickFrom(c.puppetPosts)
	case r < 0.88:
		p := g.platformOf(m, [numPlatforms]float64{pX: 0.8, pFarcaster: 0.2})
		if p >= 0 {
			g.react(m, p, t, false, 0.6)
		}
		return
	default:
		var it *item
		if p := g.platformOf(m, [numPlatforms]float64{pX: 0.8, pFarcaster: 0.2}); p == pX {
			it = g.xPost(m, t, "post", g.text.sybilPost(), nil)
		} else if p == pFarcaster {
			it = g.cast(m, t, g.text.sybilPost(), nil, false)
		}
		if it != nil {
			it.fitness *= 0.3
			c.puppetPosts = append(c.puppetPosts, it)
		}
		return
	}
	if target == nil {
		return
	}
	switch r := g.rng.Float64(); {
	case r < 0.6:
		g.reactTo(m, target, t, false)
	case r < 0.85:
		g.reactTo(m, target, t, true)
	default:
		if it := g.replyTo(m, target, t, g.text.sybilReply()); it != nil {
			it.fitness *= 0.3
		}
	}
}
