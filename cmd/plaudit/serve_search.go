package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/plaudit/plaudit/config"
	"github.com/plaudit/plaudit/embedding"
	"github.com/plaudit/plaudit/jobs"
	"github.com/plaudit/plaudit/service"
)

// KindSearchEmbed is the job that embeds the content of new events (search.embeddings), every minute.
const KindSearchEmbed = "search-embed"

// searchEmbedPerRun bounds the events one search-embed run embeds, so that a large backlog is worked
// through run by run.
const searchEmbedPerRun = 20000

// newEmbeddings is the service's embeddings of a search.embeddings section.
func newEmbeddings(e *config.Embeddings) *service.Embeddings {
	return &service.Embeddings{Model: e.Model, Embedder: &embedding.Client{Endpoint: e.Endpoint, Model: e.Model,
		APIKey: e.APIKey.Value(), Dimensions: e.Dimensions}}
}

// With search.embeddings, serve's searches (GET /v1/search) rank by cosine similarity, and the
// search-embed job embeds new events' content.
func init() {
	addServeComponent("search", func(_ context.Context, env *serveEnv) (serveComponent, error) {
		if s := env.Config.Search; s != nil && s.Embeddings != nil {
			env.Service.UseEmbeddings(newEmbeddings(s.Embeddings))
			env.Logger.Info("search by embeddings", "model", s.Embeddings.Model)
		}
		return idleComponent{}, nil
	})
	addServeJobKind(func(env *serveEnv) (jobs.Kind, bool) {
		s := env.Config.Search
		if s == nil || s.Embeddings == nil {
			return jobs.Kind{}, false
		}
		em := newEmbeddings(s.Embeddings)
		return jobs.Kind{Name: KindSearchEmbed, Every: time.Minute, Run: func(ctx context.Context, _ json.RawMessage) (jobs.Outcome, error) {
			n, err := env.Service.EmbedPending(ctx, em, searchEmbedPerRun)
			if err != nil {
				return jobs.Outcome{Items: int64(n)}, err
			}
			return jobs.Outcome{Items: int64(n), Note: fmt.Sprintf("embedded %d events with %s", n, em.Model)}, nil
		}}, true
	})
}
