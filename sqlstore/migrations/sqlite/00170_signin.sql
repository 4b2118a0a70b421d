-- Sign-in with Discord and the member portal's sessions in the store (issue 14).
-- oauth_signins: the one-time states of the OAuth 2.0 sign-ins of the panel and the portal (purpose says
-- which), each with its PKCE code verifier and where to go after; taken (deleted) by the callback, so a
-- state or the code it carries is used once. portal_sessions: the member portal's sessions under the
-- SHA-256 of their token (never the token), with the member key's hash (re-checked on every request) or
-- the Discord user it was opened for (whose link is re-checked). Times are Unix nanoseconds.

-- +goose Up
CREATE TABLE oauth_signins (
    state      TEXT PRIMARY KEY,
    purpose    TEXT NOT NULL,
    verifier   TEXT NOT NULL,
    next       TEXT NOT NULL DEFAULT '',
    expires_ns BIGINT NOT NULL
);

CREATE INDEX oauth_signins_expires ON oauth_signins (expires_ns);

CREATE TABLE portal_sessions (
    hash         TEXT PRIMARY KEY,
    member       TEXT NOT NULL,
    key_hash     TEXT NOT NULL DEFAULT '',
    discord_user TEXT NOT NULL DEFAULT '',
    created_ns   BIGINT NOT NULL,
    expires_ns   BIGINT NOT NULL
);

CREATE INDEX portal_sessions_expires ON portal_sessions (expires_ns);

-- +goose Down
DROP TABLE portal_sessions;
DROP TABLE oauth_signins;
