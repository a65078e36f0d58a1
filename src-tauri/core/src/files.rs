//! How Avstem's own files are made on disk, so that personal data and settings stay the user's:
//!
//! - the data folder is created private (0700): it holds the cache (names and phone numbers after a
//!   GDPR sync) and the profiles;
//! - the cache, its WAL/SHM files (SQLite gives them the main file's mode) and `profiles.json` are
//!   0600, also when an older version left them 0644;
//! - an export is an ordinary document: it gets the mode the user's umask gives a new file
//!   (0666 & !umask), except an export with personal data, which is 0600;
//! - an export goes only onto a regular file or a new name: never through a symlink, onto a FIFO,
//!   a device or a folder (the rename would replace them).
//!
//! On other platforms the modes are the platform's defaults (per-user profile folders).

use crate::{Error, Result};
use std::path::Path;

/// Create `dir` (and missing parents) private to the user. An existing folder is left as it is:
/// `--data-dir` may point at a folder the user shares on purpose.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Make an existing file of ours readable and writable by the user only.
pub fn make_private(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)?.permissions().mode() & 0o777;
        if mode != 0o600 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Create `path` empty and private if it does not exist (SQLite then uses it as a new database,
/// and gives its WAL and SHM files the same mode); make it private if it does.
pub fn ensure_private_file(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?;
    make_private(path)
}

/// The mode a new document gets from the user's umask (0644 under the usual 022, 0600 under 077).
#[cfg(unix)]
pub fn document_mode() -> u32 {
    0o666 & !umask()
}

/// The process's umask, read without changing it (Linux: `/proc/self/status`); 022 when unknown.
#[cfg(unix)]
fn umask() -> u32 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Umask:"))
                .and_then(|v| u32::from_str_radix(v.trim(), 8).ok())
        })
        .unwrap_or(0o022)
}

/// Give a finished export its mode: the umask's for a document, 0600 with personal data.
pub fn set_document_mode(path: &Path, personal_data: bool) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = if personal_data { 0o600 } else { document_mode() };
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    }
    #[cfg(not(unix))]
    let _ = (path, personal_data);
    Ok(())
}

/// Refuse an export target that is anything but a regular file or a new name.
pub fn check_export_target(out: &Path) -> Result<()> {
    let meta = match std::fs::symlink_metadata(out) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => {
            return Err(Error::Io(format!(
                "Cannot look at {} ({e}). Pick another file name.",
                out.display()
            )))
        }
    };
    let what = if meta.is_dir() {
        "is a folder; give a file name to export to"
    } else if meta.file_type().is_symlink() {
        "is a symbolic link; Avstem does not write through links. Give the file's real path or a new name"
    } else if meta.is_file() {
        return Ok(());
    } else {
        "is not an ordinary file (a device, pipe or socket); give a new file name"
    };
    Err(Error::Io(format!("{} {what}.", out.display())))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).expect("meta").permissions().mode() & 0o777
    }

    #[test]
    fn folders_and_files_of_ours_are_private() {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("a/b");
        create_private_dir(&data).expect("dir");
        assert_eq!(mode(&data), 0o700);
        let file = data.join("cache.sqlite");
        ensure_private_file(&file).expect("file");
        assert_eq!(mode(&file), 0o600);
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        ensure_private_file(&file).expect("again");
        assert_eq!(mode(&file), 0o600, "an older 0644 cache is made private");
    }

    #[test]
    fn export_targets_are_only_regular_files_or_new_names() {
        let dir = tempfile::tempdir().expect("tempdir");
        let new = dir.path().join("new.xlsx");
        assert!(check_export_target(&new).is_ok());
        std::fs::write(&new, b"x").expect("write");
        assert!(check_export_target(&new).is_ok());
        let link = dir.path().join("link.xlsx");
        std::os::unix::fs::symlink(&new, &link).expect("symlink");
        let err = check_export_target(&link).expect_err("symlink");
        assert!(err.to_string().contains("is a symbolic link"), "{err}");
        let err = check_export_target(dir.path()).expect_err("folder");
        assert!(err.to_string().contains("is a folder"), "{err}");
        let err = check_export_target(Path::new("/dev/null")).expect_err("device");
        assert!(err.to_string().contains("not an ordinary file"), "{err}");
    }
}
