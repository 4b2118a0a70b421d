package reputation

import (
	"math"
	"sort"

	"github.com/plaudit/plaudit"
)

// Ranked is one node of a ranking.
type Ranked struct {
	ID    string
	Score float64
	Rank  int // 1 for the most trusted
}

// Ranking returns every node by score, highest first; equal scores are ordered by id, ascending.
func (r *Result) Ranking() []Ranked {
	out := make([]Ranked, len(r.IDs))
	for i, id := range r.IDs {
		out[i] = Ranked{ID: id, Score: r.Scores[i]}
	}
	sort.Slice(out, func(a, b int) bool {
		if out[a].Score != out[b].Score {
			return out[a].Score > out[b].Score
		}
		return out[a].ID < out[b].ID
	})
	for i := range out {
		out[i].Rank = i + 1
	}
	return out
}

// Profile is what a member's profile shows of their reputation.
type Profile struct {
	Member     string        `json:"member"`
	Score      float64       `json:"score"`      // global trust, a share of 1
	Rank       int           `json:"rank"`       // 1 for the most trusted
	Of         int           `json:"of"`         // members ranked
	Percentile float64       `json:"percentile"` // percent of members with a strictly lower score
	Relative   plaudit.Ratio `json:"relative"`   // score as a share of the top score, for weighting
}

// Profiles returns the profile of every node, in ranking order.
func (r *Result) Profiles() []Profile {
	ranking := r.Ranking()
	n := len(ranking)
	top := 0.0
	if n > 0 {
		top = ranking[0].Score
	}
	out := make([]Profile, n)
	// Walk from the bottom so that the number of strictly lower scores is known for each tie group.
	lower := 0
	for i := n - 1; i >= 0; {
		j := i
		for j > 0 && ranking[j-1].Score == ranking[i].Score {
			j--
		}
		for k := j; k <= i; k++ {
			out[k] = Profile{
				Member:     ranking[k].ID,
				Score:      ranking[k].Score,
				Rank:       ranking[k].Rank,
				Of:         n,
				Percentile: 100 * float64(lower) / float64(n),
				Relative:   relative(ranking[k].Score, top),
			}
		}
		lower += i - j + 1
		i = j - 1
	}
	return out
}

// Profile returns the profile of the node with the given id.
func (r *Result) Profile(id string) (Profile, bool) {
	for _, p := range r.Profiles() {
		if p.Member == id {
			return p, true
		}
	}
	return Profile{}, false
}

// Score returns the global trust of id, 0 when it is not a node.
func (r *Result) Score(id string) float64 {
	i := sort.SearchStrings(r.IDs, id)
	if i < len(r.IDs) && r.IDs[i] == id {
		return r.Scores[i]
	}
	return 0
}

// Relative returns id's score as a share of the highest score, as a fixed-point Ratio (rounded to the
// nearest millionth): 1 for the most trusted member, 0 for one nobody trusts. A scorer that counts reactions
// from reputable members more multiplies by it; being a Ratio it is safe to use in settled amounts.
func (r *Result) Relative(id string) plaudit.Ratio {
	top := 0.0
	for _, s := range r.Scores {
		top = math.Max(top, s)
	}
	return relative(r.Score(id), top)
}

// Weights returns Relative for every node, by id, computed once.
func (r *Result) Weights() map[string]plaudit.Ratio {
	top := 0.0
	for _, s := range r.Scores {
		top = math.Max(top, s)
	}
	out := make(map[string]plaudit.Ratio, len(r.IDs))
	for i, id := range r.IDs {
		out[id] = relative(r.Scores[i], top)
	}
	return out
}

func relative(s, top float64) plaudit.Ratio {
	if !(top > 0) || !(s > 0) {
		return 0
	}
	v := math.Round(s / top * float64(plaudit.One))
	if v > float64(plaudit.One) {
		v = float64(plaudit.One)
	}
	return plaudit.Ratio(v)
}
