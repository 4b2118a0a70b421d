-- The event log: append-only, idempotent on (source, external_id). seq is assigned in order of arrival
-- (appends hold a transaction-scoped advisory lock, so seq order is also commit order); time_ns is the
-- event's time as Unix nanoseconds UTC, since timestamptz keeps only microseconds; attrs is the compact JSON
-- (sorted keys, numbers as written) as text, so that it comes back byte for byte: jsonb would reorder keys
-- and rewrite numbers, and json's validation cost 5–9% of the server's time per append for nothing, since
-- the store writes it from a Go map. Cast it (attrs::jsonb ->> 'key') to query it. Text columns use the
-- "C" collation: byte order, the same as SQLite's, and faster to index.

-- There is no index on time_ns on purpose: it cost a fifth of the bulk append rate, and the log is read in
-- seq order (AfterSeq) by its consumers. A time-filtered scan reads the table; an area that needs fast time
-- ranges can add the index in its own migration.

-- +goose Up
CREATE TABLE events (
    seq           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source        text   COLLATE "C" NOT NULL,
    external_id   text   COLLATE "C" NOT NULL,
    kind          text   COLLATE "C" NOT NULL,
    actor         text   COLLATE "C" NOT NULL,
    target        text   COLLATE "C" NOT NULL DEFAULT '',
    target_author text   COLLATE "C" NOT NULL DEFAULT '',
    content       text   NOT NULL DEFAULT '',
    time_ns       bigint NOT NULL,
    attrs         text,
    UNIQUE (source, external_id)
);

-- +goose Down
DROP TABLE events;
