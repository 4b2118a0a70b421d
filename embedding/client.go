// Package embedding turns event content into vectors with an OpenAI-compatible embeddings endpoint
// (POST {endpoint}/embeddings: OpenAI, OpenRouter, a local server) and finds the stored vectors most
// similar to a query's by cosine similarity, in memory. Search uses it when an embeddings model is
// configured (search.embeddings); without one, search is the offline full-text search.
package embedding

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/plaudit/plaudit/internal/wait"
)

// MaxAnswerLen bounds one embeddings answer.
const MaxAnswerLen = 64 << 20

// MaxBatch is the most inputs sent in one request.
const MaxBatch = 64

// MaxInputLen bounds one input, in bytes (longer content is cut at a word boundary): about 8,000
// tokens, the limit of OpenAI's embedding models.
const MaxInputLen = 30000

// Client calls an OpenAI-compatible embeddings endpoint. Rate limits (429) and server errors (5xx) are
// retried with exponential backoff (a Retry-After header wins); answers are validated: one vector per
// input, by index, all of one length, finite numbers.
type Client struct {
	Endpoint   string // base URL, e.g. https://api.openai.com/v1
	Model      string // e.g. text-embedding-3-small
	APIKey     string // sent as a bearer token; never logged or put in an error
	Dimensions int    // asked of models that can shorten their vectors; 0 for the model's own
	MaxRetries int    // attempts after the first; default 5
	Backoff    time.Duration
	HTTP       *http.Client // default: a client with a one-minute timeout
}

type request struct {
	Model          string   `json:"model"`
	Input          []string `json:"input"`
	EncodingFormat string   `json:"encoding_format"`
	Dimensions     int      `json:"dimensions,omitempty"`
}

// Answer is the endpoint's answer, as OpenAI documents it.
type Answer struct {
	Object string `json:"object"` // "list"
	Data   []struct {
		Object    string    `json:"object"` // "embedding"
		Index     int       `json:"index"`
		Embedding []float64 `json:"embedding"`
	} `json:"data"`
	Model string `json:"model"`
}

// Decode reads and checks an answer to n inputs: the vectors in input order, normalised to unit length
// (so that a dot product is the cosine similarity).
func Decode(body []byte, n int) ([][]float32, error) {
	var a Answer
	if err := json.Unmarshal(body, &a); err != nil {
		return nil, fmt.Errorf("embeddings answer: %w", err)
	}
	if len(a.Data) != n {
		return nil, fmt.Errorf("embeddings answer: %d vectors for %d inputs", len(a.Data), n)
	}
	out := make([][]float32, n)
	dims := -1
	for i, d := range a.Data {
		if d.Index < 0 || d.Index >= n || out[d.Index] != nil {
			return nil, fmt.Errorf("embeddings answer: data[%d].index %d: want each of 0..%d once", i, d.Index, n-1)
		}
		if len(d.Embedding) == 0 || (dims >= 0 && len(d.Embedding) != dims) {
			return nil, fmt.Errorf("embeddings answer: data[%d].embedding: %d numbers, want %d", i, len(d.Embedding), max(dims, 1))
		}
		dims = len(d.Embedding)
		v := make([]float32, dims)
		var norm float64
		for j, x := range d.Embedding {
			if math.IsNaN(x) || math.IsInf(x, 0) || math.Abs(x) > 1e6 {
				return nil, fmt.Errorf("embeddings answer: data[%d].embedding[%d]: not a usable number", i, j)
			}
			norm += x * x
		}
		if norm == 0 {
			return nil, fmt.Errorf("embeddings answer: data[%d].embedding: all zero", i)
		}
		norm = math.Sqrt(norm)
		for j, x := range d.Embedding {
			v[j] = float32(x / norm)
		}
		out[d.Index] = v
	}
	return out, nil
}

// Embed returns the unit vectors of inputs, in order, in requests of at most MaxBatch inputs.
func (c *Client) Embed(ctx context.Context, inputs []string) ([][]float32, error) {
	out := make([][]float32, 0, len(inputs))
	for lo := 0; lo < len(inputs); lo += MaxBatch {
		hi := min(lo+MaxBatch, len(inputs))
		vs, err := c.embed(ctx, inputs[lo:hi])
		if err != nil {
			return nil, err
		}
		out = append(out, vs...)
	}
	return out, nil
}

// retryable marks a failure worth another attempt.
type retryable struct {
	err   error
	after time.Duration
}

func (r *retryable) Error() string { return r.err.Error() }
func (r *retryable) Unwrap() error { return r.err }

func (c *Client) embed(ctx context.Context, inputs []string) ([][]float32, error) {
	in := make([]string, len(inputs))
	for i, s := range inputs {
		in[i] = clip(s)
	}
	body, err := json.Marshal(request{Model: c.Model, Input: in, EncodingFormat: "float", Dimensions: c.Dimensions})
	if err != nil {
		return nil, err
	}
	retries, backoff := c.MaxRetries, c.Backoff
	if retries <= 0 {
		retries = 5
	}
	if backoff <= 0 {
		backoff = time.Second
	}
	for attempt := 0; ; attempt++ {
		vs, err := c.once(ctx, body, len(in))
		if err == nil {
			return vs, nil
		}
		var r *retryable
		if !errors.As(err, &r) || attempt >= retries || ctx.Err() != nil {
			return nil, fmt.Errorf("embeddings (%s): %w", c.Model, err)
		}
		d := min(backoff<<attempt, time.Minute)
		if r.after > 0 {
			d = r.after
		}
		if err := wait.Sleep(ctx, d); err != nil {
			return nil, fmt.Errorf("embeddings (%s): %w", c.Model, err)
		}
	}
}

func (c *Client) once(ctx context.Context, body []byte, n int) ([][]float32, error) {
	url := strings.TrimRight(c.Endpoint, "/") + "/embeddings"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if c.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.APIKey)
	}
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: time.Minute}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, &retryable{err: fmt.Errorf("POST %s: %w", url, err)}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxAnswerLen+1))
	if err != nil {
		return nil, &retryable{err: fmt.Errorf("read the answer of %s: %w", url, err)}
	}
	if len(b) > MaxAnswerLen {
		return nil, fmt.Errorf("the answer of %s is over %d bytes", url, MaxAnswerLen)
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
		after := time.Duration(0)
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s >= 0 {
			after = time.Duration(s) * time.Second
		}
		return nil, &retryable{err: fmt.Errorf("%s answered %s", url, resp.Status), after: after}
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s answered %s: %s", url, resp.Status, errorMessage(b))
	}
	return Decode(b, n)
}

// errorMessage is the message of an OpenAI-style error answer, cut short.
func errorMessage(b []byte) string {
	var e struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	msg := string(b)
	if json.Unmarshal(b, &e) == nil && e.Error.Message != "" {
		msg = e.Error.Message
	}
	if len(msg) > 200 {
		msg = msg[:200] + "…"
	}
	return msg
}

// clip cuts s to at most MaxInputLen bytes, at a space when there is one near the end.
func clip(s string) string {
	if len(s) <= MaxInputLen {
		return s
	}
	s = s[:MaxInputLen]
	if i := strings.LastIndexByte(s, ' '); i > MaxInputLen-200 {
		s = s[:i]
	}
	return strings.ToValidUTF8(s, "")
}
