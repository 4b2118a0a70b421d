-- The events that a member directory's kinds, tiers, wallets and keys come from (plaudit.DirectoryKinds), in
-- seq order: an epoch close reads them instead of the whole log (EventFilter.DirectoryKinds). Partial, so
-- that it holds only those events (a tiny part of a log) and costs an append of any other event nothing.
-- The predicate is the same text as sqlstore's directoryKindsSQL, which queries must repeat for the planner
-- to use the index.

-- +goose Up
CREATE INDEX events_directory ON events (seq) WHERE kind IN ('link', 'unlink', 'merge', 'tier', 'wallet', 'key');

-- +goose Down
DROP INDEX events_directory;
