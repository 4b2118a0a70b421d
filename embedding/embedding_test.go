package embedding_test

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plaudit/plaudit/embedding"
)

// fakeEmbeddings is an OpenAI-compatible POST /v1/embeddings: each input becomes a 8-number vector of
// its words' hashes (texts sharing words are similar), in OpenAI's answer shape. fail answers the first
// requests with those statuses.
func fakeEmbeddings(t *testing.T, fail ...int) (*httptest.Server, *int32) {
	var calls int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(atomic.AddInt32(&calls, 1))
		if r.Method != http.MethodPost || r.URL.Path != "/v1/embeddings" || r.Header.Get("Authorization") != "Bearer sk-test" {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":{"message":"Incorrect API key provided","type":"invalid_request_error"}}`)
			return
		}
		if n <= len(fail) {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(fail[n-1])
			fmt.Fprint(w, `{"error":{"message":"Rate limit reached","type":"requests"}}`)
			return
		}
		b, _ := io.ReadAll(r.Body)
		var req struct {
			Model          string   `json:"model"`
			Input          []string `json:"input"`
			EncodingFormat string   `json:"encoding_format"`
		}
		if err := json.Unmarshal(b, &req); err != nil || req.EncodingFormat != "float" {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"error":{"message":"bad request"}}`)
			return
		}
		var data []any
		for i, in := range req.Input {
			data = append(data, map[string]any{"object": "embedding", "index": i, "embedding": Vector(in)})
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"object": "list", "data": data, "model": req.Model,
			"usage": map[string]any{"prompt_tokens": 8, "total_tokens": 8}})
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

// Vector is the fake's embedding of a text: word hashes folded into 8 dimensions.
func Vector(s string) []float64 {
	v := make([]float64, 8)
	for _, w := range strings.Fields(strings.ToLower(s)) {
		h := fnv.New32a()
		h.Write([]byte(w))
		v[h.Sum32()%8]++
	}
	v[0] += 0.01
	return v
}

func TestEmbed(t *testing.T) {
	srv, calls := fakeEmbeddings(t, http.StatusTooManyRequests, http.StatusBadGateway)
	c := &embedding.Client{Endpoint: srv.URL + "/v1", Model: "text-embedding-3-small", APIKey: "sk-test", Backoff: time.Millisecond}
	vs, err := c.Embed(context.Background(), []string{"release notes", "the release notes", "gas fees"})
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 3 || atomic.LoadInt32(calls) != 3 {
		t.Fatalf("%d vectors after %d calls", len(vs), atomic.LoadInt32(calls))
	}
	var norm float64
	for _, x := range vs[0] {
		norm += float64(x * x)
	}
	if math.Abs(norm-1) > 1e-5 {
		t.Fatalf("not a unit vector: |v|² = %v", norm)
	}
	bad := &embedding.Client{Endpoint: srv.URL + "/v1", Model: "m", APIKey: "sk-wrong"}
	if _, err := bad.Embed(context.Background(), []string{"x"}); err == nil || !strings.Contains(err.Error(), "Incorrect API key") || strings.Contains(err.Error(), "sk-wrong") {
		t.Fatalf("wrong key: %v", err)
	}
}

func TestDecodeRefuses(t *testing.T) {
	for _, tc := range []struct{ name, body string }{
		{"count", `{"object":"list","data":[]}`},
		{"index twice", `{"data":[{"index":0,"embedding":[1]},{"index":0,"embedding":[1]}]}`},
		{"lengths", `{"data":[{"index":0,"embedding":[1,2]},{"index":1,"embedding":[1]}]}`},
		{"zero", `{"data":[{"index":0,"embedding":[0,0]},{"index":1,"embedding":[1,0]}]}`},
		{"not json", `<html>`},
	} {
		if _, err := embedding.Decode([]byte(tc.body), 2); err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
}

// FuzzDecode: no answer makes Decode panic, and what it accepts is unit vectors of one length.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.1,0.2]}],"model":"m"}`), 1)
	f.Add([]byte(`{"data":[{"index":1,"embedding":[3,4]},{"index":0,"embedding":[1,0]}]}`), 2)
	f.Fuzz(func(t *testing.T, body []byte, n int) {
		if n < 0 || n > 64 {
			return
		}
		vs, err := embedding.Decode(body, n)
		if err != nil {
			return
		}
		for _, v := range vs {
			if len(v) != len(vs[0]) {
				t.Fatal("vectors of different lengths")
			}
		}
	})
}

func TestIndexSearch(t *testing.T) {
	var ix embedding.Index
	for i, s := range []string{"release notes for v2", "gas fees are high", "release notes", "unrelated words here"} {
		v := Vector(s)
		f := make([]float32, len(v))
		var norm float64
		for _, x := range v {
			norm += x * x
		}
		for j, x := range v {
			f[j] = float32(x / math.Sqrt(norm))
		}
		if err := ix.Add(int64(i+1), f); err != nil {
			t.Fatal(err)
		}
	}
	q := make([]float32, 8)
	v := Vector("release notes")
	var norm float64
	for _, x := range v {
		norm += x * x
	}
	for j, x := range v {
		q[j] = float32(x / math.Sqrt(norm))
	}
	hits, err := ix.Search(q, 2, func(seq int64) bool { return seq != 1 })
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 2 || hits[0].Seq != 3 {
		t.Fatalf("hits %+v", hits)
	}
	if _, err := ix.Search(q[:3], 2, nil); err == nil {
		t.Fatal("a query of another length was accepted")
	}
}

// BenchmarkIndex1M is the query latency of exhaustive cosine search over 1M stored posts' vectors of 256
// numbers (text-embedding-3-small shortened with dimensions: 256), for a page of 20 hits.
func BenchmarkIndex1M(b *testing.B) {
	const n, dims = 1_000_000, 256
	rng := rand.New(rand.NewPCG(1, 2))
	var ix embedding.Index
	v := make([]float32, dims)
	for i := range n {
		for j := range v {
			v[j] = float32(rng.NormFloat64())
		}
		if err := ix.Add(int64(i+1), v); err != nil {
			b.Fatal(err)
		}
	}
	q := make([]float32, dims)
	for j := range q {
		q[j] = float32(rng.NormFloat64())
	}
	b.ResetTimer()
	for range b.N {
		if _, err := ix.Search(q, 20, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// naiveDot is the one-total dot product Dot replaced: the baseline of BenchmarkDot.
func naiveDot(a, b []float32) float32 {
	var s float32
	for i, x := range a {
		s += x * b[i]
	}
	return s
}

// TestDot: Dot agrees with the dot product summed in float64 (within float32 rounding) for lengths that
// are and are not multiples of eight, and gives the same bits every time.
func TestDot(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 7, 8, 9, 255, 256, 1536} {
		a, b := make([]float32, n), make([]float32, n)
		var want float64
		for i := range a {
			a[i], b[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
			want += float64(a[i]) * float64(b[i])
		}
		got := embedding.Dot(a, b)
		if math.Abs(float64(got)-want) > 1e-4*math.Max(1, math.Sqrt(float64(n))) {
			t.Errorf("n=%d: %v, want %v", n, got, want)
		}
		if again := embedding.Dot(a, b); math.Float32bits(again) != math.Float32bits(got) {
			t.Errorf("n=%d: %v then %v", n, got, again)
		}
	}
}

// BenchmarkDot compares Dot with the one-total loop it replaced, over 4,096 vectors of 256 numbers (4 MB,
// in the cache of most CPUs, so that the sum's dependency chain and not memory is measured):
// go test ./embedding -run XXX -bench Dot -count 6 | benchstat -col /impl -
func BenchmarkDot(b *testing.B) {
	const n, dims = 4096, 256
	rng := rand.New(rand.NewPCG(1, 2))
	slab, q := make([]float32, n*dims), make([]float32, dims)
	for i := range slab {
		slab[i] = float32(rng.NormFloat64())
	}
	for i := range q {
		q[i] = float32(rng.NormFloat64())
	}
	for _, impl := range []struct {
		name string
		dot  func(a, b []float32) float32
	}{{"naive", naiveDot}, {"unrolled", embedding.Dot}} {
		b.Run("impl="+impl.name, func(b *testing.B) {
			var sink float32
			for range b.N {
				for i := range n {
					sink += impl.dot(slab[i*dims:(i+1)*dims], q)
				}
			}
			_ = sink
		})
	}
}
