package service

import (
	"context"
	"os"

	"github.com/shopspring/decimal"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/score/conversation"
)

// LoadConversationConfig reads a Ubiquity text-conversation-rewards plugin configuration (its with: block,
// JSON or YAML), which selects compatibility mode, or returns Plaudit's own conversation preset when path
// is "". A file that cannot be read or parsed is EINVALID.
func LoadConversationConfig(path string) (conversation.Config, error) {
	if path == "" {
		return conversation.DefaultConfig(), nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return conversation.Config{}, plaudit.Errorf(plaudit.EINVALID, "config: %v", err)
	}
	c, err := conversation.ParseUbiquityConfig(b)
	if err != nil {
		return conversation.Config{}, plaudit.Errorf(plaudit.EINVALID, "%s: %v", path, err)
	}
	return c, nil
}

// ParseRelevance reads a comment's relevance to the specification, a number from 0 to 1 (the --relevance
// of `plaudit score comment` and `score conversation`); anything else is EINVALID.
func ParseRelevance(s string) (decimal.Decimal, error) {
	r, err := decimal.NewFromString(s)
	if err != nil || r.Sign() < 0 || r.GreaterThan(decimal.NewFromInt(1)) {
		return decimal.Zero, plaudit.Errorf(plaudit.EINVALID, "--relevance %q: want a number between 0 and 1", s)
	}
	return r, nil
}

// ConversationFiles name the files of one GitHub conversation as the GitHub REST API returns them; ""
// leaves a part out.
type ConversationFiles struct {
	Issue          string // GET /repos/O/R/issues/N
	Comments       string // GET .../issues/N/comments
	Events         string // GET .../issues/N/events: the close event dates the task
	Edits          string // the GraphQL userContentEdits of the issue body
	Pull           string // the linked pull request, GET .../pulls/N
	PullIssue      string // the linked pull request as an issue, GET .../issues/N: its id names the body's entry
	PullComments   string // the pull request's conversation comments, GET .../issues/N/comments
	ReviewComments string // the pull request's review comments, GET .../pulls/N/comments
	Reviews        string // the pull request's reviews, GET .../pulls/N/reviews
	Files          string // the pull request's files, GET .../pulls/N/files
}

// ReadConversation reads and decodes the files of a conversation into a thread, in the order of
// ConversationFiles' fields; the first file that cannot be read or decoded is EINVALID.
func ReadConversation(f ConversationFiles) (*conversation.Thread, error) {
	t := &conversation.Thread{}
	steps := []struct {
		path string
		fn   func(string, []byte) error
	}{
		{f.Issue, func(n string, b []byte) (err error) { t.Issue, err = conversation.DecodeIssue(n, b); return }},
		{f.Comments, func(n string, b []byte) (err error) { t.Comments, err = conversation.DecodeComments(n, b); return }},
		{f.Events, func(n string, b []byte) (err error) { t.Events, err = conversation.DecodeEvents(n, b); return }},
		{f.Edits, func(n string, b []byte) (err error) { t.Edits, err = conversation.DecodeEdits(n, b); return }},
		{f.Pull, func(n string, b []byte) (err error) { t.Pull, err = conversation.DecodeIssue(n, b); return }},
		{f.PullIssue, func(n string, b []byte) error {
			is, err := conversation.DecodeIssue(n, b)
			if err == nil {
				t.PullIssueID = is.ID
			}
			return err
		}},
		{f.PullComments, func(n string, b []byte) (err error) { t.PullComments, err = conversation.DecodeComments(n, b); return }},
		{f.ReviewComments, func(n string, b []byte) (err error) {
			t.ReviewComments, err = conversation.DecodeComments(n, b)
			return
		}},
		{f.Reviews, func(n string, b []byte) (err error) { t.Reviews, err = conversation.DecodeReviews(n, b); return }},
		{f.Files, func(n string, b []byte) (err error) { t.Files, err = conversation.DecodeFiles(n, b); return }},
	}
	for _, s := range steps {
		if s.path == "" {
			continue
		}
		b, err := os.ReadFile(s.path)
		if err != nil {
			return nil, plaudit.Errorf(plaudit.EINVALID, "%v", err)
		}
		if err := s.fn(s.path, b); err != nil {
			return nil, plaudit.Errorf(plaudit.EINVALID, "%v", err)
		}
	}
	return t, nil
}

// RelevanceChoice says who rates the relevance of a conversation's comments.
type RelevanceChoice struct {
	// Fixed, when not "", gives every comment this relevance (0 to 1) instead of asking a provider.
	Fixed string
	// Provider is tfidf (offline) or openai (an OpenAI-compatible endpoint).
	Provider string
	// Model and Endpoint override the configuration's contentEvaluator.openAi for openai.
	Model, Endpoint string
	// APIKey is the OpenAI-compatible API's key.
	APIKey string
}

// defaultOpenAIEndpoint is where openai relevance goes when neither the choice nor the configuration names
// an endpoint.
const defaultOpenAIEndpoint = "https://api.openai.com/v1"

// ConversationRelevance returns the relevance provider c chooses under cfg: a fixed relevance, the offline
// TF-IDF model, or an OpenAI-compatible model (the choice's endpoint and model, else the configuration's,
// which must name a model). Anything else is EINVALID.
func ConversationRelevance(cfg conversation.Config, c RelevanceChoice) (conversation.RelevanceProvider, error) {
	switch {
	case c.Fixed != "":
		r, err := ParseRelevance(c.Fixed)
		if err != nil {
			return nil, err
		}
		return conversation.Fixed(r), nil
	case c.Provider == "tfidf":
		return conversation.TFIDF{}, nil
	case c.Provider == "openai":
		o := &conversation.OpenAI{Endpoint: cfg.LLM.Endpoint, Model: cfg.LLM.Model, TokenLimit: cfg.LLM.TokenLimit, MaxRetries: cfg.LLM.MaxRetries}
		if c.Endpoint != "" {
			o.Endpoint = c.Endpoint
		}
		if c.Model != "" {
			o.Model = c.Model
		}
		if o.Endpoint == "" {
			o.Endpoint = defaultOpenAIEndpoint
		}
		if o.Model == "" {
			return nil, plaudit.Errorf(plaudit.EINVALID, "--relevance-provider openai: no model (--model or the configuration's contentEvaluator.openAi.model)")
		}
		o.APIKey = c.APIKey
		return o, nil
	default:
		return nil, plaudit.Errorf(plaudit.EINVALID, "--relevance-provider %q: want tfidf or openai", c.Provider)
	}
}

// ScoreConversation scores a GitHub conversation as Ubiquity's conversation rewards would: it reads the
// thread from files, chooses the relevance provider, takes the fees from the plugin's environment variables
// (PERMIT_FEE_RATE and the others, read through getenv; nil reads none) when they are set, and scores.
// A result whose Refused is set pays nobody, for the reason it gives.
func ScoreConversation(ctx context.Context, cfg conversation.Config, files ConversationFiles, rel RelevanceChoice, getenv func(string) string) (*conversation.Result, error) {
	t, err := ReadConversation(files)
	if err != nil {
		return nil, err
	}
	provider, err := ConversationRelevance(cfg, rel)
	if err != nil {
		return nil, err
	}
	if getenv != nil {
		if fees, ok := conversation.FeesFromEnv(getenv, cfg.Fees.Token); ok {
			cfg.Fees = fees // the plugin's environment variables, as the seed describes them
		}
	}
	return cfg.Score(ctx, t, provider)
}
