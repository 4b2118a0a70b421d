package plaudit

import (
	"context"
	"time"
)

// AppendStatus is the outcome of appending one event.
type AppendStatus string

// The outcomes of appending an event. A duplicate is an event whose (source, id) is already in the log: it
// changes nothing, which is what makes a retried import or request safe.
const (
	Accepted  AppendStatus = "accepted"
	Duplicate AppendStatus = "duplicate"
	Rejected  AppendStatus = "rejected"
)

// AppendResult reports what happened to one event of a batch.
type AppendResult struct {
	Status AppendStatus `json:"status"`
	Seq    int64        `json:"seq,omitempty"`   // the stored sequence of an accepted or duplicate event
	Error  *FieldError  `json:"error,omitempty"` // why a rejected event was rejected
}

// EventFilter selects events from the log. Zero values select everything.
type EventFilter struct {
	Sources  []Source
	Kinds    []Kind
	Actors   []string  // the platform accounts that acted (Event.Actor)
	Since    time.Time // inclusive, by event time
	Until    time.Time // exclusive, by event time
	AfterSeq int64     // only events with Seq > AfterSeq
	Limit    int       // 0 for no limit
	// DirectoryKinds selects only events of the DirectoryKinds (with Kinds, of both): the few a member
	// directory's kinds and wallets come from, which stores read by an index of their own instead of
	// reading the whole log.
	DirectoryKinds bool
}

// SourceKindCount is the number of events of one source and kind.
type SourceKindCount struct {
	Source Source `json:"source"`
	Kind   Kind   `json:"kind"`
	Count  int64  `json:"count"`
}

// EventStats summarises the log.
type EventStats struct {
	Total    int64             `json:"total"`
	Accounts int64             `json:"accounts"` // distinct (source, actor) pairs
	First    time.Time         `json:"first"`
	Last     time.Time         `json:"last"`
	ByKind   []SourceKindCount `json:"by_kind"` // sorted by source, then kind
}

// EventStore is the append-only, idempotent event log.
type EventStore interface {
	// AppendEvents stores the valid events of a batch in one transaction, skipping those already stored.
	// Events must have been validated; the store checks only what it must (uniqueness). It returns one
	// result per event, in order. Either every accepted event is stored or, with an error, none is.
	AppendEvents(ctx context.Context, events []Event) ([]AppendResult, error)

	// ScanEvents calls fn for each event matching f, in Seq order, stopping at the first error fn returns.
	ScanEvents(ctx context.Context, f EventFilter, fn func(*Event) error) error

	// EventByKey returns the event with the given source and external id, or an ENOTFOUND error.
	EventByKey(ctx context.Context, source Source, externalID string) (*Event, error)

	// EventStats summarises the log.
	EventStats(ctx context.Context) (*EventStats, error)

	// LogSeq returns the seq of the last event of the log, 0 when it is empty: where the log ends, without
	// reading it.
	LogSeq(ctx context.Context) (int64, error)
}

// BulkEventStore is an EventStore that can also append many batches in one transaction. A transaction per
// batch costs a database with a B-tree key index dearly when the keys are random: every commit writes every
// index page the batch touched, and a few thousand random keys touch most of them. Importers use it when
// the store offers it, and commit every so many events.
type BulkEventStore interface {
	EventStore

	// BeginAppend starts a bulk append. While it is open the store's other writers wait, so an importer
	// commits often enough (every few seconds of work) to let them in.
	BeginAppend(ctx context.Context) (EventAppender, error)
}

// EventAppender appends batches of events in a transaction that stays open across them. It is not safe for
// concurrent use.
type EventAppender interface {
	// AppendEvents appends a batch as EventStore.AppendEvents does, but within the open transaction: the
	// batch is seen by later batches (a repeat is a duplicate) and becomes durable at the next Commit. A
	// batch that fails leaves nothing of itself behind; the batches before it stay pending.
	AppendEvents(ctx context.Context, events []Event) ([]AppendResult, error)

	// Commit makes every batch appended so far durable and visible to readers, and opens a new
	// transaction for the batches to come.
	Commit(ctx context.Context) error

	// Close discards whatever was appended since the last Commit and releases the store. It is safe to
	// call after an error and more than once.
	Close() error
}

// Store is everything Plaudit persists. The implementation is package sqlstore, over SQLite (the embedded
// default) and PostgreSQL; both pass the shared suite in package storetest.
type Store interface {
	EventStore
	ScoreStore
	LedgerStore
	IntegrityStore
	KeyStore
	Close() error
}
