-- Issue 12's remaining source state.
--
-- task_settlements: a program that settles per task (policy program.settlement: task) settles each
-- completed GitHub issue once, into Permit2 claims whose nonces derive from the issue's id. The first
-- settlement of (program, task) is kept for ever: settling again returns it, so a task is never paid twice
-- (and its nonces could not be used twice on chain anyway). doc is the settlement as JSON.
--
-- event_embeddings: each event's content embedded once by the configured embeddings model, for search by
-- cosine similarity. vector is little-endian float32s, dims of them; one row per (event seq, model).

-- +goose Up
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
    vector BLOB NOT NULL,
    PRIMARY KEY (model, seq)
);

-- +goose Down
DROP TABLE event_embeddings;
DROP TABLE task_settlements;
