-- Witnesses (docs/witness.md): the attestations and disputes witnesses signed about closed epochs, with the
-- signed document as sent, and the epochs published after their dispute window. Times are Unix nanoseconds,
-- 0 for never.

-- +goose Up
CREATE TABLE witness_records (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    epoch          TEXT   NOT NULL,
    witness        TEXT   NOT NULL,
    kind           TEXT   NOT NULL,
    time_ns        BIGINT NOT NULL,
    root           TEXT   NOT NULL DEFAULT '',
    policy_hash    TEXT   NOT NULL DEFAULT '',
    inputs_digest  TEXT   NOT NULL DEFAULT '',
    total_paid     TEXT   NOT NULL DEFAULT '',
    member         TEXT   NOT NULL DEFAULT '',
    stored         TEXT   NOT NULL DEFAULT '',
    rebuilt        TEXT   NOT NULL DEFAULT '',
    reason         TEXT   NOT NULL DEFAULT '',
    document       TEXT   NOT NULL,
    resolved_ns    BIGINT NOT NULL DEFAULT 0,
    resolved_by    TEXT   NOT NULL DEFAULT '',
    resolution     TEXT   NOT NULL DEFAULT '',
    resolve_reason TEXT   NOT NULL DEFAULT ''
);

CREATE INDEX witness_records_epoch ON witness_records (epoch, witness);

-- One attestation per witness and epoch: a second signature of other values is refused.
CREATE UNIQUE INDEX witness_one_attestation ON witness_records (epoch, witness) WHERE kind = 'attestation';

CREATE TABLE epoch_publications (
    epoch        TEXT   PRIMARY KEY,
    published_ns BIGINT NOT NULL
);

-- +goose Down
DROP TABLE epoch_publications;
DROP TABLE witness_records;
