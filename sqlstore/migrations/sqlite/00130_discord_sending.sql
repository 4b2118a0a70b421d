-- Issue 13: the Discord bot's "sending" markers.
--
-- discord_notice_sending: a notice (an epoch's announcement or a payout DM) about to be sent, with when its
-- first attempt began. A run that dies between Discord's answer and the record in discord_notices leaves
-- the marker: a retry within Discord's nonce window sends again (the message's nonce makes Discord return
-- the first message), a retry after it records the notice as sent without sending, so that no notice is
-- ever posted twice. Recording the notice deletes its marker.

-- +goose Up
CREATE TABLE discord_notice_sending (
    epoch     TEXT NOT NULL,
    recipient TEXT NOT NULL,
    since_ns  BIGINT NOT NULL,
    PRIMARY KEY (epoch, recipient)
);

-- +goose Down
DROP TABLE discord_notice_sending;
