-- The members' kinds and payout wallets a whole-history rescore found at the end of the log it read
-- (plaudit.MemberPayoutStore): one row, with the log position the rescore read (through_seq). An epoch close
-- whose scores are that rescore's takes them from here instead of replaying the identity events.
-- members is plaudit.EncodeMemberPayouts's bytes.

-- +goose Up
CREATE TABLE member_payouts (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    through_seq INTEGER NOT NULL,
    members     BLOB    NOT NULL
);

-- +goose Down
DROP TABLE member_payouts;
