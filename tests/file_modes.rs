//! Personal data is not readable by other users (issue 13, item 2), on the real binary: after a
//! GDPR sync and exports under umask 022 and 077, the data folder is 0700, the cache and its WAL,
//! SHM and profiles.json 0600, an ordinary export has the umask's mode and a GDPR export is 0600.
//! Also: an export onto a symlink or a device is refused and the target is untouched (item 3).

#![cfg(unix)]
// The test reads the wall clock on purpose: the demo simulator's month must be over.
#![allow(clippy::disallowed_methods)]

use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_avstem");

/// `avstem` under `umask`, through the shell (the umask is per process).
fn avstem(umask: &str, data_dir: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!("umask {umask} && exec \"$0\" \"$@\""))
        .arg(BIN)
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("AVSTEM_DATA_DIR");
    cmd.output().expect("run avstem")
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .permissions()
        .mode()
        & 0o777
}

fn ok(out: &Output) {
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_cache_and_profiles_are_private_and_exports_follow_the_umask() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let month = chrono::Utc::now().date_naive().format("%Y-%m").to_string();
    let month = avstem_core::model::YearMonth::parse(&month)
        .expect("month")
        .prev()
        .to_string();
    let export = |umask: &str, file: &str, gdpr: bool| {
        let out = dir.path().join(file);
        let out_s = out.to_string_lossy().into_owned();
        let mut args = vec![
            "export",
            "--profile",
            "demo",
            "--ledger",
            "302321",
            "--month",
            &month,
            "--sync",
            "--out",
            &out_s,
        ];
        if gdpr {
            args.push("--gdpr");
        }
        ok(&avstem(umask, &data, &args));
        mode(&out)
    };
    // Everything created under the usual umask 022, which would make files 0644.
    assert_eq!(export("022", "plain-022.xlsx", false), 0o644);
    assert_eq!(mode(&data), 0o700, "data folder");
    let cache = data.join("cache.sqlite");
    assert_eq!(mode(&cache), 0o600, "cache");
    for sidecar in ["cache.sqlite-wal", "cache.sqlite-shm"] {
        let p = data.join(sidecar);
        if p.exists() {
            assert_eq!(mode(&p), 0o600, "{sidecar}");
        }
    }
    assert_eq!(
        export("022", "gdpr-022.xlsx", true),
        0o600,
        "a GDPR export is private"
    );
    assert_eq!(
        export("077", "plain-077.csv", false),
        0o600,
        "umask 077 is honoured"
    );
    assert_eq!(export("027", "plain-027.xlsx", false), 0o640);

    ok(&avstem(
        "022",
        &data,
        &[
            "profile",
            "add",
            "cafe",
            "--kind",
            "merchant",
            "--client-id",
            "c1",
            "--msn",
            "123455",
            "--env-secrets",
        ],
    ));
    assert_eq!(mode(&data.join("profiles.json")), 0o600, "profiles.json");

    // A cache an older version left 0644 is made private when it is next opened.
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    ok(&avstem("022", &data, &["cache", "info"]));
    assert_eq!(mode(&cache), 0o600, "an older cache is made private");
}

#[test]
fn an_export_onto_a_symlink_or_a_device_is_refused_and_the_target_is_untouched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let month = avstem_core::model::YearMonth::of(chrono::Utc::now().date_naive())
        .prev()
        .to_string();
    let precious = dir.path().join("precious.txt");
    std::fs::write(&precious, b"keep me").expect("write");
    let link = dir.path().join("month.xlsx");
    std::os::unix::fs::symlink(&precious, &link).expect("symlink");
    for (target, says) in [
        (link.to_string_lossy().into_owned(), "is a symbolic link"),
        ("/dev/null".to_string(), "is not an ordinary file"),
    ] {
        let out = avstem(
            "022",
            &data,
            &[
                "export",
                "--profile",
                "demo",
                "--ledger",
                "302321",
                "--month",
                &month,
                "--sync",
                "--out",
                &target,
            ],
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{target}: {err}");
        assert!(err.contains(says), "{target}: {err}");
    }
    assert!(std::fs::symlink_metadata(&link)
        .expect("link")
        .file_type()
        .is_symlink());
    assert_eq!(std::fs::read(&precious).expect("read"), b"keep me");
    assert!(
        std::fs::metadata("/dev/null")
            .expect("null")
            .file_type()
            .is_char_device(),
        "/dev/null is still a device"
    );
}

/// A cache this user cannot write (another user's, or on a read-only mount) still reads: the
/// month comes out of it; a sync says why it cannot write, without suggesting a `cache reset`
/// that could not work either (issue 13, item 10). As root the reader is `nobody` (setpriv).
#[test]
fn a_read_only_cache_still_reads_and_a_sync_says_why_it_cannot_write() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let month = avstem_core::model::YearMonth::of(chrono::Utc::now().date_naive())
        .prev()
        .to_string();
    let out_file = dir.path().join("m.xlsx");
    let out_s = out_file.to_string_lossy().into_owned();
    ok(&avstem(
        "022",
        &data,
        &[
            "export",
            "--profile",
            "demo",
            "--ledger",
            "302321",
            "--month",
            &month,
            "--sync",
            "--out",
            &out_s,
        ],
    ));
    let root = std::os::unix::fs::MetadataExt::uid(&std::fs::metadata(dir.path()).expect("meta")) == 0;
    let (dir_mode, file_mode) = if root { (0o755, 0o644) } else { (0o555, 0o444) };
    for p in [dir.path(), data.as_path()] {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(dir_mode)).expect("chmod dir");
    }
    for entry in std::fs::read_dir(&data).expect("data") {
        let p = entry.expect("entry").path();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(file_mode)).expect("chmod file");
    }
    let as_reader = |args: &[&str]| -> Output {
        let mut cmd = if root {
            let mut c = Command::new("setpriv");
            c.args(["--reuid=65534", "--regid=65534", "--clear-groups", BIN]);
            c
        } else {
            Command::new(BIN)
        };
        cmd.arg("--data-dir")
            .arg(&data)
            .args(args)
            .env("HOME", dir.path());
        cmd.output().expect("run")
    };
    let out = as_reader(&[
        "month",
        "--profile",
        "demo",
        "--ledger",
        "302321",
        "--month",
        &month,
        "--json",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("\"ledgerId\": \"302321\""), "{stdout}");
    let out = as_reader(&[
        "sync",
        "--profile",
        "demo",
        "--ledger",
        "302321",
        "--month",
        &month,
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("read-only") || stderr.contains("cannot be written"),
        "{stderr}"
    );
    assert!(!stderr.contains("cache reset"), "{stderr}");
    for p in [dir.path(), data.as_path()] {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o700)).expect("restore");
    }
}
