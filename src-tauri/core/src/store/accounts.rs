//! How each ledger's month is posted, saved so every export (window, CLI, every format) uses the
//! same settings: the accounts, the VAT code of each kind of line and the voucher date, per ledger,
//! and the same as defaults per profile and currency.

use super::Store;
use crate::reconcile::{JournalAccounts, VatCodes, VoucherDate};
use crate::{Error, Result};
use rusqlite::{params, OptionalExtension, Row};

const COLUMNS: &str = "bank, fees, clearing, suspense, payable, vat_bank, vat_fees, vat_clearing, \
                       vat_suspense, vat_payable, voucher_date";

fn settings(r: &Row<'_>) -> rusqlite::Result<JournalAccounts> {
    let date: String = r.get(10)?;
    Ok(JournalAccounts {
        bank: r.get(0)?,
        fees: r.get(1)?,
        clearing: r.get(2)?,
        suspense: r.get(3)?,
        payable: r.get(4)?,
        vat: VatCodes {
            bank: r.get(5)?,
            fees: r.get(6)?,
            clearing: r.get(7)?,
            suspense: r.get(8)?,
            payable: r.get(9)?,
        },
        // The table's CHECK allows only the two.
        voucher_date: VoucherDate::parse(&date).unwrap_or_default(),
    })
}

/// Each account a non-empty number of letters and digits, each VAT code empty or letters and
/// digits; the formats check their own limits when writing.
fn check(a: &JournalAccounts) -> Result<()> {
    for (role, account) in a.roles() {
        if account.is_empty() || account.len() > 20 || !account.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(Error::Input(format!(
                "The {role} account \"{account}\" is not an account number (letters and digits, at most 20). \
                 Nothing was saved."
            )));
        }
    }
    for (role, code) in a.vat.roles() {
        if code.len() > 10 || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(Error::Input(format!(
                "The VAT code \"{code}\" of the {role} line is not a VAT code (letters and digits, at most 10, \
                 or empty for no code). Nothing was saved."
            )));
        }
    }
    Ok(())
}

impl Store {
    /// The settings saved for `ledger_id`, if any.
    pub fn ledger_accounts(&self, ledger_id: &str) -> Result<Option<JournalAccounts>> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM ledger_accounts WHERE ledger_id = ?1"),
                [ledger_id],
                settings,
            )
            .optional()?)
    }

    /// Save the settings for `ledger_id` (replacing what was saved); refused whole with a sentence
    /// when an account or VAT code cannot be one.
    pub fn set_ledger_accounts(&mut self, ledger_id: &str, a: &JournalAccounts, now: i64) -> Result<()> {
        check(a)?;
        self.conn.execute(
            &format!(
                "INSERT OR REPLACE INTO ledger_accounts (ledger_id, {COLUMNS}, updated_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
            ),
            params![
                ledger_id,
                a.bank,
                a.fees,
                a.clearing,
                a.suspense,
                a.payable,
                a.vat.bank,
                a.vat.fees,
                a.vat.clearing,
                a.vat.suspense,
                a.vat.payable,
                a.voucher_date.as_str(),
                now
            ],
        )?;
        Ok(())
    }

    /// Forget what was saved for `ledger_id`: it goes back to its profile's or the chart's defaults.
    pub fn clear_ledger_accounts(&mut self, ledger_id: &str) -> Result<()> {
        self.conn
            .execute("DELETE FROM ledger_accounts WHERE ledger_id = ?1", [ledger_id])?;
        Ok(())
    }

    /// The defaults `profile` saved for its ledgers in `currency`, if any.
    pub fn profile_accounts(&self, profile: &str, currency: &str) -> Result<Option<JournalAccounts>> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM profile_accounts WHERE profile = ?1 AND currency = ?2"),
                [profile, currency],
                settings,
            )
            .optional()?)
    }

    /// Save `profile`'s defaults for its ledgers in `currency` (those without their own settings).
    pub fn set_profile_accounts(
        &mut self,
        profile: &str,
        currency: &str,
        a: &JournalAccounts,
        now: i64,
    ) -> Result<()> {
        check(a)?;
        self.conn.execute(
            &format!(
                "INSERT OR REPLACE INTO profile_accounts (profile, currency, {COLUMNS}, updated_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
            ),
            params![
                profile,
                currency,
                a.bank,
                a.fees,
                a.clearing,
                a.suspense,
                a.payable,
                a.vat.bank,
                a.vat.fees,
                a.vat.clearing,
                a.vat.suspense,
                a.vat.payable,
                a.voucher_date.as_str(),
                now
            ],
        )?;
        Ok(())
    }

    /// The profile defaults that apply to `ledger_id` in `currency`: those of a profile that sees
    /// the ledger, the most recently saved when several do (a ledger is rarely seen by two).
    pub fn profile_accounts_for_ledger(
        &self,
        ledger_id: &str,
        currency: &str,
    ) -> Result<Option<JournalAccounts>> {
        let cols = COLUMNS
            .split(", ")
            .map(|c| format!("p.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        Ok(self
            .conn
            .query_row(
                &format!(
                    "SELECT {cols} FROM profile_accounts p JOIN ledger_visibility v ON v.profile = p.profile \
                     WHERE v.ledger_id = ?1 AND p.currency = ?2 ORDER BY p.updated_at DESC, p.profile LIMIT 1"
                ),
                [ledger_id, currency],
                settings,
            )
            .optional()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_accounts_come_back_and_replace_the_earlier_ones() {
        let mut store = Store::open_in_memory().expect("store");
        assert_eq!(store.ledger_accounts("302321").expect("read"), None);
        let mut a = JournalAccounts {
            clearing: "1589".into(),
            ..JournalAccounts::default()
        };
        store.set_ledger_accounts("302321", &a, 1).expect("save");
        a.fees = "7790".into();
        a.vat.fees = "6".into();
        a.voucher_date = VoucherDate::Bank;
        store.set_ledger_accounts("302321", &a, 2).expect("save again");
        assert_eq!(store.ledger_accounts("302321").expect("read"), Some(a.clone()));
        assert_eq!(store.ledger_accounts("302322").expect("read"), None);
        a.bank = "19 20".into();
        let err = store.set_ledger_accounts("302321", &a, 3).expect_err("refused");
        assert!(
            err.to_string()
                .starts_with("The bank account \"19 20\" is not an account number"),
            "{err}"
        );
        a.bank = "1920".into();
        a.vat.suspense = "0;DROP".into();
        let err = store.set_ledger_accounts("302321", &a, 3).expect_err("refused");
        assert!(
            err.to_string()
                .starts_with("The VAT code \"0;DROP\" of the suspense line is not a VAT code"),
            "{err}"
        );
        let kept = store.ledger_accounts("302321").expect("read").expect("saved");
        assert_eq!((kept.vat.fees.as_str(), kept.vat.suspense.as_str()), ("6", "0"));
        store.clear_ledger_accounts("302321").expect("clear");
        assert_eq!(store.ledger_accounts("302321").expect("read"), None);
    }

    #[test]
    fn profile_defaults_are_per_currency_and_reach_only_the_ledgers_the_profile_sees() {
        let mut store = Store::open_in_memory().expect("store");
        let nok = JournalAccounts {
            clearing: "1570".into(),
            voucher_date: VoucherDate::Bank,
            ..JournalAccounts::default()
        };
        store.set_profile_accounts("firm", "NOK", &nok, 5).expect("save");
        assert_eq!(
            store.profile_accounts("firm", "NOK").expect("read"),
            Some(nok.clone())
        );
        assert_eq!(store.profile_accounts("firm", "DKK").expect("read"), None);
        // No ledger is visible to the profile yet.
        assert_eq!(
            store.profile_accounts_for_ledger("302321", "NOK").expect("read"),
            None
        );
        store
            .conn
            .execute_batch(
                "INSERT INTO ledgers (ledger_id, currency, payout_scheme, payout_account, owner_scheme, owner_id, \
                 settles_for, sales_units, updated_at) VALUES ('302321', 'NOK', 'x', 'x', 'x', 'x', '[]', '[]', 0);
                 INSERT INTO ledger_visibility (profile, ledger_id, seen_at) VALUES ('firm', '302321', 0);",
            )
            .expect("a visible ledger");
        assert_eq!(
            store.profile_accounts_for_ledger("302321", "NOK").expect("read"),
            Some(nok)
        );
        assert_eq!(
            store.profile_accounts_for_ledger("302321", "DKK").expect("read"),
            None
        );
    }
}
