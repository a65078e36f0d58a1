-- Avstem cache: the accounts each ledger's postings go to (issue 16), saved so the window, the CLI
-- and every bookkeeping format use the same ones. Numbered 0005, after the portal import (0004);
-- it runs as the migration after the last one in `MIGRATIONS`. A ledger without a row uses the
-- defaults for its currency (`JournalAccounts::defaults_for`).
CREATE TABLE ledger_accounts (
    ledger_id   TEXT PRIMARY KEY,
    bank        TEXT NOT NULL,
    fees        TEXT NOT NULL,
    clearing    TEXT NOT NULL,
    suspense    TEXT NOT NULL,
    payable     TEXT NOT NULL,
    -- Seconds since 1970 UTC.
    updated_at  INTEGER NOT NULL
);
