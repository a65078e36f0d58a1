-- Avstem cache, schema 1. Dates are INTEGER YYYYMMDD, times INTEGER microseconds since
-- 1970 UTC, topics INTEGER (0 = funds, 1 = fees), money INTEGER minor units.

CREATE TABLE ledgers (
    ledger_id        TEXT PRIMARY KEY NOT NULL,
    currency         TEXT NOT NULL,
    payout_scheme    TEXT NOT NULL,
    payout_account   TEXT NOT NULL,
    owner_scheme     TEXT NOT NULL,
    owner_id         TEXT NOT NULL,
    -- JSON arrays: read whole, never queried inside.
    settles_for      TEXT NOT NULL,
    sales_units      TEXT NOT NULL,
    updated_at       INTEGER NOT NULL
) WITHOUT ROWID;

-- Which profile sees which ledger (a partner sees many; the list changes over time).
CREATE TABLE ledger_visibility (
    profile     TEXT NOT NULL,
    ledger_id   TEXT NOT NULL REFERENCES ledgers(ledger_id) ON DELETE CASCADE,
    seen_at     INTEGER NOT NULL,
    PRIMARY KEY (profile, ledger_id)
) WITHOUT ROWID;

-- Rows are keyed by the date they were fetched for, so replacing a date is one range delete.
CREATE TABLE entries (
    ledger_id        TEXT NOT NULL,
    topic            INTEGER NOT NULL CHECK (topic IN (0, 1)),
    date             INTEGER NOT NULL,
    seq              INTEGER NOT NULL,
    psp_reference    TEXT NOT NULL,
    time_us          INTEGER NOT NULL,
    entry_type       TEXT NOT NULL,
    reference        TEXT NOT NULL,
    currency         TEXT NOT NULL,
    amount           INTEGER NOT NULL,
    balance_before   INTEGER NOT NULL,
    balance_after    INTEGER NOT NULL,
    recipient_handle TEXT,
    -- GDPR-sensitive: NULL unless the user asked for them.
    name             TEXT,
    masked_phone_no  TEXT,
    message          TEXT,
    -- The entry's own ledgerDate when it differs from the requested date (normally NULL).
    entry_date       INTEGER,
    PRIMARY KEY (ledger_id, topic, date, seq)
) WITHOUT ROWID;

-- Lookups by pspReference or order reference, led by the date: a date's rows land in one
-- region of each index, so storing a date touches few pages (a plain psp index, hit at random,
-- made every date's commit rewrite most of the index: 4x slower at a million rows). Queries
-- seek once per cached date (`date IN (SELECT date FROM date_status)`).
CREATE INDEX entries_by_psp_reference ON entries (date, psp_reference);
CREATE INDEX entries_by_reference ON entries (date, reference);

-- One row per (ledger, topic, date) ever attempted.
CREATE TABLE date_status (
    ledger_id    TEXT NOT NULL,
    topic        INTEGER NOT NULL CHECK (topic IN (0, 1)),
    date         INTEGER NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('complete', 'open', 'failed')),
    entry_count  INTEGER NOT NULL,
    fetched_at   INTEGER NOT NULL,
    error        TEXT,
    with_gdpr    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (ledger_id, topic, date)
) WITHOUT ROWID;

-- Per-date totals by entry type, written with the date: month summaries never scan entries.
CREATE TABLE day_totals (
    ledger_id    TEXT NOT NULL,
    topic        INTEGER NOT NULL,
    date         INTEGER NOT NULL,
    entry_type   TEXT NOT NULL,
    entry_count  INTEGER NOT NULL,
    amount       INTEGER NOT NULL,
    PRIMARY KEY (ledger_id, topic, date, entry_type)
) WITHOUT ROWID;

CREATE TABLE feed_cursors (
    ledger_id   TEXT NOT NULL,
    topic       INTEGER NOT NULL,
    cursor      TEXT NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (ledger_id, topic)
) WITHOUT ROWID;
