package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/plaudit/plaudit"
)

// ScanScorePoints implements plaudit.ScoreScanner: the scores f selects, streamed in the order Scores
// returns them, without their explanations (the lines column is not read), so that an epoch close of a
// million members holds its tally, not its scores.
func (db *DB) ScanScorePoints(ctx context.Context, f plaudit.ScoreFilter, fn func(*plaudit.Score) error) error {
	if f.PolicyHash == "" {
		return plaudit.Errorf(plaudit.EINVALID, "scores: a policy hash is required")
	}
	q := "SELECT event, seq, member, scorer, points, time_ns FROM scores WHERE policy_hash = ?"
	args := []any{f.PolicyHash}
	if f.Member != "" {
		q += " AND member = ?"
		args = append(args, f.Member)
	}
	if !f.Since.IsZero() {
		q += " AND time_ns >= ?"
		args = append(args, f.Since.UnixNano())
	}
	if !f.Until.IsZero() {
		q += " AND time_ns < ?"
		args = append(args, f.Until.UnixNano())
	}
	if f.ThroughSeq > 0 {
		q += " AND seq <= ?"
		args = append(args, f.ThroughSeq)
	}
	q += " ORDER BY seq, event, pos"
	rows, err := db.db.QueryContext(ctx, db.Rebind(q), args...)
	if err != nil {
		return fmt.Errorf("scan scores: %w", err)
	}
	defer rows.Close()
	s := plaudit.Score{PolicyHash: f.PolicyHash}
	for rows.Next() {
		var points, ns int64
		if err := rows.Scan(&s.Event, &s.Seq, &s.Member, &s.Scorer, &points, &ns); err != nil {
			return fmt.Errorf("scan scores: %w", err)
		}
		s.Points, s.Time = plaudit.Points(points), time.Unix(0, ns).UTC()
		if err := fn(&s); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("scan scores: %w", err)
	}
	return nil
}
