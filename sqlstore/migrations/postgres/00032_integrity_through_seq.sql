-- The log position an integrity run saw: the highest event seq it read. An epoch close reuses a run for its
-- window only when no event recorded after it falls in the window or changes an identity.

-- +goose Up
ALTER TABLE integrity_runs ADD COLUMN through_seq BIGINT NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE integrity_runs DROP COLUMN through_seq;
