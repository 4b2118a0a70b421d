-- Full-text search over events.content (issue 12): an FTS5 external-content table whose rowid is the
-- event's seq, so it stores only the index, not a second copy of the text. The unicode61 tokenizer with
-- diacritics removed matches the query parser's words (letters and digits, lower-cased).
--
-- It is filled lazily, not by an insert trigger: a trigger cut the bulk append rate from ~204k to ~64k
-- events/s (BenchmarkAppendSQLite), below issue 2's import target. Instead each search first indexes the
-- events appended since the last one (seq > events_fts_state.indexed_seq; events are append-only and seq
-- order is commit order), so the first search after a large import pays for it once.

-- +goose Up
CREATE VIRTUAL TABLE events_fts USING fts5(
    content,
    content = 'events',
    content_rowid = 'seq',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TABLE events_fts_state (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    indexed_seq INTEGER NOT NULL
) STRICT;
INSERT INTO events_fts_state (id, indexed_seq) VALUES (1, 0);

-- +goose Down
DROP TABLE events_fts_state;
DROP TABLE events_fts;
