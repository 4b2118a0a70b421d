package github

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/shopspring/decimal"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/policy"
	"github.com/plaudit/plaudit/score"
	"github.com/plaudit/plaudit/score/conversation"
)

// RelevanceModelOffline is the model name recorded for the offline (TF-IDF) relevance.
const RelevanceModelOffline = "tfidf"

// conversationConfig returns the conversation scorer's configuration of pol, nil when it has none.
func conversationConfig(pol *policy.Policy) *conversation.Config {
	for i := range pol.Scorers {
		if p, ok := pol.Scorers[i].Params.(*score.ConversationParams); ok && pol.Scorers[i].Scorer == conversation.ScorerName {
			return &p.Config
		}
	}
	return nil
}

// relevanceProvider is who rates relevance under cfg: the OpenAI-compatible model its Ubiquity
// configuration names (contentEvaluator.openAi or .llm, with an endpoint), else the offline TF-IDF model.
func (ev *Evaluator) relevanceProvider(cfg *conversation.Config) (conversation.RelevanceProvider, string) {
	if cfg.LLM.Endpoint == "" || cfg.LLM.Model == "" {
		return conversation.TFIDF{}, RelevanceModelOffline
	}
	return &conversation.OpenAI{Endpoint: cfg.LLM.Endpoint, Model: cfg.LLM.Model, APIKey: ev.LLMKey,
		TokenLimit: cfg.LLM.TokenLimit, MaxRetries: cfg.LLM.MaxRetries, Client: ev.LLMClient}, cfg.LLM.Model
}

// recordRelevance rates the relevance of the conversation's comments that no relevance event rates yet —
// by the model when the active policy's conversation configuration names an endpoint, else offline — and
// records the ratings in the log as relevance events of the conversation (conversation.RelevanceEvents),
// before it is scored: scoring, rescoring, verify and witnesses then replay the recorded values and never
// call the model again. It returns how many comments it rated.
func (ev *Evaluator) recordRelevance(ctx context.Context, events []plaudit.Event) (int, error) {
	pol, err := ev.Service.ActivePolicy(ctx)
	if plaudit.ErrorCode(err) == plaudit.ENOTFOUND {
		return 0, nil // no policy: nothing is scored yet; a later evaluation rates
	} else if err != nil {
		return 0, err
	}
	cfg := conversationConfig(pol)
	if cfg == nil {
		return 0, nil
	}
	// Who started each thread (the relevance events' actor) and when each comment was made.
	author := map[string]string{}
	when := map[string]time.Time{}
	for i := range events {
		e := &events[i]
		switch e.Kind {
		case KindIssue, KindPullRequest:
			author[e.ExternalID] = e.Actor
		case plaudit.KindComment, plaudit.KindReview:
			if a, _ := e.Attrs["issue_author"].(string); a != "" && author[e.Target] == "" {
				author[e.Target] = a
			}
		}
		when[e.ExternalID] = e.Time
	}
	var actors []string
	seen := map[string]bool{}
	for _, a := range author {
		if !seen[a] {
			seen[a] = true
			actors = append(actors, a)
		}
	}
	all := append([]plaudit.Event(nil), events...)
	if len(actors) > 0 {
		err := ev.Service.Store().ScanEvents(ctx, plaudit.EventFilter{Sources: []plaudit.Source{plaudit.SourceGitHub},
			Kinds: []plaudit.Kind{plaudit.KindRelevance}, Actors: actors}, func(e *plaudit.Event) error {
			if _, ok := author[e.Target]; ok {
				all = append(all, *e)
			}
			return nil
		})
		if err != nil {
			return 0, fmt.Errorf("read the recorded relevance: %w", err)
		}
	}
	rel, model := ev.relevanceProvider(cfg)
	rated, err := cfg.RateEvents(ctx, all, rel)
	if err != nil {
		return 0, fmt.Errorf("rate relevance (%s): %w", model, err)
	}
	var out []plaudit.Event
	n := 0
	for _, thread := range sortedKeys(rated) {
		rs := rated[thread]
		var at time.Time
		for id := range rs {
			if t := when[id]; t.After(at) {
				at = t
			}
		}
		a := author[thread]
		if a == "" || at.IsZero() {
			continue
		}
		out = append(out, conversation.RelevanceEvents(thread, a, at, model, rs)...)
		n += len(rs)
	}
	if len(out) == 0 {
		return 0, nil
	}
	if _, err := ev.Service.AppendEvents(ctx, out); err != nil {
		return 0, fmt.Errorf("record relevance: %w", err)
	}
	ev.logger().Info("github: relevance recorded", "model", model, "comments", n)
	return n, nil
}

func sortedKeys(m map[string]map[string]decimal.Decimal) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
