package gen

import (
	"encoding/json"
	"math"
	"strconv"

	"github.com/plaudit/plaudit"
)

// The platforms, as array indexes.
const (
	pX = iota
	pDiscord
	pGitHub
	pFarcaster
	numPlatforms
)

var platformSource = [numPlatforms]plaudit.Source{plaudit.SourceX, plaudit.SourceDiscord, plaudit.SourceGitHub, plaudit.SourceFarcaster}

// account is one platform identity of a member.
type account struct {
	platform  int
	id        string // the platform id: X user id, Discord snowflake, GitHub login, Farcaster fid
	username  string // screen name, GitHub login or Farcaster username
	created   int64  // unix seconds
	createdAt string // created as RFC3339, the account_created attribute
	followers int
	member    int32

	followersAttr any // followers and createdAt as attrs values, made once: every post carries them
	createdAttr   any
}

// setAttrs fills the account's cached attrs values.
func (a *account) setAttrs() {
	a.followersAttr, a.createdAttr = num(a.followers), a.createdAt
}

// member is one generated person or project.
type member struct {
	idx      int32
	handle   string
	kind     plaudit.MemberKind
	label    Label
	weight   float64 // mean actions per day (honest members and projects)
	creator  float64 // 0..1: how much of that activity is writing rather than liking
	tz       int     // offset from UTC in hours
	join     int64   // time of the link events; no activity before
	accounts [numPlatforms]*account
	acctList []*account
	tier     int
	group    int     // ring or sybil cluster index, -1 for none
	assoc    string  // GitHub author_association
	badge    bool    // Farcaster power badge
	template []int   // copy-paste templates
	follows  []int32 // members m follows on X
	wallet   string
}

func (m *member) has(p int) bool { return m.accounts[p] != nil }

// cluster is a sybil operator's accounts: a main account and its puppets, sharing a few wallets.
type cluster struct {
	main        int32
	puppets     []int32
	wallets     []string
	join        int64   // when the puppets join, within a few hours
	created     int64   // when the puppets' accounts were made, within a day or two
	posts       []*item // the main account's recent posts, newest last
	puppetPosts []*item // the puppets' recent posts
}

// trim keeps the cluster's recent posts short.
func (c *cluster) trim() {
	if n := len(c.posts); n > 12 {
		c.posts = append(c.posts[:0], c.posts[n-8:]...)
	}
	if n := len(c.puppetPosts); n > 30 {
		c.puppetPosts = append(c.puppetPosts[:0], c.puppetPosts[n-20:]...)
	}
}

// item is something people can engage with: a post, reply, quote or cast, a Discord message, a GitHub issue or
// pull request.
type item struct {
	platform  int
	id        string
	kind      plaudit.Kind
	author    *account
	t         int64
	fitness   float64 // drawn at creation: how appealing it is; engagement follows it
	depth     int     // 0 for a post, 1 for a reply to it, …
	channel   string
	repo      string
	pr        bool
	spam      bool // written by an attacker: the ground truth accurate flags aim at
	liked     []int32
	reposted  []int32
	replies   int
	submitted bool
	additions int // pull requests: size of the change
	deletions int
	likes     int // Farcaster: counts as the platform reports them later, drawn from fitness
	recasts   int
	nreplies  int
}

func (it *item) key() string { return string(platformSource[it.platform]) + "/" + it.id }

func contains(s []int32, v int32) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// pool is a time-ordered queue of recent items, oldest first, with the front evicted as items age out.
type pool struct {
	items []*item
	times []int64 // when each entry was added
	head  int
}

func (p *pool) push(it *item, t int64) {
	p.items = append(p.items, it)
	p.times = append(p.times, t)
}

func (p *pool) len() int { return len(p.items) - p.head }

func (p *pool) at(i int) *item { return p.items[p.head+i] }

// evictBefore drops entries added before t, compacting when half the backing array is dead.
func (p *pool) evictBefore(t int64) {
	for p.head < len(p.items) && p.times[p.head] < t {
		p.items[p.head] = nil
		p.head++
	}
	if p.head > 1024 && p.head*2 > len(p.items) {
		n := copy(p.items, p.items[p.head:])
		copy(p.times, p.times[p.head:])
		clear(p.items[n:])
		p.items, p.times, p.head = p.items[:n], p.times[:n], 0
	}
}

// action is something scheduled to happen at a time: executing it emits events and may schedule more.
type action struct {
	t    int64
	seq  uint64
	kind actKind
	m    int32
	n    int32 // another member, for follows
	it   *item
}

type actKind uint8

const (
	actHonest     actKind = iota // an honest member or project does something
	actJoin                      // a member links its accounts, adds a wallet, gets a tier
	actSubmit                    // an X post is submitted for tracking
	actGM                        // a gm farmer replies to a popular post
	actCopy                      // a copy-paster posts a template
	actVelocity                  // a velocity bot likes or reposts
	actRingPost                  // a ring member posts
	actRingEngage                // a ring member engages with it.it, a ring post
	actRingOut                   // a ring member engages outside the ring
	actSybil                     // a puppet acts for its operator
	actSybilMain                 // the operator's main account posts
	actTier                      // a member's tier changes
	actComment                   // a member comments on it.it, a GitHub issue
	actFollow                    // a member follows member n on X
)

// actionQueue is a binary min-heap of actions by time, then push order.
type actionQueue struct{ a []action }

func (q *actionQueue) Len() int      { return len(q.a) }
func (q *actionQueue) peek() *action { return &q.a[0] }

func (q *actionQueue) less(i, j int) bool {
	if q.a[i].t != q.a[j].t {
		return q.a[i].t < q.a[j].t
	}
	return q.a[i].seq < q.a[j].seq
}

func (q *actionQueue) push(a action) {
	q.a = append(q.a, a)
	i := len(q.a) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !q.less(i, p) {
			break
		}
		q.a[i], q.a[p] = q.a[p], q.a[i]
		i = p
	}
}

func (q *actionQueue) pop() action {
	top := q.a[0]
	n := len(q.a) - 1
	q.a[0] = q.a[n]
	q.a = q.a[:n]
	i := 0
	for {
		l, r, s := 2*i+1, 2*i+2, i
		if l < n && q.less(l, s) {
			s = l
		}
		if r < n && q.less(r, s) {
			s = r
		}
		if s == i {
			break
		}
		q.a[i], q.a[s] = q.a[s], q.a[i]
		i = s
	}
	return top
}

func (g *generator) schedule(t int64, kind actKind, m int32, it *item) {
	g.seq++
	g.queue.push(action{t: t, seq: g.seq, kind: kind, m: m, it: it})
}

// aliasTable samples an index in O(1) with probability proportional to its weight (Walker's alias method).
type aliasTable struct {
	prob  []float64
	alias []int32
}

func newAlias(w []float64) aliasTable {
	n := len(w)
	t := aliasTable{prob: make([]float64, n), alias: make([]int32, n)}
	if n == 0 {
		return t
	}
	var sum float64
	for _, x := range w {
		sum += x
	}
	scaled := make([]float64, n)
	var small, large []int32
	for i, x := range w {
		scaled[i] = x * float64(n) / sum
		if scaled[i] < 1 {
			small = append(small, int32(i))
		} else {
			large = append(large, int32(i))
		}
	}
	for len(small) > 0 && len(large) > 0 {
		s, l := small[len(small)-1], large[len(large)-1]
		small = small[:len(small)-1]
		t.prob[s], t.alias[s] = scaled[s], l
		scaled[l] -= 1 - scaled[s]
		if scaled[l] < 1 {
			large = large[:len(large)-1]
			small = append(small, l)
		}
	}
	for _, i := range large {
		t.prob[i] = 1
	}
	for _, i := range small {
		t.prob[i] = 1
	}
	return t
}

func (t *aliasTable) sample(g *generator) int32 {
	i := g.rng.IntN(len(t.prob))
	if g.rng.Float64() < t.prob[i] {
		return int32(i)
	}
	return t.alias[i]
}

// diurnal is the relative activity by local hour, mean 1: quiet nights, a morning rise, an evening peak.
var diurnal = func() [24]float64 {
	raw := [24]float64{0.35, 0.22, 0.14, 0.1, 0.1, 0.15, 0.3, 0.55, 0.8, 0.95, 1.0, 1.05, 1.1, 1.05, 1.0, 1.0, 1.1, 1.2, 1.35, 1.5, 1.55, 1.4, 1.05, 0.65}
	var sum float64
	for _, x := range raw {
		sum += x
	}
	for i := range raw {
		raw[i] *= 24 / sum
	}
	return raw
}()

func localHour(t int64, tz int) int {
	return int(((t/3600+int64(tz))%24 + 24) % 24)
}

// poisson draws from a Poisson distribution with mean lambda: Knuth's method for small means, a rounded
// normal approximation for large ones.
func (g *generator) poisson(lambda float64) int {
	if lambda <= 0 {
		return 0
	}
	if lambda > 40 {
		n := int(math.Round(lambda + math.Sqrt(lambda)*g.rng.NormFloat64()))
		return max(n, 0)
	}
	l, k, p := math.Exp(-lambda), 0, 1.0
	for {
		p *= g.rng.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// chance reports true with probability p.
func (g *generator) chance(p float64) bool { return g.rng.Float64() < p }

// between returns a uniform integer in [lo, hi].
func (g *generator) between(lo, hi int) int { return lo + g.rng.IntN(hi-lo+1) }

func num(n int) json.Number { return json.Number(strconv.Itoa(n)) }
