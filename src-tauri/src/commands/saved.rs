//! Where exports go and what the window may do with them afterwards (issue 14): the export
//! screen starts with `<shop>-<month>.xlsx` in the folder the user last picked in the Save dialog,
//! and the success panel can open the file just written — only a file Avstem wrote this session,
//! never an arbitrary path or URL a page might ask for.

use super::{test_save_dir, ChosenPaths, CmdResult};
use crate::AppState;
use avstem_core::export::ExportFormat;
use avstem_core::Error;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use tauri::State;

/// The file in the data folder that remembers the last folder picked in the Save dialog (a plain
/// path, no secrets).
const LAST_FOLDER_FILE: &str = "last-export-folder";

/// The files `export_month` wrote this session: `open_exported_file` opens only these.
#[derive(Default)]
pub struct ExportedFiles {
    files: Mutex<HashSet<PathBuf>>,
}

impl ExportedFiles {
    pub(crate) fn remember(&self, path: &Path) {
        if let Ok(mut f) = self.files.lock() {
            f.insert(path.to_path_buf());
        }
    }

    fn contains(&self, path: &Path) -> bool {
        self.files.lock().is_ok_and(|f| f.contains(path))
    }
}

/// A file name a file system accepts, from a shop's name and a month: no path separators, no
/// characters Windows or macOS refuse, no control characters, no leading dots (hidden files) and
/// at most 100 characters; `fallback` when nothing is left.
pub(crate) fn safe_file_name(suggested: &str, fallback: &str) -> String {
    // Only the last component: a name with "/" or "\" in it never climbs out of the folder.
    let last = suggested.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .map(|c| match c {
            ':' | '*' | '?' | '"' | '<' | '>' | '|' => '-',
            c if c.is_control() => '-',
            c => c,
        })
        .collect();
    let trimmed = cleaned.trim().trim_start_matches('.').trim();
    let mut name: String = trimmed.chars().take(100).collect();
    if name.is_empty() || name.chars().all(|c| c == '.' || c == '-') {
        name = fallback.to_string();
    }
    name
}

/// Remember `folder` as the place of the next export (best effort: a read-only data folder only
/// means the next export starts without a folder).
pub(crate) fn remember_folder(data_dir: &Path, folder: &Path) {
    if folder.is_dir() {
        let _ = std::fs::write(data_dir.join(LAST_FOLDER_FILE), folder.display().to_string());
    }
}

/// The folder last picked in the Save dialog, if it is still a folder.
pub(crate) fn last_folder(data_dir: &Path) -> Option<PathBuf> {
    let text = std::fs::read_to_string(data_dir.join(LAST_FOLDER_FILE)).ok()?;
    // End-to-end tests: the Save dialog "answers" in this folder, so that is the last one picked
    // once a file has been chosen there.
    let dir = test_save_dir().unwrap_or_else(|| PathBuf::from(text.trim()));
    dir.is_dir().then_some(dir)
}

/// `folder/name`, or `folder/name (2).ext`, `(3)`… when a file of that name is already there: a
/// suggestion never overwrites a file the user did not pick.
pub(crate) fn free_path(folder: &Path, name: &str) -> PathBuf {
    let first = folder.join(name);
    if !first.exists() {
        return first;
    }
    let (stem, ext) = match name.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() => (s.to_string(), format!(".{e}")),
        _ => (name.to_string(), String::new()),
    };
    (2..1000)
        .map(|n| folder.join(format!("{stem} ({n}){ext}")))
        .find(|p| !p.exists())
        .unwrap_or(first)
}

/// The path the export screen starts with: `suggested_name` (made safe, with the format's
/// extension) in the folder last picked in the Save dialog; `None` before the first pick. The
/// path is allowed for `export_month` as if picked in the dialog: the folder was.
#[tauri::command]
pub async fn suggest_export_path(
    state: State<'_, AppState>,
    chosen: State<'_, ChosenPaths>,
    suggested_name: String,
    format: ExportFormat,
) -> CmdResult<Option<String>> {
    let Some(folder) = last_folder(&state.ctx.data_dir) else {
        return Ok(None);
    };
    let ext = format.extension();
    let name = safe_file_name(&suggested_name, &format!("avstem-export.{ext}"));
    let name = match Path::new(&name).extension() {
        Some(e) if e.eq_ignore_ascii_case(ext) => name,
        _ => format!("{name}.{ext}"),
    };
    let path = free_path(&folder, &name);
    chosen.remember(&path);
    Ok(Some(path.display().to_string()))
}

/// Open a file this session's export wrote, in the program the desktop opens it with (the
/// spreadsheet program for a workbook). Any other path is refused.
#[tauri::command]
pub async fn open_exported_file<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    exported: State<'_, ExportedFiles>,
    path: String,
) -> CmdResult<()> {
    let path = PathBuf::from(path.trim());
    if !exported.contains(&path) {
        return Err(Error::Input(
            "Avstem opens only a file it exported in this session. Export the month again, then open it."
                .into(),
        )
        .to_user());
    }
    if !path.is_file() {
        return Err(Error::Io(format!(
            "The file {} is no longer there: it was moved or deleted after the export.",
            path.display()
        ))
        .to_user());
    }
    if let Some(dir) = test_save_dir() {
        // End-to-end tests: no desktop to open it with; say which file would have opened.
        return std::fs::write(dir.join("opened.txt"), path.display().to_string())
            .map_err(|e| Error::Io(format!("Cannot record the opened file: {e}")).to_user());
    }
    use tauri_plugin_opener::OpenerExt;
    app.opener()
        .open_path(path.display().to_string(), None::<&str>)
        .map_err(|e| {
            Error::Io(format!(
                "The file was written, but the desktop could not open it ({e}). Open {} yourself.",
                path.display()
            ))
            .to_user()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shop_name_becomes_a_safe_file_name() {
        assert_eq!(
            safe_file_name("Fjordkaffe AS-2026-10.xlsx", "x"),
            "Fjordkaffe AS-2026-10.xlsx"
        );
        assert_eq!(safe_file_name("../../etc/passwd", "x"), "passwd");
        assert_eq!(safe_file_name("C:\\Users\\a\\b.xlsx", "x"), "b.xlsx");
        assert_eq!(
            safe_file_name("Kafé: \"Nord\" <1>|?*.xlsx", "x"),
            "Kafé- -Nord- -1----.xlsx"
        );
        assert_eq!(safe_file_name(".hidden.xlsx", "x"), "hidden.xlsx");
        assert_eq!(safe_file_name("..", "fallback.xlsx"), "fallback.xlsx");
        assert_eq!(safe_file_name("tab\there", "x"), "tab-here");
        assert_eq!(safe_file_name(&"å".repeat(300), "x").chars().count(), 100);
    }

    #[test]
    fn a_suggestion_never_names_an_existing_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert_eq!(
            free_path(dir.path(), "a-2026-10.xlsx"),
            dir.path().join("a-2026-10.xlsx")
        );
        std::fs::write(dir.path().join("a-2026-10.xlsx"), "x").expect("write");
        assert_eq!(
            free_path(dir.path(), "a-2026-10.xlsx"),
            dir.path().join("a-2026-10 (2).xlsx")
        );
        std::fs::write(dir.path().join("a-2026-10 (2).xlsx"), "x").expect("write");
        assert_eq!(
            free_path(dir.path(), "a-2026-10.xlsx"),
            dir.path().join("a-2026-10 (3).xlsx")
        );
    }

    #[test]
    fn the_last_folder_is_remembered_only_when_it_is_a_folder() {
        let data = tempfile::tempdir().expect("tempdir");
        let out = tempfile::tempdir().expect("tempdir");
        if test_save_dir().is_some() {
            return; // the e2e hook replaces the folder; this test runs without it
        }
        assert_eq!(last_folder(data.path()), None);
        remember_folder(data.path(), &out.path().join("missing"));
        assert_eq!(last_folder(data.path()), None);
        remember_folder(data.path(), out.path());
        assert_eq!(last_folder(data.path()).as_deref(), Some(out.path()));
        drop(out);
        assert_eq!(
            last_folder(data.path()),
            None,
            "a folder since removed is forgotten"
        );
    }

    #[test]
    fn only_exported_files_are_known() {
        let e = ExportedFiles::default();
        e.remember(Path::new("/tmp/a.xlsx"));
        assert!(e.contains(Path::new("/tmp/a.xlsx")));
        assert!(!e.contains(Path::new("/tmp/b.xlsx")));
        assert!(!e.contains(Path::new("/etc/passwd")));
    }
}
