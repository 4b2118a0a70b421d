package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/config"
	"github.com/plaudit/plaudit/sqlstore"
)

// topicEmbeddings is an OpenAI-compatible POST /v1/embeddings that embeds a text by topic: programming
// words on one axis, gardening words on another, so that a query sharing no word with a post still finds
// it by meaning. It answers in the API's shape and keeps the models and keys it was called with.
type topicEmbeddings struct {
	mu     sync.Mutex
	inputs int
	auth   map[string]bool
	models map[string]bool
}

func (f *topicEmbeddings) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/embeddings" {
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"error":{"message":"Unknown request URL","type":"invalid_request_error"}}`)
		return
	}
	var req struct {
		Model string   `json:"model"`
		Input []string `json:"input"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"error":{"message":"We could not parse the JSON body of your request.","type":"invalid_request_error"}}`)
		return
	}
	f.mu.Lock()
	f.inputs += len(req.Input)
	f.auth[r.Header.Get("Authorization")] = true
	f.models[req.Model] = true
	f.mu.Unlock()
	type datum struct {
		Object    string    `json:"object"`
		Index     int       `json:"index"`
		Embedding []float64 `json:"embedding"`
	}
	out := struct {
		Object string         `json:"object"`
		Data   []datum        `json:"data"`
		Model  string         `json:"model"`
		Usage  map[string]int `json:"usage"`
	}{Object: "list", Model: req.Model, Usage: map[string]int{"prompt_tokens": 8, "total_tokens": 8}}
	for i, in := range req.Input {
		v := []float64{0, 0, 0.1}
		for _, w := range strings.Fields(strings.ToLower(in)) {
			switch w {
			case "go", "compiler", "programming", "code":
				v[0]++
			case "gardening", "garden", "spring", "flowers":
				v[1]++
			}
		}
		out.Data = append(out.Data, datum{Object: "embedding", Index: i, Embedding: v})
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}

// TestServeSearchEmbeddings serves with search.embeddings: the search-embed job embeds the stored events'
// content through the endpoint at start, and GET /v1/search then ranks by meaning (a query that shares no
// word with the posts finds the programming ones first), with the configured model and key.
func TestServeSearchEmbeddings(t *testing.T) {
	old := dbFlag
	t.Cleanup(func() { dbFlag = old })
	dbFlag = ""
	t.Setenv("PLAUDIT_TEST_TOKEN", "tok-search")
	t.Setenv("PLAUDIT_TEST_EMBED_KEY", "sk-embed-test")
	fake := &topicEmbeddings{auth: map[string]bool{}, models: map[string]bool{}}
	emb := httptest.NewServer(fake)
	defer emb.Close()

	ctx := context.Background()
	store := filepath.Join(t.TempDir(), "plaudit.db")
	st, err := sqlstore.Open(ctx, store)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := st.AppendEvents(ctx, []plaudit.Event{
		{Source: plaudit.SourceX, ExternalID: "1", Kind: plaudit.KindPost, Actor: "a", Content: "the Go compiler is fast", Time: at},
		{Source: plaudit.SourceX, ExternalID: "2", Kind: plaudit.KindPost, Actor: "b", Content: "gardening in spring", Time: at.Add(time.Hour)},
		{Source: plaudit.SourceGitHub, ExternalID: "3", Kind: plaudit.KindPost, Actor: "c", Content: "code review of the compiler", Time: at.Add(2 * time.Hour)},
	}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	addr := freeAddr(t)
	file := writeConfig(t, fmt.Sprintf(`store: %s
listen: %s
api:
  tokens: [env:PLAUDIT_TEST_TOKEN]
search:
  embeddings:
    endpoint: %s/v1
    model: text-embedding-3-small
    api_key: env:PLAUDIT_TEST_EMBED_KEY
`, store, addr, emb.URL))
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cmd := &cobra.Command{}
	var stderr syncBuffer
	cmd.SetErr(&stderr)
	done := make(chan error, 1)
	go func() { done <- runServe(sctx, cmd, serveOptions{configFile: file, addr: config.DefaultListen}) }()
	waitUp(t, addr, &stderr)

	var page struct {
		Hits []plaudit.SearchHit `json:"hits"`
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		status, body := get(t, "http://"+addr+"/v1/search?q=programming", "tok-search")
		if status != http.StatusOK {
			t.Fatalf("search: %d %s", status, body)
		}
		if err := json.Unmarshal([]byte(body), &page); err != nil {
			t.Fatal(err)
		}
		if len(page.Hits) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no hits by meaning 30 s after start (the search-embed job did not run?)\n%s", &stderr)
		}
		time.Sleep(200 * time.Millisecond)
	}
	var keys []string
	for _, h := range page.Hits {
		keys = append(keys, h.Event.Key())
	}
	if len(keys) < 2 || !(keys[0] == "github/3" || keys[0] == "x/1") || !(keys[1] == "github/3" || keys[1] == "x/1") {
		t.Fatalf("hits for %q: %v; want the two programming posts first", "programming", keys)
	}
	fake.mu.Lock()
	if fake.inputs < 4 || !fake.auth["Bearer sk-embed-test"] || len(fake.auth) != 1 || !fake.models["text-embedding-3-small"] {
		t.Errorf("embeddings endpoint saw %d inputs, auth %v, models %v; want the 3 posts and the query, with the key and model", fake.inputs, fake.auth, fake.models)
	}
	fake.mu.Unlock()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
	if strings.Contains(stderr.String(), "sk-embed-test") {
		t.Fatal("the embeddings key reached the log")
	}
}
