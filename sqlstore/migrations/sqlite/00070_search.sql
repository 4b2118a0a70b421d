-- Full-text search over events.content (issue 12): an FTS5 external-content table whose rowid is the
-- event's seq, so it stores only the index, not a second copy of the text. Events are append-only, so an
-- INSERT trigger keeps it in step; the migration indexes the rows already stored. The unicode61 tokenizer
-- with diacritics removed matches the query parser's words (letters and digits, lower-cased).

-- +goose Up
CREATE VIRTUAL TABLE events_fts USING fts5(
    content,
    content = 'events',
    content_rowid = 'seq',
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO events_fts (rowid, content) SELECT seq, content FROM events WHERE content <> '';
-- +goose StatementBegin
CREATE TRIGGER events_fts_insert AFTER INSERT ON events WHEN new.content <> '' BEGIN
    INSERT INTO events_fts (rowid, content) VALUES (new.seq, new.content);
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER events_fts_insert;
DROP TABLE events_fts;
