package sybil

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/graph"
	"github.com/plaudit/plaudit/reputation"
)

// The checks a Signal may come from, as plaudit.Reason.Check values.
const (
	CheckSybilRank      = "sybilrank"
	CheckSharedWallet   = "shared_wallet"
	CheckLinkedIdentity = "linked_identity"
	CheckAccountAge     = "account_age"
	CheckBurstCreation  = "burst_creation"
)

// Params tunes the sybil checks. Zero fields take the defaults in brackets.
type Params struct {
	Graph graph.EventOptions // which events form the interaction graph (an epoch) and their weights

	// SybilRank, on the graph of mutual engagement (graph.Graph.Mutual)
	Iterations     int           // power iterations; 0 means DefaultIterations(n)
	RankThreshold  float64       // flag degree-normalised trust below this share of its fully mixed value [0.15]
	RankMultiplier plaudit.Ratio // [0.3]
	RankMinTies    int           // members with fewer mutual ties are not judged by SybilRank: too little structure to tell a quiet member from a sybil [3]
	RankAlone      float64       // below this ratio SybilRank flags on its own; above it (and below RankThreshold) only with another sybil signal [0.02]

	WalletMultiplier plaudit.Ratio // a wallet shared with other members [0.2]
	LinkedMultiplier plaudit.Ratio // an account that moved between members [0.5]

	At            time.Time     // when account age is judged; zero for the last event's time
	MinAccountAge time.Duration // members whose oldest known account is younger are flagged [30 days]
	AgeMultiplier plaudit.Ratio // [0.7]

	BurstWindow     time.Duration // accounts made within this window count as made together [48h]
	BurstMin        int           // members made together before it counts, whatever the chance [3]
	BurstExcess     float64       // … and at least this many times as many as the community's creation rate predicts [4]
	BurstChance     float64       // … and so many that the community's creation rate puts at most this chance on any burst of it [0.01]
	AnchorShare     float64       // a member is anchored to whom they give this share of their interactions [0.3]
	BurstFocus      float64       // a burst member is flagged when this share of their interactions stay in the group [0.5]
	BurstMultiplier plaudit.Ratio // [0.2]
}

func (p Params) withDefaults() Params {
	ratio := func(r *plaudit.Ratio, d plaudit.Ratio) {
		if *r == 0 {
			*r = d
		}
	}
	ratio(&p.RankMultiplier, 300_000)
	ratio(&p.WalletMultiplier, 200_000)
	ratio(&p.LinkedMultiplier, 500_000)
	ratio(&p.AgeMultiplier, 700_000)
	ratio(&p.BurstMultiplier, 200_000)
	if p.RankAlone == 0 {
		p.RankAlone = 0.02
	}
	if p.RankMinTies == 0 {
		p.RankMinTies = 3
	}
	if p.RankThreshold == 0 {
		p.RankThreshold = 0.15
	}
	if p.MinAccountAge == 0 {
		p.MinAccountAge = 30 * 24 * time.Hour
	}
	if p.BurstWindow == 0 {
		p.BurstWindow = 48 * time.Hour
	}
	if p.BurstExcess == 0 {
		p.BurstExcess = 4
	}
	if p.AnchorShare == 0 {
		p.AnchorShare = 0.3
	}
	if p.BurstMin == 0 {
		p.BurstMin = 3
	}
	if p.BurstChance == 0 {
		p.BurstChance = 0.01
	}
	if p.BurstFocus == 0 {
		p.BurstFocus = 0.5
	}
	return p
}

// Signal is one finding about one member.
type Signal struct {
	Member     string
	Check      string // one of the Check constants
	Detail     string
	Multiplier plaudit.Ratio // suggested multiplier for the member's points
	Evidence   []plaudit.Input

	beyondHorizon bool // a SybilRank signal from a walk that ends before reaching most of the community
}

// Reason returns the signal as an integrity finding.
func (s Signal) Reason() plaudit.Reason {
	return plaudit.Reason{Check: s.Check, Detail: s.Detail, Multiplier: s.Multiplier, Evidence: s.Evidence}
}

var checkOrder = map[string]int{CheckSybilRank: 0, CheckSharedWallet: 1, CheckLinkedIdentity: 2, CheckAccountAge: 3, CheckBurstCreation: 4}

// Detect runs every check over the members of dir and their interactions in events, with seeds the members
// SybilRank starts its trust from (handle → weight). SybilRank works best from a few members known to be
// real and central — ProjectSeeds, or an operator's list — rather than from everyone long-standing: a like
// ring of old accounts is exactly what it should not start from. No seed with a mutual tie means no
// SybilRank signals. Signals are sorted by member, then check.
func Detect(events []plaudit.Event, dir *plaudit.Directory, seeds map[string]float64, p Params) ([]Signal, error) {
	return DetectStream(plaudit.StreamOf(events), dir, seeds, p)
}

// DetectStream is Detect over a replayable stream of the events (walked three times), holding the
// interaction graph and the accounts' creation times rather than the events.
func DetectStream(events plaudit.EventStream, dir *plaudit.Directory, seeds map[string]float64, p Params) ([]Signal, error) {
	g, err := graph.FromStream(events, dir, p.Graph)
	if err != nil {
		return nil, err
	}
	return DetectGraphStream(g, events, dir, seeds, p)
}

// DetectGraph is Detect over an interaction graph the caller has already built from events and dir (with
// graph.FromEvents; p.Graph is then ignored), so that the graph is built once for every check.
func DetectGraph(g *graph.Graph, events []plaudit.Event, dir *plaudit.Directory, seeds map[string]float64, p Params) []Signal {
	out, _ := DetectGraphStream(g, plaudit.StreamOf(events), dir, seeds, p)
	return out
}

// DetectGraphStream is DetectGraph over a replayable stream of the events (walked once, for the accounts'
// creation times); it fails only when the stream does.
func DetectGraphStream(g *graph.Graph, events plaudit.EventStream, dir *plaudit.Directory, seeds map[string]float64, p Params) ([]Signal, error) {
	created, latest, err := reputation.AccountCreatedStream(events)
	if err != nil {
		return nil, fmt.Errorf("sybil: %w", err)
	}
	return DetectGraphTimes(g, created, latest, dir, seeds, p), nil
}

// DetectGraphTimes is DetectGraph from the accounts' creation times and the latest event time
// (reputation.AccountTimes) instead of the events.
func DetectGraphTimes(g *graph.Graph, created map[string]time.Time, latest time.Time, dir *plaudit.Directory, seeds map[string]float64, p Params) []Signal {
	p = p.withDefaults()
	var out []Signal
	out = append(out, rankSignals(g, seeds, p)...)
	out = append(out, walletSignals(dir, p)...)
	out = append(out, linkedSignals(dir, p)...)
	out = append(out, ageSignals(latest, dir, created, p)...)
	out = append(out, burstSignals(g, dir, created, p)...)
	corroborate(out, p)
	sort.SliceStable(out, func(a, b int) bool {
		if out[a].Member != out[b].Member {
			return out[a].Member < out[b].Member
		}
		return checkOrder[out[a].Check] < checkOrder[out[b].Check]
	})
	return out
}

// corroborate keeps a weak SybilRank finding (ratio at or above RankAlone, or any ratio when most of the
// community lies beyond the walk's reach from the seeds; see seedReach) only as evidence — multiplier one —
// unless another sybil signal names the same member. In a small or young community quiet honest
// members sit at the edge of the trust graph too; on its own a middling SybilRank ratio says too little.
func corroborate(sig []Signal, p Params) {
	other := map[string]bool{}
	for _, s := range sig {
		if s.Check != CheckSybilRank {
			other[s.Member] = true
		}
	}
	for i := range sig {
		s := &sig[i]
		if s.Check != CheckSybilRank || other[s.Member] {
			continue
		}
		if s.beyondHorizon {
			s.Multiplier = plaudit.One
			s.Detail += " (evidence only: no other sybil signal, and most of the community lies beyond the walk's reach from the seeds)"
			continue
		}
		for _, e := range s.Evidence {
			if e.Name == "sybilrank_ratio" {
				if r, err := strconv.ParseFloat(e.Value, 64); err == nil && r >= p.RankAlone {
					s.Multiplier = plaudit.One
					s.Detail += " (evidence only: no other sybil signal)"
				}
			}
		}
	}
}

// ProjectSeeds returns the project members of dir, each with weight 1: the natural SybilRank seeds.
func ProjectSeeds(dir *plaudit.Directory) map[string]float64 {
	out := map[string]float64{}
	for _, m := range dir.Members() {
		if m.Kind == plaudit.MemberProject {
			out[m.Handle] = 1
		}
	}
	return out
}

// ProjectMembers returns the handles of dir's project members: the accounts collusion detection never
// counts as ring members (collusion.Params.Trusted).
func ProjectMembers(dir *plaudit.Directory) map[string]bool {
	out := map[string]bool{}
	for _, m := range dir.Members() {
		if m.Kind == plaudit.MemberProject {
			out[m.Handle] = true
		}
	}
	return out
}

func rankSignals(g *graph.Graph, seeds map[string]float64, p Params) []Signal {
	u := g.Mutual()
	s := make([]float64, g.Len())
	for id, w := range seeds {
		if i, ok := g.Index(id); ok && w > 0 {
			s[i] = w
		}
	}
	reach, ok := seedReach(u, s)
	if !ok {
		return nil
	}
	iter := p.Iterations
	if iter <= 0 {
		iter = DefaultIterations(u.Len())
	}
	// Beyond the walk's horizon: most of the community is further from the seeds than the walk goes, so a
	// low ratio there mostly measures distance from the seeds.
	beyond := reach >= iter
	ratio := SybilRank(u, s, iter)
	var out []Signal
	for i, r := range ratio {
		if math.IsNaN(r) || r >= p.RankThreshold || s[i] > 0 {
			continue
		}
		dst, _ := u.Out(int32(i))
		if len(dst) < p.RankMinTies {
			continue
		}
		out = append(out, Signal{
			Member:     g.IDs[i],
			Check:      CheckSybilRank,
			Detail:     fmt.Sprintf("trust from the pre-trusted members barely reaches them: %.3f of the fully mixed level, below %.3g", r, p.RankThreshold),
			Multiplier: p.RankMultiplier,
			Evidence: []plaudit.Input{
				{Name: "sybilrank_ratio", Value: strconv.FormatFloat(r, 'f', 4, 64)},
				{Name: "threshold", Value: strconv.FormatFloat(p.RankThreshold, 'g', -1, 64)},
				{Name: "mutual_ties", Value: strconv.Itoa(len(dst))},
				{Name: "mutual_weight", Value: strconv.FormatFloat(u.OutWeight(int32(i)), 'g', -1, 64)},
				{Name: "seed_reach", Value: strconv.Itoa(reach)},
				{Name: "iterations", Value: strconv.Itoa(iter)},
			},
			beyondHorizon: beyond,
		})
	}
	return out
}

// seedReach measures where the seeds (s[i] > 0) sit in the mutual graph u. ok reports whether a seed lies
// in u's largest connected component — the community's core of returned engagement — and reach is the
// median hop distance from the nearest seed to that component's members.
//
// SybilRank's verdict "trust barely reaches them" means something only when trust starts inside that core:
// in a small community the project's accounts may return engagement to only a couple of members, so that
// the seeds sit in a component of three or four while the community's mutually engaged members form
// another, which trust cannot reach at all. That says nothing about those members, only about the seeds, so
// SybilRank then gives no signals (the other sybil checks still run). And when the seeds are in the core but
// at its edge, as in a small community whose mutual graph is sparse, most members lie reach or more steps
// away, at or beyond the early-terminated walk's horizon: a low ratio then mostly measures distance from the
// seeds, and corroborate keeps such a SybilRank signal as evidence only unless another sybil signal names
// the member. Components are found in index
// order and the first of equally large components is the largest, so the answer is deterministic.
func seedReach(u *graph.Graph, s []float64) (reach int, ok bool) {
	n := u.Len()
	comp := make([]int32, n)
	for i := range comp {
		comp[i] = -1
	}
	var best, bestSize int32 = -1, 0
	var queue []int32
	for start := int32(0); int(start) < n; start++ {
		if comp[start] >= 0 {
			continue
		}
		if dst, _ := u.Out(start); len(dst) == 0 {
			continue
		}
		comp[start] = start
		queue = append(queue[:0], start)
		size := int32(0)
		for len(queue) > 0 {
			i := queue[0]
			queue = queue[1:]
			size++
			dst, _ := u.Out(i)
			for _, j := range dst {
				if comp[j] < 0 {
					comp[j] = start
					queue = append(queue, j)
				}
			}
		}
		if size > bestSize {
			best, bestSize = start, size
		}
	}
	dist := make([]int, n)
	for i := range dist {
		dist[i] = -1
	}
	queue = queue[:0]
	for i, w := range s {
		if w > 0 && best >= 0 && comp[i] == best {
			dist[i] = 0
			queue = append(queue, int32(i))
		}
	}
	if len(queue) == 0 {
		return 0, false
	}
	counts := []int{}
	for len(queue) > 0 {
		i := queue[0]
		queue = queue[1:]
		for len(counts) <= dist[i] {
			counts = append(counts, 0)
		}
		counts[dist[i]]++
		dst, _ := u.Out(i)
		for _, j := range dst {
			if dist[j] < 0 {
				dist[j] = dist[i] + 1
				queue = append(queue, j)
			}
		}
	}
	seen := 0
	for d, c := range counts {
		seen += c
		if 2*seen >= int(bestSize) {
			return d, true
		}
	}
	return len(counts) - 1, true
}

func walletSignals(dir *plaudit.Directory, p Params) []Signal {
	holders := map[string][]string{}
	for _, m := range dir.Members() {
		seen := map[string]bool{}
		for _, w := range m.Wallets {
			k := strings.ToLower(w)
			if !seen[k] {
				seen[k] = true
				holders[k] = append(holders[k], m.Handle)
			}
		}
	}
	var out []Signal
	for _, m := range dir.Members() {
		var ev []plaudit.Input
		others := map[string]bool{}
		for _, w := range m.Wallets {
			hs := holders[strings.ToLower(w)]
			if len(hs) < 2 {
				continue
			}
			var with []string
			for _, h := range hs {
				if h != m.Handle {
					with = append(with, h)
					others[h] = true
				}
			}
			ev = append(ev, plaudit.Input{Name: "wallet:" + w, Value: "shared with " + list(with, 10)})
		}
		if len(ev) == 0 {
			continue
		}
		out = append(out, Signal{
			Member:     m.Handle,
			Check:      CheckSharedWallet,
			Detail:     fmt.Sprintf("pays to a wallet that %d other member(s) also use", len(others)),
			Multiplier: p.WalletMultiplier,
			Evidence:   ev,
		})
	}
	return out
}

// linkedSignals flags members between whom an account moved: linked to one member, then to another.
func linkedSignals(dir *plaudit.Directory, p Params) []Signal {
	holders := dir.AccountHolders() // account key → members that held it, in order
	byMember := map[string][]plaudit.Input{}
	accts := make([]string, 0, len(holders))
	for a := range holders {
		accts = append(accts, a)
	}
	sort.Strings(accts)
	for _, a := range accts {
		// Members merged since are one member now: an account that moved into a merge is not shared.
		var canon []string
		for _, h := range holders[a] {
			if m, ok := dir.Member(h); ok {
				h = m.Handle
			}
			canon = append(canon, h)
		}
		hs := uniq(canon)
		if len(hs) < 2 {
			continue
		}
		for _, h := range hs {
			byMember[h] = append(byMember[h], plaudit.Input{Name: "account:" + a, Value: "held by " + list(hs, 10)})
		}
	}
	var out []Signal
	for _, h := range sortedKeys(byMember) {
		out = append(out, Signal{
			Member:     h,
			Check:      CheckLinkedIdentity,
			Detail:     fmt.Sprintf("%d account(s) moved between this and other members", len(byMember[h])),
			Multiplier: p.LinkedMultiplier,
			Evidence:   byMember[h],
		})
	}
	return out
}

// ageSignals flags members whose oldest account with a known creation time is younger than MinAccountAge.
// Members with no account_created on any account are not judged. latest is the last event's time, the
// moment of judgement when p.At is zero.
func ageSignals(latest time.Time, dir *plaudit.Directory, created map[string]time.Time, p Params) []Signal {
	at := p.At
	if at.IsZero() {
		at = latest
	}
	var out []Signal
	for _, m := range dir.Members() {
		var oldest time.Time
		var acct string
		for _, a := range m.Accounts {
			if t, ok := created[a]; ok && (oldest.IsZero() || t.Before(oldest)) {
				oldest, acct = t, a
			}
		}
		if oldest.IsZero() || at.Sub(oldest) >= p.MinAccountAge {
			continue
		}
		age := at.Sub(oldest)
		out = append(out, Signal{
			Member:     m.Handle,
			Check:      CheckAccountAge,
			Detail:     fmt.Sprintf("oldest account made %s before %s, under %s", days(age), at.UTC().Format("2006-01-02"), days(p.MinAccountAge)),
			Multiplier: p.AgeMultiplier,
			Evidence: []plaudit.Input{
				{Name: "oldest_account", Value: acct},
				{Name: "account_created", Value: oldest.UTC().Format(time.RFC3339)},
				{Name: "age_days", Value: strconv.FormatFloat(age.Hours()/24, 'f', 1, 64)},
			},
		})
	}
	return out
}

func list(s []string, max int) string {
	if len(s) <= max {
		return strings.Join(s, ", ")
	}
	return strings.Join(s[:max], ", ") + fmt.Sprintf(" and %d more", len(s)-max)
}

func uniq(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func days(d time.Duration) string {
	return strconv.FormatFloat(d.Hours()/24, 'f', 0, 64) + " days"
}
