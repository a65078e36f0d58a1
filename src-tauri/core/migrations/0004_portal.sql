-- Avstem cache, schema 4: settlement reports imported from files (the business portal's XML, CSV
-- or XLSX), stored as entries beside the API's. Dates INTEGER YYYYMMDD, times INTEGER seconds.

-- Where a date's rows came from: 'api' (the Report API) or 'portal' (an imported settlement
-- report, which has no balances: the balance checks say so instead of passing).
ALTER TABLE date_status ADD COLUMN source TEXT NOT NULL DEFAULT 'api';

-- One row per report file imported into a ledger.
CREATE TABLE portal_imports (
    import_id    INTEGER PRIMARY KEY,
    ledger_id    TEXT NOT NULL,
    file_name    TEXT NOT NULL,
    -- 'xml-3.0', 'xml-2.0', 'csv' or 'xlsx'.
    format       TEXT NOT NULL,
    first_date   INTEGER,
    last_date    INTEGER,
    settlements  INTEGER NOT NULL,
    -- Entries new to the cache, and entries the cache held already (from this or an
    -- overlapping file, or from the API).
    added        INTEGER NOT NULL,
    duplicates   INTEGER NOT NULL,
    imported_at  INTEGER NOT NULL
);

CREATE INDEX portal_imports_by_ledger ON portal_imports (ledger_id, last_date);
