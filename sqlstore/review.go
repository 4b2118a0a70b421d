package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/plaudit/plaudit"
)

var _ plaudit.ReviewStore = (*DB)(nil)

const reviewColumns = "id, epoch, kind, member, event, points, amount, why, created_ns, status, decided_ns, decided_by, reason, resolved_ns, resolved_by, resolution, resolve_reason"

// AddReviewDraw stores an epoch's draw and items once, in one transaction; a second draw of the same
// epoch writes nothing.
func (db *DB) AddReviewDraw(ctx context.Context, d *plaudit.ReviewDraw, items []plaudit.ReviewItem) (bool, error) {
	added := false
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.Rebind(`INSERT INTO epoch_review_draws (epoch, seed, review_above, second_look, rewarded, sampled, payouts, drawn_ns)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`),
			d.Epoch, d.Seed, d.ReviewAbove, int64(d.SecondLook), d.Rewarded, d.Sampled, d.Payouts, nsOf(d.DrawnAt))
		if err != nil {
			return fmt.Errorf("add review draw of %s: %w", d.Epoch, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("add review draw of %s: %w", d.Epoch, err)
		} else if n == 0 {
			return nil
		}
		for i := range items {
			it := &items[i]
			if it.Epoch != d.Epoch {
				return plaudit.Errorf(plaudit.EINVALID, "review item %d: of epoch %s, not of the draw's %s", i, it.Epoch, d.Epoch)
			}
			if it.Status == "" {
				it.Status = plaudit.ReviewPending
			}
			err := tx.QueryRowContext(ctx, db.Rebind(`INSERT INTO epoch_reviews (epoch, kind, member, event, points, amount, why, created_ns, status)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
				it.Epoch, it.Kind, it.Member, it.Event, int64(it.Points), it.Amount, it.Why, nsOf(it.Created), it.Status).Scan(&it.ID)
			if err != nil {
				return fmt.Errorf("add review item %s %s %s of %s: %w", it.Kind, it.Member, it.Event, d.Epoch, err)
			}
		}
		added = true
		return nil
	})
	return added, err
}

// ReviewDraw returns the draw of epoch, or nil.
func (db *DB) ReviewDraw(ctx context.Context, epoch string) (*plaudit.ReviewDraw, error) {
	d := &plaudit.ReviewDraw{Epoch: epoch}
	var share, at int64
	err := db.db.QueryRowContext(ctx, db.Rebind("SELECT seed, review_above, second_look, rewarded, sampled, payouts, drawn_ns FROM epoch_review_draws WHERE epoch = ?"), epoch).
		Scan(&d.Seed, &d.ReviewAbove, &share, &d.Rewarded, &d.Sampled, &d.Payouts, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("review draw of %s: %w", epoch, err)
	}
	d.SecondLook, d.DrawnAt = plaudit.Ratio(share), timeOf(at)
	return d, nil
}

// ReviewItems returns the items of epoch ("" for all) with status ("" for any), by id.
func (db *DB) ReviewItems(ctx context.Context, epoch, status string) ([]plaudit.ReviewItem, error) {
	q, args := "SELECT "+reviewColumns+" FROM epoch_reviews WHERE 1 = 1", []any{}
	if epoch != "" {
		q, args = q+" AND epoch = ?", append(args, epoch)
	}
	if status != "" {
		q, args = q+" AND status = ?", append(args, status)
	}
	rows, err := db.db.QueryContext(ctx, db.Rebind(q+" ORDER BY id"), args...)
	if err != nil {
		return nil, fmt.Errorf("review items: %w", err)
	}
	defer rows.Close()
	var out []plaudit.ReviewItem
	for rows.Next() {
		it, err := scanReview(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("review items: %w", err)
	}
	return out, nil
}

func scanReview(row interface{ Scan(...any) error }) (*plaudit.ReviewItem, error) {
	var it plaudit.ReviewItem
	var points, created, decided, resolved int64
	if err := row.Scan(&it.ID, &it.Epoch, &it.Kind, &it.Member, &it.Event, &points, &it.Amount, &it.Why, &created, &it.Status,
		&decided, &it.DecidedBy, &it.Reason, &resolved, &it.ResolvedBy, &it.Resolution, &it.ResolveReason); err != nil {
		return nil, fmt.Errorf("review item: %w", err)
	}
	it.Points, it.Created, it.DecidedAt, it.ResolvedAt = plaudit.Points(points), timeOf(created), timeOf(decided), timeOf(resolved)
	return &it, nil
}

// DecideReview approves or rejects pending item id of epoch.
func (db *DB) DecideReview(ctx context.Context, epoch string, id int64, status string, at time.Time, by, reason string) (*plaudit.ReviewItem, error) {
	if status != plaudit.ReviewApproved && status != plaudit.ReviewRejected {
		return nil, plaudit.Errorf(plaudit.EINVALID, "review decision %q: want approved or rejected", status)
	}
	var out *plaudit.ReviewItem
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		it, err := scanReview(tx.QueryRowContext(ctx, db.Rebind("SELECT "+reviewColumns+" FROM epoch_reviews WHERE id = ? AND epoch = ?"), id, epoch))
		if errors.Is(err, sql.ErrNoRows) {
			return plaudit.Errorf(plaudit.ENOTFOUND, "epoch %s has no review item %d", epoch, id)
		} else if err != nil {
			return err
		}
		if it.Status != plaudit.ReviewPending {
			return plaudit.Errorf(plaudit.ECONFLICT, "review item %d of epoch %s is %s already (by %s at %s)", id, epoch, it.Status, it.DecidedBy, it.DecidedAt.Format(time.RFC3339))
		}
		if _, err := tx.ExecContext(ctx, db.Rebind("UPDATE epoch_reviews SET status = ?, decided_ns = ?, decided_by = ?, reason = ? WHERE id = ? AND status = ?"),
			status, nsOf(at), by, reason, id, plaudit.ReviewPending); err != nil {
			return fmt.Errorf("decide review item %d: %w", id, err)
		}
		it.Status, it.DecidedAt, it.DecidedBy, it.Reason = status, timeOf(nsOf(at)), by, reason
		out = it
		return nil
	})
	return out, err
}

// ResolveReviews marks epoch's rejected, unresolved items resolved.
func (db *DB) ResolveReviews(ctx context.Context, epoch string, at time.Time, by, resolution, reason string) (int, error) {
	res, err := db.db.ExecContext(ctx, db.Rebind(`UPDATE epoch_reviews SET resolved_ns = ?, resolved_by = ?, resolution = ?, resolve_reason = ?
		WHERE epoch = ? AND status = ? AND resolved_ns = 0`), nsOf(at), by, resolution, reason, epoch, plaudit.ReviewRejected)
	if err != nil {
		return 0, fmt.Errorf("resolve rejected reviews of %s: %w", epoch, err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}
