package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/config"
	"github.com/plaudit/plaudit/jobs"
	"github.com/plaudit/plaudit/source/x"
)

// KindXPoll is the job that polls X's API v2 every x.poll_every (source/x).
const KindXPoll = "x-poll"

// xPollOptions are plaudit x poll's flags.
type xPollOptions struct {
	configFile string // --config
}

func init() {
	cmd := &cobra.Command{
		Use:   "x",
		Short: "The X source: poll X's API v2 by hand (plaudit serve polls it as the x-poll job)",
	}
	cmd.AddCommand(xPollCmd())
	rootCmd.AddCommand(cmd)

	// With an x section, serve's scheduler runs x-poll every x.poll_every.
	addServeJobKind(func(env *serveEnv) (jobs.Kind, bool) {
		c := env.Config.X
		if c == nil {
			return jobs.Kind{}, false
		}
		state := env.Store
		return jobs.Kind{Name: KindXPoll, Every: c.PollEvery, Run: func(ctx context.Context, _ json.RawMessage) (jobs.Outcome, error) {
			p, err := newXPoller(c, env.Service, state, env.Logger)
			if err != nil {
				return jobs.Outcome{}, err
			}
			res, err := p.Poll(ctx)
			return xOutcome(res), err
		}}, true
	})
}

// newXPoller is the poller of the x section, appending through svc.
func newXPoller(c *config.X, svc x.Appender, state x.State, log *slog.Logger) (*x.Poller, error) {
	client, err := x.NewClient(c.APIURL, c.BearerToken.Value(), nil)
	if err != nil {
		return nil, plaudit.Errorf(plaudit.EINVALID, "%v", err)
	}
	client.Logger = log
	return &x.Poller{Client: client, Events: svc, State: state, Logger: log, Config: x.Config{ProjectAccounts: c.ProjectAccounts,
		CommunityAccounts: c.CommunityAccounts, Keywords: c.Keywords, DailyReadBudget: int64(c.DailyReadBudget)}}, nil
}

// xOutcome is a poll's job result: the posts and users read, the events stored, and the estimated cost.
func xOutcome(r x.Result) jobs.Outcome {
	return jobs.Outcome{Items: r.PostsRead + r.UsersRead, Awards: int64(r.Accepted), Note: xSummary(r)}
}

func xSummary(r x.Result) string {
	s := fmt.Sprintf("%d queries, %d posts and %d users read (estimated $%s), %d events stored, %d already stored",
		r.Queries, r.PostsRead, r.UsersRead, r.EstimatedCost, r.Accepted, r.Duplicates)
	if r.Rejected > 0 {
		s += fmt.Sprintf(", %d rejected", r.Rejected)
	}
	if r.BudgetExhausted {
		s += "; daily read budget spent: polling resumes the next UTC day"
	}
	return s
}

func xPollCmd() *cobra.Command {
	var opts xPollOptions
	cmd := &cobra.Command{
		Use:   "poll --config FILE",
		Short: "Run one poll of X's API v2 (what the x-poll job does) and store the posts read",
		Long: `poll reads X's API v2 once with the config file's x section — recent search for the tracked
accounts' posts, replies and quotes, the mentions of them and the keywords, each from its since_id
checkpoint — and appends the posts to the event log (docs/sources.md). Posts are stored under X's ids,
so what an earlier poll stored is not stored twice. Rate limits are waited out until x-rate-limit-reset;
the daily read budget (x.daily_read_budget, counted per UTC day in the store) stops the poll when spent.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if opts.configFile == "" {
				return plaudit.Errorf(plaudit.EINVALID, "--config: required: the serve configuration file with the x section")
			}
			cfg, err := config.Load(opts.configFile)
			if err != nil {
				return err
			}
			if cfg.X == nil {
				return plaudit.Errorf(plaudit.EINVALID, "%s: no x section: nothing to poll", opts.configFile)
			}
			st, err := openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			state, ok := st.(x.State)
			if !ok {
				return fmt.Errorf("the store %T cannot keep X checkpoints", st)
			}
			p, err := newXPoller(cfg.X, newService(st), state, slog.Default())
			if err != nil {
				return err
			}
			res, err := p.Poll(ctx)
			fmt.Fprintln(cmd.OutOrStdout(), xSummary(res))
			return err
		},
	}
	cmd.Flags().StringVar(&opts.configFile, "config", "", "the serve configuration `FILE` whose x section gives the token, accounts, keywords and budget")
	return cmd
}
