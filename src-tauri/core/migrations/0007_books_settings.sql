-- Avstem cache: how a month is posted (issue 16), beside the accounts of 0005: the VAT code of each
-- kind of line and the voucher date, per ledger, and the same settings as defaults per profile and
-- currency (an accounting partner sets them once for all its NOK clients). A ledger without its own
-- row uses its profile's defaults for its currency, else the chart defaults
-- (`JournalAccounts::defaults_for`).
ALTER TABLE ledger_accounts ADD COLUMN vat_bank TEXT NOT NULL DEFAULT '0';
ALTER TABLE ledger_accounts ADD COLUMN vat_fees TEXT NOT NULL DEFAULT '0';
ALTER TABLE ledger_accounts ADD COLUMN vat_clearing TEXT NOT NULL DEFAULT '0';
ALTER TABLE ledger_accounts ADD COLUMN vat_suspense TEXT NOT NULL DEFAULT '0';
ALTER TABLE ledger_accounts ADD COLUMN vat_payable TEXT NOT NULL DEFAULT '0';
ALTER TABLE ledger_accounts ADD COLUMN voucher_date TEXT NOT NULL DEFAULT 'ledger'
    CHECK (voucher_date IN ('ledger', 'bank'));
-- Rows saved before this migration posted "no VAT", which is an empty code outside Norway.
UPDATE ledger_accounts SET vat_bank = '', vat_fees = '', vat_clearing = '', vat_suspense = '',
    vat_payable = ''
    WHERE ledger_id IN (SELECT ledger_id FROM ledgers WHERE currency <> 'NOK');

CREATE TABLE profile_accounts (
    profile      TEXT NOT NULL,
    currency     TEXT NOT NULL,
    bank         TEXT NOT NULL,
    fees         TEXT NOT NULL,
    clearing     TEXT NOT NULL,
    suspense     TEXT NOT NULL,
    payable      TEXT NOT NULL,
    vat_bank     TEXT NOT NULL,
    vat_fees     TEXT NOT NULL,
    vat_clearing TEXT NOT NULL,
    vat_suspense TEXT NOT NULL,
    vat_payable  TEXT NOT NULL,
    voucher_date TEXT NOT NULL CHECK (voucher_date IN ('ledger', 'bank')),
    -- Seconds since 1970 UTC.
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (profile, currency)
) WITHOUT ROWID;
