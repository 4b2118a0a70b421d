-- Epochs, their allocations, the double-entry ledger and ENG governance state. Amounts are decimal integers
-- in base units kept as text (token amounts outgrow 64 bits), computed in Go; times are Unix nanoseconds UTC.
-- An epoch row is the commit marker of a close: it is written last, in the same transaction as the
-- allocations, postings and balances, so an epoch exists with all of them or not at all.

-- +goose Up
CREATE TABLE epochs (
    id            TEXT    PRIMARY KEY,
    program       TEXT    NOT NULL,
    start_ns      INTEGER NOT NULL,
    end_ns        INTEGER NOT NULL,
    policy_hash   TEXT    NOT NULL,
    token         TEXT    NOT NULL,
    decimals      INTEGER NOT NULL,
    pool          TEXT    NOT NULL,
    pool_carry_in TEXT    NOT NULL,
    shares        TEXT    NOT NULL,
    carried_in    TEXT    NOT NULL,
    paid          TEXT    NOT NULL,
    fees          TEXT    NOT NULL,
    carried_out   TEXT    NOT NULL,
    unspent       TEXT    NOT NULL,
    unspent_to    TEXT    NOT NULL,
    eng           TEXT    NOT NULL,
    members       INTEGER NOT NULL,
    events        INTEGER NOT NULL,
    excluded      INTEGER NOT NULL,
    digest        TEXT    NOT NULL,
    root          TEXT    NOT NULL,
    closed_ns     INTEGER NOT NULL,
    closed_by     TEXT    NOT NULL
) STRICT;

CREATE INDEX epochs_program ON epochs (program, start_ns);

CREATE TABLE allocations (
    epoch     TEXT    NOT NULL,
    member    TEXT    NOT NULL,
    kind      TEXT    NOT NULL,
    wallet    TEXT    NOT NULL,
    events    INTEGER NOT NULL,
    excluded  INTEGER NOT NULL,
    points    INTEGER NOT NULL,
    share     TEXT    NOT NULL,
    carry_in  TEXT    NOT NULL,
    fee       TEXT    NOT NULL,
    paid      TEXT    NOT NULL,
    carry_out TEXT    NOT NULL,
    eng       TEXT    NOT NULL,
    capped    INTEGER NOT NULL,
    notes     TEXT    NOT NULL,
    PRIMARY KEY (epoch, member)
) STRICT;

CREATE TABLE postings (
    id          INTEGER PRIMARY KEY,
    origin_kind TEXT    NOT NULL,
    origin_id   TEXT    NOT NULL,
    reason      TEXT    NOT NULL,
    reverses    INTEGER UNIQUE REFERENCES postings (id),
    time_ns     INTEGER NOT NULL
) STRICT;

CREATE INDEX postings_origin ON postings (origin_kind, origin_id);

CREATE TABLE entries (
    posting_id INTEGER NOT NULL REFERENCES postings (id),
    n          INTEGER NOT NULL,
    account    TEXT    NOT NULL,
    asset      TEXT    NOT NULL,
    amount     TEXT    NOT NULL,
    PRIMARY KEY (posting_id, n)
) STRICT;

CREATE INDEX entries_account ON entries (account);

CREATE TABLE balances (
    account TEXT NOT NULL,
    asset   TEXT NOT NULL,
    amount  TEXT NOT NULL,
    PRIMARY KEY (account, asset)
) STRICT;

CREATE TABLE eng_toggles (
    member    TEXT    NOT NULL,
    time_ns   INTEGER NOT NULL,
    from_mode TEXT    NOT NULL,
    to_mode   TEXT    NOT NULL,
    operator  TEXT    NOT NULL,
    PRIMARY KEY (member, time_ns)
) STRICT;

CREATE TABLE delegations (
    id                INTEGER PRIMARY KEY,
    member            TEXT    NOT NULL,
    amount            TEXT    NOT NULL,
    time_ns           INTEGER NOT NULL,
    operator          TEXT    NOT NULL,
    reason            TEXT    NOT NULL,
    posting_id        INTEGER NOT NULL REFERENCES postings (id),
    revoked_ns        INTEGER,
    revoke_posting_id INTEGER REFERENCES postings (id)
) STRICT;

CREATE INDEX delegations_member ON delegations (member);

-- +goose Down
DROP TABLE delegations;
DROP TABLE eng_toggles;
DROP TABLE balances;
DROP TABLE entries;
DROP TABLE postings;
DROP TABLE allocations;
DROP TABLE epochs;
