package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// XSinceID returns the since_id checkpoint of an X query (source/x.State), "" when it has none.
func (db *DB) XSinceID(ctx context.Context, query string) (string, error) {
	var id string
	err := db.db.QueryRowContext(ctx, db.Rebind("SELECT since_id FROM x_checkpoints WHERE query = ?"), query).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	} else if err != nil {
		return "", fmt.Errorf("read x checkpoint of %q: %w", query, err)
	}
	return id, nil
}

// SetXSinceID stores the since_id checkpoint of an X query, so that the next poll, even after a restart,
// reads only newer posts.
func (db *DB) SetXSinceID(ctx context.Context, query, sinceID string) error {
	_, err := db.db.ExecContext(ctx, db.Rebind(`INSERT INTO x_checkpoints (query, since_id, updated_ns) VALUES (?, ?, ?)
		ON CONFLICT (query) DO UPDATE SET since_id = excluded.since_id, updated_ns = excluded.updated_ns`),
		query, sinceID, time.Now().UnixNano())
	if err != nil {
		return fmt.Errorf("store x checkpoint of %q: %w", query, err)
	}
	return nil
}

// XReads returns the posts and users read from X on a UTC day ("2006-01-02"), counted against the daily
// read budget.
func (db *DB) XReads(ctx context.Context, day string) (posts, users int64, err error) {
	err = db.db.QueryRowContext(ctx, db.Rebind("SELECT posts, users FROM x_reads WHERE day = ?"), day).Scan(&posts, &users)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, nil
	} else if err != nil {
		return 0, 0, fmt.Errorf("read x reads of %s: %w", day, err)
	}
	return posts, users, nil
}

// AddXReads adds posts and users read from X to a UTC day's count.
func (db *DB) AddXReads(ctx context.Context, day string, posts, users int64) error {
	_, err := db.db.ExecContext(ctx, db.Rebind(`INSERT INTO x_reads (day, posts, users) VALUES (?, ?, ?)
		ON CONFLICT (day) DO UPDATE SET posts = x_reads.posts + excluded.posts, users = x_reads.users + excluded.users`),
		day, posts, users)
	if err != nil {
		return fmt.Errorf("count x reads of %s: %w", day, err)
	}
	return nil
}
