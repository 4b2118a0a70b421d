-- PostgreSQL's search index leaves the append path (issue 16). Migration 00120 stored each event's
-- tsvector in a generated column of events with a GIN index over it, so every append parsed the content
-- and updated the GIN index while holding the log's lock: appends fell from about 210k to 28k events a
-- second, and bus workers, which append under that lock, could not go faster. Like SQLite's events_fts,
-- the index is now a table of its own, filled lazily: a search first indexes the events appended since
-- event_search_state.indexed_seq (events are append-only and seq only grows), in one transaction that
-- locks the state row so that concurrent searches take turns. Only events with content get a row.

-- +goose Up
CREATE TABLE event_search (
    seq         BIGINT PRIMARY KEY,
    content_tsv TSVECTOR NOT NULL
);
INSERT INTO event_search (seq, content_tsv) SELECT seq, content_tsv FROM events WHERE content <> '';
CREATE INDEX event_search_tsv ON event_search USING GIN (content_tsv);
CREATE TABLE event_search_state (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    indexed_seq BIGINT NOT NULL
);
INSERT INTO event_search_state (id, indexed_seq) SELECT 1, coalesce(max(seq), 0) FROM events;
DROP INDEX events_content_tsv;
ALTER TABLE events DROP COLUMN content_tsv;

-- +goose Down
ALTER TABLE events ADD COLUMN content_tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', content)) STORED;
CREATE INDEX events_content_tsv ON events USING GIN (content_tsv);
DROP TABLE event_search_state;
DROP TABLE event_search;
