package sybil

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/graph"
)

// burstSignals flags members whose accounts were made together and who then engage mostly with each other
// and one shared anchor: a sybil operator's puppets boosting the main account.
//
// Creation time alone does not tell a burst from a busy week — a growing community makes many accounts a
// day — so the groups come from engagement first. A member is anchored to the member who receives the
// largest share (≥ AnchorShare, of at least 3 interactions) of their interactions; for each anchor, the
// members anchored to it are sorted by when their oldest account was made and the fullest BurstWindow is
// found. It is a burst when it holds at least BurstMin members and BurstExcess times as many as the rest of
// the community's creation rate over that window predicts for a group that size. Its members are flagged
// when at least BurstFocus of their interactions go to the anchor or to each other.
func burstSignals(g *graph.Graph, dir *plaudit.Directory, created map[string]time.Time, p Params) []Signal {
	n := g.Len()
	since := make([]time.Time, n) // oldest known account creation, zero when unknown
	var all []time.Time
	for _, m := range dir.Members() {
		i, ok := g.Index(m.Handle)
		if !ok {
			continue
		}
		for _, a := range m.Accounts {
			if t, ok := created[a]; ok && (since[i].IsZero() || t.Before(since[i])) {
				since[i] = t
			}
		}
		if !since[i].IsZero() {
			all = append(all, since[i])
		}
	}
	sort.Slice(all, func(a, b int) bool { return all[a].Before(all[b]) })
	inWindow := func(ts []time.Time, from time.Time) int {
		lo := sort.Search(len(ts), func(k int) bool { return !ts[k].Before(from) })
		hi := sort.Search(len(ts), func(k int) bool { return ts[k].After(from.Add(p.BurstWindow)) })
		return hi - lo
	}

	groups := map[int32][]int32{} // anchor → anchored members with a known creation time
	for i := int32(0); int(i) < n; i++ {
		if since[i].IsZero() {
			continue
		}
		dst, _ := g.Out(i)
		cnt := g.OutCounts(i)
		total, best, bestJ := 0, 0, int32(-1)
		for k, j := range dst {
			total += int(cnt[k])
			if int(cnt[k]) > best {
				best, bestJ = int(cnt[k]), j
			}
		}
		if total >= 3 && float64(best) >= p.AnchorShare*float64(total) {
			groups[bestJ] = append(groups[bestJ], i)
		}
	}
	anchors := make([]int32, 0, len(groups))
	for j, ms := range groups {
		if len(ms) >= p.BurstMin {
			anchors = append(anchors, j)
		}
	}
	sort.Slice(anchors, func(a, b int) bool { return anchors[a] < anchors[b] })

	var out []Signal
	for _, anchor := range anchors {
		ms := groups[anchor]
		sort.SliceStable(ms, func(a, b int) bool { return since[ms[a]].Before(since[ms[b]]) })
		ts := make([]time.Time, len(ms))
		for k, i := range ms {
			ts[k] = since[i]
		}
		// The fullest window starting at a member's creation time; the earliest such on ties.
		bestLo, bestN := 0, 0
		for k := range ts {
			if c := inWindow(ts, ts[k]); c > bestN {
				bestLo, bestN = k, c
			}
		}
		// The background is everyone else: how many of a group this size the rest of the community's
		// creation rate puts in the window.
		// The window's count of others is add-one smoothed: in a small community no other account may have
		// been made in those two days, and a rate estimated as zero would make any three members a burst.
		expected := 0.0
		if others := len(all) - len(ms); others > 0 {
			expected = float64(len(ms)) * float64(inWindow(all, ts[bestLo])-bestN+1) / float64(others)
		}
		// The chance that chance alone puts this many in some window of some anchor's group: one test per
		// window tried and per anchor (Bonferroni), so that BurstChance bounds the community's false bursts.
		chance := min(1, float64(len(ms))*float64(len(anchors))*poissonTail(expected, bestN))
		if bestN < p.BurstMin || float64(bestN) < p.BurstExcess*expected || chance > p.BurstChance {
			continue
		}
		burst := ms[bestLo : bestLo+bestN]
		inGroup := map[int32]bool{anchor: true}
		for _, i := range burst {
			inGroup[i] = true
		}
		first, last := since[burst[0]], since[burst[len(burst)-1]]
		for _, i := range burst {
			dst, _ := g.Out(i)
			cnt := g.OutCounts(i)
			var inside, toAnchor, total int
			for k, j := range dst {
				total += int(cnt[k])
				if j == anchor {
					toAnchor += int(cnt[k])
				} else if inGroup[j] {
					inside += int(cnt[k])
				}
			}
			share := float64(inside+toAnchor) / float64(total)
			if share < p.BurstFocus {
				continue
			}
			out = append(out, Signal{
				Member:     g.IDs[i],
				Check:      CheckBurstCreation,
				Detail:     fmt.Sprintf("one of %d members whose accounts were made within %s of each other (%.0f× the community's rate) and who all mostly engage with %s; %.0f%% of their engagement stays in that group", bestN, p.BurstWindow, float64(bestN)/max(expected, 1e-9), g.IDs[anchor], 100*share),
				Multiplier: p.BurstMultiplier,
				Evidence: []plaudit.Input{
					{Name: "burst_members", Value: strconv.Itoa(bestN)},
					{Name: "burst_window", Value: first.UTC().Format(time.RFC3339) + " – " + last.UTC().Format(time.RFC3339)},
					{Name: "expected_at_community_rate", Value: strconv.FormatFloat(expected, 'f', 2, 64)},
					{Name: "anchor", Value: g.IDs[anchor]},
					{Name: "interactions_with_anchor", Value: fmt.Sprintf("%d of %d", toAnchor, total)},
					{Name: "interactions_in_burst", Value: fmt.Sprintf("%d of %d", inside, total)},
					{Name: "chance_at_community_rate", Value: strconv.FormatFloat(chance, 'g', 3, 64)},
				},
			})
		}
	}
	return out
}

// poissonTail is P(X ≥ k) for X Poisson with mean lambda: the chance that the community's own creation rate
// puts k or more of a group's members in one window. It is what makes a burst's size threshold scale with
// the community: in a small or old community, where few accounts are made in any two days, three puppets
// made together are already far beyond chance; in a large, growing one it takes many more.
func poissonTail(lambda float64, k int) float64 {
	if k <= 0 {
		return 1
	}
	if lambda <= 0 {
		return 0
	}
	// 1 − P(X < k), summed from the terms below k; for the small k and lambda here this is exact enough, and
	// it is a pure function of its inputs.
	term, below := math.Exp(-lambda), 0.0
	for i := 0; i < k; i++ {
		below += term
		term *= lambda / float64(i+1)
	}
	return max(0, 1-below)
}
