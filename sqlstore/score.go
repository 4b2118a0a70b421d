package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
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
func (db *DB) SaveScores(ctx context.Context, policyHash string, through int64, scores []plaudit.Score) error {
	if err := checkScores(policyHash, scores); err != nil {
		return err
	}
	return db.InTx(ctx, func(tx *sql.Tx) error {
		st, err := db.scoreState(ctx, tx, policyHash)
		if err != nil {
			return err
		}
		if st.FullSeq > 0 { // a whole-history run's scores are not replaced by streamed ones
			kept := scores[:0:0]
			for _, s := range scores {
				if s.Seq > st.FullSeq {
					kept = append(kept, s)
				}
			}
			scores = kept
		}
		var events []string
		seen := map[string]bool{}
		for _, s := range scores {
			if !seen[s.Event] {
				seen[s.Event] = true
				events = append(events, s.Event)
			}
		}
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
		if err := db.insertScores(ctx, tx, policyHash, scores); err != nil {
			return err
		}
		if through > st.ScoredSeq {
			st.ScoredSeq = through
			return db.putScoreState(ctx, tx, st, st.rewriter)
		}
		return nil
	})
}

// scoreRewriteChunk is about how many scores one transaction of a rewrite writes: a few hundredths of a
// second of SQLite's time. rewriteHoldMax is how long a rewrite holds SQLite's write lock across its
// transactions before it leaves it free for bulkYield (scoreRewrite.write).
var (
	scoreRewriteChunk = 1000
	rewriteHoldMax    = 500 * time.Millisecond
)

// SQLite stages a whole-history rewrite's scores (table score_staging) as they come, and moves them into
// scores at the end in transactions of about scoreMoveChunk, each sorted by key: written straight into
// scores in transactions of scoreRewriteChunk, each score's inserts into the primary key and the member
// index fell on pages of their own, each written whole by every commit (about 19 KB a score at a million
// members, BenchmarkRewriteScoresSQLite). A move's transaction writes most pages of those indexes once for
// all its scores, and holds the write lock about a second. stageSQLiteRewrites is false only in the
// benchmark's baseline.
var (
	stageSQLiteRewrites = true
	scoreMoveChunk      = 50_000
)

// ReplaceScores implements plaudit.ScoreStore.
func (db *DB) ReplaceScores(ctx context.Context, policyHash string, through int64, scores []plaudit.Score) error {
	if err := checkScores(policyHash, scores); err != nil {
		return err
	}
	if through <= 0 {
		return db.InTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, db.Rebind("DELETE FROM scores WHERE policy_hash = ?"), policyHash); err != nil {
				return fmt.Errorf("replace scores: delete old: %w", err)
			}
			return db.insertScores(ctx, tx, policyHash, scores)
		})
	}
	// Refused before the rewrite starts, so that nothing is written when the scores are wrong.
	for i := 1; i < len(scores); i++ {
		if scores[i].Seq < scores[i-1].Seq {
			return plaudit.Errorf(plaudit.EINVALID, "replace scores: score %d (event %s, seq %d) comes after seq %d: scores must be sorted by seq", i, scores[i].Event, scores[i].Seq, scores[i-1].Seq)
		}
	}
	if n := len(scores); n > 0 && scores[n-1].Seq > through {
		return plaudit.Errorf(plaudit.EINVALID, "replace scores: event %s has seq %d, past the run's end %d", scores[n-1].Event, scores[n-1].Seq, through)
	}
	rw, err := db.RewriteScores(ctx, policyHash, through)
	if err != nil {
		return err
	}
	if err := rw.Add(ctx, scores); err != nil {
		return err
	}
	return rw.Commit(ctx)
}

// RewriteScores implements plaudit.ScoreStore.
func (db *DB) RewriteScores(ctx context.Context, policyHash string, through int64) (plaudit.ScoreRewriter, error) {
	if policyHash == "" {
		return nil, plaudit.Errorf(plaudit.EINVALID, "rewrite scores: empty policy hash")
	}
	if through <= 0 {
		return nil, plaudit.Errorf(plaudit.EINVALID, "rewrite scores of %s: through %d: a whole-history rewrite ends at an event seq", policyHash, through)
	}
	var b [12]byte
	_, _ = rand.Read(b[:])
	rw := &scoreRewrite{db: db, hash: policyHash, through: through, token: hex.EncodeToString(b[:]), staged: db.dialect == SQLite && stageSQLiteRewrites}
	// Mark the rewrite: from here until the last transaction, FullSeq is -1 and nobody settles.
	if err := db.InTx(ctx, func(tx *sql.Tx) error {
		st, err := db.scoreState(ctx, tx, policyHash)
		if err != nil {
			return err
		}
		if rw.staged { // what an earlier rewrite of the policy staged and never moved
			if _, err := tx.ExecContext(ctx, "DELETE FROM score_staging WHERE policy_hash = ?", policyHash); err != nil {
				return fmt.Errorf("remove staged scores: %w", err)
			}
		}
		st.FullSeq = -1
		return db.putScoreState(ctx, tx, st, rw.token)
	}); err != nil {
		return nil, fmt.Errorf("replace scores of %s: %w", policyHash, err)
	}
	return rw, nil
}

// scoreRewrite is a whole-history rewrite under way: the scores added and not yet written (fewer than about
// scoreRewriteChunk, and one event's), and how far the rewrite has written (or staged, on SQLite).
type scoreRewrite struct {
	db      *DB
	hash    string
	through int64
	token   string
	staged  bool          // the scores go to score_staging first (SQLite)
	ranges  []stagedRange // what each staging transaction staged, in order
	buf     []plaudit.Score
	lo      int64 // the scores of events with seq ≤ lo are written
	last    int64 // the seq of the last score added
	added   int
	first   time.Time
	held    time.Duration // time in transactions since the last yield (SQLite)
	err     error         // the failure that ended the rewrite
}

// Add implements plaudit.ScoreRewriter.
func (rw *scoreRewrite) Add(ctx context.Context, scores []plaudit.Score) error {
	if rw.err != nil {
		return rw.err
	}
	if err := checkScores(rw.hash, scores); err != nil {
		return rw.fail(err)
	}
	for i := range scores {
		s := &scores[i]
		switch {
		case s.Seq < rw.last:
			return rw.fail(plaudit.Errorf(plaudit.EINVALID, "replace scores: score %d (event %s, seq %d) comes after seq %d: scores must be sorted by seq", rw.added+i, s.Event, s.Seq, rw.last))
		case s.Seq > rw.through:
			return rw.fail(plaudit.Errorf(plaudit.EINVALID, "replace scores: event %s has seq %d, past the run's end %d", s.Event, s.Seq, rw.through))
		}
		rw.last = s.Seq
		if rw.first.IsZero() || s.Time.Before(rw.first) {
			rw.first = s.Time
		}
	}
	rw.added += len(scores)
	rw.buf = append(rw.buf, scores...)
	for len(rw.buf) > scoreRewriteChunk {
		n := scoreRewriteChunk
		for n < len(rw.buf) && rw.buf[n].Seq == rw.buf[n-1].Seq {
			n++ // one event's scores stay together
		}
		if n == len(rw.buf) {
			break // the last event's scores may go on in the next Add
		}
		if err := rw.write(ctx, rw.buf[:n], rw.buf[n-1].Seq, false); err != nil {
			return rw.fail(err)
		}
		rw.buf = append(rw.buf[:0], rw.buf[n:]...)
	}
	return nil
}

// Commit implements plaudit.ScoreRewriter.
func (rw *scoreRewrite) Commit(ctx context.Context) error {
	if rw.err != nil {
		return rw.err
	}
	if err := rw.write(ctx, rw.buf, rw.through, true); err != nil {
		return rw.fail(err)
	}
	rw.buf = nil
	rw.err = plaudit.Errorf(plaudit.EINVALID, "replace scores of %s: the rewrite is committed", rw.hash)
	return nil
}

func (rw *scoreRewrite) fail(err error) error {
	rw.err, rw.buf = err, nil
	return err
}

// write replaces, in one transaction, the scores of the events with lo < seq ≤ hi by chunk, and with last
// records the finished run's state; on SQLite it stages chunk, and with last moves every staged score in
// (writeStaged).
func (rw *scoreRewrite) write(ctx context.Context, chunk []plaudit.Score, hi int64, last bool) error {
	if rw.staged {
		return rw.writeStaged(ctx, chunk, hi, last)
	}
	db := rw.db
	err := rw.tx(ctx, func(tx *sql.Tx, st *scoreStateRow) error {
		if _, err := tx.ExecContext(ctx, db.Rebind("DELETE FROM scores WHERE policy_hash = ? AND seq > ? AND seq <= ?"), rw.hash, rw.lo, hi); err != nil {
			return fmt.Errorf("delete old: %w", err)
		}
		if err := db.insertScores(ctx, tx, rw.hash, chunk); err != nil {
			return err
		}
		if last {
			return rw.finish(ctx, tx, st)
		}
		return nil
	})
	if err != nil {
		return err
	}
	rw.lo = hi
	return nil
}

// stagedRange is what one staging transaction wrote: the rows first..last of score_staging (SQLite gives
// one transaction's inserts consecutive rowids, past every row before), the scores of the events with
// lo < seq ≤ hi.
type stagedRange struct{ first, last, lo, hi int64 }

// writeStaged stages chunk, the scores of the events with lo < seq ≤ hi, in one transaction; with last it
// then moves the staged scores into scores in transactions of about scoreMoveChunk, each replacing the
// scores of a seq range by its staged ones inserted in key order and removing them from the staging table,
// the last one recording the finished run's state.
func (rw *scoreRewrite) writeStaged(ctx context.Context, chunk []plaudit.Score, hi int64, last bool) error {
	db := rw.db
	if len(chunk) > 0 {
		var r stagedRange
		err := rw.tx(ctx, func(tx *sql.Tx, _ *scoreStateRow) error {
			if err := db.insertScoreRows(ctx, tx, rw.token, rw.hash, chunk); err != nil {
				return err
			}
			if err := tx.QueryRowContext(ctx, "SELECT last_insert_rowid()").Scan(&r.last); err != nil {
				return fmt.Errorf("staged rows: %w", err)
			}
			r.first = r.last - int64(len(chunk)) + 1
			var n int
			if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM score_staging WHERE rowid BETWEEN ? AND ? AND token = ?", r.first, r.last, rw.token).Scan(&n); err != nil {
				return fmt.Errorf("staged rows: %w", err)
			} else if n != len(chunk) {
				return fmt.Errorf("staged rows: %d of the %d staged are not at rowids %d..%d", len(chunk)-n, len(chunk), r.first, r.last)
			}
			return nil
		})
		if err != nil {
			return err
		}
		r.lo, r.hi = rw.lo, hi
		rw.ranges = append(rw.ranges, r)
	}
	rw.lo = hi
	if !last {
		return nil
	}
	conn, restore, err := db.sortsOnDisk(ctx)
	if err != nil {
		return fmt.Errorf("replace scores of %s: %w", rw.hash, err)
	}
	defer restore()
	for i := 0; ; {
		j, rows := i, int64(0)
		for j < len(rw.ranges) && (j == i || rows+rw.ranges[j].last-rw.ranges[j].first+1 <= int64(scoreMoveChunk)) {
			rows += rw.ranges[j].last - rw.ranges[j].first + 1
			j++
		}
		final := j == len(rw.ranges)
		lo, hi := int64(0), rw.through // with nothing staged, every old score through the end goes
		if i < j {
			lo, hi = rw.ranges[i].lo, rw.ranges[j-1].hi
		}
		if final {
			hi = rw.through
		}
		err := rw.txOn(ctx, conn, func(tx *sql.Tx, st *scoreStateRow) error {
			if _, err := tx.ExecContext(ctx, "DELETE FROM scores WHERE policy_hash = ? AND seq > ? AND seq <= ?", rw.hash, lo, hi); err != nil {
				return fmt.Errorf("delete old: %w", err)
			}
			if i < j {
				first, last := rw.ranges[i].first, rw.ranges[j-1].last
				// Sorted by key alone, then read by rowid: the sort holds the keys, not the lines.
				if _, err := tx.ExecContext(ctx, `INSERT INTO scores (policy_hash, event, pos, seq, member, scorer, points, time_ns, lines)
					SELECT s.policy_hash, s.event, s.pos, s.seq, s.member, s.scorer, s.points, s.time_ns, s.lines
					FROM (SELECT rowid AS r FROM score_staging WHERE rowid BETWEEN ? AND ? AND token = ? ORDER BY event, pos) o
					CROSS JOIN score_staging s ON s.rowid = o.r`, first, last, rw.token); err != nil {
					return fmt.Errorf("move staged scores: %w", err)
				}
				if _, err := tx.ExecContext(ctx, "DELETE FROM score_staging WHERE rowid BETWEEN ? AND ?", first, last); err != nil {
					return fmt.Errorf("remove staged scores: %w", err)
				}
			}
			if final {
				return rw.finish(ctx, tx, st)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if final {
			return nil
		}
		i = j
	}
}

// tx runs fn in one transaction of the rewrite, with the policy's score state, once it has checked that
// no newer rewrite of the policy took over. SQLite does not queue writers (see bulkHoldMax): a rewrite
// that has held the write lock for rewriteHoldMax across its transactions leaves it free for bulkYield,
// longer than a waiting writer sleeps, so that an append waits for a rescore about one transaction at most.
func (rw *scoreRewrite) tx(ctx context.Context, fn func(tx *sql.Tx, st *scoreStateRow) error) error {
	return rw.txOn(ctx, nil, fn)
}

// txOn is tx on conn, or on any of the pool's connections when conn is nil.
func (rw *scoreRewrite) txOn(ctx context.Context, conn *sql.Conn, fn func(tx *sql.Tx, st *scoreStateRow) error) error {
	db := rw.db
	if db.dialect == SQLite && rw.held >= rewriteHoldMax {
		select {
		case <-ctx.Done():
			return fmt.Errorf("replace scores of %s: %w", rw.hash, ctx.Err())
		case <-time.After(bulkYield):
		}
		rw.held = 0
	}
	began := time.Now()
	err := db.inTx(ctx, conn, func(tx *sql.Tx) error {
		st, err := db.scoreState(ctx, tx, rw.hash)
		if err != nil {
			return err
		}
		if st.rewriter != rw.token {
			return plaudit.Errorf(plaudit.ECONFLICT, "replace scores of %s: another rescore of the policy took over", rw.hash)
		}
		return fn(tx, st)
	})
	rw.held += time.Since(began)
	if err != nil {
		return fmt.Errorf("replace scores of %s: %w", rw.hash, err)
	}
	return nil
}

// finish records, inside tx, the finished run's state: FullSeq and ScoredSeq through, and no rewrite
// under way.
func (rw *scoreRewrite) finish(ctx context.Context, tx *sql.Tx, st *scoreStateRow) error {
	st.FullSeq, st.ScoredSeq, st.FirstTime = rw.through, max(st.ScoredSeq, rw.through), rw.first
	return rw.db.putScoreState(ctx, tx, st, "")
}

// sortsOnDisk takes a connection from the pool whose sorts and temporary tables spill to temporary files
// instead of memory (PRAGMA temp_store = FILE; the store's connections keep them in memory), for a staged
// rewrite's move: its transactions on the pool's connections took a million-member rescore from 1.7 to
// 2.2 GB. restore sets temp_store back and returns the connection to the pool.
func (db *DB) sortsOnDisk(ctx context.Context) (conn *sql.Conn, restore func(), err error) {
	conn, err = db.db.Conn(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("a connection: %w", err)
	}
	var was int
	if err := conn.QueryRowContext(ctx, "PRAGMA temp_store").Scan(&was); err != nil {
		conn.Close()
		return nil, nil, fmt.Errorf("temp_store: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "PRAGMA temp_store = FILE"); err != nil {
		conn.Close()
		return nil, nil, fmt.Errorf("temp_store: %w", err)
	}
	return conn, func() {
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf("PRAGMA temp_store = %d", was))
		conn.Close()
	}, nil
}

// scoreStateRow is a policy's score state and the rewrite under way, if any.
type scoreStateRow struct {
	plaudit.ScoreState
	rewriter string
}

// scoreState reads a policy's score state inside tx; a policy never scored has the zero state.
func (db *DB) scoreState(ctx context.Context, tx *sql.Tx, policyHash string) (*scoreStateRow, error) {
	st := &scoreStateRow{ScoreState: plaudit.ScoreState{PolicyHash: policyHash}}
	var ns, firstNS int64
	err := tx.QueryRowContext(ctx, db.Rebind("SELECT full_seq, scored_seq, first_ns, rewriter, updated_ns FROM score_state WHERE policy_hash = ?"), policyHash).
		Scan(&st.FullSeq, &st.ScoredSeq, &firstNS, &st.rewriter, &ns)
	if errors.Is(err, sql.ErrNoRows) {
		return st, nil
	}
	if err != nil {
		return nil, fmt.Errorf("score state of %s: %w", policyHash, err)
	}
	st.UpdatedAt = time.Unix(0, ns).UTC()
	if firstNS != 0 {
		st.FirstTime = time.Unix(0, firstNS).UTC()
	}
	return st, nil
}

// putScoreState writes a policy's score state.
func (db *DB) putScoreState(ctx context.Context, tx *sql.Tx, st *scoreStateRow, rewriter string) error {
	_, err := tx.ExecContext(ctx, db.Rebind(`INSERT INTO score_state (policy_hash, full_seq, scored_seq, first_ns, rewriter, updated_ns) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (policy_hash) DO UPDATE SET full_seq = excluded.full_seq, scored_seq = excluded.scored_seq, first_ns = excluded.first_ns,
		rewriter = excluded.rewriter, updated_ns = excluded.updated_ns`),
		st.PolicyHash, st.FullSeq, st.ScoredSeq, nsOf(st.FirstTime), rewriter, time.Now().UnixNano())
	if err != nil {
		return fmt.Errorf("score state of %s: %w", st.PolicyHash, err)
	}
	return nil
}

// LiveState implements plaudit.ScoreStore.
func (db *DB) LiveState(ctx context.Context) (*plaudit.LiveState, error) {
	var st plaudit.LiveState
	var ns, firstNS, full, scored sql.NullInt64
	err := db.db.QueryRowContext(ctx, `SELECT a.hash, s.full_seq, s.scored_seq, s.first_ns, s.updated_ns,
		(SELECT COALESCE(MAX(r.id), 0) FROM integrity_runs r WHERE r.policy_hash = a.hash),
		(SELECT COUNT(*) FROM integrity_runs r WHERE r.policy_hash = a.hash)
		FROM (SELECT hash FROM policy_activations ORDER BY id DESC LIMIT 1) a LEFT JOIN score_state s ON s.policy_hash = a.hash`).
		Scan(&st.PolicyHash, &full, &scored, &firstNS, &ns, &st.NewestRun, &st.Runs)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, plaudit.Errorf(plaudit.ENOTFOUND, "no active policy: activate one with `plaudit policy activate FILE`")
	} else if err != nil {
		return nil, fmt.Errorf("live state: %w", err)
	}
	st.FullSeq, st.ScoredSeq = full.Int64, scored.Int64
	if ns.Valid {
		st.UpdatedAt = time.Unix(0, ns.Int64).UTC()
	}
	if firstNS.Valid && firstNS.Int64 != 0 {
		st.FirstTime = time.Unix(0, firstNS.Int64).UTC()
	}
	return &st, nil
}

// ScoreState implements plaudit.ScoreStore.
func (db *DB) ScoreState(ctx context.Context, policyHash string) (*plaudit.ScoreState, error) {
	var out *plaudit.ScoreState
	err := db.ReadTx(ctx, func(tx *sql.Tx) error {
		st, err := db.scoreState(ctx, tx, policyHash)
		if err == nil {
			out = &st.ScoreState
		}
		return err
	})
	return out, err
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

// insertScores inserts scores into the scores table, numbering each event's scores from 0 in their order.
func (db *DB) insertScores(ctx context.Context, tx *sql.Tx, policyHash string, scores []plaudit.Score) error {
	return db.insertScoreRows(ctx, tx, "", policyHash, scores)
}

// insertScoreRows is insertScores, or with a rewrite's token the same rows into score_staging (SQLite).
func (db *DB) insertScoreRows(ctx context.Context, tx *sql.Tx, token, policyHash string, scores []plaudit.Score) error {
	head, row, width := "INSERT INTO scores (policy_hash, event, pos, seq, member, scorer, points, time_ns, lines) VALUES ", "(?, ?, ?, ?, ?, ?, ?, ?, ?)", 9
	if token != "" {
		head, row, width = "INSERT INTO score_staging (token, policy_hash, event, pos, seq, member, scorer, points, time_ns, lines) VALUES ", "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", 10
	}
	pos := map[string]int{}
	for len(scores) > 0 {
		n := min(len(scores), scoreRowsPerInsert)
		var q strings.Builder
		q.WriteString(head)
		args := make([]any, 0, n*width)
		for i, s := range scores[:n] {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString(row)
			lines, err := json.Marshal(s.Lines)
			if err != nil {
				return fmt.Errorf("save scores: encode lines of %s: %w", s.Event, err)
			}
			p := pos[s.Event]
			pos[s.Event] = p + 1
			if token != "" {
				args = append(args, token)
			}
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
	if f.ThroughSeq > 0 {
		q += " AND seq <= ?"
		args = append(args, f.ThroughSeq)
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

// PolicyActivations implements plaudit.ScoreStore.
func (db *DB) PolicyActivations(ctx context.Context) ([]plaudit.PolicyRecord, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT p.hash, p.name, p.version, a.activated_ns, a.activated_by
		FROM policy_activations a JOIN policies p ON p.hash = a.hash ORDER BY a.id DESC`)
	if err != nil {
		return nil, fmt.Errorf("policy activations: %w", err)
	}
	defer rows.Close()
	var out []plaudit.PolicyRecord
	for rows.Next() {
		var rec plaudit.PolicyRecord
		var ns int64
		if err := rows.Scan(&rec.Hash, &rec.Name, &rec.Version, &ns, &rec.ActivatedBy); err != nil {
			return nil, fmt.Errorf("policy activations: %w", err)
		}
		rec.ActivatedAt = time.Unix(0, ns).UTC()
		out = append(out, rec)
	}
	return out, rows.Err()
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
