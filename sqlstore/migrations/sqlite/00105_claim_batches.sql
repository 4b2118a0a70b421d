-- The member portal's "claim all" batches handed out: one Permit2 batch nonce paying a wallet the claims of
-- some epochs in one token (epochs as a JSON array). Kept so that a claim paid by a batch shows as claimed.
-- Times are Unix nanoseconds.

-- +goose Up
CREATE TABLE claim_batches (
    nonce      TEXT PRIMARY KEY,
    spender    TEXT NOT NULL,
    token      TEXT NOT NULL,
    epochs     TEXT NOT NULL,
    created_ns BIGINT NOT NULL
);
CREATE INDEX claim_batches_spender ON claim_batches (spender);

-- +goose Down
DROP TABLE claim_batches;
