-- The scores of a whole-history rewrite under way on SQLite (sqlstore's scoreRewrite), staged in the order
-- the run makes them and moved into scores at the rewrite's end, in transactions of about 50,000 sorted by
-- key. Written straight into scores in small transactions, each score's inserts into the primary key and
-- member index land on pages of their own, which each commit writes whole: about 19 KB written a score at a
-- million members. Appending here writes each page once; a move's transaction writes most index pages
-- once for all its scores.
--   token: the rewrite's (score_state.rewriter); rows of a rewrite that did not finish are removed when
--          the next rewrite of their policy starts.

-- +goose Up
CREATE TABLE score_staging (
    token       TEXT    NOT NULL,
    policy_hash TEXT    NOT NULL,
    event       TEXT    NOT NULL,
    pos         INTEGER NOT NULL,
    seq         INTEGER NOT NULL,
    member      TEXT    NOT NULL,
    scorer      TEXT    NOT NULL,
    points      INTEGER NOT NULL,
    time_ns     INTEGER NOT NULL,
    lines       TEXT    NOT NULL
) STRICT;

-- +goose Down
DROP TABLE score_staging;
