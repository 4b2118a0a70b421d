-- The log position an epoch was closed from: the highest event seq its scores, verdicts and member directory
-- were computed over. plaudit verify rebuilds the epoch from the log as it stood then, so that events and
-- identity changes recorded after the close never change an earlier epoch's result. 0 for epochs closed
-- before this was recorded (verify then replays the whole log).

-- +goose Up
ALTER TABLE epochs ADD COLUMN log_seq BIGINT NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE epochs DROP COLUMN log_seq;
