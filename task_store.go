package plaudit

import (
	"context"
	"time"
)

// TaskSettlementStore keeps the settlements of programs that settle per task (a completed GitHub issue
// settled at once into Permit2 claims): the first settlement of a task is the one kept, so that a task is
// never settled, and its claims never signed for other amounts, twice. sqlstore.DB implements it (table
// task_settlements).
type TaskSettlementStore interface {
	// SaveTaskSettlement stores doc as the settlement of task in program unless one is stored already; it
	// returns the stored document (doc, or the earlier one) and whether it was stored earlier.
	SaveTaskSettlement(ctx context.Context, program, task, policyHash string, settled time.Time, doc []byte) (stored []byte, existed bool, err error)
	// TaskSettlement returns the stored settlement of task in program (ENOTFOUND when none).
	TaskSettlement(ctx context.Context, program, task string) ([]byte, error)
}
