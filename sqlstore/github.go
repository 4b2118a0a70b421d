package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// GitHubDeliverySeen reports whether the GitHub webhook delivery id was recorded (source/github.State).
func (db *DB) GitHubDeliverySeen(ctx context.Context, id string) (bool, error) {
	var n int
	if err := db.db.QueryRowContext(ctx, db.Rebind("SELECT count(*) FROM github_deliveries WHERE id = ?"), id).Scan(&n); err != nil {
		return false, fmt.Errorf("read github delivery: %w", err)
	}
	return n > 0, nil
}

// RecordGitHubDelivery records a handled GitHub webhook delivery; recording it again changes nothing.
func (db *DB) RecordGitHubDelivery(ctx context.Context, id, event string, received time.Time) error {
	_, err := db.db.ExecContext(ctx, db.Rebind("INSERT INTO github_deliveries (id, event, received_ns) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING"),
		id, event, received.UnixNano())
	if err != nil {
		return fmt.Errorf("record github delivery: %w", err)
	}
	return nil
}

// GitHubCheckpoint returns the backfill checkpoint of a repository, "" when it has none.
func (db *DB) GitHubCheckpoint(ctx context.Context, repo string) (string, error) {
	var c string
	err := db.db.QueryRowContext(ctx, db.Rebind("SELECT checkpoint FROM github_checkpoints WHERE repo = ?"), repo).Scan(&c)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	} else if err != nil {
		return "", fmt.Errorf("read github checkpoint of %s: %w", repo, err)
	}
	return c, nil
}

// SetGitHubCheckpoint stores the backfill checkpoint of a repository.
func (db *DB) SetGitHubCheckpoint(ctx context.Context, repo, checkpoint string) error {
	_, err := db.db.ExecContext(ctx, db.Rebind(`INSERT INTO github_checkpoints (repo, checkpoint, updated_ns) VALUES (?, ?, ?)
		ON CONFLICT (repo) DO UPDATE SET checkpoint = excluded.checkpoint, updated_ns = excluded.updated_ns`),
		repo, checkpoint, time.Now().UnixNano())
	if err != nil {
		return fmt.Errorf("store github checkpoint of %s: %w", repo, err)
	}
	return nil
}
