package main

import (
	"fmt"
	"io"
	"math/big"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/service"
)

func init() {
	cmd := &cobra.Command{
		Use:   "epoch",
		Short: "Close reward epochs and show, list and export what they paid",
		Long: `epoch settles reward programs. A program (the active policy's program section) cuts time into epochs
(daily, weekly or monthly, in UTC); closing one splits its pool pro rata to the members' eligible points in
exact integer base units and records payouts, fees, carries and ENG in the double-entry ledger, in one
transaction. See docs/settlement.md.`,
	}
	cmd.AddCommand(epochCloseCmd(), epochShowCmd(), epochListCmd(), epochExportCmd(), epochProofsCmd(), epochClaimsCmd())
	rootCmd.AddCommand(cmd)
}

// operatorName is who a CLI action is recorded as: --operator, else $PLAUDIT_OPERATOR, else $USER, else "cli".
func operatorName(flag string) string {
	for _, v := range []string{flag, os.Getenv("PLAUDIT_OPERATOR"), os.Getenv("USER")} {
		if v != "" {
			return v
		}
	}
	return "cli"
}

// parseWhen reads an RFC 3339 time or a date (2026-11-16, midnight UTC), refusing years outside 2000–2200.
func parseWhen(s, flag string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), service.CheckTime(t, flag)
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, service.CheckTime(t, flag)
	}
	return time.Time{}, plaudit.Errorf(plaudit.EINVALID, "%s %q: want an RFC 3339 time (2026-11-16T12:00:00Z) or a date (2026-11-16)", flag, s)
}

func epochCloseCmd() *cobra.Command {
	var at, through, verdicts, operator string
	var noRescore bool
	cmd := &cobra.Command{
		Use:   "close PROGRAM",
		Short: "Close the next pending epoch of PROGRAM (or the one containing --at, or every pending one through --through)",
		Long: `close settles epochs of PROGRAM, the program of the active policy, in order. The program's first epoch
is the one that holds its first scored event; each close settles the epoch after the last closed one.
Without flags it closes the next pending epoch, if it has ended; --at DATE closes the epoch containing DATE,
which must be that next one; --through DATE closes every pending epoch that starts at or before DATE and
has ended, in order, each in its own transaction.

A close settles only from whole-history scores of exactly the log it reads: when the stored scores are stale
(events arrived, or the policy changed, since the last full scoring) it rescores first, or with
--no-rescore refuses and says what to run. It applies the integrity run over exactly the epoch's events
(running one when none fits) and the moderators' standing flags, unless --verdicts gives verdicts to apply
instead. It records the log position it settled from, so that plaudit verify rebuilds the epoch from the
log as it stood at the close.

Settling reads the policy's scores of the epoch, keeps the events whose points (after their verdicts) are
strictly above min_score, splits the pool pro rata to the members' points by largest remainder (ties to the
smaller handle), caps members and shares the excess among the others, takes the fee, carries amounts below
min_payout or without a wallet to the member's next epoch, mints ENG, and writes the allocations, the
postings and the epoch in one transaction. It prints the totals and the Merkle root of the payouts.

Closing an epoch that is closed already changes nothing and says so (exit status 0).`,
		Example: `  plaudit epoch close default
  plaudit epoch close default --at 2026-01-07
  plaudit epoch close default --through 2026-03-01
  plaudit epoch close default --verdicts verdicts.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			tuneGCForStage(400, stageMemoryLimit) // a close's tally and allocations stay live to the end: collect less often
			req := service.CloseRequest{Program: args[0], NoRescore: noRescore, Operator: operatorName(operator)}
			var err error
			if at != "" && through != "" {
				return plaudit.Errorf(plaudit.EINVALID, "--at and --through: give one of them")
			}
			if at != "" {
				if req.At, err = parseWhen(at, "--at"); err != nil {
					return err
				}
			}
			if through != "" {
				if req.Through, err = parseWhen(through, "--through"); err != nil {
					return err
				}
			}
			if verdicts != "" {
				if req.Verdicts, err = service.LoadVerdicts(verdicts); err != nil {
					return err
				}
				req.VerdictsFrom = verdicts
			}
			st, err := openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			progress, done := stageProgress()
			req.Progress = progress
			res, err := newService(st).CloseEpochs(ctx, req)
			done()
			out := cmd.OutOrStdout()
			if res != nil {
				writeCloseResult(out, res)
			}
			return err
		},
	}
	cmd.Flags().StringVar(&at, "at", "", "a time inside the epoch to close (RFC 3339 or YYYY-MM-DD, UTC); it must be the next pending epoch")
	cmd.Flags().StringVar(&through, "through", "", "close every pending epoch that starts at or before this time and has ended, in order")
	cmd.Flags().BoolVar(&noRescore, "no-rescore", false, "refuse to close from stale scores instead of rescoring the log first")
	cmd.Flags().StringVar(&verdicts, "verdicts", "", "JSON file of integrity verdicts to apply instead of the integrity run and flags ([{subject, multiplier, reasons}])")
	cmd.Flags().StringVar(&operator, "operator", "", "who closes it, for the audit log (default $PLAUDIT_OPERATOR or $USER)")
	return cmd
}

// writeCloseResult prints what a close did: a rescore, then each epoch's summary (or "already closed"),
// then the next epoch when it is still open.
func writeCloseResult(w io.Writer, res *service.CloseResult) {
	if res.Rescored {
		fmt.Fprintf(w, "rescored the log through event %d under %s: the scores were stale\n", res.LogSeq, res.Policy.Hash())
	}
	for i, ce := range res.Epochs {
		if i > 0 {
			fmt.Fprintln(w)
		}
		if ce.Already {
			fmt.Fprintf(w, "epoch %s already closed\n", ce.Window.ID)
			continue
		}
		writeEpochSummary(w, ce.Epoch)
		switch {
		case ce.IntegrityRun == nil:
			fmt.Fprintf(w, "verdicts    %d integrity verdicts applied (given)\n", ce.Verdicts)
		case ce.IntegrityRan:
			fmt.Fprintf(w, "verdicts    %d integrity verdicts applied (integrity run %d, run now over the epoch's %d events)\n", ce.Verdicts, ce.IntegrityRun.ID, ce.IntegrityRun.Events)
		default:
			fmt.Fprintf(w, "verdicts    %d integrity verdicts applied (integrity run %d)\n", ce.Verdicts, ce.IntegrityRun.ID)
		}
	}
	if res.Open != nil {
		if len(res.Epochs) > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "epoch %s is still open: it ends at %s\n", res.Open.ID, res.Open.End.Format(time.RFC3339))
	} else if len(res.Epochs) == 0 {
		fmt.Fprintf(w, "no pending epoch of %s to close\n", res.Program.Name)
	}
}

// writeEpochSummary prints an epoch's totals, one "key value" per line.
func writeEpochSummary(w io.Writer, ep *plaudit.Epoch) {
	u := func(v *big.Int) string { return plaudit.FormatUnits(v, ep.Decimals) + " " + ep.Token }
	fmt.Fprintf(w, "epoch %s closed\n", ep.ID)
	fmt.Fprintf(w, "window      %s – %s\n", ep.Start.Format(time.RFC3339), ep.End.Format(time.RFC3339))
	fmt.Fprintf(w, "policy      %s\n", ep.PolicyHash)
	fmt.Fprintf(w, "members     %d (%d events counted, %d at or below min score)\n", ep.Members, ep.Events, ep.Excluded)
	fmt.Fprintf(w, "pool        %s (+ %s carried over)\n", u(ep.Pool), u(ep.PoolCarryIn))
	fmt.Fprintf(w, "paid        %s\n", u(ep.Paid))
	fmt.Fprintf(w, "fees        %s\n", u(ep.Fees))
	fmt.Fprintf(w, "carried     %s to members' next epochs (%s came in)\n", u(ep.CarriedOut), u(ep.CarriedIn))
	fmt.Fprintf(w, "unspent     %s (%s)\n", u(ep.Unspent), ep.UnspentTo)
	fmt.Fprintf(w, "eng         %s ENG\n", plaudit.FormatUnits(ep.ENG, 6))
	fmt.Fprintf(w, "digest      %s\n", ep.Digest)
	root := ep.Root
	if root == "" {
		root = "(none: nothing paid)"
	}
	fmt.Fprintf(w, "root        %s\n", root)
}

func epochShowCmd() *cobra.Command {
	var member, verdicts string
	cmd := &cobra.Command{
		Use:   "show EPOCH",
		Short: "Show a closed epoch: totals, and each member's amount with the rules that applied",
		Long: `show prints a closed epoch's totals and one line per member: eligible events and points, share, carry
in, fee, paid, carry out, ENG and the rules that applied (cap, minimum payout, no wallet, verdicts). With
--member it shows that member's line and every scored event of the epoch behind it, with the points, the
verdict multiplier and whether it counted.`,
		Example: `  plaudit epoch show default@2026-01-05T00:00:00Z
  plaudit epoch show default@2026-01-05T00:00:00Z --member alice`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var vs []plaudit.Verdict // given in a file, they replace the recorded ones (nil: the recorded ones)
			if member != "" {
				var err error
				if vs, err = service.LoadVerdicts(verdicts); err != nil {
					return err
				}
			}
			ctx := cmd.Context()
			st, err := openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			out := cmd.OutOrStdout()
			if member == "" {
				ce, err := newService(st).Epoch(ctx, args[0])
				if err != nil {
					return err
				}
				writeEpochSummary(out, ce.Epoch)
				fmt.Fprintln(out)
				return writeAllocations(out, ce.Epoch, ce.Allocations, 0)
			}
			x, err := newService(st).EpochExplain(ctx, args[0], member, vs)
			if err != nil {
				return err
			}
			writeEpochSummary(out, x.Epoch)
			fmt.Fprintln(out)
			if err := writeAllocations(out, x.Epoch, []plaudit.Allocation{x.Allocation}, 0); err != nil {
				return err
			}
			fmt.Fprintf(out, "\nevents of %s in %s (%d):\n", member, x.Epoch.ID, len(x.Lines))
			tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "EVENT\tPOINTS\tRULE")
			for _, l := range x.Lines {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", l.Event, l.Effective, l.Why)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&member, "member", "", "show this member's events behind the amount")
	cmd.Flags().StringVar(&verdicts, "verdicts", "", "a JSON file of verdicts to show instead of the ones the epoch recorded")
	return cmd
}

// writeAllocations prints allocation lines as a table; limit > 0 prints only the first limit lines.
func writeAllocations(w io.Writer, ep *plaudit.Epoch, allocs []plaudit.Allocation, limit int) error {
	// Each amount column holds one unit, named in its header: points, the epoch's token (decimal, its
	// decimals applied) or ENG (6 decimals) — never base units mixed with whole tokens.
	fmt.Fprintf(w, "units: POINTS in points; TOKEN columns in %s (%d decimals, not base units); ENG in ENG (6 decimals)\n", ep.Token, ep.Decimals)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "MEMBER\tEVENTS\tPOINTS\tSHARE TOKEN\tCARRY IN TOKEN\tFEE TOKEN\tPAID TOKEN\tCARRY OUT TOKEN\tENG\t RULES")
	u := func(v *big.Int) string { return plaudit.FormatUnits(v, ep.Decimals) }
	for i, a := range allocs {
		if limit > 0 && i == limit {
			break
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t %s\n", a.Member, a.Events, a.Points, u(a.Share), u(a.CarryIn), u(a.Fee),
			u(a.Paid), u(a.CarryOut), plaudit.FormatUnits(a.ENG, 6), strings.Join(a.Notes, "; "))
	}
	return tw.Flush()
}

func epochListCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "list [PROGRAM]",
		Short: "List closed epochs, oldest first",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st, err := openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			program := ""
			if len(args) == 1 {
				program = args[0]
			}
			eps, err := newService(st).Epochs(ctx, program)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			// Amounts are in each epoch's TOKEN, its decimals applied (not base units).
			fmt.Fprintln(tw, "EPOCH\tMEMBERS\tTOKEN\tPOOL TOKEN\tPAID TOKEN\tFEES TOKEN\tCARRIED TOKEN\tUNSPENT TOKEN\tROOT")
			for _, ep := range eps {
				u := func(v *big.Int) string { return plaudit.FormatUnits(v, ep.Decimals) }
				fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", ep.ID, ep.Members, ep.Token, u(ep.Pool), u(ep.Paid), u(ep.Fees), u(ep.CarriedOut), u(ep.Unspent), ep.Root)
			}
			return tw.Flush()
		},
	}
	return cmd
}

func epochExportCmd() *cobra.Command {
	var format, out string
	cmd := &cobra.Command{
		Use:   "export EPOCH",
		Short: "Export a closed epoch's allocations as CSV or JSON (amounts in base units)",
		Example: `  plaudit epoch export default@2026-01-05T00:00:00Z --format csv --out epoch.csv
  plaudit epoch export default@2026-01-05T00:00:00Z --format json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "csv" && format != "json" {
				return plaudit.Errorf(plaudit.EINVALID, "--format %q: want csv or json", format)
			}
			ctx := cmd.Context()
			st, err := openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			svc := newService(st)
			if out == "" || out == "-" {
				return svc.ExportEpoch(ctx, cmd.OutOrStdout(), args[0], format)
			}
			// Written beside the target and renamed, so that a failure never leaves half a file.
			if err := writeFileAtomic(out, func(w io.Writer) error { return svc.ExportEpoch(ctx, w, args[0], format) }); err != nil {
				return fmt.Errorf("export %s: %w", out, err)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "wrote epoch %s to %s\n", args[0], out)
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "csv", "csv or json")
	cmd.Flags().StringVar(&out, "out", "", "file to write (default standard output)")
	return cmd
}
