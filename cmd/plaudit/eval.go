package main

import (
	"encoding/json"
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/plaudit/plaudit/eval"
	"github.com/plaudit/plaudit/gen"
)

func init() {
	var members, days int
	var seed int64
	var mix string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "eval",
		Short: "Measure the integrity layer against a generated community with planted attackers",
		Long: `eval generates a community with planted attackers (as plaudit gen does), scores it under the default
policy, and settles it twice as one epoch — without and with the integrity layer's verdicts. It prints, per
member label, the members, how many were flagged and their share of the pool both ways; then the attackers'
share without and with the layer, what honest members lost (the share of their payouts that honest members
lost with the layer) with the integrity checks that took their points and the honest members who lost most,
and the precision and recall of flagged members against the labels. The last line is a
contract other tools read:

  attackers_share=F honest_change=F precision=F recall=F`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg := eval.Config{Members: members, Days: days, Seed: seed}
			if mix != "" {
				m, err := gen.ParseMix(mix)
				if err != nil {
					return err
				}
				cfg.Mix = &m
			}
			interactive := term.IsTerminal(int(os.Stderr.Fd()))
			started := time.Now()
			res, err := eval.Run(cfg, func(stage string) {
				if interactive {
					fmt.Fprintf(os.Stderr, "\r%-40s", fmt.Sprintf("eval: %s … (%s)", stage, time.Since(started).Round(time.Second)))
				}
			})
			if interactive {
				fmt.Fprintf(os.Stderr, "\r%-40s\r", "")
			}
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(res); err != nil {
					return err
				}
			} else {
				fmt.Fprintf(out, "community: %d members, %d events, seed %d\n", res.Members, res.Events, seed)
				tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
				fmt.Fprintln(tw, "label\tmembers\tflagged\tshare without\tshare with\t")
				for _, l := range res.Labels {
					fmt.Fprintf(tw, "%s\t%d\t%d\t%.4f\t%.4f\t\n", l.Label, l.Members, l.Flagged, l.ShareWithout, l.ShareWith)
				}
				tw.Flush()
				fmt.Fprintf(out, "attackers took %.4f of the pool without the integrity layer and %.4f with it\n", res.AttackersShareWithout, res.AttackersShare)
				fmt.Fprintf(out, "honest members: %.4f of their payouts lost by those penalised, %+.4f in total after redistribution\n", res.HonestChange, res.HonestGain)
				for _, c := range res.HonestLossByCheck {
					fmt.Fprintf(out, "  %s took %s points (%.2f%% of honest members' points) from %d honest member(s)\n", c.Check, c.Points, 100*c.Share, c.Members)
				}
				for _, m := range res.HonestLosers {
					fmt.Fprintf(out, "  honest member %s lost %s of %s points\n", m.Member, m.Lost, m.Before)
				}
				fmt.Fprintf(out, "flagged members: %d attackers, %d honest, %d attackers missed\n", res.TP, res.FP, res.FN)
				if res.LikeRing != nil {
					fmt.Fprintln(out, res.LikeRing.Line())
				}
				for _, st := range []string{"generate", "score", "integrity", "settle"} {
					fmt.Fprintf(out, "  %-9s %s\n", st, res.Timings[st].Round(time.Millisecond))
				}
			}
			fmt.Fprintln(out, res.Line())
			return nil
		},
	}
	cmd.Flags().IntVar(&members, "members", 10000, "members in the generated community")
	cmd.Flags().IntVar(&days, "days", 14, "days of activity")
	cmd.Flags().Int64Var(&seed, "seed", 1, "random seed")
	cmd.Flags().StringVar(&mix, "mix", "", "attacker mix as plaudit gen takes it (default: the generator's default mix)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the full result as JSON before the contract line")
	rootCmd.AddCommand(cmd)
}
