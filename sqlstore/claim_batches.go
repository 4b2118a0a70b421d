package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/plaudit/plaudit"
)

var _ plaudit.ClaimBatchStore = (*DB)(nil)

// RecordClaimBatch stores b unless its nonce is stored already. Spender and token are kept lower-case, so
// that lookups do not depend on the checksum's case.
func (db *DB) RecordClaimBatch(ctx context.Context, b *plaudit.ClaimBatch) error {
	if b.Nonce == "" || b.Spender == "" || len(b.Epochs) == 0 {
		return plaudit.Errorf(plaudit.EINVALID, "record claim batch: nonce, spender and epochs are required")
	}
	epochs, err := json.Marshal(b.Epochs)
	if err != nil {
		return fmt.Errorf("record claim batch: %w", err)
	}
	_, err = db.db.ExecContext(ctx, db.Rebind(`INSERT INTO claim_batches (nonce, spender, token, epochs, created_ns) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (nonce) DO NOTHING`), b.Nonce, strings.ToLower(b.Spender), strings.ToLower(b.Token), string(epochs), nsOf(b.Created))
	if err != nil {
		return fmt.Errorf("record claim batch: %w", err)
	}
	return nil
}

// ClaimBatches returns the batches handed out to spender, oldest first.
func (db *DB) ClaimBatches(ctx context.Context, spender string) ([]plaudit.ClaimBatch, error) {
	rows, err := db.db.QueryContext(ctx, db.Rebind("SELECT nonce, spender, token, epochs, created_ns FROM claim_batches WHERE spender = ? ORDER BY created_ns, nonce"),
		strings.ToLower(spender))
	if err != nil {
		return nil, fmt.Errorf("read claim batches: %w", err)
	}
	defer rows.Close()
	var out []plaudit.ClaimBatch
	for rows.Next() {
		var b plaudit.ClaimBatch
		var epochs string
		var ns int64
		if err := rows.Scan(&b.Nonce, &b.Spender, &b.Token, &epochs, &ns); err != nil {
			return nil, fmt.Errorf("read claim batches: %w", err)
		}
		if err := json.Unmarshal([]byte(epochs), &b.Epochs); err != nil {
			return nil, fmt.Errorf("read claim batches: batch %s: epochs: %w", b.Nonce, err)
		}
		b.Created = timeOf(ns)
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read claim batches: %w", err)
	}
	return out, nil
}
