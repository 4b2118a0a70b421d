-- Full-text search over events.content (issue 12): an expression GIN index over to_tsvector('simple',
-- content). The 'simple' configuration lower-cases words and neither stems nor drops stop words, matching
-- SQLite's unicode61 tokenizer closely enough that both stores answer the same queries. Queries must use
-- the same expression for the index to apply.

-- +goose Up
CREATE INDEX events_content_fts ON events USING GIN (to_tsvector('simple', content));

-- +goose Down
DROP INDEX events_content_fts;
