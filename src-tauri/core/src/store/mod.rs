//! The local cache: SQLite with embedded migrations. All SQL lives here. STUB.

/// Turn a SQLite error into a sentence with a way out.
pub fn describe_sqlite_error(e: &rusqlite::Error) -> String {
    format!("The local cache could not be read or written ({e}). Run `avstem cache reset` to rebuild it; profiles are kept.")
}
