package main

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/policy"
	"github.com/plaudit/plaudit/score"
)

func init() {
	var policyName string
	var limit int
	cmd := &cobra.Command{
		Use:   "explain EVENT|MEMBER",
		Short: "Print the breakdown of an event's score or a member's total: rule, inputs, points",
		Long: `explain shows why an event scored what it did, or how a member's total adds up: every rule that fired,
its inputs and its points. EVENT is an event key, source/id (x/1790…); anything else is a member handle (or an
account key such as x:12345, which names the member holding it). Scores are those stored by the last
` + "`plaudit score`" + ` under the active policy; with --policy, or when none are stored, the log is scored afresh.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := explain(cmd, args[0], policyName, limit); err != nil {
				return err
			}
			return explainVerdictsOf(cmd, args[0]) // integrity.go: stored verdicts and flags
		},
	}
	cmd.Flags().StringVar(&policyName, "policy", "", "explain under this policy instead of the active one (a file or preset:NAME)")
	cmd.Flags().IntVar(&limit, "limit", 20, "for a member, the number of scores to list, largest first (0: all)")
	rootCmd.AddCommand(cmd)
}

// isEventKey reports whether s looks like "source/id" with a known source.
func isEventKey(s string) bool {
	src, id, ok := strings.Cut(s, "/")
	return ok && id != "" && plaudit.Source(src).Valid()
}

func explain(cmd *cobra.Command, subject, policyName string, limit int) error {
	ctx := cmd.Context()
	st, err := openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	var p *policy.Policy
	if policyName != "" {
		if p, _, err = loadPolicy(policyName); err != nil {
			return err
		}
	} else if p, err = activePolicy(ctx, st); err != nil {
		return err
	}
	events, err := loadEvents(ctx, st)
	if err != nil {
		return err
	}
	dir := plaudit.BuildDirectory(events)

	// Stored scores when there are any under this policy; otherwise score the log now.
	stored, err := st.Scores(ctx, plaudit.ScoreFilter{PolicyHash: p.Hash()})
	if err != nil {
		return err
	}
	scores, source := stored, "stored scores"
	if len(stored) == 0 {
		if scores, _, err = score.Run(p, events, nil); err != nil {
			return err
		}
		source = "scored now (no stored scores under this policy: run `plaudit score`)"
	}
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "policy %s version %d, %s; %s\n\n", p.Name, p.Version, p.Hash(), source)

	if isEventKey(subject) {
		src, id, _ := strings.Cut(subject, "/")
		e, err := st.EventByKey(ctx, plaudit.Source(src), id)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "event %s: %s by %s (member %s) at %s\n", e.Key(), e.Kind, e.AccountKey(), dir.MemberOfActor(e), e.Time.UTC().Format("2006-01-02 15:04:05Z"))
		var mine []plaudit.Score
		for _, s := range scores {
			if s.Event == subject {
				mine = append(mine, s)
			}
		}
		if len(mine) == 0 {
			fmt.Fprintln(out, "no score: no scorer of the policy awarded this event (not a kind it reads, or a rule such as once-per-post, the window or self-engagement withheld it)")
			return nil
		}
		for _, s := range mine {
			writeScore(out, &s)
		}
		return nil
	}

	member := subject
	if strings.Contains(subject, ":") {
		if m := dir.MemberOf(subject); m != "" {
			member = m
		}
	}
	if _, ok := dir.Member(member); !ok {
		return plaudit.Errorf(plaudit.ENOTFOUND, "no member or event %q (an event is source/id, e.g. x/123)", subject)
	}
	var mine []plaudit.Score
	for _, s := range scores {
		if s.Member == member {
			mine = append(mine, s)
		}
	}
	totals := score.Totals(mine)
	if len(totals) == 0 {
		fmt.Fprintf(out, "member %s: no scores under this policy\n", member)
		return nil
	}
	t := totals[0]
	fmt.Fprintf(out, "member %s: %s points from %d scores\n\nby rule:\n", member, t.Points, t.Scores)
	for _, r := range t.Reasons {
		fmt.Fprintf(out, "  %-40s %12s  (%d×)\n", r.Rule, r.Points, r.Count)
	}
	// The largest scores, each with its breakdown.
	sortScores(mine)
	fmt.Fprintf(out, "\nlargest scores:\n")
	for i := range mine {
		if limit > 0 && i == limit {
			fmt.Fprintf(out, "… and %d more (--limit 0 lists all)\n", len(mine)-limit)
			break
		}
		writeScore(out, &mine[i])
	}
	return nil
}

// sortScores orders scores by points, largest first, then by event.
func sortScores(s []plaudit.Score) {
	sort.SliceStable(s, func(i, j int) bool {
		if s[i].Points != s[j].Points {
			return s[i].Points > s[j].Points
		}
		return s[i].Event < s[j].Event
	})
}

// writeScore prints one score and its lines: rule, inputs, points, note.
func writeScore(w io.Writer, s *plaudit.Score) {
	fmt.Fprintf(w, "%s  %s → %s: %s points\n", s.Event, s.Scorer, s.Member, s.Points)
	for _, l := range s.Lines {
		var in []string
		for _, x := range l.Inputs {
			in = append(in, x.Name+"="+x.Value)
		}
		note := ""
		if l.Note != "" {
			note = "  # " + l.Note
		}
		fmt.Fprintf(w, "    %-36s %10s  %s%s\n", l.Rule, l.Points, strings.Join(in, " "), note)
	}
}
