package main

import (
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/service"
)

// The review queue commands hang under `plaudit epoch` (epoch.go makes it in an earlier init).
func init() {
	for _, c := range rootCmd.Commands() {
		if c.Name() == "epoch" {
			c.AddCommand(epochReviewsCmd(), epochReviewCmd())
			return
		}
	}
	panic("epoch_review.go: no epoch command to add the review commands to")
}

func epochReviewsCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "reviews EPOCH",
		Short: "List a witnessed epoch's review queue: payout lines above review_above and second-look events",
		Long: `reviews prints the review queue of a closed epoch whose policy sets program.witnesses.review_above or
second_look (docs/witness.md): each payout line above review_above and each rewarded event drawn for a
second look, with its status and who decided it. The queue is drawn the first time it is asked for; the seed
and the rule printed above the items let anyone draw the sample again. The epoch does not publish while an
item is pending, nor while a rejected one is not resolved (the witness dispute resolution).`,
		Example: `  plaudit epoch reviews acme@2026-01-05T00:00:00Z
  plaudit epoch reviews acme@2026-01-05T00:00:00Z --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st, err := openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			q, err := newService(st).EpochReviews(ctx, args[0])
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), q)
			}
			return writeReviewQueue(cmd.OutOrStdout(), q)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the queue as JSON (with the draw, the rule and each item's explanation path)")
	return cmd
}

// writeReviewQueue prints the draw and one line per item.
func writeReviewQueue(w io.Writer, q *service.ReviewQueue) error {
	if q.Draw == nil {
		fmt.Fprintf(w, "epoch %s: its policy asks for no review\n", q.Epoch)
		return nil
	}
	d := q.Draw
	fmt.Fprintf(w, "epoch %s: %d payout line(s) above review_above %s; %d of %d rewarded event(s) drawn for a second look (share %s)\n",
		q.Epoch, d.Payouts, orDash(d.ReviewAbove), d.Sampled, d.Rewarded, d.SecondLook)
	if d.Seed != "" {
		fmt.Fprintf(w, "seed %s\nrule %s\n", d.Seed, q.Rule)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ITEM\tKIND\tMEMBER\tEVENT\tPOINTS\tAMOUNT\tSTATUS\tDECIDED\tWHY")
	for _, it := range q.Items {
		decided := "-"
		if it.DecidedBy != "" {
			decided = it.DecidedBy + ": " + it.Reason
			if it.Resolution != "" {
				decided += " (" + it.Resolution + " by " + it.ResolvedBy + ": " + it.ResolveReason + ")"
			}
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", it.ID, it.Kind, it.Member, orDash(it.Event), it.Points, orDash(it.Amount), it.Status, decided, it.Why)
	}
	return tw.Flush()
}

func epochReviewCmd() *cobra.Command {
	var approve, reject bool
	var reason, op string
	cmd := &cobra.Command{
		Use:   "review EPOCH ITEM",
		Short: "Approve or reject one pending review item of a witnessed epoch, with a reason",
		Long: `review decides one pending item of an epoch's review queue (plaudit epoch reviews EPOCH lists them):
--approve or --reject, with --reason, recorded with the operator and the time in the item and in the
ledger's audit log (plaudit ledger postings --account witness:EPOCH). A rejected item holds the epoch's
publication like a witness's dispute until it is resolved, fixed or overruled, with the disputes.`,
		Example: `  plaudit epoch review acme@2026-01-05T00:00:00Z 3 --approve --reason "checked the thread"
  plaudit epoch review acme@2026-01-05T00:00:00Z 4 --reject --reason "the PR was reverted"`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			item, err := strconv.ParseInt(args[1], 10, 64)
			if err != nil || item <= 0 {
				return plaudit.Errorf(plaudit.EINVALID, "ITEM %q: want a review item number (plaudit epoch reviews %s)", args[1], args[0])
			}
			if approve == reject {
				return plaudit.Errorf(plaudit.EINVALID, "give exactly one of --approve and --reject")
			}
			decision := service.ReviewApprove
			if reject {
				decision = service.ReviewReject
			}
			ctx := cmd.Context()
			st, err := openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			it, ws, err := newService(st).DecideReview(ctx, args[0], item, decision, operatorName(op), reason)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "review item %d of %s %s by %s: %s\n", it.ID, it.Epoch, it.Status, it.DecidedBy, it.Reason)
			fmt.Fprintf(out, "epoch %s is %s", ws.Epoch, ws.State)
			if ws.Held != "" {
				fmt.Fprintf(out, ": %s", ws.Held)
			}
			fmt.Fprintln(out)
			return nil
		},
	}
	cmd.Flags().BoolVar(&approve, "approve", false, "approve the item")
	cmd.Flags().BoolVar(&reject, "reject", false, "reject the item: it holds publication until the disputes are resolved")
	cmd.Flags().StringVar(&reason, "reason", "", "why (required; recorded in the audit log)")
	cmd.Flags().StringVar(&op, "operator", "", "who decides, for the record (default $PLAUDIT_OPERATOR, else $USER)")
	return cmd
}
