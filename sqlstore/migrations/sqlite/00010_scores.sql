-- Policies and the scores they made. A policy is stored once per content hash; activations are a history,
-- the latest being the active policy. Scores are keyed by (policy hash, event, position), so that rescoring
-- an event under a policy replaces its scores and scores under different policies live side by side (what
-- `plaudit score replay` compares). Points are int64 millionths; times are Unix nanoseconds UTC; lines are
-- the explanation as JSON.

-- +goose Up
CREATE TABLE policies (
    hash       TEXT    PRIMARY KEY,
    name       TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    document   TEXT    NOT NULL
) STRICT;

CREATE TABLE policy_activations (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    hash         TEXT    NOT NULL REFERENCES policies (hash),
    activated_ns INTEGER NOT NULL,
    activated_by TEXT    NOT NULL
) STRICT;

CREATE TABLE scores (
    policy_hash TEXT    NOT NULL,
    event       TEXT    NOT NULL,
    pos         INTEGER NOT NULL,
    seq         INTEGER NOT NULL,
    member      TEXT    NOT NULL,
    scorer      TEXT    NOT NULL,
    points      INTEGER NOT NULL,
    time_ns     INTEGER NOT NULL,
    lines       TEXT    NOT NULL,
    PRIMARY KEY (policy_hash, event, pos)
) STRICT;

CREATE INDEX scores_member ON scores (policy_hash, member, seq);
CREATE INDEX scores_time ON scores (policy_hash, time_ns);

-- +goose Down
DROP TABLE scores;
DROP TABLE policy_activations;
DROP TABLE policies;
