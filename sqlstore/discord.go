package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/plaudit/plaudit/service"
)

// The Discord bot's state (service.DiscordStore): tables discord_interactions, discord_links,
// discord_oauth, discord_notify and discord_notices (migration 00090), discord_notice_sending (00130).

// interactionKeep is how long an answered interaction id is kept: Discord's signed timestamps older than
// five minutes are refused anyway, so an id older than this can never be replayed successfully.
const interactionKeep = 15 * time.Minute

// DiscordInteractionSeen records the interaction id as answered at at and reports whether it was new
// (false: a replay). Ids older than 15 minutes are forgotten on the way.
func (db *DB) DiscordInteractionSeen(ctx context.Context, id string, at time.Time) (bool, error) {
	if _, err := db.db.ExecContext(ctx, db.Rebind("DELETE FROM discord_interactions WHERE seen_ns < ?"), at.Add(-interactionKeep).UnixNano()); err != nil {
		return false, fmt.Errorf("forget old discord interactions: %w", err)
	}
	res, err := db.db.ExecContext(ctx, db.Rebind("INSERT INTO discord_interactions (id, seen_ns) VALUES (?, ?) ON CONFLICT (id) DO NOTHING"), id, at.UnixNano())
	if err != nil {
		return false, fmt.Errorf("record discord interaction %s: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("record discord interaction %s: %w", id, err)
	}
	return n == 1, nil
}

const discordLinkColumns = "discord_user, x_id, x_username, member, verified, verified_by, pending_wallet, linked_ns"

func scanDiscordLink(row interface{ Scan(...any) error }) (*service.DiscordLink, error) {
	var (
		l        service.DiscordLink
		verified int64
		ns       int64
	)
	if err := row.Scan(&l.User, &l.XID, &l.XUsername, &l.Member, &verified, &l.VerifiedBy, &l.PendingWallet, &ns); err != nil {
		return nil, err
	}
	l.Verified = verified == 1
	l.LinkedAt = time.Unix(0, ns).UTC()
	return &l, nil
}

// discordLinkWhere returns the link of the row where column = value, nil when none.
func (db *DB) discordLinkWhere(ctx context.Context, column, value string) (*service.DiscordLink, error) {
	l, err := scanDiscordLink(db.db.QueryRowContext(ctx, db.Rebind("SELECT "+discordLinkColumns+" FROM discord_links WHERE "+column+" = ?"), value))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("read discord link of %s %s: %w", column, value, err)
	}
	return l, nil
}

// DiscordLink returns the link of a Discord user id, nil when the user has none.
func (db *DB) DiscordLink(ctx context.Context, user string) (*service.DiscordLink, error) {
	return db.discordLinkWhere(ctx, "discord_user", user)
}

// DiscordLinkByX returns the link holding an X user id, nil when none does.
func (db *DB) DiscordLinkByX(ctx context.Context, xID string) (*service.DiscordLink, error) {
	return db.discordLinkWhere(ctx, "x_id", xID)
}

// PutDiscordLink stores a link, replacing the user's earlier one. An X account held by another user's
// link is ECONFLICT (the unique x_id).
func (db *DB) PutDiscordLink(ctx context.Context, l *service.DiscordLink) error {
	verified := 0
	if l.Verified {
		verified = 1
	}
	_, err := db.db.ExecContext(ctx, db.Rebind(`INSERT INTO discord_links (`+discordLinkColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (discord_user) DO UPDATE SET x_id = excluded.x_id, x_username = excluded.x_username, member = excluded.member,
		verified = excluded.verified, verified_by = excluded.verified_by, pending_wallet = excluded.pending_wallet, linked_ns = excluded.linked_ns`),
		l.User, l.XID, l.XUsername, l.Member, verified, l.VerifiedBy, l.PendingWallet, l.LinkedAt.UnixNano())
	if err != nil {
		if uniqueViolation(err) {
			return fmt.Errorf("store discord link of %s: the X account %s is linked to another Discord user: %w", l.User, l.XID, service.ErrDiscordXTaken)
		}
		return fmt.Errorf("store discord link of %s: %w", l.User, err)
	}
	return nil
}

// uniqueViolation reports a unique constraint's refusal, in SQLite's words or PostgreSQL's code 23505.
func uniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505"
	}
	return strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// DiscordLinks returns every link, by Discord user id.
func (db *DB) DiscordLinks(ctx context.Context) ([]service.DiscordLink, error) {
	rows, err := db.db.QueryContext(ctx, "SELECT "+discordLinkColumns+" FROM discord_links ORDER BY discord_user")
	if err != nil {
		return nil, fmt.Errorf("read discord links: %w", err)
	}
	defer rows.Close()
	var out []service.DiscordLink
	for rows.Next() {
		l, err := scanDiscordLink(rows)
		if err != nil {
			return nil, fmt.Errorf("read discord links: %w", err)
		}
		out = append(out, *l)
	}
	return out, rows.Err()
}

// PutDiscordOAuth stores a pending X OAuth state of /connect.
func (db *DB) PutDiscordOAuth(ctx context.Context, o *service.DiscordOAuth) error {
	_, err := db.db.ExecContext(ctx, db.Rebind(`INSERT INTO discord_oauth (state, discord_user, discord_name, handle, verifier, expires_ns) VALUES (?, ?, ?, ?, ?, ?)`),
		o.State, o.User, o.UserName, o.Handle, o.Verifier, o.Expires.UnixNano())
	if err != nil {
		return fmt.Errorf("store x oauth state: %w", err)
	}
	return nil
}

// DiscordOAuth returns a pending X OAuth state, nil when unknown.
func (db *DB) DiscordOAuth(ctx context.Context, state string) (*service.DiscordOAuth, error) {
	return db.oauthRow(db.db.QueryRowContext(ctx, db.Rebind("SELECT state, discord_user, discord_name, handle, verifier, expires_ns FROM discord_oauth WHERE state = ?"), state))
}

// TakeDiscordOAuth removes and returns a pending X OAuth state (nil when unknown or taken already): each
// state is used once.
func (db *DB) TakeDiscordOAuth(ctx context.Context, state string) (*service.DiscordOAuth, error) {
	return db.oauthRow(db.db.QueryRowContext(ctx, db.Rebind("DELETE FROM discord_oauth WHERE state = ? RETURNING state, discord_user, discord_name, handle, verifier, expires_ns"), state))
}

func (db *DB) oauthRow(row *sql.Row) (*service.DiscordOAuth, error) {
	var (
		o  service.DiscordOAuth
		ns int64
	)
	err := row.Scan(&o.State, &o.User, &o.UserName, &o.Handle, &o.Verifier, &ns)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("read x oauth state: %w", err)
	}
	o.Expires = time.Unix(0, ns).UTC()
	return &o, nil
}

// SetDiscordNotify records whether a Discord user wants notices (DMs of their payouts).
func (db *DB) SetDiscordNotify(ctx context.Context, user string, on bool) error {
	off := 1
	if on {
		off = 0
	}
	_, err := db.db.ExecContext(ctx, db.Rebind(`INSERT INTO discord_notify (discord_user, off) VALUES (?, ?)
		ON CONFLICT (discord_user) DO UPDATE SET off = excluded.off`), user, off)
	if err != nil {
		return fmt.Errorf("store notify setting of %s: %w", user, err)
	}
	return nil
}

// DiscordNotifyOff reports whether a Discord user opted out of notices.
func (db *DB) DiscordNotifyOff(ctx context.Context, user string) (bool, error) {
	var off int64
	err := db.db.QueryRowContext(ctx, db.Rebind("SELECT off FROM discord_notify WHERE discord_user = ?"), user).Scan(&off)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("read notify setting of %s: %w", user, err)
	}
	return off == 1, nil
}

// DiscordNoticeSent reports whether the notice of epoch to recipient ("announce" or a Discord user id) was
// sent.
func (db *DB) DiscordNoticeSent(ctx context.Context, epoch, recipient string) (bool, error) {
	var n int
	if err := db.db.QueryRowContext(ctx, db.Rebind("SELECT count(*) FROM discord_notices WHERE epoch = ? AND recipient = ?"), epoch, recipient).Scan(&n); err != nil {
		return false, fmt.Errorf("read discord notice of %s: %w", epoch, err)
	}
	return n > 0, nil
}

// RecordDiscordNotice records that the notice of epoch to recipient was sent, and drops its sending marker;
// recording it again changes nothing.
func (db *DB) RecordDiscordNotice(ctx context.Context, epoch, recipient string, at time.Time) error {
	_, err := db.db.ExecContext(ctx, db.Rebind("INSERT INTO discord_notices (epoch, recipient, sent_ns) VALUES (?, ?, ?) ON CONFLICT (epoch, recipient) DO NOTHING"),
		epoch, recipient, at.UnixNano())
	if err != nil {
		return fmt.Errorf("record discord notice of %s: %w", epoch, err)
	}
	return db.ClearDiscordNoticeSending(ctx, epoch, recipient)
}

// MarkDiscordNoticeSending records that the notice of epoch to recipient is about to be sent, first at at;
// a marker already there keeps its time (the first attempt's).
func (db *DB) MarkDiscordNoticeSending(ctx context.Context, epoch, recipient string, at time.Time) error {
	_, err := db.db.ExecContext(ctx, db.Rebind("INSERT INTO discord_notice_sending (epoch, recipient, since_ns) VALUES (?, ?, ?) ON CONFLICT (epoch, recipient) DO NOTHING"),
		epoch, recipient, at.UnixNano())
	if err != nil {
		return fmt.Errorf("mark discord notice of %s to %s as sending: %w", epoch, recipient, err)
	}
	return nil
}

// DiscordNoticeSending returns when the unrecorded send of the notice of epoch to recipient first began,
// or the zero time when no send is marked.
func (db *DB) DiscordNoticeSending(ctx context.Context, epoch, recipient string) (time.Time, error) {
	var ns int64
	err := db.db.QueryRowContext(ctx, db.Rebind("SELECT since_ns FROM discord_notice_sending WHERE epoch = ? AND recipient = ?"), epoch, recipient).Scan(&ns)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	} else if err != nil {
		return time.Time{}, fmt.Errorf("read the sending marker of the discord notice of %s to %s: %w", epoch, recipient, err)
	}
	return time.Unix(0, ns).UTC(), nil
}

// ClearDiscordNoticeSending drops the sending marker of the notice of epoch to recipient (Discord refused
// the send, or it was recorded).
func (db *DB) ClearDiscordNoticeSending(ctx context.Context, epoch, recipient string) error {
	if _, err := db.db.ExecContext(ctx, db.Rebind("DELETE FROM discord_notice_sending WHERE epoch = ? AND recipient = ?"), epoch, recipient); err != nil {
		return fmt.Errorf("clear the sending marker of the discord notice of %s to %s: %w", epoch, recipient, err)
	}
	return nil
}
