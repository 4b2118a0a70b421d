package main

import (
	"fmt"
	"sort"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/policy"
	"github.com/plaudit/plaudit/score"
)

// The demo's scoring stage: the generated community scored under the default preset, the scores saved
// under the policy's hash (which becomes the demo store's active policy), and the leaderboard with each
// member's top reasons.
func init() {
	registerDemoStep(40, "score", demoScore)
}

func demoScore(env *demoEnv) error {
	began := time.Now()
	doc, err := policy.PresetSource("default")
	if err != nil {
		return err
	}
	var p *policy.Policy
	var scores []plaudit.Score
	if env.store != nil {
		// The store's way: activate the preset, then score the whole log under it.
		svc := env.service()
		ctx := env.context()
		if p, err = svc.ActivatePolicy(ctx, doc, "preset:default", "demo"); err != nil {
			return fmt.Errorf("activate the default policy: %w", err)
		}
		res, err := svc.Rescore(ctx, nil)
		if err != nil {
			return err
		}
		scores = res.Scores
	} else {
		if p, err = policy.Preset("default"); err != nil {
			return err
		}
		if scores, env.directory, err = score.Run(p, env.events, nil); err != nil {
			return err
		}
	}
	env.scores = scores
	env.extra["policy"] = p
	byScorer := map[string]int{}
	pointsBy := map[string]plaudit.Points{}
	for _, s := range scores {
		byScorer[s.Scorer]++
		pointsBy[s.Scorer] += s.Points
	}
	names := make([]string, 0, len(byScorer))
	for n := range byScorer {
		names = append(names, n)
	}
	sort.Strings(names)
	out := env.out
	fmt.Fprintf(out, "== Scored %d events under preset:default (%s) in %s\n", len(env.events), p.Hash(), time.Since(began).Round(time.Millisecond))
	for _, n := range names {
		fmt.Fprintf(out, "  %-13s %7d scores %14s points\n", n, byScorer[n], pointsBy[n])
	}
	totals := score.Totals(scores)
	fmt.Fprintf(out, "\nLeaderboard before integrity checks (top 10 of %d members with points):\n", len(totals))
	if err := writeLeaderboard(out, totals, 10, 3); err != nil {
		return err
	}
	fmt.Fprintln(out)
	return nil
}
