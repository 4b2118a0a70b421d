-- The integrity layer's records: flags with the append-only history of every action on them, moderators
-- and every grant and revocation, exclusions, the audit queue, and the verdicts of integrity runs and of
-- closed epochs. Nothing here is ever deleted: a decision is a new history row and a changed flag row, a
-- lifted exclusion keeps its row with who lifted it. Times are Unix nanoseconds UTC (0: none); a flag's
-- decision, effects and appeal are JSON text ('' when absent).

-- +goose Up
CREATE TABLE flags (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    subject   TEXT    NOT NULL,
    member    TEXT    NOT NULL,
    by_member TEXT    NOT NULL,
    reason    TEXT    NOT NULL,
    at_ns     INTEGER NOT NULL,
    status    TEXT    NOT NULL,
    decision  TEXT    NOT NULL DEFAULT '',
    effects   TEXT    NOT NULL DEFAULT '',
    appeal    TEXT    NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX flags_member ON flags (member, id);
CREATE INDEX flags_subject ON flags (subject, id);
CREATE INDEX flags_status ON flags (status, id);
CREATE UNIQUE INDEX flags_one_open ON flags (subject, by_member) WHERE status = 'open';

CREATE TABLE flag_actions (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    flag_id   INTEGER NOT NULL REFERENCES flags (id),
    action    TEXT    NOT NULL,
    by_member TEXT    NOT NULL,
    at_ns     INTEGER NOT NULL,
    note      TEXT    NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX flag_actions_flag ON flag_actions (flag_id, seq);

CREATE TABLE moderators (
    member TEXT PRIMARY KEY
) STRICT;

CREATE TABLE moderator_changes (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    member    TEXT    NOT NULL,
    granted   INTEGER NOT NULL,
    by_member TEXT    NOT NULL,
    at_ns     INTEGER NOT NULL,
    note      TEXT    NOT NULL DEFAULT ''
) STRICT;

CREATE TABLE exclusions (
    flag_id   INTEGER PRIMARY KEY REFERENCES flags (id),
    member    TEXT    NOT NULL,
    epochs    INTEGER NOT NULL,
    from_ns   INTEGER NOT NULL,
    until_ns  INTEGER NOT NULL,
    by_member TEXT    NOT NULL,
    at_ns     INTEGER NOT NULL,
    lifted_by TEXT    NOT NULL DEFAULT '',
    lifted_ns INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE INDEX exclusions_member ON exclusions (member, flag_id);

CREATE TABLE audits (
    epoch       TEXT    NOT NULL,
    event       TEXT    NOT NULL,
    rank        INTEGER NOT NULL,
    status      TEXT    NOT NULL,
    drawn_by    TEXT    NOT NULL,
    drawn_ns    INTEGER NOT NULL,
    reviewer    TEXT    NOT NULL DEFAULT '',
    note        TEXT    NOT NULL DEFAULT '',
    reviewed_ns INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (epoch, event),
    UNIQUE (epoch, rank)
) STRICT;

CREATE TABLE integrity_runs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    policy_hash TEXT    NOT NULL,
    since_ns    INTEGER NOT NULL,
    until_ns    INTEGER NOT NULL,
    events      INTEGER NOT NULL,
    by_member   TEXT    NOT NULL,
    at_ns       INTEGER NOT NULL
) STRICT;

CREATE TABLE integrity_verdicts (
    run_id     INTEGER NOT NULL REFERENCES integrity_runs (id),
    subject    TEXT    NOT NULL,
    multiplier INTEGER NOT NULL,
    verdict    TEXT    NOT NULL,
    PRIMARY KEY (run_id, subject)
) STRICT;

CREATE INDEX integrity_verdicts_subject ON integrity_verdicts (subject, run_id);

CREATE TABLE epoch_verdicts (
    epoch   TEXT    NOT NULL,
    pos     INTEGER NOT NULL,
    subject TEXT    NOT NULL,
    verdict TEXT    NOT NULL,
    PRIMARY KEY (epoch, pos)
) STRICT;

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
