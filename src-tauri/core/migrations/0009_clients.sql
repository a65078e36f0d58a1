-- Avstem cache: the name an accountant gives each client ledger on the Clients overview (issue
-- 18), used on screen and in month-end's file names. Numbered 0009 (after the books settings
-- and the sales of 0007 and 0008); it runs as the migration after the last one in `MIGRATIONS`. A
-- ledger without a row shows its first sales unit's name.
CREATE TABLE client_names (
    ledger_id   TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    -- Seconds since 1970 UTC.
    updated_at  INTEGER NOT NULL
);
