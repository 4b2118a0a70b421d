package service

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/embedding"
)

// Embedder embeds texts as unit vectors, in order (embedding.Client).
type Embedder interface {
	Embed(ctx context.Context, texts []string) ([][]float32, error)
}

// Embeddings is the embeddings model search uses (the search.embeddings section): its name, which keys
// the stored vectors, and the client that embeds.
type Embeddings struct {
	Model    string
	Embedder Embedder
}

// defaultEmbeddings holds, per service, the embeddings a Search without its own uses (UseEmbeddings).
var defaultEmbeddings sync.Map // *Service → *Embeddings

// UseEmbeddings makes em the embeddings every Search that names none ranks by (the server's
// search.embeddings, so that GET /v1/search uses them); nil goes back to the offline search.
func (s *Service) UseEmbeddings(em *Embeddings) {
	if em == nil {
		defaultEmbeddings.Delete(s)
		return
	}
	defaultEmbeddings.Store(s, em)
}

// embedBatch is how many events EmbedPending embeds and stores at a time.
const embedBatch = 256

// embedIndexes caches, per service and model, the stored vectors in memory: loaded once, then only the
// vectors stored since are read.
var embedIndexes sync.Map // indexKey → *embedding.Index

type indexKey struct {
	s     *Service
	model string
}

// EmbedPending embeds the content of the events the model has not embedded yet, in seq order, at most
// limit of them (0 for all), and stores the vectors: each event's content is embedded once. It returns how
// many it embedded.
func (s *Service) EmbedPending(ctx context.Context, em *Embeddings, limit int) (int, error) {
	es, ok := s.store.(plaudit.EmbeddingStore)
	if !ok {
		return 0, plaudit.Errorf(plaudit.EINTERNAL, "embed: the store keeps no embeddings")
	}
	done := 0
	var after int64
	for limit == 0 || done < limit {
		n := embedBatch
		if limit > 0 {
			n = min(n, limit-done)
		}
		evs, err := es.EventsToEmbed(ctx, em.Model, after, n)
		if err != nil {
			return done, err
		}
		if len(evs) == 0 {
			break
		}
		texts := make([]string, len(evs))
		seqs := make([]int64, len(evs))
		for i, e := range evs {
			texts[i], seqs[i] = e.Content, e.Seq
		}
		vs, err := em.Embedder.Embed(ctx, texts)
		if err != nil {
			return done, fmt.Errorf("embed events %d..%d: %w", seqs[0], seqs[len(seqs)-1], err)
		}
		if len(vs) != len(evs) {
			return done, fmt.Errorf("embed: %d vectors for %d events", len(vs), len(evs))
		}
		enc := make([][]byte, len(vs))
		for i, v := range vs {
			enc[i] = embedding.Encode(v)
		}
		if err := es.SaveEmbeddings(ctx, em.Model, seqs, enc); err != nil {
			return done, err
		}
		done += len(evs)
		after = seqs[len(seqs)-1]
	}
	if done > 0 {
		s.log.Info("embedded event content", "model", em.Model, "events", done)
	}
	return done, nil
}

// embeddingIndex returns the in-memory index of model's stored vectors, brought up to date.
func (s *Service) embeddingIndex(ctx context.Context, es plaudit.EmbeddingStore, model string) (*embedding.Index, error) {
	v, _ := embedIndexes.LoadOrStore(indexKey{s, model}, &embedding.Index{})
	ix := v.(*embedding.Index)
	err := es.ScanEmbeddings(ctx, model, ix.Last(), func(seq int64, b []byte) error {
		vec, err := embedding.DecodeVector(b)
		if err != nil {
			return fmt.Errorf("embedding of event seq %d: %w", seq, err)
		}
		return ix.Add(seq, vec)
	})
	return ix, err
}

// semanticSearch ranks embedded events by cosine similarity to the query's embedding (one call to the
// model) or, with like, to the stored vector of that event (no call), leaving it out. Filters (sources,
// since, until) are applied to the nearest candidates, four times a page's worth, so a filtered page may
// be short. Events not embedded yet (EmbedPending) are not found.
func (s *Service) semanticSearch(ctx context.Context, r SearchRequest, q plaudit.SearchQuery) (*SearchPage, error) {
	em := r.Embeddings
	es, ok := s.store.(plaudit.EmbeddingStore)
	if !ok {
		return nil, plaudit.Errorf(plaudit.EINTERNAL, "search: the store keeps no embeddings")
	}
	ix, err := s.embeddingIndex(ctx, es, em.Model)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	var qv []float32
	var exclude int64
	if r.Like != "" {
		src, id, _ := strings.Cut(r.Like, "/")
		e, err := s.Event(ctx, plaudit.Source(src), id)
		if err != nil {
			return nil, fmt.Errorf("search like %s: %w", r.Like, err)
		}
		v, ok := ix.Vector(e.Seq)
		if !ok {
			return nil, plaudit.Errorf(plaudit.ENOTFOUND, "search like %s: the event is not embedded yet by %s", r.Like, em.Model)
		}
		qv, exclude = v, e.Seq
	} else {
		if _, err := plaudit.ParseSearchQuery(r.Query); err != nil {
			return nil, err
		}
		vs, err := em.Embedder.Embed(ctx, []string{r.Query})
		if err != nil {
			return nil, fmt.Errorf("search: embed the query: %w", err)
		}
		qv = vs[0]
	}
	filtered := len(q.Sources) > 0 || !q.Since.IsZero() || !q.Until.IsZero()
	k := q.Offset + q.Limit
	if filtered {
		k *= 4
	}
	near, err := ix.Search(qv, k+1, func(seq int64) bool { return seq != exclude })
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	seqs := make([]int64, len(near))
	score := make(map[int64]float32, len(near))
	for i, h := range near {
		seqs[i], score[h.Seq] = h.Seq, h.Score
	}
	evs, err := es.EventsBySeq(ctx, seqs)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	var hits []plaudit.SearchHit
	for _, e := range evs {
		if filtered && !keepEvent(&e, q) {
			continue
		}
		hits = append(hits, plaudit.SearchHit{Event: e, Rank: float64(score[e.Seq]), Snippet: snippet(e.Content)})
	}
	page := &SearchPage{Hits: []plaudit.SearchHit{}}
	if q.Offset < len(hits) {
		page.Hits = hits[q.Offset:min(len(hits), q.Offset+q.Limit)]
	}
	if len(hits) > q.Offset+q.Limit {
		page.NextCursor = strconv.Itoa(q.Offset + q.Limit)
	}
	return page, nil
}

func keepEvent(e *plaudit.Event, q plaudit.SearchQuery) bool {
	if len(q.Sources) > 0 {
		ok := false
		for _, s := range q.Sources {
			ok = ok || e.Source == s
		}
		if !ok {
			return false
		}
	}
	return (q.Since.IsZero() || !e.Time.Before(q.Since)) && (q.Until.IsZero() || e.Time.Before(q.Until))
}

// snippet is the start of content, about 24 words.
func snippet(content string) string {
	w := strings.Fields(content)
	if len(w) > 24 {
		return strings.Join(w[:24], " ") + " …"
	}
	return strings.Join(w, " ")
}
