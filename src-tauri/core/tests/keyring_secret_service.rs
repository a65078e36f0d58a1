//! Profiles' secrets against a real Secret Service (gnome-keyring on a private session bus).
//! scripts/test.sh starts the bus and an unlocked keyring and sets AVSTEM_KEYRING_TESTS=1.

// Tests read the environment, the wall clock and raw SQLite files on purpose.
#![allow(clippy::disallowed_methods)]

use avstem_core::profile::{add_profile, remove_profile, NewProfile, ProfileBook, ProfileKind};
use avstem_core::secrets::{OsKeyring, Secret, SecretKind, SecretStore};
use avstem_core::Error;
use std::process::Command;

fn keyring_tests_enabled() -> bool {
    if std::env::var("AVSTEM_KEYRING_TESTS").as_deref() == Ok("1") {
        return true;
    }
    eprintln!("skipped: run through scripts/test.sh (needs a session bus with an unlocked gnome-keyring)");
    false
}

fn unique(name: &str) -> String {
    format!(
        "{name}-{}-{}",
        std::process::id(),
        chrono::Utc::now().timestamp_micros()
    )
}

/// What `secret-tool` finds under the attributes Avstem uses: the independent check of what is stored where.
fn secret_tool_lookup(keyring: &OsKeyring, profile: &str, kind: SecretKind) -> Option<String> {
    let user = keyring.keyring_user(profile, kind).expect("folder id");
    let out = Command::new("secret-tool")
        .args(["lookup", "service", "avstem", "username", &user])
        .output()
        .expect("secret-tool is installed by scripts/setup.sh");
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

#[test]
fn a_merchant_profile_keeps_both_secrets_in_the_keyring_and_none_in_its_file() {
    if !keyring_tests_enabled() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let name = unique("cafe");
    let new = NewProfile {
        name: name.clone(),
        kind: ProfileKind::Merchant,
        client_id: "client-id-1".into(),
        msn: Some("123455".into()),
        base_url: None,
        env_secrets: false,
        client_secret: Some(Secret::new("SENTINEL-secret-7c1f")),
        subscription_key: Some(Secret::new("SENTINEL-subkey-9a2e")),
    };
    let profile = add_profile(dir.path(), &new, &OsKeyring::for_data_dir(dir.path())).expect("add profile");
    assert_eq!(profile.base_url, "https://api.vipps.no");

    assert_eq!(
        secret_tool_lookup(
            &OsKeyring::for_data_dir(dir.path()),
            &name,
            SecretKind::ClientSecret
        )
        .as_deref(),
        Some("SENTINEL-secret-7c1f")
    );
    assert_eq!(
        secret_tool_lookup(
            &OsKeyring::for_data_dir(dir.path()),
            &name,
            SecretKind::SubscriptionKey
        )
        .as_deref(),
        Some("SENTINEL-subkey-9a2e")
    );
    assert_eq!(
        OsKeyring::for_data_dir(dir.path())
            .get(&name, SecretKind::ClientSecret)
            .expect("read back")
            .expose(),
        "SENTINEL-secret-7c1f"
    );

    let file = std::fs::read_to_string(ProfileBook::path(dir.path())).expect("profiles.json");
    assert!(file.contains("client-id-1"));
    assert!(
        !file.contains("SENTINEL"),
        "a secret reached profiles.json: {file}"
    );

    remove_profile(dir.path(), &name, &OsKeyring::for_data_dir(dir.path())).expect("remove");
    assert_eq!(
        secret_tool_lookup(
            &OsKeyring::for_data_dir(dir.path()),
            &name,
            SecretKind::ClientSecret
        ),
        None
    );
    assert_eq!(
        secret_tool_lookup(
            &OsKeyring::for_data_dir(dir.path()),
            &name,
            SecretKind::SubscriptionKey
        ),
        None
    );
    assert!(ProfileBook::load(dir.path()).expect("load").profiles.is_empty());
}

#[test]
fn a_partner_profile_stores_only_its_client_secret() {
    if !keyring_tests_enabled() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let name = unique("accountant");
    let new = NewProfile {
        name: name.clone(),
        kind: ProfileKind::Accounting,
        client_id: "partner-1".into(),
        msn: Some("ignored".into()),
        base_url: Some("http://127.0.0.1:9".into()),
        env_secrets: false,
        client_secret: Some(Secret::new("SENTINEL-partner-3b7d")),
        subscription_key: None,
    };
    let profile = add_profile(dir.path(), &new, &OsKeyring::for_data_dir(dir.path())).expect("add");
    assert_eq!(profile.msn, None, "partners have no MSN");
    assert_eq!(
        secret_tool_lookup(
            &OsKeyring::for_data_dir(dir.path()),
            &name,
            SecretKind::ClientSecret
        )
        .as_deref(),
        Some("SENTINEL-partner-3b7d")
    );
    assert_eq!(
        secret_tool_lookup(
            &OsKeyring::for_data_dir(dir.path()),
            &name,
            SecretKind::SubscriptionKey
        ),
        None
    );
    remove_profile(dir.path(), &name, &OsKeyring::for_data_dir(dir.path())).expect("remove");
    assert_eq!(
        secret_tool_lookup(
            &OsKeyring::for_data_dir(dir.path()),
            &name,
            SecretKind::ClientSecret
        ),
        None
    );
}

#[test]
fn a_missing_entry_says_what_to_do() {
    if !keyring_tests_enabled() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let name = unique("never-added");
    let err = OsKeyring::for_data_dir(dir.path())
        .get(&name, SecretKind::ClientSecret)
        .expect_err("no entry");
    assert!(matches!(err, Error::Keyring(_)), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("is not in the keyring"), "{text}");
    assert!(text.contains("AVSTEM_CLIENT_SECRET"), "{text}");
    // Deleting what is not there is fine: removing a half-added profile must work.
    OsKeyring::for_data_dir(dir.path())
        .delete(&name, SecretKind::ClientSecret)
        .expect("delete missing");
}

fn merchant(name: &str, secret: &str) -> NewProfile {
    NewProfile {
        name: name.into(),
        kind: ProfileKind::Merchant,
        client_id: "client-id-1".into(),
        msn: Some("123455".into()),
        base_url: None,
        env_secrets: false,
        client_secret: Some(Secret::new(secret)),
        subscription_key: Some(Secret::new(format!("{secret}-sub"))),
    }
}

/// A profile of the same name in two data folders: each keeps its own keys, and removing one
/// leaves the other's (issue 13, item 4). With entries keyed by profile name alone, the second
/// add overwrote the first and the removal deleted both.
#[test]
fn the_same_profile_name_in_two_data_folders_keeps_two_sets_of_keys() {
    if !keyring_tests_enabled() {
        return;
    }
    let (a, b) = (tempfile::tempdir().expect("a"), tempfile::tempdir().expect("b"));
    let name = unique("cafe");
    let (ka, kb) = (
        OsKeyring::for_data_dir(a.path()),
        OsKeyring::for_data_dir(b.path()),
    );
    add_profile(a.path(), &merchant(&name, "SENTINEL-folder-a"), &ka).expect("add a");
    add_profile(b.path(), &merchant(&name, "SENTINEL-folder-b"), &kb).expect("add b");
    assert_eq!(
        ka.get(&name, SecretKind::ClientSecret).expect("a").expose(),
        "SENTINEL-folder-a"
    );
    assert_eq!(
        kb.get(&name, SecretKind::ClientSecret).expect("b").expose(),
        "SENTINEL-folder-b"
    );
    remove_profile(b.path(), &name, &kb).expect("remove b");
    assert_eq!(
        ka.get(&name, SecretKind::SubscriptionKey)
            .expect("a after b's removal")
            .expose(),
        "SENTINEL-folder-a-sub"
    );
    assert!(kb.get(&name, SecretKind::ClientSecret).is_err());
    remove_profile(a.path(), &name, &ka).expect("remove a");
}

/// An entry an older version wrote (`<profile>/<kind>`, no folder id) is moved under the folder's
/// id on first read, and the old entry is gone.
#[test]
fn an_entry_of_an_older_version_is_moved_under_the_folder_id() {
    if !keyring_tests_enabled() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let name = unique("old");
    let legacy = keyring::Entry::new("avstem", &format!("{name}/client_secret")).expect("entry");
    legacy.set_password("SENTINEL-legacy").expect("set legacy");
    let keyring = OsKeyring::for_data_dir(dir.path());
    assert_eq!(
        keyring
            .get(&name, SecretKind::ClientSecret)
            .expect("migrated")
            .expose(),
        "SENTINEL-legacy"
    );
    assert!(
        matches!(legacy.get_password(), Err(keyring::Error::NoEntry)),
        "the old entry is moved, not copied"
    );
    assert_eq!(
        secret_tool_lookup(&keyring, &name, SecretKind::ClientSecret).as_deref(),
        Some("SENTINEL-legacy")
    );
    keyring.delete(&name, SecretKind::ClientSecret).expect("delete");
}
