package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/config"
	"github.com/plaudit/plaudit/source/github"
)

// githubBackfillOptions are plaudit github backfill's flags.
type githubBackfillOptions struct {
	since      string // --since
	configFile string // --config
	apiURL     string // --api-url
}

func init() {
	cmd := &cobra.Command{
		Use:   "github",
		Short: "The GitHub source: import a repository's history (webhooks are served by plaudit serve)",
	}
	cmd.AddCommand(githubBackfillCmd())
	rootCmd.AddCommand(cmd)
}

func githubBackfillCmd() *cobra.Command {
	var opts githubBackfillOptions
	cmd := &cobra.Command{
		Use:   "backfill OWNER/REPO [--since DATE]",
		Short: "Import a repository's issues, pull requests, comments and reviews through the REST API",
		Long: `backfill reads a repository's history through GitHub's REST API — every issue and pull request
updated at or after --since, oldest update first, with their comments, reviews and review comments — and
appends it to the event log (docs/sources.md). Events are stored under GitHub's node ids, so what the
webhook already brought, or an earlier backfill, is not stored twice.

After each conversation a checkpoint is stored; an interrupted backfill (Ctrl-C, a lost connection) run
again resumes there, or from --since when that is later. Rate limits are waited out (with a log line), not
failed on; server errors are retried with backoff.

The token is the config file's github.token (--config), else $GITHUB_TOKEN; the API's address is
github.api_url, else --api-url.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			repo := args[0]
			if _, _, err := github.SplitRepo(repo); err != nil {
				return plaudit.Errorf(plaudit.EINVALID, "%v", err)
			}
			since, err := parseSince(opts.since)
			if err != nil {
				return err
			}
			token, apiURL := os.Getenv("GITHUB_TOKEN"), opts.apiURL
			if opts.configFile != "" {
				cfg, err := config.Load(opts.configFile)
				if err != nil {
					return err
				}
				if v := cfg.GitHub.Token.Value(); v != "" {
					token = v
				}
				if !cmd.Flags().Changed("api-url") {
					apiURL = cfg.GitHub.APIURL
				}
				if len(cfg.GitHub.Repos) > 0 && !containsFold(cfg.GitHub.Repos, repo) {
					return plaudit.Errorf(plaudit.EINVALID, "repository %s is not in github.repos of %s (%s)", repo, opts.configFile, strings.Join(cfg.GitHub.Repos, ", "))
				}
			}
			client, err := github.NewClient(apiURL, token, nil)
			if err != nil {
				return plaudit.Errorf(plaudit.EINVALID, "%v", err)
			}
			st, err := openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			state, ok := st.(github.State)
			if !ok {
				return fmt.Errorf("the store %T cannot keep a GitHub checkpoint", st)
			}
			progress, done := stageProgress()
			b := &github.Backfill{Client: client, Events: newService(st), State: state}
			if progress != nil {
				b.Progress = func(n, total int64) { progress("conversations", n, total) }
			}
			res, err := b.Run(ctx, repo, since)
			done()
			if res != nil {
				fmt.Fprintf(cmd.OutOrStdout(), "%s: %d conversations read from %s, %d events stored, %d already stored\n",
					res.Repo, res.Threads, fromText(res.From), res.Accepted, res.Duplicates)
				if !res.Checkpoint.IsZero() {
					fmt.Fprintf(cmd.OutOrStdout(), "checkpoint: %s (a new run resumes here)\n", res.Checkpoint.Format(time.RFC3339))
				}
			}
			return err
		},
	}
	cmd.Flags().StringVar(&opts.since, "since", "", "import what was updated at or after `DATE` (YYYY-MM-DD or RFC 3339); default: everything")
	cmd.Flags().StringVar(&opts.configFile, "config", "", "the serve configuration `FILE` whose github section gives the token, api_url and repos")
	cmd.Flags().StringVar(&opts.apiURL, "api-url", config.DefaultGitHubAPIURL, "the REST API's `URL` (wins over the config file's github.api_url)")
	return cmd
}

// parseSince reads --since: a date (midnight UTC) or an RFC 3339 time.
func parseSince(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, plaudit.Errorf(plaudit.EINVALID, "--since %q: want a date YYYY-MM-DD or an RFC 3339 time such as 2026-01-02T15:04:05Z", s)
	}
	return t.UTC(), nil
}

func fromText(t time.Time) string {
	if t.IsZero() {
		return "the beginning"
	}
	return t.Format(time.RFC3339)
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
