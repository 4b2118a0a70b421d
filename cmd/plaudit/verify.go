package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/plaudit/plaudit/service"
)

func init() {
	var verdicts string
	cmd := &cobra.Command{
		Use:   "verify EPOCH",
		Short: "Rebuild a closed epoch from the event log and its recorded policy, and compare",
		Long: `verify rebuilds a closed epoch from scratch: it loads the policy by the hash the epoch recorded, scores
the event log as it stood when the epoch was closed (the events recorded up to the close, so that events,
merges, links and wallets recorded later change nothing) with it, settles the epoch again with the verdicts, carries (what earlier epochs left) and
member wallets the epoch recorded, and compares every member's line, the totals and the Merkle root with
what is stored. It prints "verified EPOCH ROOT" when they agree, or the first member whose amount differs
and why (exit status 2). --verdicts replaces the recorded verdicts with a file's.`,
		Example: "  plaudit verify default@2026-01-05T00:00:00Z",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			vs, err := service.LoadVerdicts(verdicts)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			st, err := openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			tuneGCForStage(verifyGCPercent, verifyMemoryLimit)
			svc := newService(st)
			// The log is streamed from the store as it is checked and scored, never held: the bars follow
			// the stages (reading the events, when a pass checks them first, and scoring them).
			progress, done := stageProgress()
			res, err := svc.VerifyProgress(ctx, args[0], vs, progress)
			done()
			if res != nil && res.Line != "" {
				fmt.Fprintln(cmd.OutOrStdout(), res.Line)
			}
			return err
		},
	}
	cmd.Flags().StringVar(&verdicts, "verdicts", "", "a JSON file of verdicts to use instead of the ones the epoch recorded")
	rootCmd.AddCommand(cmd)
}
