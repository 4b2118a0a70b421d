// Package sybil finds members who are likely fake or controlled by someone else: accounts that trust from the
// pre-trusted part of the community does not reach (SybilRank), members who share a wallet, accounts that
// moved between members, accounts made recently, and accounts made in a burst that then engage mostly with
// each other and one shared target.
//
// Each finding is a Signal on one member with its evidence and a suggested multiplier; the integrity layer
// weighs them into verdicts. Everything here is deterministic: the same events, directory, seeds and
// parameters give the same signals in the same order.
package sybil

import (
	"math"
	"math/bits"

	"github.com/plaudit/plaudit/graph"
)

// DefaultIterations is the number of SybilRank steps for a graph of n nodes: ⌈½·log₂ n⌉. The paper stops
// at O(log n), the mixing time of a large honest region; a community's honest core of mutual engagement is
// small and well knit next to n, and on generated communities (gen, 2,000–3,000 members) half of log₂ n
// keeps both like rings and most sybil clusters below the threshold while at log₂ n trust has leaked into
// the sybil clusters too.
func DefaultIterations(n int) int { return max(1, (bits.Len(uint(n))+1)/2) }

// SybilRank runs SybilRank (Cao, Sirivianos, Yang and Pregueiro, NSDI 2012) on the undirected graph u (see
// graph.Graph.Undirected): trust starts on the seeds (indices of u with their weights, scaled to sum to 1),
// spreads for iterations steps of T'(v) = Σ_u T(u)·w(u,v)/deg(u) — an early-terminated random walk, so that
// trust mixes through the honest region but has not yet leaked over the few edges into a sybil region — and
// each node's trust is divided by its weighted degree. The returned ratio is that degree-normalised trust
// relative to its value at full mixing (total trust / total degree): near 1 for well-connected honest
// members, near 0 where trust does not reach; NaN for isolated nodes, about which there is nothing to say.
// iterations ≤ 0 means DefaultIterations(n).
func SybilRank(u *graph.Graph, seeds []float64, iterations int) []float64 {
	n := u.Len()
	if iterations <= 0 {
		iterations = DefaultIterations(n)
	}
	deg := make([]float64, n)
	var vol float64
	for i := 0; i < n; i++ {
		deg[i] = u.OutWeight(int32(i))
		vol += deg[i]
	}
	t := make([]float64, n)
	var total float64
	for i, s := range seeds {
		if deg[i] > 0 && s > 0 {
			total += s
		}
	}
	ratio := make([]float64, n)
	if total == 0 || vol == 0 {
		for i := range ratio {
			ratio[i] = math.NaN()
			if deg[i] > 0 {
				ratio[i] = 0
			}
		}
		return ratio
	}
	for i, s := range seeds {
		if deg[i] > 0 && s > 0 {
			t[i] = s / total
		}
	}
	next := make([]float64, n)
	for range iterations {
		for j := 0; j < n; j++ {
			var s float64
			src, w := u.Out(int32(j))
			for k, i := range src {
				s += float64(t[i] * float64(w[k]/deg[i]))
			}
			next[j] = s
		}
		t, next = next, t
	}
	avg := 1 / vol // total trust is 1
	for i := range ratio {
		if deg[i] == 0 {
			ratio[i] = math.NaN()
			continue
		}
		ratio[i] = t[i] / deg[i] / avg
	}
	return ratio
}
