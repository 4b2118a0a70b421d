package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/policy"
	"github.com/plaudit/plaudit/service"
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
			var pol *policy.Policy
			if policyName != "" {
				var err error
				if pol, _, err = loadPolicy(policyName); err != nil {
					return err
				}
			}
			ctx := cmd.Context()
			st, err := openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			x, err := newService(st).Explain(ctx, args[0], pol)
			if err != nil {
				return err
			}
			writeExplanation(cmd.OutOrStdout(), x, limit)
			return nil
		},
	}
	cmd.Flags().StringVar(&policyName, "policy", "", "explain under this policy instead of the active one (a file or preset:NAME)")
	cmd.Flags().IntVar(&limit, "limit", 20, "for a member, the number of scores to list, largest first (0: all)")
	rootCmd.AddCommand(cmd)
}

// writeExplanation prints an explanation: the policy, then the event's scores or the member's total by
// rule and its largest scores (limit of them; all when limit ≤ 0), each with its breakdown, then the
// integrity verdicts and flags on the subject.
func writeExplanation(out io.Writer, x *service.Explanation, limit int) {
	p, source := x.Policy, "stored scores"
	if !x.Stored {
		source = "scored now (no stored scores under this policy: run `plaudit score`)"
	}
	fmt.Fprintf(out, "policy %s version %d, %s; %s\n\n", p.Name, p.Version, p.Hash(), source)
	switch e := x.Event; {
	case e != nil:
		fmt.Fprintf(out, "event %s: %s by %s (member %s) at %s\n", e.Key(), e.Kind, e.AccountKey(), x.Member, e.Time.UTC().Format("2006-01-02 15:04:05Z"))
		if len(x.Scores) == 0 {
			fmt.Fprintln(out, "no score: no scorer of the policy awarded this event (not a kind it reads, or a rule such as once-per-post, the window or self-engagement withheld it)")
		}
		for i := range x.Scores {
			writeScore(out, &x.Scores[i])
		}
	case x.Total == nil:
		fmt.Fprintf(out, "member %s: no scores under this policy\n", x.Member)
	default:
		t := x.Total
		fmt.Fprintf(out, "member %s: %s points from %d scores\n\nby rule:\n", x.Member, t.Points, t.Scores)
		for _, r := range t.Reasons {
			fmt.Fprintf(out, "  %-40s %12s  (%d×)\n", r.Rule, r.Points, r.Count)
		}
		fmt.Fprintf(out, "\nlargest scores:\n")
		for i := range x.Scores {
			if limit > 0 && i == limit {
				fmt.Fprintf(out, "… and %d more (--limit 0 lists all)\n", len(x.Scores)-limit)
				break
			}
			writeScore(out, &x.Scores[i])
		}
	}
	if !x.Integrity.Empty() {
		fmt.Fprintf(out, "\nintegrity verdicts and flags on %s:\n", x.Integrity.Subject)
		writeSubjectIntegrity(out, x.Integrity, 1)
	}
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
