package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/moderation"
	"github.com/plaudit/plaudit/service"
)

// The moderation commands: flags on events and members, moderators' decisions, appeals, the moderator
// role, and each epoch's audit sample, each one call of the service's moderation use cases
// (service/moderation.go). Every action is recorded with who did it and when; see docs/moderation.md.

func init() {
	rootCmd.AddCommand(flagCmd(), flagsCmd(), moderateCmd(), appealCmd(), moderatorCmd(), auditCmd(), adoptCmd())
}

// parseFlagID reads a flag id argument.
func parseFlagID(s string) (int64, error) {
	id, err := strconv.ParseInt(strings.TrimPrefix(s, "#"), 10, 64)
	if err != nil || id <= 0 {
		return 0, plaudit.Errorf(plaudit.EINVALID, "flag id %q: want a positive number (see `plaudit flags`)", s)
	}
	return id, nil
}

func flagCmd() *cobra.Command {
	var by, reason string
	cmd := &cobra.Command{
		Use:   "flag SUBJECT --by MEMBER --reason R",
		Short: "Flag an event (source/id) or a member (member:HANDLE) for moderators to review",
		Long: `flag reports abuse for moderators to decide: SUBJECT is an event key, source/id (x/1790…), or a member,
member:HANDLE (an account key such as member:x:12345 names the member holding it). A flag on an event is
against the event's author. --by is the member who raises it; the event and both members must be in the
event log, else nothing is recorded. A member may have one open flag per subject.`,
		Example: `  plaudit flag x/1790123 --by alice --reason "copied reply"
  plaudit flag member:bob --by alice --reason "runs a like ring with carol"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st, err := openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			f, err := newService(st).RaiseFlag(ctx, args[0], by, reason)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "flag %d on %s against %s by %s: open\n", f.ID, f.Subject, f.Member, f.By)
			return nil
		},
	}
	cmd.Flags().StringVar(&by, "by", "", "the member who raises the flag (required)")
	cmd.Flags().StringVar(&reason, "reason", "", "what is wrong (required)")
	return cmd
}

func flagsCmd() *cobra.Command {
	var status, member string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "flags [FLAG]",
		Short: "List flags, or show one flag with its whole history",
		Long: `flags lists flags by id with their status, subject, the member they are against, who raised them and
the decisions taken. With a FLAG id it shows that flag and every action on it: who, what, when, and their
note.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if status != "" && !service.ValidFlagStatus(plaudit.FlagStatus(status)) {
				return plaudit.Errorf(plaudit.EINVALID, "--status %q: want open, confirmed, rejected or overturned", status)
			}
			st, err := openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			svc := newService(st)
			out := cmd.OutOrStdout()
			if len(args) == 1 {
				id, err := parseFlagID(args[0])
				if err != nil {
					return err
				}
				d, err := svc.Flag(ctx, id)
				if err != nil {
					return err
				}
				if asJSON {
					return writeJSON(out, d)
				}
				writeFlag(out, d.Flag)
				fmt.Fprintln(out, "history:")
				for _, a := range d.History {
					note := ""
					if a.Note != "" {
						note = "  # " + a.Note
					}
					fmt.Fprintf(out, "  %s  %-8s by %s%s\n", a.At.Format(time.RFC3339), a.Action, a.By, note)
				}
				return nil
			}
			flags, err := svc.Flags(ctx, plaudit.FlagFilter{Status: plaudit.FlagStatus(status), Member: member})
			if err != nil {
				return err
			}
			if asJSON {
				if flags == nil {
					flags = []plaudit.Flag{}
				}
				return writeJSON(out, flags)
			}
			if len(flags) == 0 {
				fmt.Fprintln(out, "no flags")
			}
			for i := range flags {
				writeFlag(out, &flags[i])
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&status, "status", "", "only flags with this status: open, confirmed, rejected or overturned")
	cmd.Flags().StringVar(&member, "member", "", "only flags against this member")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.AddCommand(flagsImportCmd())
	return cmd
}

func flagsImportCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "import",
		Short: "Raise a flag for every flag event of the log (a member's /flag on a platform) not raised yet",
		Long: `import turns the log's flag events — kind flag, target an event key source/id or member:HANDLE, attrs.reason
— into open flags for moderators, each once: importing again raises only new ones. The flag is by the member
holding the event's account, at the event's time. Operator flags (source plaudit) are moderators' own and
are left alone. Flag events that cannot be raised (an unknown target, a second open flag by one member on
one subject) are counted and the first few listed; they change nothing. It also appends to the log any
moderator's decision missing from it (one whose append failed, or one made before decisions were logged).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st, err := openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			n, err := newService(st).ImportFlagEvents(ctx)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			for _, r := range n.Refusals {
				fmt.Fprintf(out, "event %s: %s\n", r.Event, plaudit.ErrorMessage(r.Err))
			}
			fmt.Fprintf(out, "raised %d new flags, %d already raised, %d refused\n", n.Raised, n.Already, n.Refused)
			if n.Recorded > 0 {
				fmt.Fprintf(out, "recorded %d decisions missing from the event log\n", n.Recorded)
			}
			return nil
		},
	}
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// writeFlag prints one flag: a header line, then its decision, effects and appeal.
func writeFlag(w io.Writer, f *plaudit.Flag) {
	fmt.Fprintf(w, "flag %d  %-9s %s  against %s  by %s at %s: %s\n", f.ID, f.Status, f.Subject, f.Member, f.By, f.At.Format(time.RFC3339), f.Reason)
	if d := f.Decision; d != nil {
		note := ""
		if d.Note != "" {
			note = ": " + d.Note
		}
		verb := f.Status
		if verb == moderation.StatusOverturned {
			verb = moderation.Confirmed
		}
		fmt.Fprintf(w, "    %s by %s at %s%s\n", verb, d.By, d.At.Format(time.RFC3339), note)
	}
	if e := f.Effects; e != nil {
		fmt.Fprintf(w, "    penalty × %s until %s", e.Penalty, e.PenaltyUntil.Format(time.RFC3339))
		if !moderationIsMember(f) {
			fmt.Fprintf(w, "; event × %s", e.EventMultiplier)
		}
		if e.ExcludeEpochs > 0 {
			fmt.Fprintf(w, "; excluded for %d epochs, %s – %s", e.ExcludeEpochs, e.From.Format(time.RFC3339), e.ExcludedUntil.Format(time.RFC3339))
		}
		fmt.Fprintln(w)
	}
	if a := f.Appeal; a != nil {
		fmt.Fprintf(w, "    appealed at %s: %s\n", a.At.Format(time.RFC3339), a.Reason)
		if a.Decision != nil {
			fmt.Fprintf(w, "    appeal %s by %s at %s\n", a.Outcome, a.Decision.By, a.Decision.At.Format(time.RFC3339))
		}
	}
}

// writeDecision prints a decided flag, the decision event recorded in the log and any notice.
func writeDecision(w io.Writer, d *service.FlagDecision) {
	writeFlag(w, d.Flag)
	if d.DecisionEvent != "" {
		fmt.Fprintf(w, "    recorded in the log as %s\n", d.DecisionEvent)
	}
	if d.Notice != "" {
		fmt.Fprintf(w, "note: %s\n", d.Notice)
	}
}

func moderationIsMember(f *plaudit.Flag) bool {
	_, ok := moderation.IsMemberSubject(f.Subject)
	return ok
}

func moderateCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "moderate",
		Short: "Decide flags and appeals (moderators only)",
		Long: `moderate records a moderator's decision. A confirmed flag gives the member a reputation penalty for the
epoch in progress (the policy's integrity.moderation.penalty, 0.5 by default), zeroes a flagged event, and
with --exclude-epochs N excludes the member from rewards for N epochs starting with the one in progress.
Nobody decides a flag they raised or one against themselves; another moderator than the one who confirmed
decides an appeal.`,
	}
	var by, note string
	var exclude int
	decide := func(confirm bool) *cobra.Command {
		verb := "reject"
		if confirm {
			verb = "confirm"
		}
		c := &cobra.Command{
			Use:   verb + " FLAG --by MODERATOR",
			Short: strings.ToUpper(verb[:1]) + verb[1:] + " an open flag",
			Args:  cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				ctx := cmd.Context()
				id, err := parseFlagID(args[0])
				if err != nil {
					return err
				}
				if !confirm && cmd.Flags().Changed("exclude-epochs") {
					return plaudit.Errorf(plaudit.EINVALID, "--exclude-epochs goes with confirm, not reject")
				}
				st, err := openStore(ctx)
				if err != nil {
					return err
				}
				defer st.Close()
				var f *service.FlagDecision
				if confirm {
					f, err = newService(st).ConfirmFlag(ctx, id, by, note, exclude)
				} else {
					f, err = newService(st).RejectFlag(ctx, id, by, note)
				}
				if err != nil {
					return err
				}
				writeDecision(cmd.OutOrStdout(), f)
				return nil
			},
		}
		c.Flags().StringVar(&by, "by", "", "the moderator deciding (required)")
		c.Flags().StringVar(&note, "note", "", "why, for the record")
		if confirm {
			c.Flags().IntVar(&exclude, "exclude-epochs", 0, "exclude the member from rewards for this many epochs, starting with the one in progress")
		}
		return c
	}
	appeal := &cobra.Command{
		Use:   "appeal FLAG uphold|overturn --by MODERATOR",
		Short: "Decide the appeal of a confirmed flag: uphold keeps its effects, overturn lifts them",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			id, err := parseFlagID(args[0])
			if err != nil {
				return err
			}
			o, err := service.ParseAppealOutcome(args[1])
			if err != nil {
				return err
			}
			st, err := openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			f, err := newService(st).DecideAppeal(ctx, id, by, o, note)
			if err != nil {
				return err
			}
			writeDecision(cmd.OutOrStdout(), f)
			return nil
		},
	}
	appeal.Flags().StringVar(&by, "by", "", "the moderator deciding (required)")
	appeal.Flags().StringVar(&note, "note", "", "why, for the record")
	cmd.AddCommand(decide(true), decide(false), appeal, invalidateCmd())
	return cmd
}

func invalidateCmd() *cobra.Command {
	var by, reason string
	var preview, asJSON bool
	cmd := &cobra.Command{
		Use:   "invalidate SOURCE/ID --reason R [--by OPERATOR] [--preview]",
		Short: "Invalidate a bad event (a submission, a post, any scored event): its points are withdrawn",
		Long: `invalidate records an operator's decision that an event is bad: an operator event (source plaudit, kind
decision, attrs.decision invalidate) with the reason, appended to the event log, which every scoring run,
close, plaudit verify and witness rebuild replays. The event's points are withdrawn, and so are the points
of the events tied to it: engagement on it (an event of the same source whose target is its id) and, for a
submission, engagement on the post it submitted, including engagement that comes later. Open epochs and the
leaderboards lose them at once (the scores are brought up to date); closed epochs keep what they paid, and
no later epoch claws it back. An event is invalidated once; operator and identity events carry no points
and are refused. --preview shows what the event contributes now, per member, and changes nothing.`,
		Example: `  plaudit moderate invalidate x/1790123 --preview
  plaudit moderate invalidate x/submit-1790123 --reason "the post's likes were bought" --by ops`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st, err := openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			svc := newService(st)
			out := cmd.OutOrStdout()
			if preview {
				eff, err := svc.InvalidationPreview(ctx, args[0])
				if err != nil {
					return err
				}
				if asJSON {
					return writeJSON(out, eff)
				}
				writeInvalidationEffect(out, "now", eff)
				return nil
			}
			res, err := svc.InvalidateEvent(ctx, service.InvalidateRequest{Event: args[0], By: operatorName(by), Reason: reason})
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(out, res)
			}
			fmt.Fprintf(out, "%s invalidated by %s: recorded in the log as %s\n", args[0], res.Decision.Attrs[moderation.AttrBy], res.Decision.Key())
			writeInvalidationEffect(out, "before", res.Before)
			writeInvalidationEffect(out, "after", res.After)
			return nil
		},
	}
	cmd.Flags().StringVar(&by, "by", "", "the operator invalidating it (default $PLAUDIT_OPERATOR or $USER)")
	cmd.Flags().StringVar(&reason, "reason", "", "why the event is invalid (required; shown wherever its points are explained)")
	cmd.Flags().BoolVar(&preview, "preview", false, "show what the event contributes now and change nothing")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// writeInvalidationEffect prints what an event contributes to the points, per event and per member.
func writeInvalidationEffect(w io.Writer, when string, eff *service.InvalidationEffect) {
	fmt.Fprintf(w, "%s: %s contributes %s points", when, eff.Event.Key(), eff.Total)
	if eff.Invalidated != nil {
		why, _ := eff.Invalidated.Attrs[moderation.AttrReason].(string)
		by, _ := eff.Invalidated.Attrs[moderation.AttrBy].(string)
		fmt.Fprintf(w, " (invalidated by %s at %s: %s)", by, eff.Invalidated.Time.Format(time.RFC3339), why)
	}
	fmt.Fprintln(w)
	for _, c := range eff.Contributions {
		tied := ""
		if c.Tied {
			tied = " (tied)"
		}
		closed := ""
		if c.Closed {
			closed = ", closed: paid as it was"
		}
		fmt.Fprintf(w, "  %-40s %-20s %12s  %s%s%s\n", c.Event, c.Member, c.Points, c.Epoch, closed, tied)
	}
	for _, m := range eff.Members {
		fmt.Fprintf(w, "  member %-20s %12s\n", m.Member, m.Points)
	}
	for _, id := range eff.ClosedEpochs {
		fmt.Fprintf(w, "  epoch %s is closed: its payouts stand, and no later epoch claws them back\n", id)
	}
}

func appealCmd() *cobra.Command {
	var by, reason string
	cmd := &cobra.Command{
		Use:   "appeal FLAG --by MEMBER --reason R",
		Short: "Appeal a confirmed flag against you (once)",
		Long: `appeal records the flagged member's appeal of a confirmed flag, with a reason. A flag can be appealed
once; a moderator other than the one who confirmed it upholds or overturns it (plaudit moderate appeal).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			id, err := parseFlagID(args[0])
			if err != nil {
				return err
			}
			st, err := openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			f, err := newService(st).AppealFlag(ctx, id, by, reason)
			if err != nil {
				return err
			}
			writeFlag(cmd.OutOrStdout(), f)
			return nil
		},
	}
	cmd.Flags().StringVar(&by, "by", "", "the flagged member (required)")
	cmd.Flags().StringVar(&reason, "reason", "", "why the flag is wrong (required)")
	return cmd
}

func moderatorCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "moderator",
		Short: "Grant, revoke and list the moderator role",
	}
	var by, note string
	change := func(grant bool) *cobra.Command {
		verb := "remove"
		if grant {
			verb = "add"
		}
		c := &cobra.Command{
			Use:   verb + " MEMBER --by OPERATOR",
			Short: map[bool]string{true: "Make a member a moderator", false: "Take the moderator role from a member"}[grant],
			Args:  cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				ctx := cmd.Context()
				st, err := openStore(ctx)
				if err != nil {
					return err
				}
				defer st.Close()
				svc, member, op := newService(st), args[0], operatorName(by)
				if grant {
					member, err = svc.GrantModerator(ctx, member, op, note)
				} else {
					err = svc.RevokeModerator(ctx, member, op, note)
				}
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "moderator %s %s by %s\n", member, map[bool]string{true: "added", false: "removed"}[grant], op)
				return nil
			},
		}
		c.Flags().StringVar(&by, "by", "", "the operator making the change (default $PLAUDIT_OPERATOR or $USER)")
		c.Flags().StringVar(&note, "note", "", "why, for the record")
		return c
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "List the moderators, and with --history every grant and revocation",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st, err := openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			svc := newService(st)
			out := cmd.OutOrStdout()
			if hist, _ := cmd.Flags().GetBool("history"); hist {
				h, err := svc.ModeratorHistory(ctx)
				if err != nil {
					return err
				}
				for _, c := range h {
					note := ""
					if c.Note != "" {
						note = "  # " + c.Note
					}
					fmt.Fprintf(out, "%s  %-6s %s by %s%s\n", c.At.Format(time.RFC3339), map[bool]string{true: "add", false: "remove"}[c.Grant], c.Member, c.By, note)
				}
				return nil
			}
			mods, err := svc.Moderators(ctx)
			if err != nil {
				return err
			}
			for _, m := range mods {
				fmt.Fprintln(out, m)
			}
			return nil
		},
	}
	list.Flags().Bool("history", false, "print every grant and revocation with who and when")
	cmd.AddCommand(change(true), change(false), list)
	return cmd
}

func auditCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Draw, list and review each epoch's random sample of rewarded events",
		Long: `audit keeps each epoch's audit queue: a deterministic random sample of the events rewarded in the
epoch, which moderators pass or fail. The sample is the events ranked by the hex SHA-256 of
"SEED\x00source/id", lowest first, where SEED is the closed epoch's Merkle root (its digest when nothing
was paid): it does not exist until the epoch closes, so nobody can know in advance whether their event will
be drawn, and anyone with the published seed and the epoch's rewarded events can draw it again. A failed
audit opens a flag on the event for another moderator to decide.`,
	}
	var size int
	var rate, by, note string
	draw := &cobra.Command{
		Use:   "draw EPOCH [--size N | --rate R]",
		Short: "Draw an epoch's audit sample from its rewarded events",
		Long: `draw samples closed epoch EPOCH (an epoch id such as default@2026-11-16T00:00:00Z, see plaudit epoch list)
from its rewarded events, the events with positive points in the epoch under the policy that closed it,
seeded by the epoch's Merkle root; it prints the seed. An open epoch has no seed yet and is refused.
Drawing again gives the same sample and changes nothing.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if cmd.Flags().Changed("size") && cmd.Flags().Changed("rate") {
				return plaudit.Errorf(plaudit.EINVALID, "--size and --rate: give one")
			}
			if size < 0 {
				return plaudit.Errorf(plaudit.EINVALID, "--size %d: want 0 or more", size)
			}
			req := service.AuditDrawRequest{Epoch: args[0], Size: size, By: operatorName(by)}
			if rate != "" {
				r, err := plaudit.ParsePoints(rate)
				if err != nil || r < 0 || r > plaudit.PointsFromInt(1) {
					return plaudit.Errorf(plaudit.EINVALID, "--rate %q: want a share between 0 and 1, e.g. 0.05", rate)
				}
				ratio := plaudit.Ratio(r)
				req.Rate = &ratio
			}
			st, err := openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			d, err := newService(st).DrawAudit(ctx, req)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "audit %s: %d of %d rewarded events drawn by %s\n", d.Epoch, len(d.Sample), d.Rewarded, d.By)
			fmt.Fprintf(out, "seed %s (the epoch's %s)\nrule: %s\n", d.Seed, d.SeedFrom, service.AuditRule)
			for i, k := range d.Sample {
				fmt.Fprintf(out, "%3d  %s  %s\n", i, k, moderation.SampleRank(d.Seed, k)[:16])
			}
			return nil
		},
	}
	draw.Flags().IntVar(&size, "size", 10, "how many events to draw")
	draw.Flags().StringVar(&rate, "rate", "", "draw this share of the rewarded events instead, rounded up (e.g. 0.05)")
	draw.Flags().StringVar(&by, "by", "", "who draws it, for the record (default $PLAUDIT_OPERATOR or $USER)")

	var status string
	list := &cobra.Command{
		Use:   "list [EPOCH]",
		Short: "List audit entries (of one epoch), with their status and reviewer",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if status != "" && !service.ValidAuditStatus(plaudit.AuditStatus(status)) {
				return plaudit.Errorf(plaudit.EINVALID, "--status %q: want pending, passed or failed", status)
			}
			st, err := openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			epoch := ""
			if len(args) == 1 {
				epoch = args[0]
			}
			q, err := newService(st).Audit(ctx, epoch, plaudit.AuditStatus(status))
			if err != nil {
				return err
			}
			entries := q.Entries
			out := cmd.OutOrStdout()
			if q.Seed != "" {
				fmt.Fprintf(out, "seed %s (the epoch's %s)\n", q.Seed, q.SeedFrom)
			}
			if len(entries) == 0 {
				fmt.Fprintln(out, "no audit entries")
			}
			for _, e := range entries {
				fmt.Fprintf(out, "%s  %3d  %-8s %s", e.Epoch, e.Rank, e.Status, e.Event)
				if e.Reviewer != "" {
					fmt.Fprintf(out, "  by %s at %s", e.Reviewer, e.At.Format(time.RFC3339))
				}
				if e.Note != "" {
					fmt.Fprintf(out, "  # %s", e.Note)
				}
				fmt.Fprintln(out)
			}
			return nil
		},
	}
	list.Flags().StringVar(&status, "status", "", "only entries with this status: pending, passed or failed")
	review := func(st plaudit.AuditStatus, verb string) *cobra.Command {
		c := &cobra.Command{
			Use:   verb + " EPOCH EVENT --by MODERATOR",
			Short: map[string]string{"pass": "Pass an audited event: it was rewarded rightly", "fail": "Fail an audited event: it should not have been rewarded (opens a flag on it)"}[verb],
			Args:  cobra.ExactArgs(2),
			RunE: func(cmd *cobra.Command, args []string) error {
				ctx := cmd.Context()
				s, err := openStore(ctx)
				if err != nil {
					return err
				}
				defer s.Close()
				f, err := newService(s).ReviewAudit(ctx, args[0], args[1], st, by, note)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "audit of %s in %s: %s by %s\n", args[1], args[0], st, by)
				if f != nil {
					fmt.Fprintf(cmd.OutOrStdout(), "flag %d on %s against %s by %s: %s (another moderator decides it)\n", f.ID, f.Subject, f.Member, f.By, f.Status)
				}
				return nil
			},
		}
		c.Flags().StringVar(&by, "by", "", "the moderator reviewing (required)")
		c.Flags().StringVar(&note, "note", "", "what the review found")
		return c
	}
	cmd.AddCommand(draw, list, review(plaudit.AuditPassed, "pass"), review(plaudit.AuditFailed, "fail"))
	return cmd
}

func adoptCmd() *cobra.Command {
	var by, note string
	cmd := &cobra.Command{
		Use:   "adopt FEEDBACK [--by OPERATOR] [--note T]",
		Short: "Adopt a member's feedback (an event source/id of kind feedback): it then earns its adoption points",
		Long: `adopt records that an operator adopted a member's feedback: an operator event (source plaudit, kind
decision) appended to the event log, which every scoring run replays. Only an adopted feedback earns the poe
scorer's feedback.adopted points; what the member's own event claims (attrs.adopted) counts for nothing.
The event must be a member's feedback in the log; nobody adopts their own feedback, and a feedback is
adopted once. Rescore (or close the epoch) for the points to show.`,
		Example: `  plaudit adopt discord/1187 --by ops --note "shipped in 1.4"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st, err := openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			a, err := newService(st).AdoptFeedback(ctx, args[0], operatorName(by), note)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "feedback %s by %s adopted by %s: recorded in the log as %s\n", a.Feedback, a.Author, a.By, a.Event.Key())
			return nil
		},
	}
	cmd.Flags().StringVar(&by, "by", "", "the operator adopting it (default $PLAUDIT_OPERATOR or $USER)")
	cmd.Flags().StringVar(&note, "note", "", "why, for the record")
	return cmd
}
