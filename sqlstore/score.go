package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/plaudit/plaudit"
)

var _ plaudit.ScoreStore = (*DB)(nil)

// scoreRowsPerInsert is how many scores one INSERT carries: 9 parameters each, well under both databases'
// limits, and few enough round trips to PostgreSQL for a whole log's scores.
const scoreRowsPerInsert = 200

// SaveScores implements plaudit.ScoreStore.
func (db *DB) SaveScores(ctx context.Context, policyHash string, scores []plaudit.Score) error {
	if err := checkScores(policyHash, scores); err != nil {
		return err
	}
	var events []string
	seen := map[string]bool{}
	for _, s := range scores {
		if !seen[s.Event] {
			seen[s.Event] = true
			events = append(events, s.Event)
		}
	}
	return db.InTx(ctx, func(tx *sql.Tx) error {
		for len(events) > 0 {
			n := min(len(events), 500)
			args := []any{policyHash}
			for _, e := range events[:n] {
				args = append(args, e)
			}
			q := "DELETE FROM scores WHERE policy_hash = ? AND event IN (?" + strings.Repeat(", ?", n-1) + ")"
			if _, err := tx.ExecContext(ctx, db.Rebind(q), args...); err != nil {
				return fmt.Errorf("save scores: delete old: %w", err)
			}
			events = events[n:]
		}
		return db.insertScores(ctx, tx, policyHash, scores)
	})
}

// ReplaceScores implements plaudit.ScoreStore.
func (db *DB) ReplaceScores(ctx context.Context, policyHash string, scores []plaudit.Score) error {
	if err := checkScores(policyHash, scores); err != nil {
		return err
	}
	return db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, db.Rebind("DELETE FROM scores WHERE policy_hash = ?"), policyHash); err != nil {
			return fmt.Errorf("replace scores: delete old: %w", err)
		}
		return db.insertScores(ctx, tx, policyHash, scores)
	})
}

// checkScores refuses scores that do not belong to the policy or lack an event or member: nothing is
// written when any is wrong.
func checkScores(policyHash string, scores []plaudit.Score) error {
	if policyHash == "" {
		return plaudit.Errorf(plaudit.EINVALID, "save scores: empty policy hash")
	}
	for i, s := range scores {
		switch {
		case s.PolicyHash != policyHash:
			return plaudit.Errorf(plaudit.EINVALID, "save scores: score %d (event %s) has policy hash %q, not %q", i, s.Event, s.PolicyHash, policyHash)
		case s.Event == "":
			return plaudit.Errorf(plaudit.EINVALID, "save scores: score %d has no event", i)
		case s.Member == "":
			return plaudit.Errorf(plaudit.EINVALID, "save scores: score %d (event %s) has no member", i, s.Event)
		}
	}
	return nil
}

func (db *DB) insertScores(ctx context.Context, tx *sql.Tx, policyHash string, scores []plaudit.Score) error {
	pos := map[string]int{}
	for len(scores) > 0 {
		n := min(len(scores), scoreRowsPerInsert)
		var q strings.Builder
		q.WriteString("INSERT INTO scores (policy_hash, event, pos, seq, member, scorer, points, time_ns, lines) VALUES ")
		args := make([]any, 0, n*9)
		for i, s := range scores[:n] {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?)")
			lines, err := json.Marshal(s.Lines)
			if err != nil {
				return fmt.Errorf("save scores: encode lines of %s: %w", s.Event, err)
			}
			p := pos[s.Event]
			pos[s.Event] = p + 1
			args = append(args, policyHash, s.Event, p, s.Seq, s.Member, s.Scorer, int64(s.Points), s.Time.UnixNano(), string(lines))
		}
		if _, err := tx.ExecContext(ctx, db.Rebind(q.String()), args...); err != nil {
			return fmt.Errorf("save scores: insert: %w", err)
		}
		scores = scores[n:]
	}
	return nil
}

// Scores implements plaudit.ScoreStore.
func (db *DB) Scores(ctx context.Context, f plaudit.ScoreFilter) ([]plaudit.Score, error) {
	if f.PolicyHash == "" {
		return nil, plaudit.Errorf(plaudit.EINVALID, "scores: a policy hash is required")
	}
	q := "SELECT event, seq, member, scorer, points, time_ns, lines FROM scores WHERE policy_hash = ?"
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
	q += " ORDER BY seq, event, pos"
	return db.queryScores(ctx, f.PolicyHash, q, args...)
}

// ScoresByMember implements plaudit.ScoreStore.
func (db *DB) ScoresByMember(ctx context.Context, policyHash, member string) ([]plaudit.Score, error) {
	return db.Scores(ctx, plaudit.ScoreFilter{PolicyHash: policyHash, Member: member})
}

// ScoresByEvent implements plaudit.ScoreStore.
func (db *DB) ScoresByEvent(ctx context.Context, policyHash, event string) ([]plaudit.Score, error) {
	return db.queryScores(ctx, policyHash,
		"SELECT event, seq, member, scorer, points, time_ns, lines FROM scores WHERE policy_hash = ? AND event = ? ORDER BY pos",
		policyHash, event)
}

func (db *DB) queryScores(ctx context.Context, policyHash, q string, args ...any) ([]plaudit.Score, error) {
	rows, err := db.db.QueryContext(ctx, db.Rebind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("query scores: %w", err)
	}
	defer rows.Close()
	var out []plaudit.Score
	for rows.Next() {
		s := plaudit.Score{PolicyHash: policyHash}
		var points, ns int64
		var lines string
		if err := rows.Scan(&s.Event, &s.Seq, &s.Member, &s.Scorer, &points, &ns, &lines); err != nil {
			return nil, fmt.Errorf("query scores: %w", err)
		}
		s.Points, s.Time = plaudit.Points(points), time.Unix(0, ns).UTC()
		if err := json.Unmarshal([]byte(lines), &s.Lines); err != nil {
			return nil, fmt.Errorf("query scores: decode lines of %s: %w", s.Event, err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("query scores: %w", err)
	}
	return out, nil
}

// SetActivePolicy implements plaudit.ScoreStore.
func (db *DB) SetActivePolicy(ctx context.Context, rec *plaudit.PolicyRecord) error {
	switch {
	case !strings.HasPrefix(rec.Hash, "sha256:"):
		return plaudit.Errorf(plaudit.EINVALID, "activate policy: hash %q is not a sha256: hash", rec.Hash)
	case rec.Document == "":
		return plaudit.Errorf(plaudit.EINVALID, "activate policy: empty document")
	case rec.ActivatedAt.IsZero():
		return plaudit.Errorf(plaudit.EINVALID, "activate policy: no activation time")
	}
	return db.InTx(ctx, func(tx *sql.Tx) error {
		var doc string
		err := tx.QueryRowContext(ctx, db.Rebind("SELECT document FROM policies WHERE hash = ?"), rec.Hash).Scan(&doc)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if _, err := tx.ExecContext(ctx, db.Rebind("INSERT INTO policies (hash, name, version, document) VALUES (?, ?, ?, ?)"),
				rec.Hash, rec.Name, rec.Version, rec.Document); err != nil {
				return fmt.Errorf("activate policy: store document: %w", err)
			}
		case err != nil:
			return fmt.Errorf("activate policy: %w", err)
		}
		if _, err := tx.ExecContext(ctx, db.Rebind("INSERT INTO policy_activations (hash, activated_ns, activated_by) VALUES (?, ?, ?)"),
			rec.Hash, rec.ActivatedAt.UnixNano(), rec.ActivatedBy); err != nil {
			return fmt.Errorf("activate policy: %w", err)
		}
		return nil
	})
}

// ActivePolicy implements plaudit.ScoreStore.
func (db *DB) ActivePolicy(ctx context.Context) (*plaudit.PolicyRecord, error) {
	rec := &plaudit.PolicyRecord{}
	var ns int64
	err := db.db.QueryRowContext(ctx, `SELECT p.hash, p.name, p.version, p.document, a.activated_ns, a.activated_by
		FROM policy_activations a JOIN policies p ON p.hash = a.hash ORDER BY a.id DESC LIMIT 1`).
		Scan(&rec.Hash, &rec.Name, &rec.Version, &rec.Document, &ns, &rec.ActivatedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, plaudit.Errorf(plaudit.ENOTFOUND, "no active policy: activate one with `plaudit policy activate FILE`")
	} else if err != nil {
		return nil, fmt.Errorf("active policy: %w", err)
	}
	rec.ActivatedAt = time.Unix(0, ns).UTC()
	return rec, nil
}

// PolicyByHash implements plaudit.ScoreStore.
func (db *DB) PolicyByHash(ctx context.Context, hash string) (*plaudit.PolicyRecord, error) {
	rec := &plaudit.PolicyRecord{}
	err := db.db.QueryRowContext(ctx, db.Rebind("SELECT hash, name, version, document FROM policies WHERE hash = ?"), hash).
		Scan(&rec.Hash, &rec.Name, &rec.Version, &rec.Document)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, plaudit.Errorf(plaudit.ENOTFOUND, "no stored policy with hash %s", hash)
	} else if err != nil {
		return nil, fmt.Errorf("policy by hash: %w", err)
	}
	return rec, nil
}
