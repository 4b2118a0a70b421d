package main

import (
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/gen"
	"github.com/plaudit/plaudit/integrity"
	"github.com/plaudit/plaudit/service"
)

// The demo's integrity stage: every check over the generated community, the verdicts handed to settlement,
// the flagged members with their evidence, and — since the generator wrote the ground truth — how the flags
// compare with it.
func init() {
	registerDemoStep(50, "integrity", demoIntegrity)
}

func demoIntegrity(env *demoEnv) error {
	if env.directory == nil || len(env.events) == 0 {
		return nil
	}
	began := time.Now()
	var rep *integrity.Report
	if env.store != nil {
		res, err := env.service().RunIntegrity(env.context(), service.IntegrityRequest{By: "demo"})
		if err != nil {
			return err
		}
		rep = res.Report
	} else {
		var err error
		if rep, err = integrity.Run(env.events, env.directory, integrity.DefaultOptions()); err != nil {
			return err
		}
	}
	env.verdicts = rep.Verdicts
	env.extra["integrity"] = rep
	out := env.out
	flagged := rep.Flagged()
	events := 0
	for _, v := range rep.Verdicts {
		if !strings.HasPrefix(v.Subject, "member:") && v.Multiplier < plaudit.One {
			events++
		}
	}
	fmt.Fprintf(out, "\n== Integrity: %d members flagged, %d events reduced, %d collusion rings, %d sybil signals (%s)\n",
		len(flagged), events, len(rep.Rings), len(rep.Sybil), time.Since(began).Round(time.Millisecond))

	// Points the verdicts take, by check, so that the effect is visible before settlement.
	if len(env.scores) > 0 {
		applied := integrity.Apply(env.scores, rep.Verdicts)
		var before, after plaudit.Points
		for i := range env.scores {
			before += env.scores[i].Points
			after += applied[i].Points
		}
		fmt.Fprintf(out, "points before %s, after %s (%.1f%% removed)\n", before, after, 100*float64(before-after)/float64(max(before, 1)))
	}

	byMember := map[string]plaudit.Verdict{}
	for _, v := range rep.Verdicts {
		if h, ok := strings.CutPrefix(v.Subject, "member:"); ok {
			byMember[h] = v
		}
	}
	sort.Slice(flagged, func(i, j int) bool {
		a, b := byMember[flagged[i]], byMember[flagged[j]]
		if len(a.Reasons) != len(b.Reasons) {
			return len(a.Reasons) > len(b.Reasons)
		}
		return flagged[i] < flagged[j]
	})
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "member\tmultiplier\tevidence")
	for i, m := range flagged {
		if i == 12 {
			fmt.Fprintf(tw, "… and %d more\t\t\n", len(flagged)-12)
			break
		}
		v := byMember[m]
		var why []string
		for _, r := range v.Reasons {
			why = append(why, r.Check+": "+r.Detail)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", m, v.Multiplier, truncateText(strings.Join(why, "; "), 110))
	}
	tw.Flush()
	if env.store != nil {
		b, err := env.service().Leaderboard(env.context(), service.LeaderboardRequest{Limit: 10})
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "\nLeaderboard after integrity verdicts (top 10 of %d members with points):\n", b.Members)
		if err := writeBoard(out, b, 2); err != nil {
			return err
		}
	}

	// The generate stage keeps the ground truth it wrote; a demo on real data has none.
	labels, _ := env.extra["labels"].([]gen.MemberLabel)
	if len(labels) == 0 {
		return nil
	}
	isFlagged := map[string]bool{}
	for _, m := range flagged {
		isFlagged[m] = true
	}
	var tp, fp, fn int
	for _, l := range labels {
		switch {
		case isFlagged[l.Member] && l.Label != gen.Honest:
			tp++
		case isFlagged[l.Member]:
			fp++
		case l.Label != gen.Honest:
			fn++
		}
	}
	fmt.Fprintf(out, "against the generator's ground truth: %d attackers caught, %d missed, %d honest members flagged (precision %.3f, recall %.3f)\n",
		tp, fn, fp, ratio(tp, tp+fp), ratio(tp, tp+fn))
	return nil
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

func truncateText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
