package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/score"
	"github.com/plaudit/plaudit/score/cast"
	"github.com/plaudit/plaudit/service"
)

// The score command and its subcommands run, replay and cast. Other files (score_conversation.go) attach
// more subcommands to it; this file's init runs first, as Go runs a package's files in name order.
func init() {
	cmd := &cobra.Command{
		Use:   "score",
		Short: "Score the event log under the active policy (score run), replay it under another, or score casts",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return scoreRun(cmd) },
	}
	run := &cobra.Command{
		Use:   "run",
		Short: "Score every event in the store under the active policy and save the scores",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return scoreRun(cmd) },
	}
	var newPolicy string
	var limit int
	var asJSON bool
	replay := &cobra.Command{
		Use:   "replay --policy NEW.yml",
		Short: "Show, per member, the points under the active policy and under NEW, before publishing NEW",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return scoreReplay(cmd, newPolicy, limit, asJSON)
		},
	}
	replay.Flags().StringVar(&newPolicy, "policy", "", "the policy to compare with the active one (a file or preset:NAME)")
	replay.Flags().IntVar(&limit, "limit", 0, "print only the members with the largest changes (0: all)")
	replay.Flags().BoolVar(&asJSON, "json", false, "print one JSON object per member instead of a table")
	_ = replay.MarkFlagRequired("policy")

	var castPolicy, target string
	castCmd := &cobra.Command{
		Use:   "cast [--policy FILE] [--target USERNAME:FID]",
		Short: "Score Neynar cast.created webhooks read from stdin, one JSON object per line",
		Long: `cast reads Neynar cast.created webhook payloads from standard input, one JSON object per line, in order
(each author's history carries across lines), and writes one JSON line per cast:
{"hash","fid","total","communication_quality","community_impact","consistency","active_campaign"}.
The cast scorer's parameters come from --policy (default preset:cast); --target sets the active campaign's
account. Every line is checked before anything is written: a bad line is an error naming its line and field.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return scoreCasts(cmd.InOrStdin(), cmd.OutOrStdout(), castPolicy, target)
		},
	}
	castCmd.Flags().StringVar(&castPolicy, "policy", "preset:cast", "policy whose cast scorer parameters apply")
	castCmd.Flags().StringVar(&target, "target", "", "the active campaign's account, USERNAME:FID")
	var bf boardFlags
	board := &cobra.Command{
		Use:   "leaderboard [--week YYYY-Www | --epoch ID | --program NAME]",
		Short: "Members by points after integrity verdicts: all time, one ISO week, one closed epoch or a program",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return scoreLeaderboard(cmd, bf)
		},
	}
	board.Flags().StringVar(&bf.week, "week", "", "an ISO week such as 2026-W02 (Monday to Sunday, UTC); default all time")
	board.Flags().StringVar(&bf.epoch, "epoch", "", "a closed epoch's id: the points and payouts it settled")
	board.Flags().StringVar(&bf.program, "program", "", "a program: its closed epochs summed")
	board.Flags().IntVar(&bf.limit, "limit", 20, "members to list (0: all)")
	board.Flags().IntVar(&bf.reasons, "reasons", 3, "top reasons to list per member")
	board.Flags().BoolVar(&bf.asJSON, "json", false, "print one JSON object per member")
	cmd.AddCommand(run, replay, castCmd, board)
	rootCmd.AddCommand(cmd)
}

func scoreRun(cmd *cobra.Command) error {
	ctx := cmd.Context()
	st, err := openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	tuneGCForStage(100, stageMemoryLimit)
	progress, done := stageProgress()
	res, err := newService(st).RescoreStreamed(ctx, progress, 10)
	done()
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	p := res.Policy
	fmt.Fprintf(out, "scored %d events under %s version %d (%s): %d scores, %d members\n\n", res.Events, p.Name, p.Version, p.Hash(), res.Count, res.Members)
	return writeLeaderboard(out, res.Top, 10, 3)
}

// writeLeaderboard prints the top n members with their points and their top reasons.
func writeLeaderboard(w io.Writer, totals []score.MemberTotal, n, reasons int) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "rank\tmember\tpoints\tscores\ttop reasons")
	for i, t := range totals {
		if i == n {
			break
		}
		var rs []string
		for j, r := range t.Reasons {
			if j == reasons {
				break
			}
			rs = append(rs, fmt.Sprintf("%s %s (%d×)", r.Rule, r.Points, r.Count))
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\n", i+1, t.Member, t.Points, t.Scores, strings.Join(rs, ", "))
	}
	return tw.Flush()
}

// parseWeek reads --week, an ISO week "2026-W02", with the service's rule (service.ParseISOWeek, as the
// API's and the panel's ?week=), under the flag's own message.
func parseWeek(s string) (year, week int, err error) {
	if year, week, err = service.ParseISOWeek(s); err != nil {
		return 0, 0, plaudit.Errorf(plaudit.EINVALID, "--week %q: want an ISO week such as 2026-W02", s)
	}
	return year, week, nil
}

func scoreLeaderboard(cmd *cobra.Command, f boardFlags) error {
	ctx := cmd.Context()
	req := service.LeaderboardRequest{Epoch: f.epoch, Program: f.program}
	if f.week != "" {
		var err error
		if req.Year, req.Week, err = parseWeek(f.week); err != nil {
			return err
		}
	}
	if f.limit > 0 {
		req.Limit = f.limit
	}
	st, err := openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	b, err := newService(st).Leaderboard(ctx, req)
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	if f.asJSON {
		enc := json.NewEncoder(out)
		for i, e := range b.Entries {
			if len(e.Reasons) > f.reasons {
				e.Reasons = e.Reasons[:f.reasons]
			}
			if err := enc.Encode(boardLine(i+1, e)); err != nil {
				return err
			}
		}
		return nil
	}
	when := "all time"
	switch {
	case b.Epoch != nil:
		when = "epoch " + b.Epoch.ID
	case f.program != "":
		when = fmt.Sprintf("program %s, %d closed epochs", b.Program, b.Epochs)
	case f.week != "":
		when = fmt.Sprintf("week %d-W%02d", b.Year, b.Week)
	}
	rec := b.Policy
	fmt.Fprintf(out, "%s v%d (%s), %s: %d members with points, after integrity verdicts", rec.Name, rec.Version, rec.Hash, when, b.Members)
	if len(b.Runs) > 0 {
		fmt.Fprintf(out, " (integrity runs %s)", joinIDs(b.Runs))
	}
	fmt.Fprint(out, "\n\n")
	if b.Unscored {
		fmt.Fprintln(out, "no stored scores under the active policy: run `plaudit score`")
	}
	return writeBoard(out, b, f.reasons)
}

// boardFlags are the flags of `plaudit score leaderboard`.
type boardFlags struct {
	week, epoch, program string
	limit, reasons       int
	asJSON               bool
}

// boardJSON is one line of `plaudit score leaderboard --json`.
type boardJSON struct {
	Member               string              `json:"member"`
	Points               plaudit.Points      `json:"points"` // after integrity verdicts
	Scores               int                 `json:"scores"`
	Reasons              []score.Reason      `json:"reasons,omitempty"`
	Rank                 int                 `json:"rank"`
	PointsBeforeVerdicts plaudit.Points      `json:"points_before_verdicts"`
	Verdict              *plaudit.RunVerdict `json:"verdict,omitempty"`
	PaidBaseUnits        string              `json:"paid_base_units,omitempty"`
	Wallet               string              `json:"wallet,omitempty"`
}

func boardLine(rank int, e service.BoardEntry) boardJSON {
	j := boardJSON{Rank: rank, Member: e.Member, Points: e.Points, PointsBeforeVerdicts: e.Raw, Scores: e.Scores, Reasons: e.Reasons, Verdict: e.Verdict, Wallet: e.Wallet}
	if e.Paid != nil {
		j.PaidBaseUnits = e.Paid.String()
	}
	return j
}

// writeBoard prints a leaderboard: points after verdicts, the points before them, the member's verdict,
// and on epoch and program boards what was paid, in whole tokens.
func writeBoard(w io.Writer, b *service.Leaderboard, reasons int) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	paid := b.Epoch != nil || b.Program != ""
	head := "rank\tmember\tpoints\tbefore verdicts (points)\tverdict\tscores"
	if paid {
		head += "\tpaid (" + orDash(b.Token) + ")"
	}
	fmt.Fprintln(tw, head+"\ttop reasons")
	for i, e := range b.Entries {
		var rs []string
		for j, r := range e.Reasons {
			if j == reasons {
				break
			}
			rs = append(rs, fmt.Sprintf("%s %s (%d×)", r.Rule, r.Points, r.Count))
		}
		var vs []string
		if v := e.Verdict; v != nil && v.Verdict.Multiplier != plaudit.One {
			m := "member ×" + v.Verdict.Multiplier.String()
			if len(v.Verdict.Reasons) > 0 {
				m += " " + v.Verdict.Reasons[0].Check
			}
			vs = append(vs, m)
		}
		if e.Adjusted > 0 {
			vs = append(vs, fmt.Sprintf("%d scores reduced", e.Adjusted))
		}
		verdict := "-"
		if len(vs) > 0 {
			verdict = strings.Join(vs, ", ")
		}
		line := fmt.Sprintf("%d\t%s\t%s\t%s\t%s\t%d", i+1, e.Member, e.Points, e.Raw, verdict, e.Scores)
		if paid {
			amount := "-"
			if e.Paid != nil {
				amount = plaudit.FormatUnits(e.Paid, b.Decimals)
			}
			line += "\t" + amount
		}
		fmt.Fprintln(tw, line+"\t"+strings.Join(rs, ", "))
	}
	return tw.Flush()
}

func joinIDs(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = fmt.Sprint(id)
	}
	return strings.Join(s, ", ")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func scoreReplay(cmd *cobra.Command, newPolicy string, limit int, asJSON bool) error {
	next, _, err := loadPolicy(newPolicy)
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	st, err := openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	r, err := newService(st).Replay(ctx, next)
	if err != nil {
		return err
	}
	rows := r.Rows
	if limit > 0 && len(rows) > limit {
		rows = rows[:limit]
	}
	out := cmd.OutOrStdout()
	if asJSON {
		enc := json.NewEncoder(out)
		for _, row := range rows {
			if err := enc.Encode(row); err != nil {
				return err
			}
		}
		return nil
	}
	cur := r.Active
	fmt.Fprintf(out, "%d events; active %s v%d (%s): %s points; new %s v%d (%s): %s points\n\n",
		r.Events, cur.Name, cur.Version, cur.Hash(), r.ActivePoints, next.Name, next.Version, next.Hash(), r.NewPoints)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "member\tactive\tnew\tchange\t")
	for _, row := range rows {
		sign := ""
		if row.Change > 0 {
			sign = "+"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s%s\t\n", row.Member, row.Active, row.New, sign, row.Change)
	}
	return tw.Flush()
}

// parseTarget reads --target USERNAME:FID.
func parseTarget(s string) (cast.Profile, error) {
	user, fid, ok := strings.Cut(s, ":")
	n, err := strconv.ParseInt(fid, 10, 64)
	if !ok || user == "" || err != nil || n <= 0 {
		return cast.Profile{}, plaudit.Errorf(plaudit.EINVALID, "--target %q: want USERNAME:FID, e.g. shreyaspapi:12345", s)
	}
	return cast.Profile{Username: strings.TrimPrefix(user, "@"), FID: n}, nil
}

// scoreCasts is `plaudit score cast`: service.ScoreCasts under the named policy's cast scorer, written as
// JSON Lines.
func scoreCasts(in io.Reader, out io.Writer, policyName, target string) error {
	pol, _, err := loadPolicy(policyName)
	if err != nil {
		return err
	}
	params, err := service.CastParams(pol, policyName)
	if err != nil {
		return err
	}
	if target != "" {
		if params.Target, err = parseTarget(target); err != nil {
			return err
		}
	}
	scores, err := service.ScoreCasts(in, "stdin", params)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(out)
	enc := json.NewEncoder(w)
	for _, s := range scores {
		if err := enc.Encode(s); err != nil {
			return err
		}
	}
	return w.Flush()
}
