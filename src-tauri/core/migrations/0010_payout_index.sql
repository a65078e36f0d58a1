-- Avstem cache: the payouts of a ledger by date, for the bank match (issue 15), without reading the
-- other entries of those dates (a busy date has thousands of sales). A partial index of the funds
-- payouts only (about one row a day), holding every column the match reads, so the lookup is one
-- short range scan. Numbered 0010, after the client names of 0009.
CREATE INDEX entries_payouts ON entries (ledger_id, date, seq, psp_reference, entry_date, amount, currency, reference,
    entry_type)
    WHERE topic = 0 AND entry_type = 'payout-scheduled';
