package integrity

import (
	"context"
	"fmt"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/collusion"
	"github.com/plaudit/plaudit/graph"
	"github.com/plaudit/plaudit/reputation"
	"github.com/plaudit/plaudit/sybil"
)

// Options is the whole integrity configuration: the event-level checks and the member-level graph checks,
// each of which a policy may turn off.
type Options struct {
	Checks     Config
	Collusion  bool               // detect collusion rings
	Rings      collusion.Params   // their tuning; Rings.Trusted nil means the directory's project members
	Sybil      bool               // run the sybil signals
	Sybils     sybil.Params       // their tuning
	Seeds      map[string]float64 // SybilRank seeds and EigenTrust pre-trust; nil derives them from the community
	Reputation bool               // compute EigenTrust reputation (rings and sybils discounted)
	Graph      graph.EventOptions
}

// DefaultOptions runs every check with its defaults.
func DefaultOptions() Options {
	return Options{Checks: DefaultConfig(), Collusion: true, Sybil: true, Reputation: true}
}

// Report is everything the integrity layer found in one run: the findings behind the verdicts, the rings
// and sybil signals with their evidence, and the members' reputation.
type Report struct {
	Findings   *Findings
	Rings      []collusion.Ring
	Sybil      []sybil.Signal
	Reputation *reputation.Result // nil when not computed
	Verdicts   []plaudit.Verdict  // one per subject with a finding, sorted by subject
	Events     int                // events read
}

// Flagged returns the members with a member-level verdict below one, sorted.
func (r *Report) Flagged() []string {
	var out []string
	for _, v := range r.Verdicts {
		if len(v.Subject) > 7 && v.Subject[:7] == "member:" && v.Multiplier < plaudit.One {
			out = append(out, v.Subject[7:])
		}
	}
	return out
}

// Run runs the integrity layer over events (in log order) with the directory that resolves them. It is
// RunStream over the events held in memory.
func Run(events []plaudit.Event, dir *plaudit.Directory, opt Options) (*Report, error) {
	return RunStream(plaudit.StreamOf(events), dir, opt)
}

// RunStream runs the integrity layer over a replayable stream of the events (in log order), walking it a
// few times and holding compact per-event records, the interaction graph and per-member aggregates rather
// than the events: what lets a run over a log too large for memory read it from the store. The report is
// Run's over the same events.
func RunStream(events plaudit.EventStream, dir *plaudit.Directory, opt Options) (*Report, error) {
	return RunStreamContext(context.Background(), events, dir, opt)
}

// RunStreamContext is RunStream that stops, with ctx's error, once ctx is done: in the checks between its
// walks (which should stop their own walks by ctx too) and before the collusion search, which runs to its
// end once begun.
func RunStreamContext(ctx context.Context, events plaudit.EventStream, dir *plaudit.Directory, opt Options) (*Report, error) {
	// The checks walk the events twice; the interaction graph and the accounts' creation times are
	// gathered in the same two walks.
	var eg *graph.EventGraph
	var first, second func(*plaudit.Event)
	if opt.Collusion || opt.Reputation || opt.Sybil {
		var err error
		if eg, err = graph.NewEventGraph(dir, opt.Graph); err != nil {
			return nil, fmt.Errorf("integrity: interaction graph: %w", err)
		}
		first, second = eg.Learn, eg.Add
	}
	var times *reputation.AccountTimes
	if opt.Sybil || (opt.Reputation && opt.Seeds == nil) {
		times = reputation.NewAccountTimes()
		if first != nil {
			first = func(e *plaudit.Event) { eg.Learn(e); times.Add(e) }
		} else {
			first = times.Add
		}
	}
	f, n, err := checkStream(ctx, events, dir, opt.Checks, first, second)
	if err != nil {
		return nil, err
	}
	rep := &Report{Findings: f, Events: n}
	var g *graph.Graph
	if eg != nil {
		g, eg = eg.Graph(), nil
	}
	// What reads the directory and the accounts' times is computed before the collusion search, and both
	// go before it runs: at a million members they are hundreds of megabytes, and the search holds about
	// as much again (the caller leaves the directory to this run: service.integrityRun).
	seeds := opt.Seeds
	if seeds == nil {
		seeds = sybil.ProjectSeeds(dir)
	}
	rp := opt.Rings
	if opt.Collusion && rp.Trusted == nil {
		rp.Trusted = sybil.ProjectMembers(dir)
	}
	var sig []sybil.Signal
	if opt.Sybil {
		p := opt.Sybils
		p.Graph = opt.Graph
		sig = sybil.DetectGraphTimes(g, times.Created, times.Latest, dir, seeds, p)
	}
	pre := opt.Seeds
	if opt.Reputation && pre == nil {
		pre = reputation.PretrustFrom(dir, times.Created, times.Latest, reputation.PretrustParams{})
	}
	dir, times = nil, nil
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("integrity: stopped before the collusion search: %w", err)
	}
	if opt.Collusion {
		rep.Rings = collusion.Detect(g, rp)
		for i := range rep.Rings {
			for j, m := range rep.Rings[i].Members {
				f.AddMember(m, rep.Rings[i].Reason(j))
			}
		}
	}
	var distrusted []string
	if opt.Sybil {
		rep.Sybil = sig
		for _, s := range sig {
			f.AddMember(s.Member, s.Reason())
			distrusted = append(distrusted, s.Member)
		}
	}
	if opt.Reputation {
		var rings [][]string
		for _, r := range rep.Rings {
			rings = append(rings, r.Members)
		}
		dg := reputation.Discount(g, rings, distrusted)
		p := reputation.Uniform(dg) // a community with no project and no long-standing member: PageRank
		if len(pre) > 0 {
			var err error
			if p, err = reputation.Pretrust(dg, pre); err != nil {
				return nil, fmt.Errorf("integrity: reputation: %w", err)
			}
		}
		var err error
		if rep.Reputation, err = reputation.EigenTrust(dg, p, reputation.Params{}); err != nil {
			return nil, fmt.Errorf("integrity: reputation: %w", err)
		}
	}
	rep.Verdicts = f.Verdicts()
	return rep, nil
}
