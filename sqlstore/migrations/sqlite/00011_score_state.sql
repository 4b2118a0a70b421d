-- How far the scores of each policy reach.
--   full_seq:   a whole-history run (score.Run) over the events with seq <= full_seq wrote every score of
--               those events; -1 while a rewrite is under way, so that nobody settles from half-written scores.
--   scored_seq: every event with seq <= scored_seq has its scores, whole-history or streamed.
--   first_ns:   the earliest event time among the whole-history run's scores (0 when it had none): where a
--               program's first epoch begins.
--   rewriter:   the rewrite under way, if any; each of its bounded transactions checks it, so that two
--               rewrites never interleave their writes.

-- +goose Up
CREATE TABLE score_state (
    policy_hash TEXT    PRIMARY KEY,
    full_seq    INTEGER NOT NULL,
    scored_seq  INTEGER NOT NULL,
    first_ns    INTEGER NOT NULL,
    rewriter    TEXT    NOT NULL,
    updated_ns  INTEGER NOT NULL
) STRICT;

CREATE INDEX scores_seq ON scores (policy_hash, seq);

-- +goose Down
DROP INDEX scores_seq;
DROP TABLE score_state;
