-- The reputation vector a whole-history rescore weighed each epoch's scores with (plaudit.ScoreReputationStore),
-- by policy and epoch start (Unix nanoseconds), with the log position the rescore read (through_seq): an epoch
-- close whose scores are that rescore's takes the vector from here instead of walking the log twice for it.
-- vector is plaudit.EncodeTrust's bytes, whose SHA-256 is the epoch's reputation_hash.

-- +goose Up
CREATE TABLE score_reputation (
    policy_hash TEXT    NOT NULL,
    epoch_start BIGINT  NOT NULL,
    through_seq BIGINT  NOT NULL,
    vector      BYTEA   NOT NULL,
    PRIMARY KEY (policy_hash, epoch_start)
);

-- +goose Down
DROP TABLE score_reputation;
