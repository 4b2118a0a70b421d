-- The GitHub source's own state: the webhook deliveries handled (X-GitHub-Delivery, so that a replayed
-- delivery is answered without being handled again) and each repository's backfill checkpoint (where an
-- interrupted `plaudit github backfill` resumes). Times are Unix nanoseconds.

-- +goose Up
CREATE TABLE github_deliveries (
    id          TEXT PRIMARY KEY,
    event       TEXT NOT NULL,
    received_ns BIGINT NOT NULL
);
CREATE TABLE github_checkpoints (
    repo       TEXT PRIMARY KEY,
    checkpoint TEXT NOT NULL,
    updated_ns BIGINT NOT NULL
);

-- +goose Down
DROP TABLE github_checkpoints;
DROP TABLE github_deliveries;
