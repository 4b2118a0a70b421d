package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/plaudit/plaudit"
)

// allocChunk is the number of allocation rows per INSERT (15 parameters a row).
const allocChunk = 500

// slowCloseEnv names a test-only setting: a Go duration that CloseEpoch sleeps between the phases of its
// transaction, so that the crash test's SIGKILL lands inside the transaction. Never set it in production.
const slowCloseEnv = "PLAUDIT_TEST_SLOW_CLOSE"

func alreadyClosed(id string) error {
	return plaudit.Errorf(plaudit.ECONFLICT, "epoch %s already closed", id)
}

// CloseEpoch writes an epoch's allocations, postings and balances and then its row, in one transaction.
// See plaudit.LedgerStore.
func (db *DB) CloseEpoch(ctx context.Context, c *plaudit.EpochClose) error {
	ep := c.Epoch
	if ep == nil || ep.ID == "" {
		return plaudit.Errorf(plaudit.EINVALID, "close epoch: no epoch")
	}
	var pause time.Duration
	if v := os.Getenv(slowCloseEnv); v != "" {
		pause, _ = time.ParseDuration(v)
	}
	phase := func() {
		if pause > 0 {
			time.Sleep(pause)
		}
	}
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		if err := db.lockLedger(ctx, tx); err != nil {
			return err
		}
		if closed, err := db.epochExists(ctx, tx, ep.ID); err != nil {
			return err
		} else if closed {
			return alreadyClosed(ep.ID)
		}
		if err := db.checkCarries(ctx, tx, c); err != nil {
			return err
		}
		if pause > 0 {
			// Tells the crash test that a kill from here on lands inside the transaction.
			fmt.Fprintln(os.Stderr, "plaudit test: close transaction begun")
		}
		phase()
		if err := db.insertAllocations(ctx, tx, c.Allocations, phase); err != nil {
			return err
		}
		for _, p := range c.Postings {
			if p.Origin.Kind != plaudit.OriginEpoch || p.Origin.ID != ep.ID {
				return plaudit.Errorf(plaudit.EINVALID, "close epoch %s: posting %q has origin %s", ep.ID, p.Reason, p.Origin)
			}
			id, err := db.post(ctx, tx, p)
			if err != nil {
				return fmt.Errorf("close epoch %s: %w", ep.ID, err)
			}
			p.ID = id
			phase()
		}
		if err := db.insertVerdicts(ctx, tx, ep.ID, c.Verdicts); err != nil {
			return err
		}
		if err := db.insertReputation(ctx, tx, ep, c.Reputation); err != nil {
			return err
		}
		return db.insertEpoch(ctx, tx, ep)
	})
	if err != nil {
		// A concurrent close of the same epoch loses on the primary key: report it as closed.
		if plaudit.ErrorCode(err) == plaudit.EINTERNAL {
			if closed, cerr := db.epochExists(ctx, db.db, ep.ID); cerr == nil && closed {
				return alreadyClosed(ep.ID)
			}
		}
		return err
	}
	return nil
}

func (db *DB) epochExists(ctx context.Context, q querier, id string) (bool, error) {
	var one int
	err := q.QueryRowContext(ctx, db.Rebind("SELECT 1 FROM epochs WHERE id = ?"), id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("find epoch %s: %w", id, err)
	}
	return true, nil
}

// checkCarries makes sure the settlement was computed from the ledger as it is now: the pool's balance is
// the epoch's pool carry-in, and the program's carry accounts hold exactly the allocations' carry-ins.
// Otherwise something was posted between computing and closing, and the close must be computed again.
func (db *DB) checkCarries(ctx context.Context, tx *sql.Tx, c *plaudit.EpochClose) error {
	ep := c.Epoch
	stale := func(format string, args ...any) error {
		return plaudit.Errorf(plaudit.ECONFLICT, "close epoch %s: the ledger changed since the epoch was computed (%s); close it again", ep.ID, fmt.Sprintf(format, args...))
	}
	pool, err := db.balances(ctx, tx, plaudit.AccountPool(ep.Program))
	if err != nil {
		return err
	}
	have := new(big.Int)
	for _, b := range pool {
		if b.Account == plaudit.AccountPool(ep.Program) && b.Asset == ep.Token {
			have = b.Amount
		}
	}
	if want := ep.PoolCarryIn; (want == nil && have.Sign() != 0) || (want != nil && have.Cmp(want) != 0) {
		return stale("pool holds %s, settlement assumed %s", have, amountText(want))
	}
	prefix := plaudit.AccountCarry(ep.Program, "")
	carries, err := db.balances(ctx, tx, prefix)
	if err != nil {
		return err
	}
	want := map[string]*big.Int{}
	for i := range c.Allocations {
		if a := &c.Allocations[i]; a.CarryIn != nil && a.CarryIn.Sign() != 0 {
			want[plaudit.AccountCarry(ep.Program, a.Member)] = a.CarryIn
		}
	}
	n := 0
	for _, b := range carries {
		if b.Asset != ep.Token {
			continue
		}
		n++
		if w := want[b.Account]; w == nil || w.Cmp(b.Amount) != 0 {
			return stale("%s holds %s, settlement assumed %s", b.Account, b.Amount, amountText(w))
		}
	}
	if n != len(want) {
		return stale("%d carry accounts, settlement assumed %d", n, len(want))
	}
	return nil
}

func (db *DB) insertAllocations(ctx context.Context, tx *sql.Tx, allocs []plaudit.Allocation, phase func()) error {
	half := len(allocs) / 2
	err := db.chunkExec(ctx, tx, len(allocs), allocChunk,
		func(rows int) string {
			return "INSERT INTO allocations (epoch, member, kind, wallet, events, excluded, points, share, carry_in, fee, paid, carry_out, eng, capped, notes) VALUES " + valuesList(rows, 15)
		},
		func(args []any, i int) []any {
			if i == half {
				phase() // the crash test's pause, midway through the allocations
			}
			a := &allocs[i]
			notes := ""
			if len(a.Notes) > 0 {
				b, _ := json.Marshal(a.Notes)
				notes = string(b)
			}
			capped := 0
			if a.Capped {
				capped = 1
			}
			return append(args, a.Epoch, a.Member, string(a.Kind), a.Wallet, a.Events, a.Excluded, int64(a.Points),
				amountText(a.Share), amountText(a.CarryIn), amountText(a.Fee), amountText(a.Paid), amountText(a.CarryOut),
				amountText(a.ENG), capped, notes)
		})
	if err != nil {
		return fmt.Errorf("insert allocations: %w", err)
	}
	return nil
}

// insertVerdicts records the verdicts an epoch was settled with in epoch_verdicts (the integrity area's
// table, read by EpochVerdicts), in the close's own transaction: a crash can never leave a closed epoch
// without the verdicts that shaped it. Each row is the verdict's JSON, as SaveEpochVerdicts writes it.
// Verdicts recorded for the epoch before (SaveEpochVerdicts) are kept when they are the same, and make the
// close fail when they are not.
func (db *DB) insertVerdicts(ctx context.Context, tx *sql.Tx, epoch string, vs []plaudit.Verdict) error {
	texts := make([]string, len(vs))
	for i, v := range vs {
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("record verdict %s of %s: %w", v.Subject, epoch, err)
		}
		texts[i] = string(b)
	}
	have, err := db.epochVerdictTexts(ctx, tx, epoch)
	if err != nil {
		return err
	}
	if have != nil {
		if slices.Equal(have, texts) {
			return nil
		}
		return plaudit.Errorf(plaudit.ECONFLICT, "close epoch %s: other verdicts are recorded for it already", epoch)
	}
	// In chunks of many rows a statement: one statement a verdict was most of a million-member close on
	// PostgreSQL (480,000 round trips).
	err = db.chunkExec(ctx, tx, len(vs), allocChunk,
		func(rows int) string {
			return "INSERT INTO epoch_verdicts (epoch, pos, subject, verdict) VALUES " + valuesList(rows, 4)
		},
		func(args []any, i int) []any { return append(args, epoch, i, vs[i].Subject, texts[i]) })
	if err != nil {
		return fmt.Errorf("record verdicts of %s: %w", epoch, err)
	}
	return nil
}

// insertReputation stores the epoch's committed reputation vector, after checking that it hashes to the
// epoch's ReputationHash (an epoch without a hash has no vector).
func (db *DB) insertReputation(ctx context.Context, tx *sql.Tx, ep *plaudit.Epoch, vs []plaudit.TrustValue) error {
	if ep.ReputationHash == "" {
		if len(vs) > 0 {
			return plaudit.Errorf(plaudit.EINVALID, "close epoch %s: a reputation vector of %d members without its hash", ep.ID, len(vs))
		}
		return nil
	}
	if h := plaudit.ReputationHash(vs); h != ep.ReputationHash {
		return plaudit.Errorf(plaudit.EINVALID, "close epoch %s: the reputation vector hashes to %s, not the epoch's %s", ep.ID, h, ep.ReputationHash)
	}
	err := db.chunkExec(ctx, tx, len(vs), allocChunk,
		func(rows int) string {
			return "INSERT INTO epoch_reputation (epoch, member, trust_bits) VALUES " + valuesList(rows, 3)
		},
		func(args []any, i int) []any { return append(args, ep.ID, vs[i].Member, int64(vs[i].Bits)) })
	if err != nil {
		return fmt.Errorf("close epoch %s: insert its reputation vector: %w", ep.ID, err)
	}
	return nil
}

// EpochReputation returns the committed reputation vector of epoch, by member id. See
// plaudit.EpochReputationStore.
func (db *DB) EpochReputation(ctx context.Context, epoch string) ([]plaudit.TrustValue, error) {
	rows, err := db.db.QueryContext(ctx, db.Rebind("SELECT member, trust_bits FROM epoch_reputation WHERE epoch = ? ORDER BY member"), epoch)
	if err != nil {
		return nil, fmt.Errorf("read the reputation vector of %s: %w", epoch, err)
	}
	defer rows.Close()
	var out []plaudit.TrustValue
	for rows.Next() {
		var v plaudit.TrustValue
		var bits int64
		if err := rows.Scan(&v.Member, &bits); err != nil {
			return nil, fmt.Errorf("read the reputation vector of %s: %w", epoch, err)
		}
		v.Bits = uint64(bits)
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read the reputation vector of %s: %w", epoch, err)
	}
	// Member ids sort by bytes in Go; the database's collation may differ, so sort here.
	plaudit.SortTrust(out)
	return out, nil
}

const epochColumns = "id, program, start_ns, end_ns, policy_hash, token, decimals, pool, pool_carry_in, shares, carried_in, paid, fees, carried_out, unspent, unspent_to, eng, members, events, excluded, digest, root, closed_ns, closed_by, log_seq, reputation_hash"

func (db *DB) insertEpoch(ctx context.Context, tx *sql.Tx, ep *plaudit.Epoch) error {
	_, err := tx.ExecContext(ctx, db.Rebind("INSERT INTO epochs ("+epochColumns+") VALUES (?"+strings.Repeat(", ?", 25)+")"),
		ep.ID, ep.Program, ep.Start.UnixNano(), ep.End.UnixNano(), ep.PolicyHash, ep.Token, ep.Decimals,
		amountText(ep.Pool), amountText(ep.PoolCarryIn), amountText(ep.Shares), amountText(ep.CarriedIn), amountText(ep.Paid),
		amountText(ep.Fees), amountText(ep.CarriedOut), amountText(ep.Unspent), ep.UnspentTo, amountText(ep.ENG),
		ep.Members, ep.Events, ep.Excluded, ep.Digest, ep.Root, ep.ClosedAt.UnixNano(), ep.ClosedBy, ep.LogSeq, ep.ReputationHash)
	if err != nil {
		return fmt.Errorf("insert epoch %s: %w", ep.ID, err)
	}
	return nil
}

// Epoch returns the closed epoch with the given id.
func (db *DB) Epoch(ctx context.Context, id string) (*plaudit.Epoch, error) {
	eps, err := db.queryEpochs(ctx, "SELECT "+epochColumns+" FROM epochs WHERE id = ?", id)
	if err != nil {
		return nil, err
	}
	if len(eps) == 0 {
		return nil, plaudit.Errorf(plaudit.ENOTFOUND, "epoch %s not found (not closed yet?)", id)
	}
	return eps[0], nil
}

// Epochs lists the closed epochs of program ("" for all), oldest first.
func (db *DB) Epochs(ctx context.Context, program string) ([]*plaudit.Epoch, error) {
	if program == "" {
		return db.queryEpochs(ctx, "SELECT "+epochColumns+" FROM epochs ORDER BY start_ns, program")
	}
	return db.queryEpochs(ctx, "SELECT "+epochColumns+" FROM epochs WHERE program = ? ORDER BY start_ns", program)
}

func (db *DB) queryEpochs(ctx context.Context, q string, args ...any) ([]*plaudit.Epoch, error) {
	rows, err := db.db.QueryContext(ctx, db.Rebind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("read epochs: %w", err)
	}
	defer rows.Close()
	var out []*plaudit.Epoch
	for rows.Next() {
		ep := &plaudit.Epoch{}
		var startNS, endNS, closedNS int64
		var amts [11]string
		if err := rows.Scan(&ep.ID, &ep.Program, &startNS, &endNS, &ep.PolicyHash, &ep.Token, &ep.Decimals,
			&amts[0], &amts[1], &amts[2], &amts[3], &amts[4], &amts[5], &amts[6], &amts[7], &ep.UnspentTo, &amts[8],
			&ep.Members, &ep.Events, &ep.Excluded, &ep.Digest, &ep.Root, &closedNS, &ep.ClosedBy, &ep.LogSeq, &ep.ReputationHash); err != nil {
			return nil, fmt.Errorf("read epochs: %w", err)
		}
		ep.Start, ep.End, ep.ClosedAt = time.Unix(0, startNS).UTC(), time.Unix(0, endNS).UTC(), time.Unix(0, closedNS).UTC()
		dst := []**big.Int{&ep.Pool, &ep.PoolCarryIn, &ep.Shares, &ep.CarriedIn, &ep.Paid, &ep.Fees, &ep.CarriedOut, &ep.Unspent, &ep.ENG}
		for i, d := range dst {
			if *d, err = parseAmount(amts[i], "epoch "+ep.ID); err != nil {
				return nil, err
			}
		}
		out = append(out, ep)
	}
	return out, rows.Err()
}

// ScanAllocations calls fn for each allocation of epoch, by member handle.
func (db *DB) ScanAllocations(ctx context.Context, epoch string, fn func(*plaudit.Allocation) error) error {
	rows, err := db.db.QueryContext(ctx, db.Rebind("SELECT "+allocationColumns+" FROM allocations WHERE epoch = ? ORDER BY member"), epoch)
	if err != nil {
		return fmt.Errorf("read allocations of %s: %w", epoch, err)
	}
	defer rows.Close()
	return scanAllocations(rows, "of "+epoch, fn)
}

// MemberAllocations implements plaudit.LedgerStore. It walks the epochs and looks up the member's row of
// each by the allocations' primary key (epoch, member), so it needs no index on member.
func (db *DB) MemberAllocations(ctx context.Context, member string) ([]plaudit.Allocation, error) {
	rows, err := db.db.QueryContext(ctx, db.Rebind(`SELECT a.epoch, a.member, a.kind, a.wallet, a.events, a.excluded, a.points, a.share,
		a.carry_in, a.fee, a.paid, a.carry_out, a.eng, a.capped, a.notes
		FROM epochs e JOIN allocations a ON a.epoch = e.id AND a.member = ? ORDER BY e.start_ns, e.id`), member)
	if err != nil {
		return nil, fmt.Errorf("read the allocations of %s: %w", member, err)
	}
	defer rows.Close()
	var out []plaudit.Allocation
	err = scanAllocations(rows, "of member "+member, func(a *plaudit.Allocation) error { out = append(out, *a); return nil })
	return out, err
}

// allocationColumns are the allocations' columns in the order scanAllocations reads them.
const allocationColumns = "epoch, member, kind, wallet, events, excluded, points, share, carry_in, fee, paid, carry_out, eng, capped, notes"

// scanAllocations reads allocation rows of allocationColumns and calls fn for each; what names the rows in
// errors.
func scanAllocations(rows *sql.Rows, what string, fn func(*plaudit.Allocation) error) error {
	for rows.Next() {
		a := &plaudit.Allocation{}
		var kind, notes string
		var points int64
		var capped int
		var amts [6]string
		if err := rows.Scan(&a.Epoch, &a.Member, &kind, &a.Wallet, &a.Events, &a.Excluded, &points,
			&amts[0], &amts[1], &amts[2], &amts[3], &amts[4], &amts[5], &capped, &notes); err != nil {
			return fmt.Errorf("read allocations %s: %w", what, err)
		}
		a.Kind, a.Points, a.Capped = plaudit.MemberKind(kind), plaudit.Points(points), capped != 0
		var err error
		for i, d := range []**big.Int{&a.Share, &a.CarryIn, &a.Fee, &a.Paid, &a.CarryOut, &a.ENG} {
			if *d, err = parseAmount(amts[i], "allocation "+a.Member); err != nil {
				return err
			}
		}
		if notes != "" {
			if err := json.Unmarshal([]byte(notes), &a.Notes); err != nil {
				return fmt.Errorf("allocation %s of %s: corrupt notes: %w", a.Member, a.Epoch, err)
			}
		}
		if err := fn(a); err != nil {
			return err
		}
	}
	return rows.Err()
}

// SaveScoreReputation keeps the vector a rescore weighed the epoch starting at start with. See
// plaudit.ScoreReputationStore.
func (db *DB) SaveScoreReputation(ctx context.Context, policyHash string, start time.Time, through int64, vs []plaudit.TrustValue) error {
	_, err := db.db.ExecContext(ctx, db.Rebind(`INSERT INTO score_reputation (policy_hash, epoch_start, through_seq, vector) VALUES (?, ?, ?, ?)
		ON CONFLICT (policy_hash, epoch_start) DO UPDATE SET through_seq = excluded.through_seq, vector = excluded.vector`),
		policyHash, start.UnixNano(), through, plaudit.EncodeTrust(vs))
	if err != nil {
		return fmt.Errorf("keep the reputation of the epoch from %s under %s: %w", start.UTC().Format(time.RFC3339), policyHash, err)
	}
	return nil
}

// ScoreReputation returns the vector SaveScoreReputation kept. See plaudit.ScoreReputationStore.
func (db *DB) ScoreReputation(ctx context.Context, policyHash string, start time.Time) ([]plaudit.TrustValue, int64, error) {
	var (
		through int64
		b       []byte
	)
	err := db.db.QueryRowContext(ctx, db.Rebind("SELECT through_seq, vector FROM score_reputation WHERE policy_hash = ? AND epoch_start = ?"),
		policyHash, start.UnixNano()).Scan(&through, &b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, plaudit.Errorf(plaudit.ENOTFOUND, "no reputation kept for the epoch from %s under %s", start.UTC().Format(time.RFC3339), policyHash)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("read the reputation of the epoch from %s under %s: %w", start.UTC().Format(time.RFC3339), policyHash, err)
	}
	vs, err := plaudit.DecodeTrust(b)
	if err != nil {
		return nil, 0, fmt.Errorf("the reputation of the epoch from %s under %s: %w", start.UTC().Format(time.RFC3339), policyHash, err)
	}
	return vs, through, nil
}

// SaveMemberPayouts keeps the members' kinds and wallets of the log through seq. See
// plaudit.MemberPayoutStore.
func (db *DB) SaveMemberPayouts(ctx context.Context, through int64, ms []plaudit.MemberPayout) error {
	_, err := db.db.ExecContext(ctx, db.Rebind(`INSERT INTO member_payouts (id, through_seq, members) VALUES (1, ?, ?)
		ON CONFLICT (id) DO UPDATE SET through_seq = excluded.through_seq, members = excluded.members`),
		through, plaudit.EncodeMemberPayouts(ms))
	if err != nil {
		return fmt.Errorf("keep the members' kinds and wallets through seq %d: %w", through, err)
	}
	return nil
}

// MemberPayouts returns what SaveMemberPayouts kept. See plaudit.MemberPayoutStore.
func (db *DB) MemberPayouts(ctx context.Context) ([]plaudit.MemberPayout, int64, error) {
	var (
		through int64
		b       []byte
	)
	err := db.db.QueryRowContext(ctx, "SELECT through_seq, members FROM member_payouts WHERE id = 1").Scan(&through, &b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, plaudit.Errorf(plaudit.ENOTFOUND, "no members' kinds and wallets kept")
	}
	if err != nil {
		return nil, 0, fmt.Errorf("read the members' kinds and wallets: %w", err)
	}
	ms, err := plaudit.DecodeMemberPayouts(b)
	if err != nil {
		return nil, 0, fmt.Errorf("the members' kinds and wallets kept through seq %d: %w", through, err)
	}
	return ms, through, nil
}
