-- Issue 12's remaining source state.
--
-- task_settlements: a program that settles per task (policy program.settlement: task) settles each
-- completed GitHub issue once, into Permit2 claims whose nonces derive from the issue's id. The first
-- settlement of (program, task) is kept for ever: settling again returns it, so a task is never paid twice
-- (and its nonces could not be used twice on chain anyway). doc is the settlement as JSON.
--
-- event_embeddings: each event's content embedded once by the configured embeddings model, for search by
-- cosine similarity. vector is little-endian float32s, dims of them; one row per (event seq, model).

-- events.content_tsv: the content's tsvector, stored (a generated column) and GIN-indexed, replacing the
-- expression index of migration 00070. Search ranks with ts_rank and rechecks matches; over the
-- expression index both re-parsed each row's content, which made common-word and phrase queries take
-- seconds at 1M posts. The stored vector is read instead.

-- +goose Up
ALTER TABLE events ADD COLUMN content_tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', content)) STORED;
CREATE INDEX events_content_tsv ON events USING GIN (content_tsv);
DROP INDEX events_content_fts;
CREATE TABLE task_settlements (
    program     TEXT NOT NULL,
    task        TEXT NOT NULL,
    policy_hash TEXT NOT NULL,
    settled_ns  BIGINT NOT NULL,
    doc         TEXT NOT NULL,
    PRIMARY KEY (program, task)
);
CREATE TABLE event_embeddings (
    seq    BIGINT NOT NULL,
    model  TEXT NOT NULL,
    dims   INTEGER NOT NULL,
    vector BYTEA NOT NULL,
    PRIMARY KEY (model, seq)
);

-- +goose Down
CREATE INDEX events_content_fts ON events USING GIN (to_tsvector('simple', content));
DROP INDEX events_content_tsv;
ALTER TABLE events DROP COLUMN content_tsv;
DROP TABLE event_embeddings;
DROP TABLE task_settlements;
