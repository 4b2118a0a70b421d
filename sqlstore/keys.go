package sqlstore

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/plaudit/plaudit"
)

var _ plaudit.KeyStore = (*DB)(nil)

// touchEvery is how stale a key's last use may be before TouchKey writes it again.
const touchEvery = time.Minute

const keyColumns = "id, name, role, member, hash, created_ns, last_used_ns, revoked_ns, created_by"

// CreateKey stores a new API key (hashed) and sets its ID. A hash already stored is ECONFLICT.
func (db *DB) CreateKey(ctx context.Context, k *plaudit.APIKey) error {
	if len(k.Hash) == 0 {
		return plaudit.Errorf(plaudit.EINVALID, "create key: no hash")
	}
	hash := hex.EncodeToString(k.Hash)
	return db.InTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, db.Rebind("SELECT count(*) FROM api_keys WHERE hash = ?"), hash).Scan(&n); err != nil {
			return fmt.Errorf("create key: %w", err)
		}
		if n > 0 {
			return plaudit.Errorf(plaudit.ECONFLICT, "create key: a key with this hash exists already")
		}
		err := tx.QueryRowContext(ctx, db.Rebind(`INSERT INTO api_keys (name, role, member, hash, created_ns, last_used_ns, revoked_ns, created_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
			k.Name, string(k.Role), k.Member, hash, nsOf(k.Created), nsOf(k.LastUsed), nsOf(k.Revoked), k.CreatedBy).Scan(&k.ID)
		if err != nil {
			return fmt.Errorf("create key: %w", err)
		}
		return nil
	})
}

// KeyByHash returns the key with the given SHA-256 hash, or ENOTFOUND.
func (db *DB) KeyByHash(ctx context.Context, hash []byte) (*plaudit.APIKey, error) {
	row := db.db.QueryRowContext(ctx, db.Rebind("SELECT "+keyColumns+" FROM api_keys WHERE hash = ?"), hex.EncodeToString(hash))
	k, err := scanKey(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, plaudit.Errorf(plaudit.ENOTFOUND, "no such API key")
	} else if err != nil {
		return nil, fmt.Errorf("read key: %w", err)
	}
	return k, nil
}

// Keys returns every key by id, revoked ones included.
func (db *DB) Keys(ctx context.Context) ([]*plaudit.APIKey, error) {
	rows, err := db.db.QueryContext(ctx, "SELECT "+keyColumns+" FROM api_keys ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("list keys: %w", err)
	}
	defer rows.Close()
	var out []*plaudit.APIKey
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, fmt.Errorf("list keys: %w", err)
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list keys: %w", err)
	}
	return out, nil
}

// RevokeKey marks a key revoked at at (keeping an earlier revocation) and returns it; ENOTFOUND for an
// unknown id.
func (db *DB) RevokeKey(ctx context.Context, id int64, at time.Time) (*plaudit.APIKey, error) {
	var k *plaudit.APIKey
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, db.Rebind("UPDATE api_keys SET revoked_ns = ? WHERE id = ? AND revoked_ns = 0"), nsOf(at), id); err != nil {
			return fmt.Errorf("revoke key %d: %w", id, err)
		}
		var err error
		k, err = scanKey(tx.QueryRowContext(ctx, db.Rebind("SELECT "+keyColumns+" FROM api_keys WHERE id = ?"), id))
		if errors.Is(err, sql.ErrNoRows) {
			return plaudit.Errorf(plaudit.ENOTFOUND, "no API key with id %d", id)
		} else if err != nil {
			return fmt.Errorf("revoke key %d: %w", id, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return k, nil
}

// TouchKey records a use of the key at at, unless one within the minute before was recorded already.
func (db *DB) TouchKey(ctx context.Context, id int64, at time.Time) error {
	ns := nsOf(at)
	_, err := db.db.ExecContext(ctx, db.Rebind("UPDATE api_keys SET last_used_ns = ? WHERE id = ? AND last_used_ns < ?"),
		ns, id, ns-int64(touchEvery))
	if err != nil {
		return fmt.Errorf("touch key %d: %w", id, err)
	}
	return nil
}

func scanKey(row interface{ Scan(...any) error }) (*plaudit.APIKey, error) {
	var (
		k                        plaudit.APIKey
		role, hash               string
		created, used, revokedNS int64
	)
	if err := row.Scan(&k.ID, &k.Name, &role, &k.Member, &hash, &created, &used, &revokedNS, &k.CreatedBy); err != nil {
		return nil, err
	}
	h, err := hex.DecodeString(hash)
	if err != nil {
		return nil, fmt.Errorf("key %d: stored hash is not hex: %w", k.ID, err)
	}
	k.Role, k.Hash = plaudit.Role(role), h
	k.Created, k.LastUsed, k.Revoked = timeOf(created), timeOf(used), timeOf(revokedNS)
	return &k, nil
}
