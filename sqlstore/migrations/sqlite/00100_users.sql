-- The admin panel's local users (argon2id password hashes in PHC form, never a password) and their
-- sessions (the SHA-256 hash of each session token, never the token). Times are Unix nanoseconds.

-- +goose Up
CREATE TABLE panel_users (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL UNIQUE,
    role       TEXT NOT NULL,
    hash       TEXT NOT NULL,
    created_ns BIGINT NOT NULL,
    created_by TEXT NOT NULL DEFAULT ''
);

CREATE TABLE panel_sessions (
    hash       TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES panel_users (id),
    created_ns BIGINT NOT NULL,
    expires_ns BIGINT NOT NULL
);

CREATE INDEX panel_sessions_expires ON panel_sessions (expires_ns);

-- +goose Down
DROP TABLE panel_sessions;
DROP TABLE panel_users;
