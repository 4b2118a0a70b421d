-- The integrity layer's records: flags with the append-only history of every action on them, moderators
-- and every grant and revocation, exclusions, the audit queue, and the verdicts of integrity runs and of
-- closed epochs. Nothing here is ever deleted: a decision is a new history row and a changed flag row, a
-- lifted exclusion keeps its row with who lifted it. Times are Unix nanoseconds UTC (0: none); a flag's
-- decision, effects and appeal are JSON text ('' when absent).

-- +goose Up
CREATE TABLE flags (
    id        BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subject   TEXT    NOT NULL,
    member    TEXT    NOT NULL,
    by_member TEXT    NOT NULL,
    reason    TEXT    NOT NULL,
    at_ns     BIGINT  NOT NULL,
    status    TEXT    NOT NULL,
    decision  TEXT    NOT NULL DEFAULT '',
    effects   TEXT    NOT NULL DEFAULT '',
    appeal    TEXT    NOT NULL DEFAULT ''
);

CREATE INDEX flags_member ON flags (member, id);
CREATE INDEX flags_subject ON flags (subject, id);
CREATE INDEX flags_status ON flags (status, id);
CREATE UNIQUE INDEX flags_one_open ON flags (subject, by_member) WHERE status = 'open';

CREATE TABLE flag_actions (
    seq       BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    flag_id   BIGINT  NOT NULL REFERENCES flags (id),
    action    TEXT    NOT NULL,
    by_member TEXT    NOT NULL,
    at_ns     BIGINT  NOT NULL,
    note      TEXT    NOT NULL DEFAULT ''
);

CREATE INDEX flag_actions_flag ON flag_actions (flag_id, seq);

CREATE TABLE moderators (
    member TEXT PRIMARY KEY
);

CREATE TABLE moderator_changes (
    seq       BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    member    TEXT    NOT NULL,
    granted   INTEGER NOT NULL,
    by_member TEXT    NOT NULL,
    at_ns     BIGINT  NOT NULL,
    note      TEXT    NOT NULL DEFAULT ''
);

CREATE TABLE exclusions (
    flag_id   BIGINT  PRIMARY KEY REFERENCES flags (id),
    member    TEXT    NOT NULL,
    epochs    INTEGER NOT NULL,
    from_ns   BIGINT  NOT NULL,
    until_ns  BIGINT  NOT NULL,
    by_member TEXT    NOT NULL,
    at_ns     BIGINT  NOT NULL,
    lifted_by TEXT    NOT NULL DEFAULT '',
    lifted_ns BIGINT  NOT NULL DEFAULT 0
);

CREATE INDEX exclusions_member ON exclusions (member, flag_id);

CREATE TABLE audits (
    epoch       TEXT    NOT NULL,
    event       TEXT    NOT NULL,
    rank        INTEGER NOT NULL,
    status      TEXT    NOT NULL,
    drawn_by    TEXT    NOT NULL,
    drawn_ns    BIGINT  NOT NULL,
    reviewer    TEXT    NOT NULL DEFAULT '',
    note        TEXT    NOT NULL DEFAULT '',
    reviewed_ns BIGINT  NOT NULL DEFAULT 0,
    PRIMARY KEY (epoch, event),
    UNIQUE (epoch, rank)
);

CREATE TABLE integrity_runs (
    id          BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    policy_hash TEXT    NOT NULL,
    since_ns    BIGINT  NOT NULL,
    until_ns    BIGINT  NOT NULL,
    events      INTEGER NOT NULL,
    by_member   TEXT    NOT NULL,
    at_ns       BIGINT  NOT NULL
);

CREATE TABLE integrity_verdicts (
    run_id     BIGINT  NOT NULL REFERENCES integrity_runs (id),
    subject    TEXT    NOT NULL,
    multiplier BIGINT  NOT NULL,
    verdict    TEXT    NOT NULL,
    PRIMARY KEY (run_id, subject)
);

CREATE INDEX integrity_verdicts_subject ON integrity_verdicts (subject, run_id);

CREATE TABLE epoch_verdicts (
    epoch   TEXT    NOT NULL,
    pos     INTEGER NOT NULL,
    subject TEXT    NOT NULL,
    verdict TEXT    NOT NULL,
    PRIMARY KEY (epoch, pos)
);

-- +goose Down
DROP TABLE epoch_verdicts;
DROP TABLE integrity_verdicts;
DROP TABLE integrity_runs;
DROP TABLE audits;
DROP TABLE exclusions;
DROP TABLE moderator_changes;
DROP TABLE moderators;
DROP TABLE flag_actions;
DROP TABLE flags;
