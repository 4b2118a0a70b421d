package conversation

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	waitpkg "github.com/plaudit/plaudit/internal/wait"

	"github.com/shopspring/decimal"
)

// OpenAI rates relevance with an OpenAI-compatible chat-completions endpoint (OpenAI, OpenRouter, a local
// server). The model is asked for a JSON object mapping each comment id to a relevance in [0, 1]; the
// answer is validated (every id, numbers in range, nothing else) and retried with exponential backoff when
// it is malformed or the server is rate-limited or failing. A thread too long for the token limit is split:
// the conversation context is cut into chunks, every chunk rates all the comments, and the ratings are
// averaged, as the reference does.
type OpenAI struct {
	Endpoint   string // base URL, e.g. https://api.openai.com/v1
	Model      string // e.g. gpt-4o
	APIKey     string // sent as a bearer token; never logged
	TokenLimit int    // prompt plus answer, in tokens; default 124000
	MaxRetries int    // attempts after the first; default 5
	// Backoff is the first retry delay, doubled on each retry (default 1s); a Retry-After header wins.
	Backoff time.Duration
	Client  *http.Client // default: a client with a 2-minute timeout
}

// MaxAnswerLen bounds a chat-completions answer.
const MaxAnswerLen = 8 << 20

const relevanceInstructions = `You rate how relevant each comment of a GitHub conversation is to the issue's specification.
Relevance is a number from 0 (off-topic, noise) to 1 (directly advances the specification).
Answer with one JSON object and nothing else: keys are the comment ids given, values are the relevances.
Rate every comment id given, and no other.`

// estimateTokens approximates a tokenizer: about four bytes of English per token, rounded up.
func estimateTokens(s string) int { return (len(s) + 3) / 4 }

type chatMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type chatRequest struct {
	Model          string            `json:"model"`
	Messages       []chatMessage     `json:"messages"`
	MaxTokens      int               `json:"max_tokens,omitempty"`
	Temperature    float64           `json:"temperature"`
	ResponseFormat map[string]string `json:"response_format,omitempty"`
}

type chatResponse struct {
	Choices []struct {
		Message struct {
			Content string `json:"content"`
		} `json:"message"`
		FinishReason string `json:"finish_reason"`
	} `json:"choices"`
	Error *struct {
		Message string `json:"message"`
	} `json:"error"`
}

// prompt builds the user message for one context chunk.
func relevancePrompt(spec string, context []RelevanceItem, rate []RelevanceItem) string {
	var b strings.Builder
	b.WriteString("Specification:\n")
	b.WriteString(spec)
	b.WriteString("\n\nConversation (for context):\n")
	for _, c := range context {
		fmt.Fprintf(&b, "- %s: %s\n", c.Author, c.Content)
	}
	b.WriteString("\nComments to rate:\n")
	for _, c := range rate {
		entry := map[string]any{"id": c.ID, "author": c.Author, "comment": c.Content}
		if c.DiffHunk != "" {
			entry["diffHunk"] = c.DiffHunk
		}
		j, _ := json.Marshal(entry)
		b.Write(j)
		b.WriteByte('\n')
	}
	return b.String()
}

// answerTokens estimates the answer's size: the dummy answer {"id": 0.5, ...} twice over, as a margin.
func answerTokens(rate []RelevanceItem) int {
	n := 2
	for _, c := range rate {
		n += len(strconv.FormatInt(c.ID, 10)) + 10
	}
	return 2 * estimateTokens(strings.Repeat("x", n))
}

// splitChunks splits s into n nearly equal consecutive chunks, the earlier ones larger.
func splitChunks[T any](s []T, n int) [][]T {
	out := make([][]T, 0, n)
	rest := s
	for i := n; i > 0; i-- {
		k := (len(rest) + i - 1) / i
		out = append(out, rest[:k])
		rest = rest[k:]
	}
	return out
}

// Relevance implements RelevanceProvider.
func (o *OpenAI) Relevance(ctx context.Context, spec string, comments []RelevanceItem) (map[int64]decimal.Decimal, error) {
	if len(comments) == 0 {
		return map[int64]decimal.Decimal{}, nil
	}
	limit := o.TokenLimit
	if limit <= 0 {
		limit = 124000
	}
	out := answerTokens(comments)
	chunks := 1
	for {
		fits := true
		for _, ch := range splitChunks(comments, chunks) {
			if estimateTokens(relevanceInstructions)+estimateTokens(relevancePrompt(spec, ch, comments))+out > limit {
				fits = false
				break
			}
		}
		if fits {
			break
		}
		if chunks >= len(comments) {
			return nil, fmt.Errorf("openai: %d comments do not fit the token limit %d even one per chunk", len(comments), limit)
		}
		chunks++
	}
	sums := map[int64]decimal.Decimal{}
	for _, ch := range splitChunks(comments, chunks) {
		got, err := o.rate(ctx, relevancePrompt(spec, ch, comments), comments, out)
		if err != nil {
			return nil, err
		}
		for id, v := range got {
			sums[id] = sums[id].Add(v)
		}
	}
	n := decimal.NewFromInt(int64(chunks))
	for id, v := range sums {
		sums[id] = sig20(v.DivRound(n, 40))
	}
	return sums, nil
}

// retryable marks errors worth another attempt.
type retryable struct {
	err        error
	retryAfter time.Duration
}

// Error implements error.
func (r *retryable) Error() string { return r.err.Error() }

// Unwrap returns the underlying error.
func (r *retryable) Unwrap() error { return r.err }

// rate sends one prompt, retrying with backoff.
func (o *OpenAI) rate(ctx context.Context, prompt string, want []RelevanceItem, maxTokens int) (map[int64]decimal.Decimal, error) {
	retries := o.MaxRetries
	if retries <= 0 {
		retries = 5
	}
	delay := o.Backoff
	if delay <= 0 {
		delay = time.Second
	}
	var lastErr error
	for attempt := 0; attempt <= retries; attempt++ {
		if attempt > 0 {
			wait := delay << (attempt - 1)
			var re *retryable
			if errors.As(lastErr, &re) && re.retryAfter > 0 {
				wait = re.retryAfter
			}
			slog.Warn("relevance: retrying", "attempt", attempt, "wait", wait, "err", lastErr)
			if err := waitpkg.Sleep(ctx, wait); err != nil {
				return nil, fmt.Errorf("openai: %w (last error: %v)", err, lastErr)
			}
		}
		got, err := o.once(ctx, prompt, want, maxTokens)
		if err == nil {
			return got, nil
		}
		lastErr = err
		var re *retryable
		if !errors.As(err, &re) {
			return nil, err
		}
	}
	return nil, fmt.Errorf("openai: giving up after %d attempts: %w", retries+1, lastErr)
}

// once sends one chat-completions request and validates the answer.
func (o *OpenAI) once(ctx context.Context, prompt string, want []RelevanceItem, maxTokens int) (map[int64]decimal.Decimal, error) {
	body, err := json.Marshal(chatRequest{
		Model: o.Model,
		Messages: []chatMessage{
			{Role: "system", Content: relevanceInstructions},
			{Role: "user", Content: prompt},
		},
		MaxTokens:      maxTokens,
		ResponseFormat: map[string]string{"type": "json_object"},
	})
	if err != nil {
		return nil, fmt.Errorf("openai: encode request: %w", err)
	}
	url := strings.TrimRight(o.Endpoint, "/") + "/chat/completions"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("openai: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if o.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+o.APIKey)
	}
	client := o.Client
	if client == nil {
		client = &http.Client{Timeout: 2 * time.Minute}
	}
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("openai: %w", ctx.Err())
		}
		return nil, &retryable{err: fmt.Errorf("openai: POST %s: %w", url, err)}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, MaxAnswerLen+1))
	if err != nil {
		return nil, &retryable{err: fmt.Errorf("openai: read answer: %w", err)}
	}
	if len(raw) > MaxAnswerLen {
		return nil, fmt.Errorf("openai: answer over %d bytes", MaxAnswerLen)
	}
	if resp.StatusCode != http.StatusOK {
		msg := fmt.Errorf("openai: POST %s: HTTP %d: %s", url, resp.StatusCode, apiMessage(raw))
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 || resp.StatusCode == http.StatusRequestTimeout {
			return nil, &retryable{err: msg, retryAfter: retryAfter(resp.Header.Get("Retry-After"))}
		}
		return nil, msg
	}
	var cr chatResponse
	if err := json.Unmarshal(raw, &cr); err != nil {
		return nil, &retryable{err: fmt.Errorf("openai: answer is not chat-completions JSON: %w", err)}
	}
	if len(cr.Choices) == 0 {
		return nil, &retryable{err: errors.New("openai: answer has no choices")}
	}
	got, err := ParseRelevances(cr.Choices[0].Message.Content, want)
	if err != nil {
		return nil, &retryable{err: fmt.Errorf("openai: %w", err)}
	}
	return got, nil
}

// apiMessage extracts the error message of an API error answer, without echoing anything else.
func apiMessage(raw []byte) string {
	var cr chatResponse
	if json.Unmarshal(raw, &cr) == nil && cr.Error != nil {
		return truncateString(cr.Error.Message, 200)
	}
	return truncateString(strings.TrimSpace(string(raw)), 200)
}

func truncateString(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func retryAfter(h string) time.Duration {
	if h == "" {
		return 0
	}
	if s, err := strconv.Atoi(h); err == nil && s >= 0 && s < 3600 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil {
		if d := time.Until(t); d > 0 && d < time.Hour {
			return d
		}
	}
	return 0
}

// ParseRelevances validates a model's answer: a JSON object (possibly inside a ```json fence) mapping every
// wanted comment id, and no other, to a number in [0, 1].
func ParseRelevances(content string, want []RelevanceItem) (map[int64]decimal.Decimal, error) {
	s := strings.TrimSpace(content)
	if strings.HasPrefix(s, "```") {
		s = strings.TrimPrefix(s, "```json")
		s = strings.TrimPrefix(s, "```")
		s = strings.TrimSuffix(strings.TrimSpace(s), "```")
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("relevance answer: want a JSON object of id → number: %w", jsonErr(err))
	}
	wanted := map[int64]bool{}
	for _, w := range want {
		wanted[w.ID] = true
	}
	out := make(map[int64]decimal.Decimal, len(m))
	for _, k := range sortedKeys(m) {
		id, err := strconv.ParseInt(k, 10, 64)
		if err != nil || !wanted[id] {
			return nil, fmt.Errorf("relevance answer: unexpected key %q", truncateString(k, 40))
		}
		n, ok := m[k].(json.Number)
		if !ok {
			return nil, fmt.Errorf("relevance answer: %s: want a number, got %s", k, typeName(m[k]))
		}
		f, err := strconv.ParseFloat(string(n), 64)
		if err != nil || math.IsNaN(f) || f < 0 || f > 1 {
			return nil, fmt.Errorf("relevance answer: %s: %s is not a relevance between 0 and 1", k, n)
		}
		out[id] = fromFloat(f)
	}
	for _, w := range want {
		if _, ok := out[w.ID]; !ok {
			return nil, fmt.Errorf("relevance answer: comment %d missing (%d of %d rated)", w.ID, len(out), len(want))
		}
	}
	return out, nil
}
