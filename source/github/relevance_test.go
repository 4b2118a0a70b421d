package github_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/service"
	"github.com/plaudit/plaudit/source/github"
	"github.com/plaudit/plaudit/sqlstore"
)

// fakeLLM is an OpenAI-compatible chat-completions endpoint that rates every comment it is asked about
// 0.37 (a value the offline model never gives these comments), counting its calls.
func fakeLLM(t *testing.T) (*httptest.Server, *int32) {
	var calls int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" || r.Header.Get("Authorization") != "Bearer sk-test" {
			http.Error(w, `{"error":{"message":"not found"}}`, http.StatusNotFound)
			return
		}
		atomic.AddInt32(&calls, 1)
		body, _ := io.ReadAll(r.Body)
		var req struct {
			Model    string `json:"model"`
			Messages []struct{ Role, Content string }
		}
		if err := json.Unmarshal(body, &req); err != nil || len(req.Messages) != 2 {
			http.Error(w, `{"error":{"message":"bad request"}}`, http.StatusBadRequest)
			return
		}
		_, rate, _ := strings.Cut(req.Messages[1].Content, "Comments to rate:\n")
		ratings := map[string]float64{}
		sc := bufio.NewScanner(strings.NewReader(rate))
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var c struct {
				ID int64 `json:"id"`
			}
			if json.Unmarshal(sc.Bytes(), &c) == nil {
				ratings[fmt.Sprint(c.ID)] = 0.37
			}
		}
		content, _ := json.Marshal(ratings)
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"id": "chatcmpl-1", "object": "chat.completion", "created": 1700000000, "model": req.Model,
			"choices": []any{map[string]any{"index": 0, "message": map[string]any{"role": "assistant", "content": string(content)}, "finish_reason": "stop"}},
			"usage":   map[string]any{"prompt_tokens": 100, "completion_tokens": 10, "total_tokens": 110}})
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

// llmPolicy is a conversation policy whose Ubiquity configuration names an OpenAI-compatible model at
// endpoint ("" for none: the offline relevance).
func llmPolicy(endpoint string) []byte {
	params := "{}"
	if endpoint != "" {
		params = "\n      incentives:\n        collaboratorOnlyPaymentInvocation: false\n        contentEvaluator:\n          openAi:\n            model: gpt-4o\n            endpoint: " + endpoint + "\n"
	}
	return []byte("name: llm\nscorers:\n  - scorer: conversation\n    sources: [github]\n    kinds: [issue, pull_request, comment, review]\n    params: " + params + "\n")
}

// relevances returns the relevance input of every comment score of the stored scores, by event key.
func relevances(t *testing.T, svc *service.Service, st *sqlstore.DB) map[string]string {
	t.Helper()
	pol, err := svc.ActivePolicy(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	scores, err := st.Scores(context.Background(), plaudit.ScoreFilter{PolicyHash: pol.Hash()})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, sc := range scores {
		for _, l := range sc.Lines {
			if l.Rule != "conversation.relevance" {
				continue
			}
			for _, in := range l.Inputs {
				if in.Name == "relevance" {
					out[sc.Event] = in.Value
				}
			}
		}
	}
	return out
}

// TestRelevanceRecorded: with a model configured, each comment's relevance comes from it and is recorded
// in the log; evaluating again calls it no more, and a whole-history rescore without the model (its
// endpoint gone) reproduces the recorded values.
func TestRelevanceRecorded(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *sqlstore.DB) {
		ctx := context.Background()
		llm, calls := fakeLLM(t)
		f := newFakeGitHub(t)
		svc := service.New(st, service.Options{Logger: quiet()})
		if _, err := svc.ActivatePolicy(ctx, llmPolicy(llm.URL+"/v1"), "llm.yml", "test"); err != nil {
			t.Fatal(err)
		}
		c, err := github.NewClient(f.srv.URL, "ghp_test", nil)
		if err != nil {
			t.Fatal(err)
		}
		c.Logger = quiet()
		ev := &github.Evaluator{Client: c, Service: svc, LLMKey: "sk-test", Logger: quiet()}
		res, err := ev.Evaluate(ctx, "acme/widgets", 1)
		if err != nil {
			t.Fatal(err)
		}
		n := atomic.LoadInt32(calls)
		if res.Rated == 0 || n == 0 {
			t.Fatalf("rated %d comments in %d model calls", res.Rated, n)
		}
		var recorded []plaudit.Event
		st.ScanEvents(ctx, plaudit.EventFilter{Kinds: []plaudit.Kind{plaudit.KindRelevance}}, func(e *plaudit.Event) error {
			recorded = append(recorded, *e)
			return nil
		})
		if len(recorded) == 0 || recorded[0].Attrs["model"] != "gpt-4o" {
			t.Fatalf("relevance events %+v", recorded)
		}
		if _, err := svc.Rescore(ctx, nil); err != nil {
			t.Fatal(err)
		}
		got := relevances(t, svc, st)
		rated := 0
		for k, v := range got {
			if v == "0.37" {
				rated++
			} else if v != "1" { // the specification's own relevance is fixed at 1
				t.Errorf("%s: relevance %s, want the model's 0.37", k, v)
			}
		}
		if rated != res.Rated {
			t.Fatalf("%d scores carry the model's relevance, %d comments were rated: %v", rated, res.Rated, got)
		}

		// Again (a retried job): nothing new to rate, the model is not called.
		res, err = ev.Evaluate(ctx, "acme/widgets", 1)
		if err != nil || res.Rated != 0 || atomic.LoadInt32(calls) != n {
			t.Fatalf("second evaluation rated %d (%v), model calls %d then %d", res.Rated, err, n, atomic.LoadInt32(calls))
		}
		// Rescore and verify-like replay with no endpoint at all: a fresh service over the same store.
		llm.Close()
		svc2 := service.New(st, service.Options{Logger: quiet()})
		if _, err := svc2.Rescore(ctx, nil); err != nil {
			t.Fatal(err)
		}
		if again := relevances(t, svc2, st); fmt.Sprint(again) != fmt.Sprint(got) {
			t.Fatalf("rescore without the model:\n%v\nwant\n%v", again, got)
		}
	})
}

// TestRelevanceOfflineRecorded: without an endpoint the offline relevance is recorded the same way, and a
// rescore reproduces it.
func TestRelevanceOfflineRecorded(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *sqlstore.DB) {
		ctx := context.Background()
		f := newFakeGitHub(t)
		svc := service.New(st, service.Options{Logger: quiet()})
		if _, err := svc.ActivatePolicy(ctx, llmPolicy(""), "offline.yml", "test"); err != nil {
			t.Fatal(err)
		}
		c, _ := github.NewClient(f.srv.URL, "", nil)
		c.Logger = quiet()
		ev := &github.Evaluator{Client: c, Service: svc, Logger: quiet()}
		res, err := ev.Evaluate(ctx, "acme/widgets", 1)
		if err != nil || res.Rated == 0 {
			t.Fatalf("rated %d, %v", res.Rated, err)
		}
		var models []any
		st.ScanEvents(ctx, plaudit.EventFilter{Kinds: []plaudit.Kind{plaudit.KindRelevance}}, func(e *plaudit.Event) error {
			models = append(models, e.Attrs["model"])
			return nil
		})
		if len(models) == 0 || models[0] != github.RelevanceModelOffline {
			t.Fatalf("models recorded %v", models)
		}
		before := relevances(t, svc, st)
		if _, err := svc.Rescore(ctx, nil); err != nil {
			t.Fatal(err)
		}
		if after := relevances(t, svc, st); len(before) == 0 || fmt.Sprint(after) != fmt.Sprint(before) {
			t.Fatalf("rescore: %v, streamed %v", after, before)
		}
	})
}
