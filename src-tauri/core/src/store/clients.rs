//! The names an accountant gives client ledgers (the Clients overview, month-end file names).

use super::Store;
use crate::{Error, Result};
use rusqlite::params;
use std::collections::HashMap;

/// The longest client name kept (characters).
pub const CLIENT_NAME_MAX: usize = 80;

impl Store {
    /// Every saved client name, by ledger id.
    pub fn client_names(&self) -> Result<HashMap<String, String>> {
        let mut stmt = self.conn.prepare("SELECT ledger_id, name FROM client_names")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut out = HashMap::new();
        for row in rows {
            let (id, name) = row?;
            out.insert(id, name);
        }
        Ok(out)
    }

    /// Save the name for `ledger_id`; an empty name removes it (the sales unit's name shows again).
    pub fn set_client_name(&mut self, ledger_id: &str, name: &str, now: i64) -> Result<()> {
        let name = name.trim();
        if name.chars().count() > CLIENT_NAME_MAX || name.chars().any(char::is_control) {
            return Err(Error::Input(format!(
                "A client's name is at most {CLIENT_NAME_MAX} characters on one line. Nothing was saved."
            )));
        }
        if name.is_empty() {
            self.conn
                .execute("DELETE FROM client_names WHERE ledger_id = ?1", [ledger_id])?;
        } else {
            self.conn.execute(
                "INSERT INTO client_names (ledger_id, name, updated_at) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (ledger_id) DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at",
                params![ledger_id, name, now],
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_name_is_saved_replaced_and_removed() {
        let mut store = Store::open_in_memory().expect("store");
        assert!(store.client_names().expect("read").is_empty());
        store
            .set_client_name("700001", "  Fjell Kaffebar (Bergen) ", 1)
            .expect("save");
        store
            .set_client_name("700001", "Fjell Kaffebar Bergen", 2)
            .expect("replace");
        store
            .set_client_name("700002", "Havblikk Bakeri", 2)
            .expect("save");
        let names = store.client_names().expect("read");
        assert_eq!(names.len(), 2);
        assert_eq!(names["700001"], "Fjell Kaffebar Bergen");
        store.set_client_name("700002", "", 3).expect("remove");
        assert_eq!(store.client_names().expect("read").len(), 1);
        let e = store
            .set_client_name("700001", &"x".repeat(81), 4)
            .expect_err("too long");
        assert!(e.to_string().contains("at most 80 characters"), "{e}");
        assert!(store.set_client_name("700001", "two\nlines", 4).is_err());
        assert_eq!(
            store.client_names().expect("read")["700001"],
            "Fjell Kaffebar Bergen"
        );
    }
}
