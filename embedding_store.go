package plaudit

import "context"

// EmbeddingStore keeps each event's content embedded once per embeddings model (table event_embeddings),
// for search by cosine similarity. sqlstore.DB implements it.
type EmbeddingStore interface {
	// EventsToEmbed returns up to limit events with content, seq > after, that model has not embedded,
	// in seq order.
	EventsToEmbed(ctx context.Context, model string, after int64, limit int) ([]Event, error)
	// SaveEmbeddings stores vectors (Encoded little-endian float32s) of events by seq; one stored already
	// is kept.
	SaveEmbeddings(ctx context.Context, model string, seqs []int64, vectors [][]byte) error
	// ScanEmbeddings calls fn with each vector of model with seq > after, in seq order.
	ScanEmbeddings(ctx context.Context, model string, after int64, fn func(seq int64, vector []byte) error) error
	// EventsBySeq returns the events of seqs, in the order given (missing ones left out).
	EventsBySeq(ctx context.Context, seqs []int64) ([]Event, error)
}
