-- Avstem cache: what was sold (issue 17), from the Sales API (shared/report-api.md §10). Numbered
-- 0008 (after the books settings of 0007); it runs as the migration after the last one in
-- `MIGRATIONS`. A (ledger, date) is written in one transaction, like funds and fees; a feed page and
-- its cursor in one transaction, so a crash leaves both or neither.
CREATE TABLE sales_entries (
    ledger_id      TEXT NOT NULL,
    -- YYYYMMDD, as in `entries`.
    date           INTEGER NOT NULL,
    -- Position within (ledger, date) in the order the API served it.
    seq            INTEGER NOT NULL,
    -- NULL for cash (no PSP): such a sale never passes through Vipps funds.
    psp_reference  TEXT,
    reference      TEXT NOT NULL,
    kind           TEXT NOT NULL,
    time_us        INTEGER NOT NULL,
    gross          INTEGER,
    -- The whole entry (lines, VAT, completeness) as JSON: read back exactly as it came.
    body           TEXT NOT NULL,
    -- The broken invariants found on ingest, as JSON; NULL when all three hold. Kept, not dropped.
    violations     TEXT,
    PRIMARY KEY (ledger_id, date, seq)
);
CREATE INDEX sales_by_psp ON sales_entries (ledger_id, psp_reference);
CREATE INDEX sales_by_reference ON sales_entries (ledger_id, reference);

CREATE TABLE sales_dates (
    ledger_id   TEXT NOT NULL,
    date        INTEGER NOT NULL,
    -- complete | open | failed, as `date_status.state`.
    state       TEXT NOT NULL,
    error       TEXT,
    -- Seconds since 1970 UTC.
    fetched_at  INTEGER NOT NULL,
    PRIMARY KEY (ledger_id, date)
);

-- "Persist the cursor" (SKILL.md): the feed resumes where the cache stands.
CREATE TABLE sales_cursors (
    ledger_id   TEXT PRIMARY KEY,
    cursor      TEXT NOT NULL,
    updated_at  INTEGER NOT NULL
);
