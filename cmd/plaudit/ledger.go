package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/ledger"
	"github.com/plaudit/plaudit/service"
)

func init() {
	cmd := &cobra.Command{
		Use:   "ledger",
		Short: "Balances, postings, reversals and ENG governance weight",
		Long: `ledger reads and corrects the double-entry ledger. Every movement is a posting whose entries sum to
zero per asset and that names the epoch, job or operator that made it; no account but an external one
(source:…, eng:issuer) ever goes below zero; postings are never edited — a correction is a reversing
posting with a reason. The eng subcommands manage ENG governance weight. See docs/ledger.md.`,
	}
	cmd.AddCommand(ledgerBalancesCmd(), ledgerPostingsCmd(), ledgerReverseCmd(), ledgerENGCmd())
	rootCmd.AddCommand(cmd)
}

func ledgerBalancesCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "balances [PREFIX]",
		Short:   "Print non-zero balances under a header: account, asset, amount in the asset's base units",
		Example: "  plaudit ledger balances\n  plaudit ledger balances member:\n  plaudit ledger balances eng:",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st, err := openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			prefix := ""
			if len(args) == 1 {
				prefix = args[0]
			}
			bals, err := newService(st).Balances(ctx, prefix)
			if err != nil {
				return err
			}
			// One unit in the amount column: base units of each row's asset (ENG: millionths of an ENG),
			// never whole tokens, so eng:issuer's -99997764715000 is -99,997,764.715 ENG.
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ACCOUNT\tASSET\tAMOUNT (BASE UNITS)")
			for _, b := range bals {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", b.Account, b.Asset, b.Amount)
			}
			return tw.Flush()
		},
	}
}

// writePosting prints a posting: a header line, then one indented line per entry.
func writePosting(w io.Writer, p *plaudit.Posting) {
	rev := ""
	if p.Reverses != 0 {
		rev = fmt.Sprintf(" (reverses #%d)", p.Reverses)
	}
	fmt.Fprintf(w, "#%d %s %s %s%s\n", p.ID, p.Time.UTC().Format(time.RFC3339), p.Origin, p.Reason, rev)
	for _, e := range p.Entries {
		fmt.Fprintf(w, "    %-40s %-10s %s base units\n", e.Account, e.Asset, e.Amount)
	}
}

func ledgerPostingsCmd() *cobra.Command {
	var f plaudit.PostingFilter
	cmd := &cobra.Command{
		Use:     "postings",
		Short:   "Print postings (the audit log), oldest first",
		Example: "  plaudit ledger postings --account member:alice\n  plaudit ledger postings --origin epoch:default@2026-01-05T00:00:00Z",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			st, err := openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			ps, err := newService(st).Postings(ctx, f)
			if err != nil {
				return err
			}
			for _, p := range ps {
				writePosting(cmd.OutOrStdout(), p)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&f.Account, "account", "", "only postings that touch this account")
	cmd.Flags().StringVar(&f.Origin, "origin", "", "only postings made by KIND:ID (epoch:…, job:…, operator:…)")
	cmd.Flags().IntVar(&f.Limit, "limit", 0, "at most this many postings")
	return cmd
}

func ledgerReverseCmd() *cobra.Command {
	var reason, operator string
	cmd := &cobra.Command{
		Use:   "reverse POSTING",
		Short: "Post the reversal of a posting, with a reason (postings are never edited)",
		Long: `reverse posts a new posting that negates every entry of POSTING, names it, and records the reason and
the operator. A posting can be reversed once; a reversal that would take a balance below zero is refused
(reverse the later postings that spent it first).`,
		Example: `  plaudit ledger reverse 42 --reason "paid the wrong member"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || id <= 0 {
				return plaudit.Errorf(plaudit.EINVALID, "posting %q: want a posting number", args[0])
			}
			if strings.TrimSpace(reason) == "" {
				return plaudit.Errorf(plaudit.EINVALID, "reverse posting %d: --reason is required", id)
			}
			ctx := cmd.Context()
			st, err := openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			rev, err := newService(st).ReversePosting(ctx, id, reason, operatorName(operator))
			if err != nil {
				return err
			}
			writePosting(cmd.OutOrStdout(), rev)
			return nil
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why (required)")
	cmd.Flags().StringVar(&operator, "operator", "", "who (default $PLAUDIT_OPERATOR or $USER)")
	return cmd
}

// removedGovernanceSettings refuses the governance flags and variables that earlier versions read per
// call: the model and the cooldown are now the active policy's program settings (program.governance), so
// that a member's toggles are always judged by the same rules — a per-call --model let a toggle refused
// under one model through at once under another.
func removedGovernanceSettings(cmd *cobra.Command) error {
	for _, f := range []string{"model", "cooldown"} {
		if fl := cmd.Flags().Lookup(f); fl != nil && fl.Changed {
			return plaudit.Errorf(plaudit.EINVALID, "--%s was removed: the governance model and cooldown are the active policy's program settings (program.governance.model: aswg|other, program.governance.cooldown: 6mo|182d|72h); change them with plaudit policy activate (see docs/ledger.md)", f)
		}
	}
	for _, v := range []string{"PLAUDIT_GOVERNANCE_MODEL", "PLAUDIT_ENG_COOLDOWN"} {
		if _, set := os.LookupEnv(v); set {
			return plaudit.Errorf(plaudit.EINVALID, "$%s was removed: the governance model and cooldown are the active policy's program settings (program.governance); unset it and set them in the policy (see docs/ledger.md)", v)
		}
	}
	return nil
}

func ledgerENGCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "eng",
		Short: "ENG governance weight: status, toggle, delegate, revoke, transfer (refused)",
		Long: `ENG is governance weight minted from engagement (1 ENG per eligible point). A community member's ENG is
non-transferable: it lives in their governance stake (eng:stake:HANDLE), which they toggle between counting
as governance weight and as reward weight (no vote; see docs/ledger.md). The governance model and cooldown
are the active policy's program settings (program.governance): under Active Stake Weighted Governance
(model aswg, the default) the toggle is free; under model other a cooldown (default six calendar months)
separates two toggles. Project accounts' ENG pools in the project wallet (eng:project), the only ENG that
can be delegated, to community members, and the project can revoke a delegation. weights lists every
member's governance weight and wallet, for snapshot-style governance tools.`,
	}
	var model, cooldown, operator, reason string
	status := &cobra.Command{
		Use:   "status MEMBER",
		Short: "Show a member's ENG: stake, mode, toggles, delegations",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st, err := openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			es, err := newService(st).ENGStatus(ctx, args[0])
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "%-10s %s ENG\n", "stake", plaudit.FormatUnits(es.Stake, 6))
			fmt.Fprintf(out, "%-10s %s ENG\n", "delegated", plaudit.FormatUnits(es.Delegated, 6))
			fmt.Fprintf(out, "mode       %s\n", es.Mode)
			for _, t := range es.Toggles {
				fmt.Fprintf(out, "toggled    %s %s → %s by %s\n", t.Time.Format(time.RFC3339), t.From, t.To, t.Operator)
			}
			for _, d := range es.Delegations {
				writeDelegation(out, d)
			}
			return nil
		},
	}
	toggle := &cobra.Command{
		Use:   "toggle MEMBER",
		Short: "Switch a community member's ENG between governance and rewards",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := removedGovernanceSettings(cmd); err != nil {
				return err
			}
			ctx := cmd.Context()
			st, err := openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			t, err := newService(st).ToggleENG(ctx, args[0], operatorName(operator))
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "member %s ENG now counts for %s (was %s)\n", t.Member, t.To, t.From)
			return nil
		},
	}
	// --model and --cooldown were removed (the policy's program.governance holds them); they stay as
	// hidden flags only so that passing one gets a clear error instead of "unknown flag".
	toggle.Flags().StringVar(&model, "model", "", "removed: set program.governance.model in the policy")
	toggle.Flags().StringVar(&cooldown, "cooldown", "", "removed: set program.governance.cooldown in the policy")
	_ = toggle.Flags().MarkHidden("model")
	_ = toggle.Flags().MarkHidden("cooldown")
	toggle.Long = `toggle switches a community member's ENG stake between governance weight (the default: it counts in
governance snapshots) and reward weight (it does not). The active policy's program.governance decides
whether a cooldown applies: model aswg toggles freely, model other waits program.governance.cooldown
between two toggles of one member.`
	delegate := &cobra.Command{
		Use:     "delegate MEMBER AMOUNT",
		Short:   "Delegate project ENG (AMOUNT in ENG, e.g. 12.5) from the project wallet to a community member",
		Example: `  plaudit ledger eng delegate alice 250 --reason "ran the community call"`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			amt, err := plaudit.ParseUnits(args[1], 6)
			if err != nil {
				return plaudit.Errorf(plaudit.EINVALID, "delegate: %v", err)
			}
			ctx := cmd.Context()
			st, err := openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			d, err := newService(st).DelegateENG(ctx, args[0], amt, operatorName(operator), reason)
			if err != nil {
				return err
			}
			writeDelegation(cmd.OutOrStdout(), d)
			return nil
		},
	}
	revoke := &cobra.Command{
		Use:   "revoke DELEGATION",
		Short: "Revoke a delegation: its ENG returns to the project wallet",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || id <= 0 {
				return plaudit.Errorf(plaudit.EINVALID, "delegation %q: want a delegation number", args[0])
			}
			ctx := cmd.Context()
			st, err := openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			d, err := newService(st).RevokeDelegation(ctx, id, operatorName(operator), reason)
			if err != nil {
				return err
			}
			writeDelegation(cmd.OutOrStdout(), d)
			return nil
		},
	}
	delegations := &cobra.Command{
		Use:   "delegations [MEMBER]",
		Short: "List delegations of project ENG",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st, err := openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			member := ""
			if len(args) == 1 {
				member = args[0]
			}
			ds, err := newService(st).Delegations(ctx, member)
			if err != nil {
				return err
			}
			for _, d := range ds {
				writeDelegation(cmd.OutOrStdout(), d)
			}
			return nil
		},
	}
	transfer := &cobra.Command{
		Use:   "transfer FROM TO AMOUNT",
		Short: "Refused: community ENG is non-transferable, project ENG moves only by delegation",
		Args:  cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			amt, err := plaudit.ParseUnits(args[2], 6)
			if err != nil {
				return plaudit.Errorf(plaudit.EINVALID, "transfer: %v", err)
			}
			if args[0] == "project" || args[0] == plaudit.AccountProjectWallet {
				// Refused without a store: project ENG moves only by delegation.
				return ledger.Transfer(args[0], plaudit.MemberProject, args[1], amt)
			}
			ctx := cmd.Context()
			st, err := openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			return newService(st).TransferENG(ctx, args[0], args[1], amt)
		},
	}
	for _, c := range []*cobra.Command{delegate, revoke} {
		c.Flags().StringVar(&reason, "reason", "", "why, for the audit log")
	}
	for _, c := range []*cobra.Command{toggle, delegate, revoke} {
		c.Flags().StringVar(&operator, "operator", "", "who (default $PLAUDIT_OPERATOR or $USER)")
	}
	cmd.AddCommand(status, toggle, delegate, revoke, delegations, transfer, ledgerENGWeightsCmd())
	return cmd
}

func writeDelegation(w io.Writer, d *plaudit.Delegation) {
	state := "active"
	if !d.Revoked.IsZero() {
		state = "revoked " + d.Revoked.Format(time.RFC3339)
	}
	fmt.Fprintf(w, "delegation %d: %s ENG to %s by %s at %s (%s), posting #%d\n", d.ID, plaudit.FormatUnits(d.Amount, 6), d.Member, d.Operator, d.Time.Format(time.RFC3339), state, d.PostingID)
}

func ledgerENGWeightsCmd() *cobra.Command {
	var at, format string
	cmd := &cobra.Command{
		Use:   "weights",
		Short: "List governance weight per member and wallet (ENG base units), for snapshot-style governance tools",
		Long: `weights lists every member who holds ENG, by handle, with their payout wallet, their mode, their
governance weight (stake in governance mode plus project ENG delegated to them), their reward weight
(stake in rewards mode: no vote), their stake and what was delegated to them. Every amount is in ENG base
units (6 decimals: 1 ENG = 1000000), and the CSV header says so. --at lists the weights as they stood at a
moment: postings, toggles and wallet events after it do not count.`,
		Example: `  plaudit ledger eng weights --format csv > snapshot.csv
  plaudit ledger eng weights --at 2026-03-01 --format json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "csv" && format != "json" {
				return plaudit.Errorf(plaudit.EINVALID, "--format %q: want csv or json", format)
			}
			var when time.Time
			if at != "" {
				var err error
				if when, err = parseWhen(at, "--at"); err != nil {
					return err
				}
			}
			ctx := cmd.Context()
			st, err := openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			when, ws, err := newService(st).ENGWeights(ctx, when)
			if err != nil {
				return err
			}
			return service.WriteENGWeights(cmd.OutOrStdout(), format, when, ws)
		},
	}
	cmd.Flags().StringVar(&at, "at", "", "list the weights as they stood at this time (RFC 3339 or YYYY-MM-DD, UTC; default now)")
	cmd.Flags().StringVar(&format, "format", "csv", "csv or json")
	return cmd
}
