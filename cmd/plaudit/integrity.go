package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/integrity"
	"github.com/plaudit/plaudit/service"
)

// The integrity commands run the automatic checks over the log and store their verdicts, and show the
// verdicts on a subject, through the service; this file also prints the verdicts and flags that
// `plaudit explain` shows.

func init() {
	cmd := &cobra.Command{
		Use:   "integrity",
		Short: "Run the integrity checks and show the verdicts settlement applies",
		Long: `integrity runs the automatic checks (velocity, diminishing returns, copies and farming, collusion rings,
sybil signals, reputation) over the event log with the active policy's integrity section, stores the
verdicts, and shows them. Settlement applies the newest stored run that covers an epoch together with the
moderators' decisions (see plaudit flag, plaudit moderate, docs/moderation.md).`,
	}
	cmd.AddCommand(integrityRunCmd(), integrityShowCmd(), integrityEpochCmd())
	rootCmd.AddCommand(cmd)
}

func integrityRunCmd() *cobra.Command {
	var since, until, by string
	var top, limit int
	cmd := &cobra.Command{
		Use:   "run [--since T] [--until T]",
		Short: "Run the integrity checks over the log and store the verdicts",
		Long: `run checks the events of [--since, --until) (the whole log by default; identities always come from the
whole log) with the active policy's integrity options (integrity.DefaultOptions when no policy is active),
stores one verdict per event or member with a finding, and prints the flagged members, the most penalised
first, with their strongest reasons and evidence. Runs are kept: plaudit integrity show SUBJECT lists every run's verdict on a subject.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			var from, to time.Time
			var err error
			if since != "" {
				if from, err = parseWhen(since, "--since"); err != nil {
					return err
				}
			}
			if until != "" {
				if to, err = parseWhen(until, "--until"); err != nil {
					return err
				}
			}
			if !from.IsZero() && !to.IsZero() && !to.After(from) {
				return plaudit.Errorf(plaudit.EINVALID, "--until %s is not after --since %s", until, since)
			}
			st, err := openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			tuneGCForStage(100, stageMemoryLimit)
			progress, done := stageProgress()
			res, err := newService(st).RunIntegrity(ctx, service.IntegrityRequest{Since: from, Until: to, By: operatorName(by), Progress: progress})
			done()
			if err != nil {
				return err
			}
			writeIntegritySummary(cmd.OutOrStdout(), res.Run, res.Report, top, limit)
			return nil
		},
	}
	cmd.Flags().StringVar(&since, "since", "", "check events at or after this time (RFC 3339 or YYYY-MM-DD)")
	cmd.Flags().StringVar(&until, "until", "", "check events before this time")
	cmd.Flags().StringVar(&by, "by", "", "who runs it, for the record (default $PLAUDIT_OPERATOR or $USER)")
	cmd.Flags().IntVar(&top, "top", 3, "reasons to print per flagged member, strongest first (0: all)")
	cmd.Flags().IntVar(&limit, "limit", 20, "flagged members to print, most penalised first (0: all)")
	return cmd
}

// writeIntegritySummary prints a run: counts, then the flagged members, lowest multiplier first (ties by
// handle), each with its strongest reasons.
func writeIntegritySummary(w io.Writer, run *plaudit.VerdictRun, rep *integrity.Report, top, limit int) {
	policyNote := run.PolicyHash
	if policyNote == "" {
		policyNote = "no active policy: default options"
	}
	var events, members int
	for _, v := range run.Verdicts {
		if strings.HasPrefix(v.Subject, "member:") {
			members++
		} else {
			events++
		}
	}
	fmt.Fprintf(w, "integrity run %d over %d events (%s)\n", run.ID, run.Events, policyNote)
	fmt.Fprintf(w, "verdicts    %d on events, %d on members; %d collusion rings, %d sybil signals\n", events, members, len(rep.Rings), len(rep.Sybil))
	flagged := rep.Flagged()
	fmt.Fprintf(w, "flagged     %d members\n", len(flagged))
	bySubject := map[string]plaudit.Verdict{}
	for _, v := range run.Verdicts {
		bySubject[v.Subject] = v
	}
	sort.SliceStable(flagged, func(i, j int) bool {
		a, b := bySubject[plaudit.MemberSubject(flagged[i])].Multiplier, bySubject[plaudit.MemberSubject(flagged[j])].Multiplier
		if a != b {
			return a < b
		}
		return flagged[i] < flagged[j]
	})
	for i, h := range flagged {
		if limit > 0 && i == limit {
			fmt.Fprintf(w, "\n… and %d more flagged members (--limit 0 lists all; plaudit integrity show HANDLE)\n", len(flagged)-limit)
			break
		}
		v := bySubject[plaudit.MemberSubject(h)]
		fmt.Fprintf(w, "\n%s × %s\n", h, v.Multiplier)
		rs := append([]plaudit.Reason(nil), v.Reasons...)
		sort.SliceStable(rs, func(i, j int) bool { return rs[i].Multiplier < rs[j].Multiplier })
		writeReasons(w, rs, top)
	}
}

// writeReasons prints up to top reasons (all when top ≤ 0), each with its evidence.
func writeReasons(w io.Writer, rs []plaudit.Reason, top int) {
	for i, r := range rs {
		if top > 0 && i == top {
			fmt.Fprintf(w, "    … and %d more reasons\n", len(rs)-top)
			break
		}
		fmt.Fprintf(w, "    %-22s × %-8s %s\n", r.Check, r.Multiplier, r.Detail)
		var ev []string
		for _, x := range r.Evidence {
			ev = append(ev, x.Name+"="+x.Value)
		}
		if len(ev) > 0 {
			fmt.Fprintf(w, "        %s\n", clipText(strings.Join(ev, " "), 200))
		}
	}
}

func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func integrityShowCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "show SUBJECT",
		Short: "Show every stored verdict on an event (source/id) or member (a handle or member:HANDLE), and its flags",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st, err := openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			si, err := newService(st).SubjectIntegrity(ctx, args[0])
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if si.Empty() {
				fmt.Fprintf(out, "no verdicts and no flags on %s\n", si.Subject)
			}
			writeSubjectIntegrity(out, si, 0)
			return nil
		},
	}
	return cmd
}

// writeSubjectIntegrity prints the integrity runs' verdicts on a subject (the newest limit runs; all when
// limit ≤ 0) and the flags on it or against its member.
func writeSubjectIntegrity(w io.Writer, si *service.SubjectIntegrity, limit int) {
	for i, rv := range si.Runs {
		if limit > 0 && i == limit {
			fmt.Fprintf(w, "… and %d earlier runs (plaudit integrity show %s)\n", len(si.Runs)-limit, si.Subject)
			break
		}
		fmt.Fprintf(w, "integrity run %d (%s, %s): %s × %s\n", rv.Run, rv.At.Format(time.RFC3339), orNone(rv.PolicyHash), si.Subject, rv.Verdict.Multiplier)
		writeReasons(w, rv.Verdict.Reasons, 0)
	}
	for i := range si.Flags {
		writeFlag(w, &si.Flags[i])
	}
}

func orNone(s string) string {
	if s == "" {
		return "default options"
	}
	return s
}

func integrityEpochCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "epoch EPOCH",
		Short: "Show the verdicts a closed epoch was settled with",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st, err := openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			vs, err := newService(st).EpochVerdicts(ctx, args[0])
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if len(vs) == 0 {
				fmt.Fprintf(out, "epoch %s: settled without verdicts\n", args[0])
			}
			for _, v := range vs {
				fmt.Fprintf(out, "%s × %s\n", v.Subject, v.Multiplier)
				writeReasons(out, v.Reasons, 0)
			}
			return nil
		},
	}
}
