package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/plaudit/plaudit"
)

// SaveTaskSettlement stores a per-task settlement unless (program, task) has one; it returns the stored
// document and whether it was there already (plaudit.TaskSettlementStore).
func (db *DB) SaveTaskSettlement(ctx context.Context, program, task, policyHash string, settled time.Time, doc []byte) ([]byte, bool, error) {
	res, err := db.db.ExecContext(ctx, db.Rebind(`INSERT INTO task_settlements (program, task, policy_hash, settled_ns, doc)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (program, task) DO NOTHING`), program, task, policyHash, settled.UnixNano(), string(doc))
	if err != nil {
		return nil, false, fmt.Errorf("store the settlement of task %s (program %s): %w", task, program, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 1 {
		return doc, false, nil
	}
	stored, err := db.TaskSettlement(ctx, program, task)
	if err != nil {
		return nil, false, err
	}
	return stored, true, nil
}

// TaskSettlement returns the stored settlement of a task (plaudit.TaskSettlementStore).
func (db *DB) TaskSettlement(ctx context.Context, program, task string) ([]byte, error) {
	var doc string
	err := db.db.QueryRowContext(ctx, db.Rebind("SELECT doc FROM task_settlements WHERE program = ? AND task = ?"), program, task).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, plaudit.Errorf(plaudit.ENOTFOUND, "task %s of program %s is not settled", task, program)
	} else if err != nil {
		return nil, fmt.Errorf("read the settlement of task %s (program %s): %w", task, program, err)
	}
	return []byte(doc), nil
}

var _ plaudit.TaskSettlementStore = (*DB)(nil)
