package conversation

import (
	"fmt"

	"github.com/shopspring/decimal"
)

// CommentInput is one comment to score: its markdown (already purged), role and context.
type CommentInput struct {
	Markdown string
	Role     Role
	URL      string // the comment's address; links to it earn nothing
	// Relevance is the comment's relevance to the specification in [0, 1]. A fixed relevance configured for
	// the role takes precedence.
	Relevance decimal.Decimal
	// Priority is the "Priority: N" label value, 1 when absent. Specifications always use 1.
	Priority int
	// Authorship is the commenter's share of the text (1 except for edited specifications); zero means 1.
	Authorship decimal.Decimal
}

// CommentScore is the full evaluation of one comment.
type CommentScore struct {
	Formatting *Formatting
	Relevance  decimal.Decimal
	Priority   int
	Authorship decimal.Decimal
	// Reward is round3(formatting total · authorship · relevance · priority).
	Reward decimal.Decimal
}

// RelevanceFor returns the fixed relevance of role, if one is configured. In compatibility mode a fixed
// relevance of 0 does not count, as in the reference, which tests it for truth.
func (c *Config) RelevanceFor(role Role) (decimal.Decimal, bool) {
	r, ok := c.Relevance[role]
	if ok && c.Compat && r.IsZero() {
		return decimal.Zero, false
	}
	return r, ok
}

// ScoreComment scores one comment.
func (c *Config) ScoreComment(in CommentInput) (*CommentScore, error) {
	if _, err := ParseRole(string(in.Role)); err != nil {
		return nil, fmt.Errorf("score comment: %w", err)
	}
	f, err := c.Evaluate(in.Markdown, in.Role, in.URL)
	if err != nil {
		return nil, fmt.Errorf("score comment: %w", err)
	}
	authorship := in.Authorship
	if authorship.IsZero() {
		authorship = decimal.NewFromInt(1)
	}
	relevance := in.Relevance
	if r, ok := c.RelevanceFor(in.Role); ok {
		relevance = r
	}
	priority := in.Priority
	if priority <= 0 || in.Role.IsSpecification() {
		priority = 1
	}
	base := c.jsNum(mul(f.Total, authorship)) // a JavaScript number between the two modules there
	if c.NoContentEvaluator {
		return &CommentScore{Formatting: f, Relevance: decimal.NewFromInt(1), Priority: priority, Authorship: authorship, Reward: base}, nil
	}
	reward := round(mul(mul(base, relevance), decimal.NewFromInt(int64(priority))), 3)
	return &CommentScore{Formatting: f, Relevance: relevance, Priority: priority, Authorship: authorship, Reward: reward}, nil
}
