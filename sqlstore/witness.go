package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/plaudit/plaudit"
)

var _ plaudit.WitnessStore = (*DB)(nil)

const witnessColumns = "id, epoch, witness, kind, time_ns, root, policy_hash, inputs_digest, total_paid, member, stored, rebuilt, reason, document, resolved_ns, resolved_by, resolution, resolve_reason"

// AddWitnessRecord stores r; a repeated attestation (same witness, epoch and document) or a repeated open
// dispute writes nothing, a different attestation by the same witness of the same epoch is an ECONFLICT.
func (db *DB) AddWitnessRecord(ctx context.Context, r *plaudit.WitnessRecord) (bool, error) {
	if r.Kind != plaudit.WitnessAttestation && r.Kind != plaudit.WitnessDispute {
		return false, plaudit.Errorf(plaudit.EINVALID, "witness record: kind %q: want attestation or dispute", r.Kind)
	}
	added := false
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		if r.Kind == plaudit.WitnessAttestation {
			var id int64
			var doc string
			err := tx.QueryRowContext(ctx, db.Rebind("SELECT id, document FROM witness_records WHERE epoch = ? AND witness = ? AND kind = ?"),
				r.Epoch, r.Witness, r.Kind).Scan(&id, &doc)
			switch {
			case err == nil && doc == r.Document:
				r.ID = id
				return nil
			case err == nil:
				return plaudit.Errorf(plaudit.ECONFLICT, "witness %s attested epoch %s already (record %d) with other values", r.Witness, r.Epoch, id)
			case !errors.Is(err, sql.ErrNoRows):
				return fmt.Errorf("read attestation: %w", err)
			}
		}
		if r.Kind == plaudit.WitnessDispute {
			var id int64
			err := tx.QueryRowContext(ctx, db.Rebind("SELECT id FROM witness_records WHERE epoch = ? AND witness = ? AND kind = ? AND document = ? AND resolved_ns = 0"),
				r.Epoch, r.Witness, r.Kind, r.Document).Scan(&id)
			if err == nil {
				r.ID = id
				return nil
			} else if !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("read dispute: %w", err)
			}
		}
		err := tx.QueryRowContext(ctx, db.Rebind(`INSERT INTO witness_records (epoch, witness, kind, time_ns, root, policy_hash, inputs_digest, total_paid,
			member, stored, rebuilt, reason, document) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
			r.Epoch, r.Witness, r.Kind, nsOf(r.Time), r.Root, r.PolicyHash, r.InputsDigest, r.TotalPaid,
			r.Member, r.Stored, r.Rebuilt, r.Reason, r.Document).Scan(&r.ID)
		if err != nil {
			return fmt.Errorf("add witness %s: %w", r.Kind, err)
		}
		added = true
		return nil
	})
	return added, err
}

// WitnessRecords returns the records of epoch ("" for all), by id.
func (db *DB) WitnessRecords(ctx context.Context, epoch string) ([]plaudit.WitnessRecord, error) {
	q, args := "SELECT "+witnessColumns+" FROM witness_records ORDER BY id", []any{}
	if epoch != "" {
		q, args = "SELECT "+witnessColumns+" FROM witness_records WHERE epoch = ? ORDER BY id", []any{epoch}
	}
	rows, err := db.db.QueryContext(ctx, db.Rebind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("witness records: %w", err)
	}
	defer rows.Close()
	var out []plaudit.WitnessRecord
	for rows.Next() {
		var r plaudit.WitnessRecord
		var at, resolved int64
		if err := rows.Scan(&r.ID, &r.Epoch, &r.Witness, &r.Kind, &at, &r.Root, &r.PolicyHash, &r.InputsDigest, &r.TotalPaid,
			&r.Member, &r.Stored, &r.Rebuilt, &r.Reason, &r.Document, &resolved, &r.ResolvedBy, &r.Resolution, &r.ResolveReason); err != nil {
			return nil, fmt.Errorf("witness records: %w", err)
		}
		r.Time, r.ResolvedAt = timeOf(at), timeOf(resolved)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("witness records: %w", err)
	}
	return out, nil
}

// ResolveDisputes marks epoch's open disputes resolved.
func (db *DB) ResolveDisputes(ctx context.Context, epoch string, at time.Time, by, resolution, reason string) (int, error) {
	res, err := db.db.ExecContext(ctx, db.Rebind(`UPDATE witness_records SET resolved_ns = ?, resolved_by = ?, resolution = ?, resolve_reason = ?
		WHERE epoch = ? AND kind = ? AND resolved_ns = 0`), nsOf(at), by, resolution, reason, epoch, plaudit.WitnessDispute)
	if err != nil {
		return 0, fmt.Errorf("resolve disputes of %s: %w", epoch, err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// Published returns when epoch was published, or the zero time.
func (db *DB) Published(ctx context.Context, epoch string) (time.Time, error) {
	var ns int64
	err := db.db.QueryRowContext(ctx, db.Rebind("SELECT published_ns FROM epoch_publications WHERE epoch = ?"), epoch).Scan(&ns)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	} else if err != nil {
		return time.Time{}, fmt.Errorf("publication of %s: %w", epoch, err)
	}
	return timeOf(ns), nil
}

// Publish records epoch's publication once.
func (db *DB) Publish(ctx context.Context, epoch string, at time.Time) (bool, error) {
	res, err := db.db.ExecContext(ctx, db.Rebind("INSERT INTO epoch_publications (epoch, published_ns) VALUES (?, ?) ON CONFLICT DO NOTHING"), epoch, nsOf(at))
	if err != nil {
		return false, fmt.Errorf("publish %s: %w", epoch, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
