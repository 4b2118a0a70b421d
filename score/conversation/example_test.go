package conversation_test

import (
	"context"
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/plaudit/plaudit/score/conversation"
)

func ExampleConfig_ScoreComment() {
	cfg, err := conversation.ParseUbiquityConfig([]byte(`
incentives:
  contentEvaluator:
    multipliers:
      - role: [ISSUE_SPECIFICATION]
        relevance: 1
  formattingEvaluator:
    multipliers:
      - role: [ISSUE_CONTRIBUTOR]
        multiplier: 0.25
        rewards:
          wordValue: 0.1
          html:
            p: { score: 1, countWords: true }
            a: { score: 1, countWords: true }
`))
	if err != nil {
		panic(err)
	}
	s, err := cfg.ScoreComment(conversation.CommentInput{
		Markdown:  "The parser fails on nested lists, see [the spec](https://spec.commonmark.org/0.31.2/#lists).",
		Role:      "ISSUE_CONTRIBUTOR",
		Relevance: decimal.RequireFromString("0.8"),
		Priority:  2,
	})
	if err != nil {
		panic(err)
	}
	f := s.Formatting
	fmt.Println("tags:", f.TagsResult(), "words:", f.Words.WordCount, f.Words.Result, "total:", f.Total, "reward:", s.Reward)
	// Output: tags: 2 words: 9 0.59 total: 0.84 reward: 1.344
}

func ExampleConfig_Score() {
	body := func(s string) *string { return &s }
	alice := &conversation.User{Login: "alice", ID: 1, Type: "User"}
	bob := &conversation.User{Login: "bob", ID: 2, Type: "User"}
	th := &conversation.Thread{
		Issue: &conversation.Issue{ID: 10, HTMLURL: "https://github.com/o/r/issues/1", Body: body("Add a CSV exporter."),
			User: alice, Labels: conversation.Labels{"Price: 50 USD", "Priority: 1"}, Assignees: []conversation.User{*bob}},
		Comments: []conversation.Comment{
			{ID: 11, Body: body("/start"), User: bob},
			{ID: 12, Body: body("Should the exporter quote every field, or only those with commas?"), User: alice, AuthorAssociation: "OWNER"},
		},
	}
	cfg := conversation.DefaultConfig()
	res, err := cfg.Score(context.Background(), th, conversation.Fixed(decimal.RequireFromString("0.8")))
	if err != nil {
		panic(err)
	}
	for _, u := range res.Users {
		fmt.Println(u.Login, u.Total, len(u.Comments))
	}
	// Output:
	// bob 50 0
	// alice 1.806 2
}
