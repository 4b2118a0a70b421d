-- A flag raised by a flag event of the log (a member's /flag on Discord, say) names that event, so that
-- importing the log's flags again raises each of them once.

-- +goose Up
ALTER TABLE flags ADD COLUMN event TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX flags_event ON flags (event) WHERE event <> '';

-- +goose Down
DROP INDEX flags_event;
ALTER TABLE flags DROP COLUMN event;
