-- Review queues (docs/witness.md, "Review queue"): the payout lines above a policy's review_above and the
-- rewarded events drawn for a second look, which a person approves or rejects before a closed epoch
-- publishes. An epoch's queue is drawn once (epoch_review_draws). Times are Unix nanoseconds, 0 for never.

-- +goose Up
CREATE TABLE epoch_review_draws (
    epoch        TEXT    PRIMARY KEY,
    seed         TEXT    NOT NULL,
    review_above TEXT    NOT NULL,
    second_look  BIGINT  NOT NULL,
    rewarded     INTEGER NOT NULL,
    sampled      INTEGER NOT NULL,
    payouts      INTEGER NOT NULL,
    drawn_ns     BIGINT  NOT NULL
);

CREATE TABLE epoch_reviews (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    epoch          TEXT   NOT NULL,
    kind           TEXT   NOT NULL,
    member         TEXT   NOT NULL,
    event          TEXT   NOT NULL DEFAULT '',
    points         BIGINT NOT NULL DEFAULT 0,
    amount         TEXT   NOT NULL DEFAULT '',
    why            TEXT   NOT NULL,
    created_ns     BIGINT NOT NULL,
    status         TEXT   NOT NULL DEFAULT 'pending',
    decided_ns     BIGINT NOT NULL DEFAULT 0,
    decided_by     TEXT   NOT NULL DEFAULT '',
    reason         TEXT   NOT NULL DEFAULT '',
    resolved_ns    BIGINT NOT NULL DEFAULT 0,
    resolved_by    TEXT   NOT NULL DEFAULT '',
    resolution     TEXT   NOT NULL DEFAULT '',
    resolve_reason TEXT   NOT NULL DEFAULT ''
);

CREATE UNIQUE INDEX epoch_reviews_item ON epoch_reviews (epoch, kind, member, event);
CREATE INDEX epoch_reviews_status ON epoch_reviews (status, epoch);

-- +goose Down
DROP TABLE epoch_reviews;
DROP TABLE epoch_review_draws;
