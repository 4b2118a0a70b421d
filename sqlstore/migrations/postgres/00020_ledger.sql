-- (PostgreSQL: text columns use the "C" collation, byte order like SQLite.)
-- Epochs, their allocations, the double-entry ledger and ENG governance state. Amounts are decimal integers
-- in base units kept as text (token amounts outgrow 64 bits), computed in Go; times are Unix nanoseconds UTC.
-- An epoch row is the commit marker of a close: it is written last, in the same transaction as the
-- allocations, postings and balances, so an epoch exists with all of them or not at all.

-- +goose Up
CREATE TABLE epochs (
    id            text    COLLATE "C" PRIMARY KEY,
    program       text COLLATE "C" NOT NULL,
    start_ns      bigint  NOT NULL,
    end_ns        bigint  NOT NULL,
    policy_hash   text COLLATE "C" NOT NULL,
    token         text COLLATE "C" NOT NULL,
    decimals      bigint  NOT NULL,
    pool          text COLLATE "C" NOT NULL,
    pool_carry_in text COLLATE "C" NOT NULL,
    shares        text COLLATE "C" NOT NULL,
    carried_in    text COLLATE "C" NOT NULL,
    paid          text COLLATE "C" NOT NULL,
    fees          text COLLATE "C" NOT NULL,
    carried_out   text COLLATE "C" NOT NULL,
    unspent       text COLLATE "C" NOT NULL,
    unspent_to    text COLLATE "C" NOT NULL,
    eng           text COLLATE "C" NOT NULL,
    members       bigint  NOT NULL,
    events        bigint  NOT NULL,
    excluded      bigint  NOT NULL,
    digest        text COLLATE "C" NOT NULL,
    root          text COLLATE "C" NOT NULL,
    closed_ns     bigint  NOT NULL,
    closed_by     text COLLATE "C" NOT NULL
);

CREATE INDEX epochs_program ON epochs (program, start_ns);

CREATE TABLE allocations (
    epoch     text COLLATE "C" NOT NULL,
    member    text COLLATE "C" NOT NULL,
    kind      text COLLATE "C" NOT NULL,
    wallet    text COLLATE "C" NOT NULL,
    events    bigint  NOT NULL,
    excluded  bigint  NOT NULL,
    points    bigint  NOT NULL,
    share     text COLLATE "C" NOT NULL,
    carry_in  text COLLATE "C" NOT NULL,
    fee       text COLLATE "C" NOT NULL,
    paid      text COLLATE "C" NOT NULL,
    carry_out text COLLATE "C" NOT NULL,
    eng       text COLLATE "C" NOT NULL,
    capped    bigint  NOT NULL,
    notes     text COLLATE "C" NOT NULL,
    PRIMARY KEY (epoch, member)
);

CREATE TABLE postings (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    origin_kind text COLLATE "C" NOT NULL,
    origin_id   text COLLATE "C" NOT NULL,
    reason      text COLLATE "C" NOT NULL,
    reverses    bigint  UNIQUE REFERENCES postings (id),
    time_ns     bigint  NOT NULL
);

CREATE INDEX postings_origin ON postings (origin_kind, origin_id);

CREATE TABLE entries (
    posting_id bigint  NOT NULL REFERENCES postings (id),
    n          bigint  NOT NULL,
    account    text COLLATE "C" NOT NULL,
    asset      text COLLATE "C" NOT NULL,
    amount     text COLLATE "C" NOT NULL,
    PRIMARY KEY (posting_id, n)
);

CREATE INDEX entries_account ON entries (account);

CREATE TABLE balances (
    account text COLLATE "C" NOT NULL,
    asset   text COLLATE "C" NOT NULL,
    amount  text COLLATE "C" NOT NULL,
    PRIMARY KEY (account, asset)
);

CREATE TABLE eng_toggles (
    member    text COLLATE "C" NOT NULL,
    time_ns   bigint  NOT NULL,
    from_mode text COLLATE "C" NOT NULL,
    to_mode   text COLLATE "C" NOT NULL,
    operator  text COLLATE "C" NOT NULL,
    PRIMARY KEY (member, time_ns)
);

CREATE TABLE delegations (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    member            text COLLATE "C" NOT NULL,
    amount            text COLLATE "C" NOT NULL,
    time_ns           bigint  NOT NULL,
    operator          text COLLATE "C" NOT NULL,
    reason            text COLLATE "C" NOT NULL,
    posting_id        bigint  NOT NULL REFERENCES postings (id),
    revoked_ns        bigint,
    revoke_posting_id bigint  REFERENCES postings (id)
);

CREATE INDEX delegations_member ON delegations (member);

-- +goose Down
DROP TABLE delegations;
DROP TABLE eng_toggles;
DROP TABLE balances;
DROP TABLE entries;
DROP TABLE postings;
DROP TABLE allocations;
DROP TABLE epochs;
