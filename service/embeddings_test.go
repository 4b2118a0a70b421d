package service_test

import (
	"context"
	"encoding/json"
	"hash/fnv"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/embedding"
	"github.com/plaudit/plaudit/service"
)

// embeddingsServer is an OpenAI-compatible POST /v1/embeddings whose vectors fold each input's words'
// hashes into 16 numbers, counting the inputs it embedded.
func embeddingsServer(t *testing.T) (*embedding.Client, *int32) {
	var inputs int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var req struct {
			Model string   `json:"model"`
			Input []string `json:"input"`
		}
		if r.URL.Path != "/v1/embeddings" || json.Unmarshal(b, &req) != nil {
			http.Error(w, `{"error":{"message":"bad request"}}`, http.StatusBadRequest)
			return
		}
		atomic.AddInt32(&inputs, int32(len(req.Input)))
		var data []any
		for i, in := range req.Input {
			v := make([]float64, 16)
			v[0] = 0.01
			for _, word := range strings.Fields(strings.ToLower(in)) {
				h := fnv.New32a()
				h.Write([]byte(strings.Trim(word, ".,:")))
				v[h.Sum32()%16]++
			}
			data = append(data, map[string]any{"object": "embedding", "index": i, "embedding": v})
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"object": "list", "data": data, "model": req.Model})
	}))
	t.Cleanup(srv.Close)
	return &embedding.Client{Endpoint: srv.URL + "/v1", Model: "text-embedding-3-small"}, &inputs
}

// TestSemanticSearch: with embeddings configured, content is embedded once, stored, and searched by cosine
// similarity; without, search stays offline.
func TestSemanticSearch(t *testing.T) {
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		ctx := context.Background()
		svc := searchFixture(t, st)
		c, inputs := embeddingsServer(t)
		em := &service.Embeddings{Model: c.Model, Embedder: c}
		n, err := svc.EmbedPending(ctx, em, 0)
		if err != nil || n != 6 { // six posts have content; the like has none
			t.Fatalf("embedded %d, %v", n, err)
		}
		if n, err := svc.EmbedPending(ctx, em, 0); err != nil || n != 0 || atomic.LoadInt32(inputs) != 6 {
			t.Fatalf("embedded again %d (%v); inputs sent %d", n, err, atomic.LoadInt32(inputs))
		}
		p, err := svc.Search(ctx, service.SearchRequest{Query: "The Go compiler is fast and the Go runtime is small", Embeddings: em, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		if got := searchKeys(t, p); len(got) != 2 || got[0] != "x/2" || got[1] != "x/6" || p.NextCursor != "2" {
			t.Fatalf("semantic hits %v (next %q)", got, p.NextCursor)
		}
		if atomic.LoadInt32(inputs) != 7 {
			t.Fatalf("the query was embedded %d times", atomic.LoadInt32(inputs)-6)
		}
		// More like this: the stored vector, no call; the event itself left out.
		p, err = svc.Search(ctx, service.SearchRequest{Like: "x/2", Embeddings: em, Limit: 1})
		if err != nil || len(p.Hits) != 1 || p.Hits[0].Event.Key() != "x/6" || atomic.LoadInt32(inputs) != 7 {
			t.Fatalf("like x/2: %v %v", p, err)
		}
		p, err = svc.Search(ctx, service.SearchRequest{Query: "compiler", Embeddings: em, Sources: []plaudit.Source{plaudit.SourceGitHub}})
		if err != nil || len(p.Hits) != 1 || p.Hits[0].Event.Key() != "github/3" {
			t.Fatalf("filtered: %v %v", p, err)
		}
		// Offline, the same store answers by full-text relevance.
		p, err = svc.Search(ctx, service.SearchRequest{Query: "gardening"})
		if err != nil || len(p.Hits) != 1 || p.Hits[0].Event.Key() != "farcaster/4" {
			t.Fatalf("offline: %v %v", p, err)
		}
	})
}
