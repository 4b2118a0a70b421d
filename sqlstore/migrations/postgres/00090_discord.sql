-- The Discord bot's own state (package discord, service/discord.go): the interaction ids already answered
-- (a replayed interaction is refused), the links of Discord users to X accounts (verified through X OAuth
-- or by an admin; a wallet given before verification waits here), the one-time X OAuth states of /connect,
-- the members who opted out of notices, and the epoch notices sent (so that a retried job sends none twice).
-- Times are Unix nanoseconds; flags are 0 or 1.

-- +goose Up
CREATE TABLE discord_interactions (
    id      TEXT PRIMARY KEY,
    seen_ns BIGINT NOT NULL
);
CREATE INDEX discord_interactions_seen ON discord_interactions (seen_ns);
CREATE TABLE discord_links (
    discord_user   TEXT PRIMARY KEY,
    x_id           TEXT NOT NULL UNIQUE,
    x_username     TEXT NOT NULL,
    member         TEXT NOT NULL,
    verified       BIGINT NOT NULL,
    verified_by    TEXT NOT NULL,
    pending_wallet TEXT NOT NULL,
    linked_ns      BIGINT NOT NULL
);
CREATE TABLE discord_oauth (
    state        TEXT PRIMARY KEY,
    discord_user TEXT NOT NULL,
    discord_name TEXT NOT NULL,
    handle       TEXT NOT NULL,
    verifier     TEXT NOT NULL,
    expires_ns   BIGINT NOT NULL
);
CREATE TABLE discord_notify (
    discord_user TEXT PRIMARY KEY,
    off          BIGINT NOT NULL
);
CREATE TABLE discord_notices (
    epoch     TEXT NOT NULL,
    recipient TEXT NOT NULL,
    sent_ns   BIGINT NOT NULL,
    PRIMARY KEY (epoch, recipient)
);

-- +goose Down
DROP TABLE discord_notices;
DROP TABLE discord_notify;
DROP TABLE discord_oauth;
DROP TABLE discord_links;
DROP TABLE discord_interactions;
