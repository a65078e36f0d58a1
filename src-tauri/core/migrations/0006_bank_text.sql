-- Avstem cache: the Danish/Finnish payout bank text format a user set for a ledger (issue 12), used
-- when the payout's own reference is empty. A ledger without a row uses the MobilePay default
-- `02{recipient:08}001{DD}{MM}{YY}{C}` (bank::predict::MOBILEPAY_TEXT_FORMAT).
CREATE TABLE ledger_bank_text (
    ledger_id   TEXT PRIMARY KEY,
    format      TEXT NOT NULL,
    -- Seconds since 1970 UTC.
    updated_at  INTEGER NOT NULL
);
