-- The committed reputation vector of an epoch (issue 15): epochs.reputation_hash is the SHA-256 commitment
-- (plaudit.ReputationHash) to the members' raw EigenTrust trust the epoch was scored with, '' when its
-- program does not weigh by reputation; epoch_reputation holds the vector, each trust as the bits of its
-- float64 (a BIGINT), so that a witness can check the hash and then the vector by one EigenTrust iteration.

-- +goose Up
ALTER TABLE epochs ADD COLUMN reputation_hash TEXT NOT NULL DEFAULT '';

CREATE TABLE epoch_reputation (
    epoch      TEXT NOT NULL,
    member     TEXT NOT NULL,
    trust_bits BIGINT NOT NULL,
    PRIMARY KEY (epoch, member)
);

-- +goose Down
DROP TABLE epoch_reputation;
ALTER TABLE epochs DROP COLUMN reputation_hash;
