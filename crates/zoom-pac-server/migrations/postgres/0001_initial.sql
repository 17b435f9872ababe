-- Accounts, their users, the users' PAC accounts and dial-in numbers, the OAuth apps that
-- may request tokens, and the keys that sign those tokens. The tables match the SQLite
-- schema column for column, with PostgreSQL types.

CREATE TABLE accounts (
    id                 TEXT PRIMARY KEY,
    name               TEXT NOT NULL,
    plan               TEXT NOT NULL,
    audio_conferencing BOOLEAN NOT NULL
);

CREATE TABLE users (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts (id),
    email       TEXT NOT NULL,
    -- Emails match case-insensitively, so lookups use this copy, lower-cased by the server
    -- (not by lower(), whose result depends on the database's locale).
    email_lower TEXT NOT NULL UNIQUE,
    first_name  TEXT NOT NULL,
    last_name   TEXT NOT NULL,
    user_type   BIGINT NOT NULL,
    status      TEXT NOT NULL,
    pac_enabled BOOLEAN NOT NULL,
    created_at  TEXT NOT NULL,
    -- Insertion order, for stable paging. Loads take a lock for their whole transaction, so
    -- a later load always gets greater values than every committed one.
    seq         BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE
);

CREATE INDEX users_account_seq ON users (account_id, seq);

CREATE TABLE pac_accounts (
    conference_id        TEXT PRIMARY KEY,
    user_id              TEXT NOT NULL REFERENCES users (id),
    position             BIGINT NOT NULL,
    participant_password TEXT NOT NULL,
    listen_only_password TEXT NOT NULL
);

CREATE INDEX pac_accounts_user ON pac_accounts (user_id, position);

CREATE TABLE dial_in_numbers (
    conference_id TEXT NOT NULL REFERENCES pac_accounts (conference_id) ON DELETE CASCADE,
    -- 'dedicated' or 'global'.
    kind          TEXT NOT NULL,
    position      BIGINT NOT NULL,
    number        TEXT NOT NULL,
    country       TEXT NOT NULL,
    PRIMARY KEY (conference_id, kind, position)
);

CREATE TABLE apps (
    client_id     TEXT PRIMARY KEY,
    account_id    TEXT NOT NULL REFERENCES accounts (id),
    owner_user_id TEXT NOT NULL REFERENCES users (id),
    name          TEXT NOT NULL,
    -- Hex SHA-256 of the client secret; the secret itself is never stored.
    secret_sha256 TEXT NOT NULL,
    -- Granted scopes, separated by single spaces.
    scopes        TEXT NOT NULL
);

CREATE TABLE signing_keys (
    kid        TEXT PRIMARY KEY,
    secret     BYTEA NOT NULL,
    -- Seconds since the Unix epoch.
    created_at BIGINT NOT NULL,
    -- Exactly one row is current: it signs new tokens. Retired rows are deleted on rotation.
    is_current BOOLEAN NOT NULL
);

-- At most one current key. Concurrent processes insert their candidate with
-- ON CONFLICT DO NOTHING against this index, so exactly one candidate wins.
CREATE UNIQUE INDEX signing_keys_one_current ON signing_keys (is_current) WHERE is_current;
