package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/jobs"
	"github.com/plaudit/plaudit/sqlstore"
)

// newJobWork gives `plaudit job run` the work of the built-in jobs (scoring, integrity, closing epochs): the
// application layer (package service) fills it in when it is wired. While it is nil, `job run` answers
// "not wired".
var newJobWork func(ctx context.Context, st plaudit.Store) jobs.Work

func init() {
	cmd := &cobra.Command{
		Use:   "job",
		Short: "List, show and run the scheduled jobs (score, rescore, integrity, epoch-close)",
		Long: `job reads the history of the scheduled jobs that plaudit serve runs (score, rescore, integrity,
epoch-close) and runs one now. Jobs live in the store's database (riverqueue/river): every run is recorded
with its kind, start, end, status, items, awards and error. See docs/jobs.md.`,
	}
	cmd.AddCommand(jobListCmd(), jobShowCmd(), jobRunCmd(), jobCancelCmd())
	rootCmd.AddCommand(cmd)
}

// openJobs opens the store and a scheduler on it (not started) over work, which may be nil for reading the
// history. close releases both.
func openJobs(ctx context.Context, withWork bool) (*jobs.Scheduler, func(), error) {
	st, err := openStore(ctx)
	if err != nil {
		return nil, nil, err
	}
	db, ok := st.(*sqlstore.DB)
	if !ok {
		st.Close()
		return nil, nil, fmt.Errorf("jobs need a SQL store, not %T", st)
	}
	var work jobs.Work
	if withWork {
		if newJobWork == nil {
			db.Close()
			return nil, nil, errors.New("job run: not wired: the service layer does not provide the jobs' work yet")
		}
		work = newJobWork(ctx, db)
	}
	s, err := jobs.New(ctx, db, work, jobs.Config{}, slog.Default())
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return s, func() {
		stop, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		_ = s.Stop(stop)
		db.Close()
	}, nil
}

func jobListCmd() *cobra.Command {
	var (
		kind   string
		asJSON bool
		limit  int
	)
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List job runs, newest first: ID KIND STATUS STARTED DURATION ITEMS AWARDS ERROR",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, done, err := openJobs(cmd.Context(), false)
			if err != nil {
				return err
			}
			defer done()
			runs, err := s.List(cmd.Context(), jobs.Filter{Kind: kind, Limit: limit})
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), runs)
			}
			return writeRuns(cmd.OutOrStdout(), runs)
		},
	}
	cmd.Flags().StringVar(&kind, "kind", "", "only runs of this kind (score, rescore, integrity, epoch-close)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON instead of a table")
	cmd.Flags().IntVar(&limit, "limit", 50, "at most this many runs")
	return cmd
}

func writeRuns(w io.Writer, runs []*jobs.Run) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tSTATUS\tSTARTED\tDURATION\tITEMS\tAWARDS\tERROR")
	for _, r := range runs {
		started, took := "-", "-"
		if r.Started != nil {
			started = r.Started.UTC().Format(time.RFC3339)
			took = r.Duration().Round(time.Millisecond).String()
		}
		msg := r.Error
		if len(msg) > 60 {
			msg = msg[:57] + "..."
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%d\t%s\n", r.ID, r.Kind, r.Status, started, took, r.Items, r.Awards, strings.ReplaceAll(msg, "\n", " "))
	}
	return tw.Flush()
}

func parseJobID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, plaudit.Errorf(plaudit.EINVALID, "job ID %q: want a positive number (see plaudit job list)", s)
	}
	return id, nil
}

func jobShowCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Show one job run: status, attempts, times, outcome and the error of each failed attempt",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseJobID(args[0])
			if err != nil {
				return err
			}
			s, done, err := openJobs(cmd.Context(), false)
			if err != nil {
				return err
			}
			defer done()
			r, err := s.Get(cmd.Context(), id)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), r)
			}
			writeRun(cmd.OutOrStdout(), r)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func writeRun(w io.Writer, r *jobs.Run) {
	tm := func(t *time.Time) string {
		if t == nil {
			return "-"
		}
		return t.UTC().Format(time.RFC3339Nano)
	}
	fmt.Fprintf(w, "job %d: %s, %s (attempt %d of %d)\n", r.ID, r.Kind, r.Status, r.Attempt, r.MaxAttempts)
	if len(r.Args) > 0 {
		fmt.Fprintf(w, "  arguments  %s\n", r.Args)
	}
	fmt.Fprintf(w, "  queued     %s\n  started    %s\n  finished   %s\n", r.Queued.UTC().Format(time.RFC3339Nano), tm(r.Started), tm(r.Finished))
	if r.Started != nil {
		fmt.Fprintf(w, "  duration   %s\n", r.Duration().Round(time.Millisecond))
	}
	if r.NextAttempt != nil {
		fmt.Fprintf(w, "  next       %s\n", tm(r.NextAttempt))
	}
	fmt.Fprintf(w, "  items      %d\n  awards     %d\n", r.Items, r.Awards)
	if r.Note != "" {
		fmt.Fprintf(w, "  note       %s\n", r.Note)
	}
	if len(r.Workers) > 0 {
		fmt.Fprintf(w, "  workers    %s\n", strings.Join(r.Workers, ", "))
	}
	for _, e := range r.Attempts {
		fmt.Fprintf(w, "  attempt %d failed at %s: %s\n", e.Attempt, e.At.UTC().Format(time.RFC3339Nano), e.Error)
	}
}

func jobRunCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "run KIND [ARGS]",
		Short: "Run a job now in this process and print its outcome (KIND: score, rescore, integrity, epoch-close)",
		Long: `run inserts a job of KIND and works it in this process, waiting for the result, which it prints. ARGS is
an optional JSON object (epoch-close takes {"grace":"2h"}). A job run this way is tried once. When a job of
the kind is already queued or running (say, in plaudit serve), run says so and exits 0.`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			var raw json.RawMessage
			if len(args) == 2 {
				raw = json.RawMessage(args[1])
				if !json.Valid(raw) {
					return plaudit.Errorf(plaudit.EINVALID, "job run %s: ARGS %q is not JSON", args[0], args[1])
				}
			}
			s, done, err := openJobs(cmd.Context(), true)
			if err != nil {
				return err
			}
			defer done()
			r, err := s.RunNow(cmd.Context(), args[0], raw)
			out := cmd.OutOrStdout()
			switch {
			case errors.Is(err, jobs.ErrAlreadyRunning):
				verb := "already running"
				if r.Status != jobs.StatusRunning {
					verb = "already " + string(r.Status)
				}
				fmt.Fprintf(out, "%s %s (job %d)\n", r.Kind, verb, r.ID)
				return nil
			case errors.Is(err, jobs.ErrUnknownKind):
				return plaudit.Errorf(plaudit.EINVALID, "%v", err)
			case err != nil:
				return err
			}
			writeRun(out, r)
			if r.Status != jobs.StatusSucceeded {
				return fmt.Errorf("job %d (%s) %s: %s", r.ID, r.Kind, r.Status, r.Error)
			}
			return nil
		},
	}
}

func jobCancelCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "cancel ID",
		Short: "Cancel a queued, retrying or running job (a running one stops at its next safe point)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseJobID(args[0])
			if err != nil {
				return err
			}
			s, done, err := openJobs(cmd.Context(), false)
			if err != nil {
				return err
			}
			defer done()
			r, err := s.Cancel(cmd.Context(), id)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "job %d (%s): %s\n", r.ID, r.Kind, r.Status)
			return nil
		},
	}
}
