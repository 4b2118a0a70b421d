-- The X source's own state: each query's since_id checkpoint (so that a poll after a restart reads only
-- what is newer) and the reads counted per UTC day (so that a restart does not reset the daily read
-- budget). Times are Unix nanoseconds.

-- +goose Up
CREATE TABLE x_checkpoints (
    query      TEXT PRIMARY KEY,
    since_id   TEXT NOT NULL,
    updated_ns BIGINT NOT NULL
);
CREATE TABLE x_reads (
    day   TEXT PRIMARY KEY,
    posts BIGINT NOT NULL,
    users BIGINT NOT NULL
);

-- +goose Down
DROP TABLE x_reads;
DROP TABLE x_checkpoints;
