-- The unique key of the log becomes (external_id, source), the same pairs in the other column order, as in
-- SQLite (see migrations/sqlite/00002_event_key_order.sql): ids are nearly all distinct and sources few, so
-- with the id first a comparison is nearly always decided by its first column. Lookups by (source,
-- external_id) use the index as before.

-- +goose Up
ALTER TABLE events DROP CONSTRAINT events_source_external_id_key;
ALTER TABLE events ADD CONSTRAINT events_external_id_source_key UNIQUE (external_id, source);

-- +goose Down
ALTER TABLE events DROP CONSTRAINT events_external_id_source_key;
ALTER TABLE events ADD CONSTRAINT events_source_external_id_key UNIQUE (source, external_id);
