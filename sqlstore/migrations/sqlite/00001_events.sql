-- The event log: append-only, idempotent on (source, external_id). seq is the rowid, assigned in order of
-- arrival; time_ns is the event's time as Unix nanoseconds UTC, so that it round-trips exactly; attrs is
-- compact JSON with sorted keys, or NULL when the event has none.

-- There is no index on time_ns on purpose: it cost a fifth of the bulk append rate, and the log is read in
-- seq order (AfterSeq) by its consumers. A time-filtered scan reads the table; an area that needs fast time
-- ranges can add the index in its own migration.

-- +goose Up
CREATE TABLE events (
    seq           INTEGER PRIMARY KEY,
    source        TEXT    NOT NULL,
    external_id   TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    actor         TEXT    NOT NULL,
    target        TEXT    NOT NULL DEFAULT '',
    target_author TEXT    NOT NULL DEFAULT '',
    content       TEXT    NOT NULL DEFAULT '',
    time_ns       INTEGER NOT NULL,
    attrs         TEXT,
    UNIQUE (source, external_id)
) STRICT;

-- +goose Down
DROP TABLE events;
