package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"strings"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/ledger"
)

var _ plaudit.LedgerStore = (*DB)(nil)

// ledgerLockID is the PostgreSQL advisory lock every ledger write holds for its transaction, so that the
// read-check-write of balances never interleaves ("ledger" in ASCII). SQLite transactions here begin
// IMMEDIATE and are serialised already.
const ledgerLockID = 0x6c6564676572

// Rows per multi-row INSERT of entries and balances (5 and 3 parameters a row, far below either database's
// limit).
const ledgerChunk = 1000

func (db *DB) lockLedger(ctx context.Context, tx *sql.Tx) error {
	if db.dialect != Postgres {
		return nil
	}
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", int64(ledgerLockID)); err != nil {
		return fmt.Errorf("lock ledger: %w", err)
	}
	return nil
}

// amountText formats an amount for a text column; nil is zero.
func amountText(v *big.Int) string {
	if v == nil {
		return "0"
	}
	return v.String()
}

func parseAmount(s, what string) (*big.Int, error) {
	v, ok := new(big.Int).SetString(s, 10)
	if !ok {
		return nil, fmt.Errorf("corrupt amount %q in %s", s, what)
	}
	return v, nil
}

// AppendPosting checks p against the ledger's balances and stores it with its new balances, in one
// transaction. See plaudit.LedgerStore.
func (db *DB) AppendPosting(ctx context.Context, p *plaudit.Posting) (int64, error) {
	var id int64
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		if err := db.lockLedger(ctx, tx); err != nil {
			return err
		}
		var err error
		id, err = db.post(ctx, tx, p)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("append posting: %w", err)
	}
	p.ID = id
	return id, nil
}

// post checks p (structure, reversal, balances) and writes it, its entries and the balances it changes.
func (db *DB) post(ctx context.Context, tx *sql.Tx, p *plaudit.Posting) (int64, error) {
	if err := p.Check(); err != nil {
		return 0, err
	}
	if p.Reverses != 0 {
		orig, err := db.posting(ctx, tx, p.Reverses)
		if err != nil {
			return 0, err
		}
		var by sql.NullInt64
		err = tx.QueryRowContext(ctx, db.Rebind("SELECT id FROM postings WHERE reverses = ?"), p.Reverses).Scan(&by)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return 0, fmt.Errorf("find reversal of posting %d: %w", p.Reverses, err)
		}
		if err := ledger.CheckReversal(orig, by.Int64, p); err != nil {
			return 0, err
		}
	}
	cur, err := db.balancesOf(ctx, tx, p.Entries)
	if err != nil {
		return 0, err
	}
	next, err := ledger.Apply(p, func(k ledger.Key) *big.Int { return cur[k] })
	if err != nil {
		return 0, err
	}
	var reverses any
	if p.Reverses != 0 {
		reverses = p.Reverses
	}
	var id int64
	err = tx.QueryRowContext(ctx, db.Rebind("INSERT INTO postings (origin_kind, origin_id, reason, reverses, time_ns) VALUES (?, ?, ?, ?, ?) RETURNING id"),
		p.Origin.Kind, p.Origin.ID, p.Reason, reverses, p.Time.UnixNano()).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("insert posting: %w", err)
	}
	err = db.chunkExec(ctx, tx, len(p.Entries), ledgerChunk,
		func(rows int) string {
			return "INSERT INTO entries (posting_id, n, account, asset, amount) VALUES " + valuesList(rows, 5)
		},
		func(args []any, i int) []any {
			e := p.Entries[i]
			return append(args, id, i, e.Account, e.Asset, e.Amount.String())
		})
	if err != nil {
		return 0, fmt.Errorf("insert entries of posting %d: %w", id, err)
	}
	keys := make([]ledger.Key, 0, len(next))
	for k := range next {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].Account != keys[j].Account {
			return keys[i].Account < keys[j].Account
		}
		return keys[i].Asset < keys[j].Asset
	})
	err = db.chunkExec(ctx, tx, len(keys), ledgerChunk,
		func(rows int) string {
			return "INSERT INTO balances (account, asset, amount) VALUES " + valuesList(rows, 3) +
				" ON CONFLICT (account, asset) DO UPDATE SET amount = excluded.amount"
		},
		func(args []any, i int) []any {
			return append(args, keys[i].Account, keys[i].Asset, next[keys[i]].String())
		})
	if err != nil {
		return 0, fmt.Errorf("update balances of posting %d: %w", id, err)
	}
	return id, nil
}

// valuesList returns "(?, …), (?, …)" for rows rows of cols placeholders.
func valuesList(rows, cols int) string {
	one := "(?" + strings.Repeat(", ?", cols-1) + ")"
	var b strings.Builder
	b.Grow(rows * (len(one) + 2))
	for i := 0; i < rows; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(one)
	}
	return b.String()
}

// chunkExec inserts rows [0, n) with multi-row statements of up to size rows, preparing the full-size
// statement once and reusing it (parsing a thousand-row statement again for every chunk costs more than
// running it on SQLite); the last, shorter chunk runs on its own. add appends row i's arguments.
func (db *DB) chunkExec(ctx context.Context, tx *sql.Tx, n, size int, stmt func(rows int) string, add func(args []any, i int) []any) error {
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	args := make([]any, 0, 16*size)
	for start := 0; start < n; start += size {
		end := min(start+size, n)
		args = args[:0]
		for i := start; i < end; i++ {
			args = add(args, i)
		}
		var err error
		if end-start == size && n > size {
			if full == nil {
				if full, err = tx.PrepareContext(ctx, db.Rebind(stmt(size))); err != nil {
					return err
				}
			}
			_, err = full.ExecContext(ctx, args...)
		} else {
			_, err = tx.ExecContext(ctx, db.Rebind(stmt(end-start)), args...)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// balancesOf reads the current balances of the accounts entries touch.
func (db *DB) balancesOf(ctx context.Context, tx *sql.Tx, entries []plaudit.Entry) (map[ledger.Key]*big.Int, error) {
	seen := map[string]bool{}
	var accounts []string
	for _, e := range entries {
		if !seen[e.Account] {
			seen[e.Account] = true
			accounts = append(accounts, e.Account)
		}
	}
	out := map[ledger.Key]*big.Int{}
	for start := 0; start < len(accounts); start += lookupChunk {
		end := min(start+lookupChunk, len(accounts))
		q := "SELECT account, asset, amount FROM balances WHERE account IN (?" + strings.Repeat(", ?", end-start-1) + ")"
		args := make([]any, 0, end-start)
		for _, a := range accounts[start:end] {
			args = append(args, a)
		}
		rows, err := tx.QueryContext(ctx, db.Rebind(q), args...)
		if err != nil {
			return nil, fmt.Errorf("read balances: %w", err)
		}
		for rows.Next() {
			var acct, asset, amt string
			if err := rows.Scan(&acct, &asset, &amt); err != nil {
				rows.Close()
				return nil, fmt.Errorf("read balances: %w", err)
			}
			v, err := parseAmount(amt, "balance of "+acct)
			if err != nil {
				rows.Close()
				return nil, err
			}
			out[ledger.Key{Account: acct, Asset: asset}] = v
		}
		if err := rows.Close(); err != nil {
			return nil, fmt.Errorf("read balances: %w", err)
		}
	}
	return out, nil
}

// Posting returns the posting with the given id.
func (db *DB) Posting(ctx context.Context, id int64) (*plaudit.Posting, error) {
	var p *plaudit.Posting
	err := db.ReadTx(ctx, func(tx *sql.Tx) error {
		var err error
		p, err = db.posting(ctx, tx, id)
		return err
	})
	return p, err
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (db *DB) posting(ctx context.Context, q querier, id int64) (*plaudit.Posting, error) {
	ps, err := db.queryPostings(ctx, q, "SELECT id, origin_kind, origin_id, reason, reverses, time_ns FROM postings WHERE id = ?", id)
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, plaudit.Errorf(plaudit.ENOTFOUND, "posting %d not found", id)
	}
	return ps[0], nil
}

// Postings returns the postings that match f, by id, with their entries.
func (db *DB) Postings(ctx context.Context, f plaudit.PostingFilter) ([]*plaudit.Posting, error) {
	q := "SELECT id, origin_kind, origin_id, reason, reverses, time_ns FROM postings WHERE 1 = 1"
	var args []any
	if f.Account != "" {
		q += " AND id IN (SELECT posting_id FROM entries WHERE account = ?)"
		args = append(args, f.Account)
	}
	if f.Origin != "" {
		kind, id, _ := strings.Cut(f.Origin, ":")
		q += " AND origin_kind = ? AND origin_id = ?"
		args = append(args, kind, id)
	}
	q += " ORDER BY id"
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	var out []*plaudit.Posting
	err := db.ReadTx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = db.queryPostings(ctx, tx, q, args...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list postings: %w", err)
	}
	return out, nil
}

func (db *DB) queryPostings(ctx context.Context, q querier, query string, args ...any) ([]*plaudit.Posting, error) {
	rows, err := q.QueryContext(ctx, db.Rebind(query), args...)
	if err != nil {
		return nil, fmt.Errorf("read postings: %w", err)
	}
	var out []*plaudit.Posting
	byID := map[int64]*plaudit.Posting{}
	for rows.Next() {
		p := &plaudit.Posting{}
		var rev sql.NullInt64
		var ns int64
		if err := rows.Scan(&p.ID, &p.Origin.Kind, &p.Origin.ID, &p.Reason, &rev, &ns); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read postings: %w", err)
		}
		p.Reverses, p.Time = rev.Int64, time.Unix(0, ns).UTC()
		out = append(out, p)
		byID[p.ID] = p
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("read postings: %w", err)
	}
	for start := 0; start < len(out); start += lookupChunk {
		end := min(start+lookupChunk, len(out))
		args := make([]any, 0, end-start)
		for _, p := range out[start:end] {
			args = append(args, p.ID)
		}
		rows, err := q.QueryContext(ctx, db.Rebind("SELECT posting_id, account, asset, amount FROM entries WHERE posting_id IN (?"+strings.Repeat(", ?", end-start-1)+") ORDER BY posting_id, n"), args...)
		if err != nil {
			return nil, fmt.Errorf("read entries: %w", err)
		}
		for rows.Next() {
			var pid int64
			var e plaudit.Entry
			var amt string
			if err := rows.Scan(&pid, &e.Account, &e.Asset, &amt); err != nil {
				rows.Close()
				return nil, fmt.Errorf("read entries: %w", err)
			}
			if e.Amount, err = parseAmount(amt, fmt.Sprintf("posting %d", pid)); err != nil {
				rows.Close()
				return nil, err
			}
			byID[pid].Entries = append(byID[pid].Entries, e)
		}
		if err := rows.Close(); err != nil {
			return nil, fmt.Errorf("read entries: %w", err)
		}
	}
	return out, nil
}

// Balances returns the non-zero balances of accounts starting with prefix, by account then asset.
func (db *DB) Balances(ctx context.Context, prefix string) ([]plaudit.Balance, error) {
	return db.balances(ctx, db.db, prefix)
}

func (db *DB) balances(ctx context.Context, q querier, prefix string) ([]plaudit.Balance, error) {
	query := "SELECT account, asset, amount FROM balances"
	var args []any
	if prefix != "" {
		query += " WHERE substr(account, 1, ?) = ?"
		args = append(args, len(prefix), prefix)
	}
	query += " ORDER BY account, asset"
	rows, err := q.QueryContext(ctx, db.Rebind(query), args...)
	if err != nil {
		return nil, fmt.Errorf("read balances: %w", err)
	}
	defer rows.Close()
	var out []plaudit.Balance
	for rows.Next() {
		var b plaudit.Balance
		var amt string
		if err := rows.Scan(&b.Account, &b.Asset, &amt); err != nil {
			return nil, fmt.Errorf("read balances: %w", err)
		}
		if b.Amount, err = parseAmount(amt, "balance of "+b.Account); err != nil {
			return nil, err
		}
		if b.Amount.Sign() != 0 {
			out = append(out, b)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read balances: %w", err)
	}
	return out, nil
}

// ENGToggles returns the recorded toggles of member ("" for all), oldest first.
func (db *DB) ENGToggles(ctx context.Context, member string) ([]plaudit.ENGToggle, error) {
	q := "SELECT member, time_ns, from_mode, to_mode, operator FROM eng_toggles"
	var args []any
	if member != "" {
		q += " WHERE member = ?"
		args = append(args, member)
	}
	q += " ORDER BY time_ns, member"
	rows, err := db.db.QueryContext(ctx, db.Rebind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("read ENG toggles: %w", err)
	}
	defer rows.Close()
	var out []plaudit.ENGToggle
	for rows.Next() {
		var t plaudit.ENGToggle
		var ns int64
		if err := rows.Scan(&t.Member, &ns, &t.From, &t.To, &t.Operator); err != nil {
			return nil, fmt.Errorf("read ENG toggles: %w", err)
		}
		t.Time = time.Unix(0, ns).UTC()
		out = append(out, t)
	}
	return out, rows.Err()
}

// AddENGToggle records a toggle; a second toggle of the same member at the same instant is an ECONFLICT.
func (db *DB) AddENGToggle(ctx context.Context, t plaudit.ENGToggle) error {
	if t.Member == "" || (t.To != plaudit.ENGGovernance && t.To != plaudit.ENGRewards) {
		return plaudit.Errorf(plaudit.EINVALID, "ENG toggle: need a member and a mode (governance or rewards)")
	}
	return db.InTx(ctx, func(tx *sql.Tx) error {
		var n int
		err := tx.QueryRowContext(ctx, db.Rebind("SELECT count(*) FROM eng_toggles WHERE member = ? AND time_ns = ?"), t.Member, t.Time.UnixNano()).Scan(&n)
		if err != nil {
			return fmt.Errorf("record ENG toggle: %w", err)
		}
		if n > 0 {
			return plaudit.Errorf(plaudit.ECONFLICT, "member %s already toggled ENG at %s", t.Member, t.Time.UTC().Format(time.RFC3339Nano))
		}
		_, err = tx.ExecContext(ctx, db.Rebind("INSERT INTO eng_toggles (member, time_ns, from_mode, to_mode, operator) VALUES (?, ?, ?, ?, ?)"),
			t.Member, t.Time.UnixNano(), string(t.From), string(t.To), t.Operator)
		if err != nil {
			return fmt.Errorf("record ENG toggle: %w", err)
		}
		return nil
	})
}

// Delegations returns the delegations of member ("" for all), by id.
func (db *DB) Delegations(ctx context.Context, member string) ([]*plaudit.Delegation, error) {
	q := "SELECT id, member, amount, time_ns, operator, reason, posting_id, revoked_ns, revoke_posting_id FROM delegations"
	var args []any
	if member != "" {
		q += " WHERE member = ?"
		args = append(args, member)
	}
	q += " ORDER BY id"
	return db.queryDelegations(ctx, db.db, q, args...)
}

func (db *DB) queryDelegations(ctx context.Context, q querier, query string, args ...any) ([]*plaudit.Delegation, error) {
	rows, err := q.QueryContext(ctx, db.Rebind(query), args...)
	if err != nil {
		return nil, fmt.Errorf("read delegations: %w", err)
	}
	defer rows.Close()
	var out []*plaudit.Delegation
	for rows.Next() {
		d := &plaudit.Delegation{}
		var amt string
		var ns int64
		var rns, rpid sql.NullInt64
		if err := rows.Scan(&d.ID, &d.Member, &amt, &ns, &d.Operator, &d.Reason, &d.PostingID, &rns, &rpid); err != nil {
			return nil, fmt.Errorf("read delegations: %w", err)
		}
		if d.Amount, err = parseAmount(amt, fmt.Sprintf("delegation %d", d.ID)); err != nil {
			return nil, err
		}
		d.Time = time.Unix(0, ns).UTC()
		if rns.Valid {
			d.Revoked = time.Unix(0, rns.Int64).UTC()
		}
		d.RevokePostingID = rpid.Int64
		out = append(out, d)
	}
	return out, rows.Err()
}

// Delegate posts p and records d in one transaction.
func (db *DB) Delegate(ctx context.Context, d *plaudit.Delegation, p *plaudit.Posting) error {
	return db.InTx(ctx, func(tx *sql.Tx) error {
		if err := db.lockLedger(ctx, tx); err != nil {
			return err
		}
		pid, err := db.post(ctx, tx, p)
		if err != nil {
			return fmt.Errorf("delegate to %s: %w", d.Member, err)
		}
		var id int64
		err = tx.QueryRowContext(ctx, db.Rebind("INSERT INTO delegations (member, amount, time_ns, operator, reason, posting_id) VALUES (?, ?, ?, ?, ?, ?) RETURNING id"),
			d.Member, amountText(d.Amount), d.Time.UnixNano(), d.Operator, d.Reason, pid).Scan(&id)
		if err != nil {
			return fmt.Errorf("record delegation: %w", err)
		}
		p.ID, d.ID, d.PostingID = pid, id, pid
		return nil
	})
}

// RevokeDelegation posts p and marks delegation id revoked, in one transaction.
func (db *DB) RevokeDelegation(ctx context.Context, id int64, at time.Time, p *plaudit.Posting) error {
	return db.InTx(ctx, func(tx *sql.Tx) error {
		if err := db.lockLedger(ctx, tx); err != nil {
			return err
		}
		ds, err := db.queryDelegations(ctx, tx, "SELECT id, member, amount, time_ns, operator, reason, posting_id, revoked_ns, revoke_posting_id FROM delegations WHERE id = ?", id)
		if err != nil {
			return err
		}
		if len(ds) == 0 {
			return plaudit.Errorf(plaudit.ENOTFOUND, "delegation %d not found", id)
		}
		if !ds[0].Revoked.IsZero() {
			return plaudit.Errorf(plaudit.ECONFLICT, "delegation %d was already revoked at %s", id, ds[0].Revoked.Format(time.RFC3339))
		}
		pid, err := db.post(ctx, tx, p)
		if err != nil {
			return fmt.Errorf("revoke delegation %d: %w", id, err)
		}
		if _, err := tx.ExecContext(ctx, db.Rebind("UPDATE delegations SET revoked_ns = ?, revoke_posting_id = ? WHERE id = ?"), at.UnixNano(), pid, id); err != nil {
			return fmt.Errorf("revoke delegation %d: %w", id, err)
		}
		p.ID = pid
		return nil
	})
}
