package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/score/conversation"
	"github.com/plaudit/plaudit/service"
)

// The `score comment` and `score conversation` subcommands: Ubiquity-compatible GitHub conversation rewards.
// They attach to the `score` command when it exists (cmd/plaudit/score.go, whose init runs first), and make a
// bare `score` group otherwise.
func init() {
	var parent *cobra.Command
	for _, c := range rootCmd.Commands() {
		if c.Name() == "score" {
			parent = c
			break
		}
	}
	if parent == nil {
		parent = &cobra.Command{Use: "score", Short: "Score events and conversations"}
		rootCmd.AddCommand(parent)
	}
	addConversationCommands(parent)
}

// addConversationCommands adds `comment` and `conversation` to parent.
func addConversationCommands(parent *cobra.Command) {
	parent.AddCommand(scoreCommentCmd(), scoreConversationCmd())
}

func scoreCommentCmd() *cobra.Command {
	var configPath, role, relevance, url string
	var priority int
	cmd := &cobra.Command{
		Use:   "comment --config FILE --role ROLE [--relevance R] [--priority P]",
		Short: "Score one comment's markdown (standard input) as Ubiquity's conversation rewards would",
		Long: `Reads one comment's markdown on standard input, as given (no purge: purging belongs to reading a
conversation), and writes {"reward", "formatting", "words", "readability", "multiplier"} as JSON.

--config is a Ubiquity text-conversation-rewards plugin configuration (its with: block, JSON or YAML), which
selects compatibility mode; without it Plaudit's own conversation preset applies. --role is one of
ISSUE_SPECIFICATION, ISSUE_AUTHOR, ISSUE_ASSIGNEE, ISSUE_COLLABORATOR, ISSUE_CONTRIBUTOR and the PULL_ roles.
The reward is round3(total · relevance · priority); a fixed relevance configured for the role wins over
--relevance, and specifications always have priority 1.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := service.LoadConversationConfig(configPath)
			if err != nil {
				return err
			}
			r, err := conversation.ParseRole(role)
			if err != nil {
				return plaudit.Errorf(plaudit.EINVALID, "--role: %v", err)
			}
			rel, err := service.ParseRelevance(relevance)
			if err != nil {
				return err
			}
			if priority < 1 {
				return plaudit.Errorf(plaudit.EINVALID, "--priority %d: want 1 or more", priority)
			}
			md, err := io.ReadAll(io.LimitReader(cmd.InOrStdin(), conversation.MaxMarkdownLen+1))
			if err != nil {
				return fmt.Errorf("read standard input: %w", err)
			}
			s, err := cfg.ScoreComment(conversation.CommentInput{Markdown: string(md), Role: r, URL: url, Relevance: rel, Priority: priority})
			if err != nil {
				return plaudit.Errorf(plaudit.EINVALID, "standard input: %v", err)
			}
			enc := json.NewEncoder(cmd.OutOrStdout())
			enc.SetIndent("", "  ")
			return enc.Encode(s.JSON())
		},
	}
	cmd.Flags().StringVar(&configPath, "config", "", "Ubiquity plugin configuration (JSON or YAML); compatibility mode")
	cmd.Flags().StringVar(&role, "role", "", "the comment's role, e.g. ISSUE_CONTRIBUTOR (required)")
	cmd.Flags().StringVar(&relevance, "relevance", "1", "relevance to the specification, 0 to 1")
	cmd.Flags().IntVar(&priority, "priority", 1, "the issue's priority (its Priority: N label)")
	cmd.Flags().StringVar(&url, "url", "", "the comment's own URL (links to it earn nothing)")
	_ = cmd.MarkFlagRequired("role")
	return cmd
}

func scoreConversationCmd() *cobra.Command {
	var f struct {
		issue, comments, events, edits, pull, pullIssue, pullComments, reviewComments, reviews, files string
		config, relevance, provider, model, endpoint                                                  string
	}
	cmd := &cobra.Command{
		Use:   "conversation --issue ISSUE.json --comments COMMENTS.json [--config FILE] [--relevance R]",
		Short: "Score a GitHub conversation read from REST JSON, writing Ubiquity's result JSON",
		Long: `Reads an issue and its comments as the GitHub REST API returns them (gh api repos/O/R/issues/N and
.../issues/N/comments), purges the comments as Ubiquity does (quotes, commands, HTML comments, footnotes,
bots), gives each its role, scores them, adds the assignees' task reward and the reviewers' review rewards,
and writes per-user results in Ubiquity's result shape.

The linked pull request can be given too: --pull (pulls/N), --pull-comments (issues/N/comments of the pull
request), --review-comments (pulls/N/comments), --reviews (pulls/N/reviews) and --files (pulls/N/files).
--events (issues/N/events) dates the task and gives the assignment periods; --edits (the GraphQL
userContentEdits of the issue body) splits the specification's reward by authorship.

Relevance: --relevance R gives every comment R; otherwise --relevance-provider picks tfidf (the offline
default), or openai (an OpenAI-compatible endpoint: --endpoint and --model, or the configuration's
contentEvaluator.openAi; the key from $OPENAI_API_KEY or $OPENROUTER_API_KEY).

Fees: the configuration's incentives.fees, or the plugin's environment variables PERMIT_FEE_RATE (percent),
PERMIT_TREASURY_GITHUB_USERNAME and PERMIT_ERC20_TOKENS_NO_FEE_WHITELIST.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := service.LoadConversationConfig(f.config)
			if err != nil {
				return err
			}
			files := service.ConversationFiles{Issue: f.issue, Comments: f.comments, Events: f.events, Edits: f.edits, Pull: f.pull,
				PullIssue: f.pullIssue, PullComments: f.pullComments, ReviewComments: f.reviewComments, Reviews: f.reviews, Files: f.files}
			rel := service.RelevanceChoice{Fixed: f.relevance, Provider: f.provider, Model: f.model, Endpoint: f.endpoint,
				APIKey: cmp.Or(os.Getenv("OPENAI_API_KEY"), os.Getenv("OPENROUTER_API_KEY"))}
			res, err := service.ScoreConversation(cmd.Context(), cfg, files, rel, os.Getenv)
			if err != nil {
				return err
			}
			if res.Refused != "" {
				// The configuration refuses this conversation (requirePriceLabel, collaboratorOnlyPaymentInvocation):
				// say why, as the plugin does, beside the empty result.
				fmt.Fprintf(cmd.ErrOrStderr(), "no rewards: %s\n", res.Refused)
			}
			b, err := json.MarshalIndent(res, "", "  ")
			if err != nil {
				return fmt.Errorf("write result: %w", err)
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "%s\n", b)
			return err
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.issue, "issue", "", "the issue, as GET /repos/O/R/issues/N returns it (required)")
	fl.StringVar(&f.comments, "comments", "", "its comments, as GET /repos/O/R/issues/N/comments returns them (required)")
	fl.StringVar(&f.events, "events", "", "its events (GET .../issues/N/events): the close event dates the task")
	fl.StringVar(&f.edits, "edits", "", "the issue body's edit history (GraphQL userContentEdits): the specification's author earns their share")
	fl.StringVar(&f.pull, "pull", "", "the linked pull request (GET .../pulls/N)")
	fl.StringVar(&f.pullIssue, "pull-issue", "", "the linked pull request as an issue (GET .../issues/N): its id names the body's entry")
	fl.StringVar(&f.pullComments, "pull-comments", "", "the pull request's conversation comments (GET .../issues/N/comments)")
	fl.StringVar(&f.reviewComments, "review-comments", "", "the pull request's review comments (GET .../pulls/N/comments)")
	fl.StringVar(&f.reviews, "reviews", "", "the pull request's reviews (GET .../pulls/N/reviews)")
	fl.StringVar(&f.files, "files", "", "the pull request's files (GET .../pulls/N/files), for review rewards")
	fl.StringVar(&f.config, "config", "", "Ubiquity plugin configuration (JSON or YAML); compatibility mode")
	fl.StringVar(&f.relevance, "relevance", "", "give every comment this relevance (0 to 1) instead of asking a provider")
	fl.StringVar(&f.provider, "relevance-provider", "tfidf", "tfidf (offline) or openai")
	fl.StringVar(&f.model, "model", "", "openai: the model")
	fl.StringVar(&f.endpoint, "endpoint", "", "openai: the base URL of an OpenAI-compatible API")
	_ = cmd.MarkFlagRequired("issue")
	_ = cmd.MarkFlagRequired("comments")
	return cmd
}
