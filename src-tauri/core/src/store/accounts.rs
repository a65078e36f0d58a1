//! The accounts saved per ledger: what its vouchers post to, instead of flags on every export.

use super::Store;
use crate::reconcile::JournalAccounts;
use crate::{Error, Result};
use rusqlite::{params, OptionalExtension};

impl Store {
    /// The accounts saved for `ledger_id`, if any.
    pub fn ledger_accounts(&self, ledger_id: &str) -> Result<Option<JournalAccounts>> {
        Ok(self
            .conn
            .query_row(
                "SELECT bank, fees, clearing, suspense, payable FROM ledger_accounts WHERE ledger_id = ?1",
                [ledger_id],
                |r| {
                    Ok(JournalAccounts {
                        bank: r.get(0)?,
                        fees: r.get(1)?,
                        clearing: r.get(2)?,
                        suspense: r.get(3)?,
                        payable: r.get(4)?,
                    })
                },
            )
            .optional()?)
    }

    /// Save the accounts for `ledger_id` (replacing what was saved). Each must be a non-empty
    /// account number of letters and digits; the formats check their own limits when writing.
    pub fn set_ledger_accounts(&mut self, ledger_id: &str, a: &JournalAccounts, now: i64) -> Result<()> {
        for (role, account) in a.roles() {
            if account.is_empty() || account.len() > 20 || !account.chars().all(|c| c.is_ascii_alphanumeric())
            {
                return Err(Error::Input(format!(
                    "The {role} account \"{account}\" is not an account number (letters and digits, at most 20). \
                     Nothing was saved."
                )));
            }
        }
        self.conn.execute(
            "INSERT INTO ledger_accounts (ledger_id, bank, fees, clearing, suspense, payable, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (ledger_id) DO UPDATE SET bank = excluded.bank, \
             fees = excluded.fees, clearing = excluded.clearing, suspense = excluded.suspense, \
             payable = excluded.payable, updated_at = excluded.updated_at",
            params![ledger_id, a.bank, a.fees, a.clearing, a.suspense, a.payable, now],
        )?;
        Ok(())
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
        assert_eq!(
            store.ledger_accounts("302321").expect("read").map(|s| s.bank),
            Some("1920".into())
        );
    }
}
