-- API keys: the SHA-256 hash of each key (never the key), its role, the member a member key is bound to,
-- and when it was created, last used and revoked (Unix nanoseconds, 0 for never).

-- +goose Up
CREATE TABLE api_keys (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT NOT NULL DEFAULT '',
    role         TEXT NOT NULL,
    member       TEXT NOT NULL DEFAULT '',
    hash         TEXT NOT NULL UNIQUE,
    created_ns   BIGINT NOT NULL,
    last_used_ns BIGINT NOT NULL DEFAULT 0,
    revoked_ns   BIGINT NOT NULL DEFAULT 0,
    created_by   TEXT NOT NULL DEFAULT ''
);

-- +goose Down
DROP TABLE api_keys;
