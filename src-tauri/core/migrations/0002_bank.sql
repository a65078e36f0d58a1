-- Avstem cache, schema 2: bank statements. Accounts are stored as their domestic number (BBAN,
-- digits and letters only), so an IBAN statement and a ledger's `BBAN:NO` payout account meet.
-- Dates INTEGER YYYYMMDD, times INTEGER seconds since 1970 UTC, money INTEGER minor units.

-- One row per statement imported from a file (a camt.053 file may hold several accounts).
CREATE TABLE bank_imports (
    import_id    INTEGER PRIMARY KEY,
    account      TEXT NOT NULL,
    file_name    TEXT NOT NULL,
    -- 'camt.053.001.02', 'camt.053.001.08', … or 'csv'.
    format       TEXT NOT NULL,
    -- The first and last booking date of the statement's lines: what it covers.
    first_date   INTEGER,
    last_date    INTEGER,
    line_count   INTEGER NOT NULL,
    -- Lines new to the cache (the rest were imported before, from this or an overlapping file).
    added        INTEGER NOT NULL,
    imported_at  INTEGER NOT NULL
);

CREATE INDEX bank_imports_by_account ON bank_imports (account, last_date);

-- Booked statement lines. `line_key` is the same whenever the same line is imported again (the
-- bank's reference, else date, amount, text and its occurrence in the file), so a second import
-- of the same or an overlapping statement adds nothing.
CREATE TABLE bank_lines (
    line_id        INTEGER PRIMARY KEY,
    account        TEXT NOT NULL,
    line_key       TEXT NOT NULL UNIQUE,
    booking_date   INTEGER NOT NULL,
    value_date     INTEGER,
    amount         INTEGER NOT NULL,
    currency       TEXT NOT NULL,
    text           TEXT NOT NULL,
    counterparty   TEXT,
    bank_reference TEXT,
    import_id      INTEGER NOT NULL REFERENCES bank_imports(import_id)
);

CREATE INDEX bank_lines_by_account_date ON bank_lines (account, booking_date);

-- What the user decided by hand: this line is (matched = 1) or is not (matched = 0) this payout.
CREATE TABLE bank_manual (
    ledger_id      TEXT NOT NULL,
    payout_number  INTEGER NOT NULL,
    line_id        INTEGER NOT NULL REFERENCES bank_lines(line_id) ON DELETE CASCADE,
    matched        INTEGER NOT NULL CHECK (matched IN (0, 1)),
    decided_at     INTEGER NOT NULL,
    PRIMARY KEY (ledger_id, payout_number, line_id)
) WITHOUT ROWID;

-- The CSV column mapping the user confirmed for an account, with the header row it was made for.
CREATE TABLE bank_csv_mappings (
    account      TEXT PRIMARY KEY NOT NULL,
    header       TEXT NOT NULL,
    -- JSON: bank::csv_import::CsvMapping.
    mapping      TEXT NOT NULL,
    updated_at   INTEGER NOT NULL
) WITHOUT ROWID;
