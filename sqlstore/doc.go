// Package sqlstore implements plaudit.Store over database/sql, for SQLite (modernc.org/sqlite, pure Go, the
// embedded default) and PostgreSQL (jackc/pgx/v5), with one implementation and a small dialect switch.
//
// Open picks the database by its DSN: a postgres:// or postgresql:// URL opens PostgreSQL, anything else is
// the path of a SQLite file (created if missing, in WAL mode). Open runs the embedded migrations before it
// returns, so a *DB is always at the newest schema.
//
// # Adding an area's tables and methods
//
// Each area of Plaudit (scores, ledger, integrity) keeps its persistence in this package, in its own files:
//
//   - Migrations are goose SQL files, one per dialect, with the same number and name in
//     migrations/sqlite/ and migrations/postgres/. Numbers are reserved by area: 00001–00009 events,
//     00010–00019 scores and policies, 00020–00029 epochs, ledger and payouts, 00030–00039 integrity. Gaps are
//     fine and files may be added below the newest applied one (out-of-order migrations are allowed), so
//     areas never need to coordinate beyond their range. Files are embedded by this package automatically:
//     dropping them in the folder is enough.
//   - Methods go on *DB in the area's own file (score.go, ledger.go, integrity.go). Use DB.SQL for the
//     *sql.DB, DB.Dialect to branch where the dialects differ, DB.Rebind to write a query once with ?
//     placeholders, and DB.InTx to run a function in a transaction that commits or rolls back as a whole.
//   - Tests: add the area's subtests to package storetest (storetest/score.go, …); the tests of this
//     package run the whole suite against SQLite and PostgreSQL.
//
// Times are stored as Unix nanoseconds (UTC) in integer columns, since PostgreSQL's timestamptz keeps only
// microseconds; JSON is stored as text (not jsonb in PostgreSQL) so that it comes back byte for byte.
package sqlstore
