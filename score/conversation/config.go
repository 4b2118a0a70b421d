package conversation

import (
	"sort"
	"strings"

	"github.com/shopspring/decimal"
)

// Config is the whole rule set of the conversation scorer: per-role formatting tables, the word curve,
// readability weighting, fixed relevances, the review rate, the reward cap and fees. Numbers are decimals so
// that a configuration means exactly what it says.
type Config struct {
	// Compat selects Ubiquity compatibility mode: the tag walk reproduces the reference's two quirks (a live
	// element list that skips the element after a removed one; text URLs matched up to the next whitespace, with
	// www. and mailto: autolinks counted as links) and fixed relevances given for several roles at once are
	// ignored, as the reference ignores them. ParseUbiquityConfig turns it on; DefaultConfig leaves it off.
	Compat bool

	// Formatting maps each role to its formatting rules. A comment whose role is missing earns nothing.
	Formatting map[Role]RoleRules
	// WordCountExponent shapes the word curve W^exponent · e^(−W/100).
	WordCountExponent decimal.Decimal
	// Readability weights the reward by the Flesch reading ease of the comment.
	Readability Readability

	// Relevance holds fixed relevances per role (the specification's is usually 1); other comments get theirs
	// from the relevance provider.
	Relevance map[Role]decimal.Decimal
	// NoContentEvaluator leaves relevance and priority out: a comment's reward is its formatting total times
	// authorship, as in a Ubiquity configuration without the contentEvaluator module.
	NoContentEvaluator bool
	// OriginalAuthorWeight is the share of the specification's reward that goes to the author of the comment the
	// specification was copied from.
	OriginalAuthorWeight decimal.Decimal

	// RedeemTask gives the assignees the task price (the lowest "Price:" label), split evenly.
	RedeemTask bool
	// ReviewBaseRate divides (additions + deletions) × priority into a review reward; zero disables review
	// rewards.
	ReviewBaseRate decimal.Decimal
	// ExcludedFiles are glob patterns of files whose changes earn reviewers nothing.
	ExcludedFiles []string
	// ConclusiveReviewCredit is the flat credit (Ubiquity's reviewIncentivizer.conclusiveReviewCredit) a user
	// earns once per pull request for having approved it or requested changes on it, besides the per-line
	// review rewards; zero pays none. The pull request's author never earns it.
	ConclusiveReviewCredit decimal.Decimal
	// RequirePriceLabel (Ubiquity's incentives.requirePriceLabel) pays nothing for an issue conversation
	// without a "Price: N" label: the plugin refuses to run on such an issue. Pull requests are not checked.
	RequirePriceLabel bool
	// CollaboratorOnlyPaymentInvocation (Ubiquity's incentives.collaboratorOnlyPaymentInvocation) pays nothing
	// for a conversation whose payout was invoked (the issue closed) by someone who is neither an owner, a
	// member nor a collaborator, or by a bot. A conversation with no recorded closer is not checked.
	CollaboratorOnlyPaymentInvocation bool
	// LimitRewards caps each user's total at the task price (three times the price for assignees).
	LimitRewards bool
	// SkipCommentsWhileAssigned is "", "none", "all" or "exact": whether comments an assignee made while assigned
	// are purged.
	SkipCommentsWhileAssigned string

	// LLM is the language model the configuration names for relevance (contentEvaluator.openAi or .llm).
	LLM LLM

	// Fees are deducted from every reward and paid to the treasury, unless the reward token is exempt.
	Fees Fees
}

// LLM names an OpenAI-compatible chat-completions model.
type LLM struct {
	Endpoint   string
	Model      string
	TokenLimit int
	MaxRetries int
}

// RoleRules are one role's formatting rules.
type RoleRules struct {
	Multiplier decimal.Decimal
	WordValue  decimal.Decimal
	// Tags maps a lower-case HTML tag name to its rule. Elements whose tag is missing are removed, text and
	// all, before words are counted.
	Tags map[string]TagRule
}

// TagRule is the score of one HTML element and whether its text counts as words.
type TagRule struct {
	Score      decimal.Decimal
	CountWords bool
}

// Readability is the readability weighting: total = (tags + words) · (1 + Weight · R), where R in [0, 1] is
// how close the Flesch reading ease is to Target.
type Readability struct {
	Enabled bool
	Weight  decimal.Decimal
	Target  decimal.Decimal
}

// Fees describe the platform fee: Rate percent of each reward goes to Treasury, unless Token is one of
// ExemptTokens (compared case-insensitively).
type Fees struct {
	Rate         decimal.Decimal
	Treasury     string
	Token        string
	ExemptTokens []string
}

// d parses a decimal literal known to be valid.
func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// defaultTags is Ubiquity's default HTML table.
func defaultTags() map[string]TagRule {
	t := func(score string, count bool) TagRule { return TagRule{Score: d(score), CountWords: count} }
	return map[string]TagRule{
		"br": t("0", true), "code": t("5", false), "p": t("0", true), "em": t("0", true), "img": t("5", true),
		"strong": t("0", false), "blockquote": t("0", false),
		"h1": t("1", true), "h2": t("1", true), "h3": t("1", true), "h4": t("1", true), "h5": t("1", true), "h6": t("1", true),
		"a": t("5", true), "li": t("0.5", true), "ul": t("1", true), "td": t("0", true), "hr": t("0", true),
		"pre": t("0", true), "ol": t("1", true),
	}
}

// defaultRoleRules is Ubiquity's default (multiplier, word value) per role.
var defaultRoleRules = map[Role][2]string{
	"ISSUE_SPECIFICATION": {"1", "0.1"},
	"ISSUE_AUTHOR":        {"1", "0.2"},
	"ISSUE_ASSIGNEE":      {"0", "0"},
	"ISSUE_COLLABORATOR":  {"1", "0.1"},
	"ISSUE_CONTRIBUTOR":   {"0.25", "0.1"},
	"PULL_SPECIFICATION":  {"0", "0"},
	"PULL_AUTHOR":         {"2", "0.2"},
	"PULL_ASSIGNEE":       {"1", "0.1"},
	"PULL_COLLABORATOR":   {"1", "0.1"},
	"PULL_CONTRIBUTOR":    {"0.25", "0.1"},
}

// DefaultConfig returns Plaudit's own conversation preset: Ubiquity's default tables, word curve (exponent
// 0.85), readability weighting (weight 0.3 around 60), a fixed relevance of 1 for specifications, review base
// rate 100, task redemption on, and compatibility mode off, so the tag walk visits every element and URLs in
// text end before trailing punctuation.
func DefaultConfig() Config {
	c := Config{
		Formatting:           map[Role]RoleRules{},
		WordCountExponent:    d("0.85"),
		Readability:          Readability{Enabled: true, Weight: d("0.3"), Target: d("60")},
		Relevance:            map[Role]decimal.Decimal{"ISSUE_SPECIFICATION": d("1")},
		OriginalAuthorWeight: d("0.5"),
		RedeemTask:           true,
		ReviewBaseRate:       d("100"),
	}
	for _, r := range Roles {
		v := defaultRoleRules[r]
		c.Formatting[r] = RoleRules{Multiplier: d(v[0]), WordValue: d(v[1]), Tags: defaultTags()}
	}
	return c
}

// sortedKeys returns m's keys in order, for deterministic output.
func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// FeesFromEnv reads the fee settings from the environment variables Ubiquity's plugin uses:
// PERMIT_FEE_RATE (percent), PERMIT_TREASURY_GITHUB_USERNAME and PERMIT_ERC20_TOKENS_NO_FEE_WHITELIST
// (comma-separated token addresses). As there, a rate that is unset, zero or not a number, or a missing
// treasury, means no fee: ok is false.
func FeesFromEnv(getenv func(string) string, token string) (f Fees, ok bool) {
	rate, err := decimal.NewFromString(strings.TrimSpace(getenv("PERMIT_FEE_RATE")))
	if err != nil || rate.Sign() <= 0 || rate.GreaterThan(decimal.NewFromInt(100)) {
		return Fees{}, false
	}
	treasury := strings.TrimSpace(getenv("PERMIT_TREASURY_GITHUB_USERNAME"))
	if treasury == "" {
		return Fees{}, false
	}
	f = Fees{Rate: rate, Treasury: treasury, Token: token}
	for _, t := range strings.Split(getenv("PERMIT_ERC20_TOKENS_NO_FEE_WHITELIST"), ",") {
		if t = strings.Trim(strings.TrimSpace(t), `"`); t != "" {
			f.ExemptTokens = append(f.ExemptTokens, t)
		}
	}
	return f, true
}
