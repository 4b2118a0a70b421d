// Package eval measures the integrity layer against ground truth: it generates a community with planted
// attackers, runs it through scoring and settlement twice — without and with the integrity verdicts — and
// reports who took the pool, what honest members lost, and how well flagged members match the labels.
//
// The figures it prints are the acceptance figures of the integrity layer; `plaudit eval` runs it for any
// size and seed.
package eval

import (
	"fmt"
	"math/big"
	"sort"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/gen"
	"github.com/plaudit/plaudit/integrity"
	"github.com/plaudit/plaudit/policy"
	"github.com/plaudit/plaudit/score"
	"github.com/plaudit/plaudit/settle"
)

// Config says which community to generate and how to judge it.
type Config struct {
	Members int
	Days    int
	Seed    int64
	Mix     *gen.Mix           // nil for gen.DefaultMix()
	Policy  *policy.Policy     // nil for the default preset
	Options *integrity.Options // nil for integrity.DefaultOptions()
}

// LabelResult is what one kind of member (honest, or an attacker type) did and got.
type LabelResult struct {
	Label         gen.Label `json:"label"`
	Members       int       `json:"members"`
	Flagged       int       `json:"flagged"`
	ShareWithout  float64   `json:"share_without"`  // share of the pool without the integrity layer
	ShareWith     float64   `json:"share_with"`     // and with it
	PointsWithout string    `json:"points_without"` // eligible points
	PointsWith    string    `json:"points_with"`
}

// Result is one evaluation.
type Result struct {
	Members int           `json:"members"`
	Events  int           `json:"events"`
	Labels  []LabelResult `json:"labels"` // honest first, then attacker types by name

	AttackersShareWithout float64 `json:"attackers_share_without"`
	AttackersShare        float64 `json:"attackers_share"` // with the integrity layer
	// HonestChange is the share of honest members' payouts (without the layer) that honest members lost
	// with it: Σ over honest members of max(0, without − with) / Σ without. Redistribution from caught
	// attackers raises most honest payouts; this counts only the losses, which come from honest members
	// the layer penalised.
	HonestChange float64 `json:"honest_change"`
	HonestGain   float64 `json:"honest_gain"` // Σ honest with / Σ honest without − 1
	// HonestLossByCheck says which integrity checks took the points honest members lost, most first, and
	// HonestLosers which honest members lost most (at most five): where honest_change comes from.
	HonestLossByCheck []CheckLoss  `json:"honest_loss_by_check"`
	HonestLosers      []MemberLoss `json:"honest_losers"`

	TP, FP, FN int
	Precision  float64 `json:"precision"`
	Recall     float64 `json:"recall"`

	// LikeRing is what a like ring's likes were worth before and after reputation weighting (likering.go).
	LikeRing *LikeRingResult `json:"like_ring,omitempty"`

	Timings map[string]time.Duration `json:"-"`
}

// Line is the contract line other tools read.
func (r *Result) Line() string {
	return fmt.Sprintf("attackers_share=%.4f honest_change=%.4f precision=%.4f recall=%.4f",
		r.AttackersShare, r.HonestChange, r.Precision, r.Recall)
}

// evalPool is the pool of the evaluation's single epoch: large enough that rounding is invisible in shares.
var evalPool = big.NewInt(1_000_000_000_000)

// Run generates the community and evaluates it. progress, when not nil, is told each stage as it starts.
func Run(cfg Config, progress func(stage string)) (*Result, error) {
	if progress == nil {
		progress = func(string) {}
	}
	timings := map[string]time.Duration{}
	mark := func(stage string, since time.Time) { timings[stage] = time.Since(since) }

	progress("generate")
	t := time.Now()
	var events []plaudit.Event
	gres, err := gen.Generate(gen.Config{Members: cfg.Members, Days: cfg.Days, Seed: cfg.Seed, Mix: cfg.Mix},
		func(e *plaudit.Event) error { events = append(events, *e); return nil })
	if err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	mark("generate", t)

	progress("score")
	t = time.Now()
	pol := cfg.Policy
	if pol == nil {
		if pol, err = policy.Preset("default"); err != nil {
			return nil, fmt.Errorf("eval: %w", err)
		}
	}
	scores, dir, err := score.Run(pol, events, nil)
	if err != nil {
		return nil, fmt.Errorf("eval: score: %w", err)
	}
	mark("score", t)

	progress("integrity")
	t = time.Now()
	opt := integrity.DefaultOptions()
	if cfg.Options != nil {
		opt = *cfg.Options
	}
	rep, err := integrity.Run(events, dir, opt)
	if err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	mark("integrity", t)

	progress("settle")
	t = time.Now()
	prog := &settle.Program{
		Name:     "eval",
		Period:   settle.Period{Kind: settle.Custom, Every: gres.End.Sub(gres.Start), Anchor: gres.Start},
		Pool:     evalPool,
		Token:    "EVAL",
		Unspent:  settle.UnspentCarry,
		XPayouts: true, // measure every platform's activity, X included
	}
	win, err := prog.EpochAt(gres.Start)
	if err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	without, err := settle.Close(prog, win, scores, nil, settle.Input{})
	if err != nil {
		return nil, fmt.Errorf("eval: settle without integrity: %w", err)
	}
	with, err := settle.Close(prog, win, scores, rep.Verdicts, settle.Input{})
	if err != nil {
		return nil, fmt.Errorf("eval: settle with integrity: %w", err)
	}
	mark("settle", t)

	res := measure(gres.Labels, rep.Flagged(), without.Allocations, with.Allocations)
	res.Members, res.Events, res.Timings = len(gres.Labels), len(events), timings
	res.HonestLossByCheck, res.HonestLosers = honestLosses(scores, rep.Verdicts, gres.Labels, 5)

	progress("like ring")
	t = time.Now()
	if res.LikeRing, err = LikeRing(pol, events, gres.Labels); err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	mark("like ring", t)
	return res, nil
}

type alloc struct {
	share  *big.Int
	points plaudit.Points
}

func index(as []plaudit.Allocation) map[string]alloc {
	out := make(map[string]alloc, len(as))
	for _, a := range as {
		out[a.Member] = alloc{a.Share, a.Points}
	}
	return out
}

func frac(n, d *big.Int) float64 {
	if d.Sign() == 0 {
		return 0
	}
	f, _ := new(big.Rat).SetFrac(n, d).Float64()
	return f
}

// measure compares the two settlements per label and scores the flagged members against the labels.
func measure(labels []gen.MemberLabel, flagged []string, without, with []plaudit.Allocation) *Result {
	wo, wi := index(without), index(with)
	isFlagged := map[string]bool{}
	for _, m := range flagged {
		isFlagged[m] = true
	}
	type acc struct {
		members, flagged   int
		shareWo, shareWi   *big.Int
		pointsWo, pointsWi plaudit.Points
	}
	by := map[gen.Label]*acc{}
	honestLoss := new(big.Int)
	res := &Result{}
	for _, l := range labels {
		a := by[l.Label]
		if a == nil {
			a = &acc{shareWo: new(big.Int), shareWi: new(big.Int)}
			by[l.Label] = a
		}
		a.members++
		x, y := wo[l.Member], wi[l.Member]
		if x.share != nil {
			a.shareWo.Add(a.shareWo, x.share)
			a.pointsWo += x.points
		}
		if y.share != nil {
			a.shareWi.Add(a.shareWi, y.share)
			a.pointsWi += y.points
		}
		attacker := l.Label != gen.Honest
		switch {
		case isFlagged[l.Member] && attacker:
			a.flagged++
			res.TP++
		case isFlagged[l.Member]:
			a.flagged++
			res.FP++
		case attacker:
			res.FN++
		}
		if !attacker && x.share != nil {
			lost := new(big.Int).Set(x.share)
			if y.share != nil {
				lost.Sub(lost, y.share)
			}
			if lost.Sign() > 0 {
				honestLoss.Add(honestLoss, lost)
			}
		}
	}
	total := func(m map[string]alloc) *big.Int {
		s := new(big.Int)
		for _, a := range m {
			if a.share != nil {
				s.Add(s, a.share)
			}
		}
		return s
	}
	totWo, totWi := total(wo), total(wi)
	names := make([]string, 0, len(by))
	for l := range by {
		names = append(names, string(l))
	}
	sort.Slice(names, func(i, j int) bool {
		if (names[i] == string(gen.Honest)) != (names[j] == string(gen.Honest)) {
			return names[i] == string(gen.Honest)
		}
		return names[i] < names[j]
	})
	attWo, attWi := new(big.Int), new(big.Int)
	for _, n := range names {
		a := by[gen.Label(n)]
		res.Labels = append(res.Labels, LabelResult{
			Label: gen.Label(n), Members: a.members, Flagged: a.flagged,
			ShareWithout: frac(a.shareWo, totWo), ShareWith: frac(a.shareWi, totWi),
			PointsWithout: a.pointsWo.String(), PointsWith: a.pointsWi.String(),
		})
		if gen.Label(n) == gen.Honest {
			res.HonestChange = frac(honestLoss, a.shareWo)
			if a.shareWo.Sign() > 0 {
				res.HonestGain = frac(a.shareWi, a.shareWo) - 1
			}
		} else {
			attWo.Add(attWo, a.shareWo)
			attWi.Add(attWi, a.shareWi)
		}
	}
	res.AttackersShareWithout, res.AttackersShare = frac(attWo, totWo), frac(attWi, totWi)
	if res.TP+res.FP > 0 {
		res.Precision = float64(res.TP) / float64(res.TP+res.FP)
	}
	if res.TP+res.FN > 0 {
		res.Recall = float64(res.TP) / float64(res.TP+res.FN)
	} else {
		res.Recall = 1
	}
	return res
}
