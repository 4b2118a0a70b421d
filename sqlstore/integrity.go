package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/plaudit/plaudit"
)

var _ plaudit.IntegrityStore = (*DB)(nil)

// integrityLockID serialises the integrity area's read-check-write transactions on PostgreSQL ("integr" in
// ASCII). SQLite transactions here begin IMMEDIATE and are serialised already.
const integrityLockID = 0x696e74656772

func (db *DB) lockIntegrity(ctx context.Context, tx *sql.Tx) error {
	if db.dialect != Postgres {
		return nil
	}
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", int64(integrityLockID)); err != nil {
		return fmt.Errorf("lock integrity records: %w", err)
	}
	return nil
}

// nsOf stores a time as Unix nanoseconds, the zero time as 0.
func nsOf(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// timeOf reads a time stored by nsOf.
func timeOf(ns int64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns).UTC()
}

// jsonText encodes v for a text column, nil as ”.
func jsonText(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil || string(b) == "null" {
		return "", err
	}
	return string(b), nil
}

// AddFlag implements plaudit.IntegrityStore.
func (db *DB) AddFlag(ctx context.Context, f *plaudit.Flag) (*plaudit.Flag, error) {
	if f.ID != 0 || f.Status != plaudit.FlagOpen || f.Decision != nil || f.Effects != nil || f.Appeal != nil {
		return nil, plaudit.Errorf(plaudit.EINVALID, "add flag on %s: a new flag must be open, without id, decision or appeal", f.Subject)
	}
	if f.Subject == "" || f.Member == "" || f.By == "" || strings.TrimSpace(f.Reason) == "" || f.At.IsZero() {
		return nil, plaudit.Errorf(plaudit.EINVALID, "add flag on %q: subject, member, by, reason and time are required", f.Subject)
	}
	out := *f
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		if err := db.lockIntegrity(ctx, tx); err != nil {
			return err
		}
		if !strings.HasPrefix(f.Subject, "member:") {
			src, id, ok := strings.Cut(f.Subject, "/")
			if !ok {
				return plaudit.Errorf(plaudit.EINVALID, "add flag: subject %q is neither source/id nor member:HANDLE", f.Subject)
			}
			var n int
			err := tx.QueryRowContext(ctx, db.Rebind("SELECT COUNT(*) FROM events WHERE source = ? AND external_id = ?"), src, id).Scan(&n)
			if err != nil {
				return fmt.Errorf("add flag: look up event %s: %w", f.Subject, err)
			}
			if n == 0 {
				return plaudit.Errorf(plaudit.ENOTFOUND, "flag %s: no such event in the log", f.Subject)
			}
		}
		var open int64
		if f.Event != "" {
			err := tx.QueryRowContext(ctx, db.Rebind("SELECT id FROM flags WHERE event = ?"), f.Event).Scan(&open)
			if err == nil {
				return plaudit.Errorf(plaudit.ECONFLICT, "flag %s: event %s raised flag %d already", f.Subject, f.Event, open)
			} else if !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("add flag: %w", err)
			}
		}
		err := tx.QueryRowContext(ctx, db.Rebind("SELECT id FROM flags WHERE subject = ? AND by_member = ? AND status = 'open'"), f.Subject, f.By).Scan(&open)
		if err == nil {
			return plaudit.Errorf(plaudit.ECONFLICT, "flag %s: %s already has open flag %d on it", f.Subject, f.By, open)
		} else if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("add flag: %w", err)
		}
		q := "INSERT INTO flags (subject, member, by_member, reason, at_ns, status, event) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id"
		if err := tx.QueryRowContext(ctx, db.Rebind(q), f.Subject, f.Member, f.By, f.Reason, nsOf(f.At), string(f.Status), f.Event).Scan(&out.ID); err != nil {
			return fmt.Errorf("add flag on %s: %w", f.Subject, err)
		}
		return db.addFlagAction(ctx, tx, plaudit.FlagAction{Flag: out.ID, Action: "raise", By: f.By, At: f.At, Note: f.Reason})
	})
	if err != nil {
		return nil, err
	}
	out.At = out.At.UTC()
	return &out, nil
}

func (db *DB) addFlagAction(ctx context.Context, tx *sql.Tx, a plaudit.FlagAction) error {
	_, err := tx.ExecContext(ctx, db.Rebind("INSERT INTO flag_actions (flag_id, action, by_member, at_ns, note) VALUES (?, ?, ?, ?, ?)"),
		a.Flag, a.Action, a.By, nsOf(a.At), a.Note)
	if err != nil {
		return fmt.Errorf("record %s of flag %d: %w", a.Action, a.Flag, err)
	}
	return nil
}

// UpdateFlag implements plaudit.IntegrityStore.
func (db *DB) UpdateFlag(ctx context.Context, id int64, actor string, fn func(f *plaudit.Flag, moderator bool) (plaudit.FlagAction, error)) (*plaudit.Flag, error) {
	var out *plaudit.Flag
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		if err := db.lockIntegrity(ctx, tx); err != nil {
			return err
		}
		f, err := db.flag(ctx, tx, id)
		if err != nil {
			return err
		}
		before := *f
		mod, err := db.isModerator(ctx, tx, actor)
		if err != nil {
			return err
		}
		a, err := fn(f, mod)
		if err != nil {
			return err
		}
		if f.ID != before.ID || f.Subject != before.Subject || f.Member != before.Member || f.By != before.By || f.Reason != before.Reason || !f.At.Equal(before.At) || f.Event != before.Event {
			return plaudit.Errorf(plaudit.EINVALID, "update flag %d: only its status, decision, effects and appeal may change", id)
		}
		if a.Action == "" || a.By == "" || a.At.IsZero() {
			return plaudit.Errorf(plaudit.EINVALID, "update flag %d: the history entry needs an action, who and when", id)
		}
		a.Flag = id
		dec, err := jsonText(f.Decision)
		if err != nil {
			return err
		}
		eff, err := jsonText(f.Effects)
		if err != nil {
			return err
		}
		app, err := jsonText(f.Appeal)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, db.Rebind("UPDATE flags SET status = ?, decision = ?, effects = ?, appeal = ? WHERE id = ?"),
			string(f.Status), dec, eff, app, id); err != nil {
			return fmt.Errorf("update flag %d: %w", id, err)
		}
		if err := db.addFlagAction(ctx, tx, a); err != nil {
			return err
		}
		if err := db.syncExclusion(ctx, tx, f, a); err != nil {
			return err
		}
		out = f
		return nil
	})
	return out, err
}

// syncExclusion keeps the exclusions table in step with a changed flag: a standing confirmed flag with
// exclusion epochs has a row; a flag that no longer stands has its row marked lifted by the action.
func (db *DB) syncExclusion(ctx context.Context, tx *sql.Tx, f *plaudit.Flag, a plaudit.FlagAction) error {
	standing := f.Status == plaudit.FlagConfirmed && (f.Appeal == nil || f.Appeal.Outcome != plaudit.AppealOverturned)
	var exists bool
	var lifted int64
	err := tx.QueryRowContext(ctx, db.Rebind("SELECT lifted_ns FROM exclusions WHERE flag_id = ?"), f.ID).Scan(&lifted)
	switch {
	case err == nil:
		exists = true
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("exclusion of flag %d: %w", f.ID, err)
	}
	err = nil
	switch {
	case standing && f.Effects != nil && f.Effects.ExcludeEpochs > 0 && !exists:
		_, err = tx.ExecContext(ctx, db.Rebind("INSERT INTO exclusions (flag_id, member, epochs, from_ns, until_ns, by_member, at_ns) VALUES (?, ?, ?, ?, ?, ?, ?)"),
			f.ID, f.Member, f.Effects.ExcludeEpochs, nsOf(f.Effects.From), nsOf(f.Effects.ExcludedUntil), f.Decision.By, nsOf(f.Decision.At))
	case !standing && exists && lifted == 0:
		_, err = tx.ExecContext(ctx, db.Rebind("UPDATE exclusions SET lifted_by = ?, lifted_ns = ? WHERE flag_id = ?"), a.By, nsOf(a.At), f.ID)
	}
	if err != nil {
		return fmt.Errorf("exclusion of flag %d: %w", f.ID, err)
	}
	return nil
}

func (db *DB) isModerator(ctx context.Context, q querier, member string) (bool, error) {
	if member == "" {
		return false, nil
	}
	var n int
	if err := q.QueryRowContext(ctx, db.Rebind("SELECT COUNT(*) FROM moderators WHERE member = ?"), member).Scan(&n); err != nil {
		return false, fmt.Errorf("moderator %s: %w", member, err)
	}
	return n > 0, nil
}

const flagSelect = "SELECT id, subject, member, by_member, reason, at_ns, status, decision, effects, appeal, event FROM flags"

func scanFlag(row interface{ Scan(...any) error }) (*plaudit.Flag, error) {
	var (
		f             plaudit.Flag
		at            int64
		status        string
		dec, eff, app string
	)
	if err := row.Scan(&f.ID, &f.Subject, &f.Member, &f.By, &f.Reason, &at, &status, &dec, &eff, &app, &f.Event); err != nil {
		return nil, err
	}
	f.At, f.Status = timeOf(at), plaudit.FlagStatus(status)
	for _, c := range []struct {
		text string
		dst  any
	}{{dec, &f.Decision}, {eff, &f.Effects}, {app, &f.Appeal}} {
		if c.text != "" {
			if err := json.Unmarshal([]byte(c.text), c.dst); err != nil {
				return nil, fmt.Errorf("flag %d: decode: %w", f.ID, err)
			}
		}
	}
	return &f, nil
}

func (db *DB) flag(ctx context.Context, q querier, id int64) (*plaudit.Flag, error) {
	f, err := scanFlag(q.QueryRowContext(ctx, db.Rebind(flagSelect+" WHERE id = ?"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, plaudit.Errorf(plaudit.ENOTFOUND, "flag %d not found", id)
	} else if err != nil {
		return nil, fmt.Errorf("flag %d: %w", id, err)
	}
	return f, nil
}

// Flag implements plaudit.IntegrityStore.
func (db *DB) Flag(ctx context.Context, id int64) (*plaudit.Flag, error) {
	return db.flag(ctx, db.db, id)
}

// Flags implements plaudit.IntegrityStore.
func (db *DB) Flags(ctx context.Context, f plaudit.FlagFilter) ([]plaudit.Flag, error) {
	q, args := flagSelect+" WHERE 1 = 1", []any{}
	if f.Status != "" {
		q, args = q+" AND status = ?", append(args, string(f.Status))
	}
	if f.Member != "" {
		q, args = q+" AND member = ?", append(args, f.Member)
	}
	if f.Subject != "" {
		q, args = q+" AND subject = ?", append(args, f.Subject)
	}
	rows, err := db.db.QueryContext(ctx, db.Rebind(q+" ORDER BY id"), args...)
	if err != nil {
		return nil, fmt.Errorf("flags: %w", err)
	}
	defer rows.Close()
	var out []plaudit.Flag
	for rows.Next() {
		fl, err := scanFlag(rows)
		if err != nil {
			return nil, fmt.Errorf("flags: %w", err)
		}
		out = append(out, *fl)
	}
	return out, rows.Err()
}

// FlagHistory implements plaudit.IntegrityStore.
func (db *DB) FlagHistory(ctx context.Context, id int64) ([]plaudit.FlagAction, error) {
	q, args := "SELECT seq, flag_id, action, by_member, at_ns, note FROM flag_actions", []any{}
	if id != 0 {
		q, args = q+" WHERE flag_id = ?", append(args, id)
	}
	rows, err := db.db.QueryContext(ctx, db.Rebind(q+" ORDER BY seq"), args...)
	if err != nil {
		return nil, fmt.Errorf("flag history: %w", err)
	}
	defer rows.Close()
	var out []plaudit.FlagAction
	for rows.Next() {
		var a plaudit.FlagAction
		var at int64
		if err := rows.Scan(&a.Seq, &a.Flag, &a.Action, &a.By, &at, &a.Note); err != nil {
			return nil, fmt.Errorf("flag history: %w", err)
		}
		a.At = timeOf(at)
		out = append(out, a)
	}
	return out, rows.Err()
}

// SetModerator implements plaudit.IntegrityStore.
func (db *DB) SetModerator(ctx context.Context, c plaudit.ModeratorChange) error {
	if c.Member == "" || c.By == "" || c.At.IsZero() {
		return plaudit.Errorf(plaudit.EINVALID, "moderator change: member, by and time are required")
	}
	return db.InTx(ctx, func(tx *sql.Tx) error {
		if err := db.lockIntegrity(ctx, tx); err != nil {
			return err
		}
		is, err := db.isModerator(ctx, tx, c.Member)
		if err != nil {
			return err
		}
		switch {
		case c.Grant && is:
			return plaudit.Errorf(plaudit.ECONFLICT, "moderator add %s: already a moderator", c.Member)
		case !c.Grant && !is:
			return plaudit.Errorf(plaudit.ECONFLICT, "moderator remove %s: not a moderator", c.Member)
		case c.Grant:
			_, err = tx.ExecContext(ctx, db.Rebind("INSERT INTO moderators (member) VALUES (?)"), c.Member)
		default:
			_, err = tx.ExecContext(ctx, db.Rebind("DELETE FROM moderators WHERE member = ?"), c.Member)
		}
		if err != nil {
			return fmt.Errorf("moderator %s: %w", c.Member, err)
		}
		granted := 0
		if c.Grant {
			granted = 1
		}
		_, err = tx.ExecContext(ctx, db.Rebind("INSERT INTO moderator_changes (member, granted, by_member, at_ns, note) VALUES (?, ?, ?, ?, ?)"),
			c.Member, granted, c.By, nsOf(c.At), c.Note)
		if err != nil {
			return fmt.Errorf("record moderator change of %s: %w", c.Member, err)
		}
		return nil
	})
}

// Moderators implements plaudit.IntegrityStore.
func (db *DB) Moderators(ctx context.Context) ([]string, error) {
	rows, err := db.db.QueryContext(ctx, "SELECT member FROM moderators ORDER BY member")
	if err != nil {
		return nil, fmt.Errorf("moderators: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			return nil, fmt.Errorf("moderators: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// ModeratorHistory implements plaudit.IntegrityStore.
func (db *DB) ModeratorHistory(ctx context.Context) ([]plaudit.ModeratorChange, error) {
	rows, err := db.db.QueryContext(ctx, "SELECT member, granted, by_member, at_ns, note FROM moderator_changes ORDER BY seq")
	if err != nil {
		return nil, fmt.Errorf("moderator history: %w", err)
	}
	defer rows.Close()
	var out []plaudit.ModeratorChange
	for rows.Next() {
		var c plaudit.ModeratorChange
		var granted int
		var at int64
		if err := rows.Scan(&c.Member, &granted, &c.By, &at, &c.Note); err != nil {
			return nil, fmt.Errorf("moderator history: %w", err)
		}
		c.Grant, c.At = granted == 1, timeOf(at)
		out = append(out, c)
	}
	return out, rows.Err()
}

// Exclusions implements plaudit.IntegrityStore.
func (db *DB) Exclusions(ctx context.Context, member string) ([]plaudit.Exclusion, error) {
	q, args := "SELECT flag_id, member, epochs, from_ns, until_ns, by_member, at_ns, lifted_by, lifted_ns FROM exclusions", []any{}
	if member != "" {
		q, args = q+" WHERE member = ?", append(args, member)
	}
	rows, err := db.db.QueryContext(ctx, db.Rebind(q+" ORDER BY flag_id"), args...)
	if err != nil {
		return nil, fmt.Errorf("exclusions: %w", err)
	}
	defer rows.Close()
	var out []plaudit.Exclusion
	for rows.Next() {
		var x plaudit.Exclusion
		var from, until, at, lifted int64
		if err := rows.Scan(&x.Flag, &x.Member, &x.Epochs, &from, &until, &x.By, &at, &x.LiftedBy, &lifted); err != nil {
			return nil, fmt.Errorf("exclusions: %w", err)
		}
		x.From, x.Until, x.At, x.LiftedAt = timeOf(from), timeOf(until), timeOf(at), timeOf(lifted)
		out = append(out, x)
	}
	return out, rows.Err()
}

// DrawAudit implements plaudit.IntegrityStore.
func (db *DB) DrawAudit(ctx context.Context, epoch string, events []string, by string, at time.Time) error {
	if epoch == "" || by == "" || at.IsZero() {
		return plaudit.Errorf(plaudit.EINVALID, "draw audit: epoch, by and time are required")
	}
	return db.InTx(ctx, func(tx *sql.Tx) error {
		if err := db.lockIntegrity(ctx, tx); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, db.Rebind("SELECT event FROM audits WHERE epoch = ? ORDER BY rank"), epoch)
		if err != nil {
			return fmt.Errorf("draw audit of %s: %w", epoch, err)
		}
		var drawn []string
		for rows.Next() {
			var e string
			if err := rows.Scan(&e); err != nil {
				rows.Close()
				return fmt.Errorf("draw audit of %s: %w", epoch, err)
			}
			drawn = append(drawn, e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("draw audit of %s: %w", epoch, err)
		}
		if len(drawn) > 0 {
			if slices.Equal(drawn, events) {
				return nil
			}
			return plaudit.Errorf(plaudit.ECONFLICT, "draw audit of %s: drawn already with %d events, a different sample", epoch, len(drawn))
		}
		for i, e := range events {
			if _, err := tx.ExecContext(ctx, db.Rebind("INSERT INTO audits (epoch, event, rank, status, drawn_by, drawn_ns) VALUES (?, ?, ?, ?, ?, ?)"),
				epoch, e, i, string(plaudit.AuditPending), by, nsOf(at)); err != nil {
				return fmt.Errorf("draw audit of %s: event %s: %w", epoch, e, err)
			}
		}
		return nil
	})
}

// AuditEntries implements plaudit.IntegrityStore.
func (db *DB) AuditEntries(ctx context.Context, epoch string, status plaudit.AuditStatus) ([]plaudit.AuditEntry, error) {
	q, args := "SELECT epoch, event, rank, status, drawn_by, drawn_ns, reviewer, note, reviewed_ns FROM audits WHERE 1 = 1", []any{}
	if epoch != "" {
		q, args = q+" AND epoch = ?", append(args, epoch)
	}
	if status != "" {
		q, args = q+" AND status = ?", append(args, string(status))
	}
	rows, err := db.db.QueryContext(ctx, db.Rebind(q+" ORDER BY epoch, rank"), args...)
	if err != nil {
		return nil, fmt.Errorf("audit entries: %w", err)
	}
	defer rows.Close()
	var out []plaudit.AuditEntry
	for rows.Next() {
		var a plaudit.AuditEntry
		var st string
		var drawn, reviewed int64
		if err := rows.Scan(&a.Epoch, &a.Event, &a.Rank, &st, &a.DrawnBy, &drawn, &a.Reviewer, &a.Note, &reviewed); err != nil {
			return nil, fmt.Errorf("audit entries: %w", err)
		}
		a.Status, a.DrawnAt, a.At = plaudit.AuditStatus(st), timeOf(drawn), timeOf(reviewed)
		out = append(out, a)
	}
	return out, rows.Err()
}

// ReviewAudit implements plaudit.IntegrityStore.
func (db *DB) ReviewAudit(ctx context.Context, epoch, event string, status plaudit.AuditStatus, reviewer, note string, at time.Time) error {
	if status != plaudit.AuditPassed && status != plaudit.AuditFailed {
		return plaudit.Errorf(plaudit.EINVALID, "review audit %s %s: status %q: want passed or failed", epoch, event, status)
	}
	if reviewer == "" || at.IsZero() {
		return plaudit.Errorf(plaudit.EINVALID, "review audit %s %s: reviewer and time are required", epoch, event)
	}
	return db.InTx(ctx, func(tx *sql.Tx) error {
		if err := db.lockIntegrity(ctx, tx); err != nil {
			return err
		}
		var cur, by string
		err := tx.QueryRowContext(ctx, db.Rebind("SELECT status, reviewer FROM audits WHERE epoch = ? AND event = ?"), epoch, event).Scan(&cur, &by)
		if errors.Is(err, sql.ErrNoRows) {
			return plaudit.Errorf(plaudit.ENOTFOUND, "audit of %s in %s: not in the audit queue", event, epoch)
		} else if err != nil {
			return fmt.Errorf("review audit %s %s: %w", epoch, event, err)
		}
		if cur != string(plaudit.AuditPending) {
			return plaudit.Errorf(plaudit.ECONFLICT, "audit of %s in %s: %s already by %s", event, epoch, cur, by)
		}
		mod, err := db.isModerator(ctx, tx, reviewer)
		if err != nil {
			return err
		} else if !mod {
			return plaudit.Errorf(plaudit.EFORBIDDEN, "audit of %s in %s: %s is not a moderator", event, epoch, reviewer)
		}
		_, err = tx.ExecContext(ctx, db.Rebind("UPDATE audits SET status = ?, reviewer = ?, note = ?, reviewed_ns = ? WHERE epoch = ? AND event = ?"),
			string(status), reviewer, note, nsOf(at), epoch, event)
		if err != nil {
			return fmt.Errorf("review audit %s %s: %w", epoch, event, err)
		}
		return nil
	})
}

// checkVerdicts refuses verdicts without a subject or with a multiplier outside 0–1, and, unless
// repeats is set, two on one subject.
func checkVerdicts(what string, vs []plaudit.Verdict, repeats bool) error {
	seen := map[string]bool{}
	for i, v := range vs {
		switch {
		case v.Subject == "":
			return plaudit.Errorf(plaudit.EINVALID, "%s: verdict %d has no subject", what, i)
		case v.Multiplier < 0 || v.Multiplier > plaudit.One:
			return plaudit.Errorf(plaudit.EINVALID, "%s: verdict %d (%s): multiplier %s outside 0–1", what, i, v.Subject, v.Multiplier)
		case seen[v.Subject] && !repeats:
			return plaudit.Errorf(plaudit.EINVALID, "%s: two verdicts on %s", what, v.Subject)
		}
		seen[v.Subject] = true
	}
	return nil
}

// SaveVerdictRun implements plaudit.IntegrityStore.
func (db *DB) SaveVerdictRun(ctx context.Context, r *plaudit.VerdictRun) (int64, error) {
	if r.By == "" || r.At.IsZero() {
		return 0, plaudit.Errorf(plaudit.EINVALID, "save integrity run: by and time are required")
	}
	if err := checkVerdicts("save integrity run", r.Verdicts, false); err != nil {
		return 0, err
	}
	var id int64
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		q := "INSERT INTO integrity_runs (policy_hash, since_ns, until_ns, events, by_member, at_ns, through_seq) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id"
		if err := tx.QueryRowContext(ctx, db.Rebind(q), r.PolicyHash, nsOf(r.Since), nsOf(r.Until), r.Events, r.By, nsOf(r.At), r.ThroughSeq).Scan(&id); err != nil {
			return fmt.Errorf("save integrity run: %w", err)
		}
		for _, v := range r.Verdicts {
			b, err := json.Marshal(v)
			if err != nil {
				return fmt.Errorf("save integrity run: verdict on %s: %w", v.Subject, err)
			}
			if _, err := tx.ExecContext(ctx, db.Rebind("INSERT INTO integrity_verdicts (run_id, subject, multiplier, verdict) VALUES (?, ?, ?, ?)"),
				id, v.Subject, int64(v.Multiplier), string(b)); err != nil {
				return fmt.Errorf("save integrity run: verdict on %s: %w", v.Subject, err)
			}
		}
		return nil
	})
	return id, err
}

const runSelect = "SELECT id, policy_hash, since_ns, until_ns, events, by_member, at_ns, through_seq FROM integrity_runs"

func scanRun(row interface{ Scan(...any) error }) (*plaudit.VerdictRun, error) {
	var r plaudit.VerdictRun
	var since, until, at int64
	if err := row.Scan(&r.ID, &r.PolicyHash, &since, &until, &r.Events, &r.By, &at, &r.ThroughSeq); err != nil {
		return nil, err
	}
	r.Since, r.Until, r.At = timeOf(since), timeOf(until), timeOf(at)
	return &r, nil
}

// VerdictRuns implements plaudit.IntegrityStore.
func (db *DB) VerdictRuns(ctx context.Context) ([]plaudit.VerdictRun, error) {
	rows, err := db.db.QueryContext(ctx, runSelect+" ORDER BY id DESC")
	if err != nil {
		return nil, fmt.Errorf("integrity runs: %w", err)
	}
	defer rows.Close()
	var out []plaudit.VerdictRun
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, fmt.Errorf("integrity runs: %w", err)
		}
		out = append(out, *r)
	}
	return out, rows.Err()
}

// VerdictRunByID implements plaudit.IntegrityStore.
func (db *DB) VerdictRunByID(ctx context.Context, id int64) (*plaudit.VerdictRun, error) {
	var r *plaudit.VerdictRun
	err := db.ReadTx(ctx, func(tx *sql.Tx) error {
		var err error
		r, err = scanRun(tx.QueryRowContext(ctx, db.Rebind(runSelect+" WHERE id = ?"), id))
		if errors.Is(err, sql.ErrNoRows) {
			return plaudit.Errorf(plaudit.ENOTFOUND, "integrity run %d not found", id)
		} else if err != nil {
			return fmt.Errorf("integrity run %d: %w", id, err)
		}
		rows, err := tx.QueryContext(ctx, db.Rebind("SELECT verdict FROM integrity_verdicts WHERE run_id = ? ORDER BY subject"), id)
		if err != nil {
			return fmt.Errorf("integrity run %d: %w", id, err)
		}
		defer rows.Close()
		for rows.Next() {
			var text string
			var v plaudit.Verdict
			if err := rows.Scan(&text); err != nil {
				return fmt.Errorf("integrity run %d: %w", id, err)
			}
			if err := json.Unmarshal([]byte(text), &v); err != nil {
				return fmt.Errorf("integrity run %d: decode verdict: %w", id, err)
			}
			r.Verdicts = append(r.Verdicts, v)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// SubjectVerdicts implements plaudit.IntegrityStore.
func (db *DB) SubjectVerdicts(ctx context.Context, subject string) ([]plaudit.RunVerdict, error) {
	rows, err := db.db.QueryContext(ctx, db.Rebind(`SELECT r.id, r.policy_hash, r.at_ns, v.verdict
		FROM integrity_verdicts v JOIN integrity_runs r ON r.id = v.run_id WHERE v.subject = ? ORDER BY r.id DESC`), subject)
	if err != nil {
		return nil, fmt.Errorf("verdicts on %s: %w", subject, err)
	}
	defer rows.Close()
	var out []plaudit.RunVerdict
	for rows.Next() {
		var rv plaudit.RunVerdict
		var at int64
		var text string
		if err := rows.Scan(&rv.Run, &rv.PolicyHash, &at, &text); err != nil {
			return nil, fmt.Errorf("verdicts on %s: %w", subject, err)
		}
		if err := json.Unmarshal([]byte(text), &rv.Verdict); err != nil {
			return nil, fmt.Errorf("verdicts on %s: decode: %w", subject, err)
		}
		rv.At = timeOf(at)
		out = append(out, rv)
	}
	return out, rows.Err()
}

// SaveEpochVerdicts implements plaudit.IntegrityStore.
func (db *DB) SaveEpochVerdicts(ctx context.Context, epoch string, vs []plaudit.Verdict) error {
	if epoch == "" {
		return plaudit.Errorf(plaudit.EINVALID, "save epoch verdicts: no epoch")
	}
	if err := checkVerdicts("save verdicts of "+epoch, vs, true); err != nil {
		return err
	}
	texts := make([]string, len(vs))
	for i, v := range vs {
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("save verdicts of %s: %w", epoch, err)
		}
		texts[i] = string(b)
	}
	return db.InTx(ctx, func(tx *sql.Tx) error {
		if err := db.lockIntegrity(ctx, tx); err != nil {
			return err
		}
		have, err := db.epochVerdictTexts(ctx, tx, epoch)
		if err != nil {
			return err
		}
		if have != nil {
			if slices.Equal(have, texts) {
				return nil
			}
			return plaudit.Errorf(plaudit.ECONFLICT, "save verdicts of %s: the epoch has other verdicts recorded", epoch)
		}
		for i, v := range vs {
			if _, err := tx.ExecContext(ctx, db.Rebind("INSERT INTO epoch_verdicts (epoch, pos, subject, verdict) VALUES (?, ?, ?, ?)"),
				epoch, i, v.Subject, texts[i]); err != nil {
				return fmt.Errorf("save verdicts of %s: %w", epoch, err)
			}
		}
		return nil
	})
}

func (db *DB) epochVerdictTexts(ctx context.Context, q querier, epoch string) ([]string, error) {
	rows, err := q.QueryContext(ctx, db.Rebind("SELECT verdict FROM epoch_verdicts WHERE epoch = ? ORDER BY pos"), epoch)
	if err != nil {
		return nil, fmt.Errorf("verdicts of %s: %w", epoch, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, fmt.Errorf("verdicts of %s: %w", epoch, err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// EpochVerdicts implements plaudit.IntegrityStore.
func (db *DB) EpochVerdicts(ctx context.Context, epoch string) ([]plaudit.Verdict, error) {
	texts, err := db.epochVerdictTexts(ctx, db.db, epoch)
	if err != nil {
		return nil, err
	}
	out, err := decodeVerdicts(texts)
	if err != nil {
		return nil, fmt.Errorf("verdicts of %s: decode: %w", epoch, err)
	}
	return out, nil
}

// decodeVerdicts decodes the verdicts' JSON texts in order. A large list is decoded in parts side by side,
// one a core: an epoch of a million members records about half a million verdicts, whose decoding (2.7
// CPU-s) was most of what a verify did before it could start walking the log. The first text that fails
// (in order) is the error.
func decodeVerdicts(texts []string) ([]plaudit.Verdict, error) {
	if len(texts) == 0 {
		return nil, nil
	}
	out := make([]plaudit.Verdict, len(texts))
	parts := min(runtime.GOMAXPROCS(0), (len(texts)+verdictPart-1)/verdictPart)
	errs := make([]error, parts)
	var wg sync.WaitGroup
	for p := range parts {
		lo, hi := p*len(texts)/parts, (p+1)*len(texts)/parts
		wg.Go(func() {
			for i := lo; i < hi; i++ {
				if err := json.Unmarshal([]byte(texts[i]), &out[i]); err != nil {
					errs[p] = fmt.Errorf("verdict %d: %w", i+1, err)
					return
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// verdictPart is the fewest verdicts a part of decodeVerdicts decodes: below it, one goroutine does.
const verdictPart = 4096
