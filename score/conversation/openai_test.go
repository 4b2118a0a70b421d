package conversation

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// chatServer answers chat-completions requests with answer(call, request) as the assistant's content, or
// with an HTTP status when answer returns one.
func chatServer(t *testing.T, answer func(call int, req chatRequest) (int, string)) (*httptest.Server, *int32) {
	t.Helper()
	var calls int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		if got := r.Header.Get("Authorization"); got != "Bearer sk-test-secret" {
			http.Error(w, `{"error":{"message":"bad key"}}`, http.StatusUnauthorized)
			return
		}
		body, _ := io.ReadAll(r.Body)
		var req chatRequest
		if err := json.Unmarshal(body, &req); err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		n := int(atomic.AddInt32(&calls, 1))
		status, content := answer(n, req)
		if status != http.StatusOK {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			fmt.Fprintf(w, `{"error":{"message":%q,"type":"server_error"}}`, content)
			return
		}
		resp := map[string]any{
			"id":      fmt.Sprintf("chatcmpl-%d", n),
			"object":  "chat.completion",
			"created": 1700000000,
			"model":   req.Model,
			"choices": []any{map[string]any{
				"index":         0,
				"message":       map[string]any{"role": "assistant", "content": content},
				"finish_reason": "stop",
			}},
			"usage": map[string]any{"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(resp)
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func items(ids ...int64) []RelevanceItem {
	var out []RelevanceItem
	for _, id := range ids {
		out = append(out, RelevanceItem{ID: id, Author: "alice", Content: fmt.Sprintf("comment number %d about the parser", id)})
	}
	return out
}

func client(url string) *OpenAI {
	return &OpenAI{Endpoint: url + "/v1", Model: "gpt-4o", APIKey: "sk-test-secret", MaxRetries: 3, Backoff: time.Millisecond}
}

func TestOpenAIRelevance(t *testing.T) {
	srv, calls := chatServer(t, func(_ int, req chatRequest) (int, string) {
		if req.Model != "gpt-4o" || len(req.Messages) != 2 || req.Messages[0].Role != "system" || req.ResponseFormat["type"] != "json_object" {
			return http.StatusBadRequest, "unexpected request"
		}
		return http.StatusOK, `{"1": 0.8, "2": 0.25}`
	})
	got, err := client(srv.URL).Relevance(context.Background(), "Build the parser.", items(1, 2))
	if err != nil {
		t.Fatal(err)
	}
	if !got[1].Equal(d("0.8")) || !got[2].Equal(d("0.25")) || *calls != 1 {
		t.Fatalf("got %v after %d calls", got, *calls)
	}
}

func TestOpenAIRetries(t *testing.T) {
	tests := []struct {
		name   string
		first  []string // contents (or "HTTP n") of the failing attempts
		errors bool     // true: every attempt fails
	}{
		{"server error then success", []string{"HTTP 500"}, false},
		{"rate limited then success", []string{"HTTP 429"}, false},
		{"malformed JSON then success", []string{`{"1": 0.8`}, false},
		{"fenced JSON is fine", nil, false},
		{"missing id then success", []string{`{"1": 0.8}`}, false},
		{"out of range then success", []string{`{"1": 1.5, "2": 0.1}`}, false},
		{"extra id then success", []string{`{"1": 0.5, "2": 0.5, "3": 0.5}`}, false},
		{"always failing", []string{"HTTP 503", "HTTP 503", "HTTP 503", "HTTP 503"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, calls := chatServer(t, func(n int, _ chatRequest) (int, string) {
				if n <= len(tt.first) {
					var code int
					if _, err := fmt.Sscanf(tt.first[n-1], "HTTP %d", &code); err == nil {
						return code, "try again"
					}
					return http.StatusOK, tt.first[n-1]
				}
				if tt.name == "fenced JSON is fine" {
					return http.StatusOK, "```json\n{\"1\": 0.5, \"2\": 1}\n```"
				}
				return http.StatusOK, `{"1": 0.5, "2": 1}`
			})
			got, err := client(srv.URL).Relevance(context.Background(), "spec", items(1, 2))
			if tt.errors {
				if err == nil {
					t.Fatalf("want an error, got %v", got)
				}
				if strings.Contains(err.Error(), "sk-test-secret") {
					t.Fatalf("error leaks the API key: %v", err)
				}
				if *calls != 4 {
					t.Fatalf("%d calls, want 4 (1 + 3 retries)", *calls)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !got[1].Equal(d("0.5")) || !got[2].Equal(d("1")) {
				t.Fatalf("got %v", got)
			}
			if want := int32(len(tt.first) + 1); *calls != want {
				t.Fatalf("%d calls, want %d", *calls, want)
			}
		})
	}
}

func TestOpenAINotRetried(t *testing.T) {
	srv, calls := chatServer(t, func(int, chatRequest) (int, string) { return http.StatusBadRequest, "invalid model" })
	_, err := client(srv.URL).Relevance(context.Background(), "spec", items(1))
	if err == nil || !strings.Contains(err.Error(), "HTTP 400") || *calls != 1 {
		t.Fatalf("err %v after %d calls, want one HTTP 400", err, *calls)
	}
	c := client(srv.URL)
	c.APIKey = "wrong"
	_, err = c.Relevance(context.Background(), "spec", items(1))
	if err == nil || strings.Contains(err.Error(), "wrong") {
		t.Fatalf("err %v: want an error without the key", err)
	}
}

// A thread over the token limit is split into context chunks, each rating every comment; the ratings are
// averaged.
func TestOpenAIChunksAndAverages(t *testing.T) {
	var prompts []string
	srv, calls := chatServer(t, func(n int, req chatRequest) (int, string) {
		prompts = append(prompts, req.Messages[1].Content)
		if n%2 == 1 {
			return http.StatusOK, `{"1": 1, "2": 0.2, "3": 0.4, "4": 0}`
		}
		return http.StatusOK, `{"1": 0.5, "2": 0.4, "3": 0.4, "4": 0.1}`
	})
	c := client(srv.URL)
	all := items(1, 2, 3, 4)
	one := estimateTokens(relevanceInstructions) + estimateTokens(relevancePrompt("spec", all, all)) + answerTokens(all)
	c.TokenLimit = one - 10 // the whole thread does not fit; half of the context does
	got, err := c.Relevance(context.Background(), "spec", all)
	if err != nil {
		t.Fatal(err)
	}
	if *calls != 2 {
		t.Fatalf("%d calls, want 2 chunks", *calls)
	}
	want := map[int64]string{1: "0.75", 2: "0.3", 3: "0.4", 4: "0.05"}
	for id, w := range want {
		if !got[id].Equal(d(w)) {
			t.Errorf("comment %d: %s, want %s", id, got[id], w)
		}
	}
	contextOf := func(p string) string { return strings.SplitN(p, "Comments to rate", 2)[0] }
	if c0 := contextOf(prompts[0]); !strings.Contains(c0, "comment number 1 about") || strings.Contains(c0, "comment number 3 about") {
		t.Errorf("first chunk's context is not the first half of the thread:\n%s", c0)
	}
	if c1 := contextOf(prompts[1]); !strings.Contains(c1, "comment number 3 about") || strings.Contains(c1, "comment number 1 about") {
		t.Errorf("second chunk's context is not the second half of the thread:\n%s", c1)
	}
	c.TokenLimit = 10
	if _, err := c.Relevance(context.Background(), "spec", all); err == nil {
		t.Fatal("a limit nothing fits: want an error")
	}
}

func TestOpenAIContextCancelled(t *testing.T) {
	srv, _ := chatServer(t, func(int, chatRequest) (int, string) { return http.StatusServiceUnavailable, "down" })
	c := client(srv.URL)
	c.Backoff = time.Hour
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Relevance(ctx, "spec", items(1))
	if err == nil || time.Since(start) > 5*time.Second {
		t.Fatalf("err %v after %v: want a prompt cancellation", err, time.Since(start))
	}
}

func TestParseRelevances(t *testing.T) {
	want := items(7, 8)
	tests := []struct {
		in  string
		ok  bool
		get map[int64]string
	}{
		{`{"7": 0, "8": 1}`, true, map[int64]string{7: "0", 8: "1"}},
		{`{"7": 0.33, "8": 0.5}`, true, map[int64]string{7: "0.33", 8: "0.5"}},
		{`{"7": -0.01, "8": 0.5}`, false, nil},
		{`{"7": 1.01, "8": 0.5}`, false, nil},
		{`{"7": "0.5", "8": 0.5}`, false, nil},
		{`{"7": 0.5}`, false, nil},
		{`{"7": 0.5, "8": 0.5, "x": 1}`, false, nil},
		{`[0.5, 0.5]`, false, nil},
		{``, false, nil},
	}
	for _, tt := range tests {
		got, err := ParseRelevances(tt.in, want)
		if (err == nil) != tt.ok {
			t.Errorf("%q: err %v, want ok %v", tt.in, err, tt.ok)
			continue
		}
		for id, w := range tt.get {
			if !got[id].Equal(decimal.RequireFromString(w)) {
				t.Errorf("%q: %d = %s, want %s", tt.in, id, got[id], w)
			}
		}
	}
}
