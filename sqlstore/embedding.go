package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/plaudit/plaudit"
)

// EventsToEmbed returns up to limit events with content, seq > after, that model has not embedded, in seq
// order (plaudit.EmbeddingStore).
func (db *DB) EventsToEmbed(ctx context.Context, model string, after int64, limit int) ([]plaudit.Event, error) {
	rows, err := db.db.QueryContext(ctx, db.Rebind(eventSelect+` WHERE seq > ? AND content <> ''
		AND NOT EXISTS (SELECT 1 FROM event_embeddings m WHERE m.model = ? AND m.seq = events.seq) ORDER BY seq LIMIT ?`), after, model, limit)
	if err != nil {
		return nil, fmt.Errorf("events to embed in %s: %w", db.name, err)
	}
	defer rows.Close()
	var out []plaudit.Event
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, fmt.Errorf("events to embed in %s: %w", db.name, err)
		}
		out = append(out, *e)
	}
	return out, rows.Err()
}

// SaveEmbeddings stores events' vectors for model; a vector stored already is kept (plaudit.EmbeddingStore).
func (db *DB) SaveEmbeddings(ctx context.Context, model string, seqs []int64, vectors [][]byte) error {
	if len(seqs) != len(vectors) {
		return fmt.Errorf("save embeddings: %d seqs, %d vectors", len(seqs), len(vectors))
	}
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("save embeddings in %s: %w", db.name, err)
	}
	defer tx.Rollback()
	const chunk = 200
	for lo := 0; lo < len(seqs); lo += chunk {
		hi := min(lo+chunk, len(seqs))
		var b strings.Builder
		b.WriteString("INSERT INTO event_embeddings (seq, model, dims, vector) VALUES ")
		args := make([]any, 0, 4*(hi-lo))
		for i := lo; i < hi; i++ {
			if i > lo {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?, ?)")
			args = append(args, seqs[i], model, len(vectors[i])/4, vectors[i])
		}
		b.WriteString(" ON CONFLICT (model, seq) DO NOTHING")
		if _, err := tx.ExecContext(ctx, db.Rebind(b.String()), args...); err != nil {
			return fmt.Errorf("save embeddings in %s: %w", db.name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("save embeddings in %s: %w", db.name, err)
	}
	return nil
}

// ScanEmbeddings calls fn with each vector of model with seq > after, in seq order
// (plaudit.EmbeddingStore).
func (db *DB) ScanEmbeddings(ctx context.Context, model string, after int64, fn func(seq int64, vector []byte) error) error {
	rows, err := db.db.QueryContext(ctx, db.Rebind("SELECT seq, vector FROM event_embeddings WHERE model = ? AND seq > ? ORDER BY seq"), model, after)
	if err != nil {
		return fmt.Errorf("read embeddings in %s: %w", db.name, err)
	}
	defer rows.Close()
	for rows.Next() {
		var seq int64
		var v []byte
		if err := rows.Scan(&seq, &v); err != nil {
			return fmt.Errorf("read embeddings in %s: %w", db.name, err)
		}
		if err := fn(seq, v); err != nil {
			return err
		}
	}
	return rows.Err()
}

// EventsBySeq returns the events of seqs in the order given, leaving out seqs the log does not hold
// (plaudit.EmbeddingStore).
func (db *DB) EventsBySeq(ctx context.Context, seqs []int64) ([]plaudit.Event, error) {
	if len(seqs) == 0 {
		return nil, nil
	}
	args := make([]any, len(seqs))
	for i, s := range seqs {
		args[i] = s
	}
	rows, err := db.db.QueryContext(ctx, db.Rebind(eventSelect+" WHERE seq IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(seqs)), ", ")+")"), args...)
	if err != nil {
		return nil, fmt.Errorf("events by seq in %s: %w", db.name, err)
	}
	defer rows.Close()
	by := map[int64]plaudit.Event{}
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, fmt.Errorf("events by seq in %s: %w", db.name, err)
		}
		by[e.Seq] = *e
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]plaudit.Event, 0, len(seqs))
	for _, s := range seqs {
		if e, ok := by[s]; ok {
			out = append(out, e)
		}
	}
	return out, nil
}

var _ plaudit.EmbeddingStore = (*DB)(nil)
