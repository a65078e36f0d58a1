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
fn secret_tool_lookup(profile: &str, kind: SecretKind) -> Option<String> {
    let out = Command::new("secret-tool")
        .args([
            "lookup",
            "service",
            "avstem",
            "username",
            &format!("{profile}/{}", kind.as_str()),
        ])
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
    let profile = add_profile(dir.path(), &new, &OsKeyring).expect("add profile");
    assert_eq!(profile.base_url, "https://api.vipps.no");

    assert_eq!(
        secret_tool_lookup(&name, SecretKind::ClientSecret).as_deref(),
        Some("SENTINEL-secret-7c1f")
    );
    assert_eq!(
        secret_tool_lookup(&name, SecretKind::SubscriptionKey).as_deref(),
        Some("SENTINEL-subkey-9a2e")
    );
    assert_eq!(
        OsKeyring
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

    remove_profile(dir.path(), &name, &OsKeyring).expect("remove");
    assert_eq!(secret_tool_lookup(&name, SecretKind::ClientSecret), None);
    assert_eq!(secret_tool_lookup(&name, SecretKind::SubscriptionKey), None);
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
        kind: ProfileKind::Partner,
        client_id: "partner-1".into(),
        msn: Some("ignored".into()),
        base_url: Some("http://127.0.0.1:9".into()),
        env_secrets: false,
        client_secret: Some(Secret::new("SENTINEL-partner-3b7d")),
        subscription_key: None,
    };
    let profile = add_profile(dir.path(), &new, &OsKeyring).expect("add");
    assert_eq!(profile.msn, None, "partners have no MSN");
    assert_eq!(
        secret_tool_lookup(&name, SecretKind::ClientSecret).as_deref(),
        Some("SENTINEL-partner-3b7d")
    );
    assert_eq!(secret_tool_lookup(&name, SecretKind::SubscriptionKey), None);
    remove_profile(dir.path(), &name, &OsKeyring).expect("remove");
    assert_eq!(secret_tool_lookup(&name, SecretKind::ClientSecret), None);
}

#[test]
fn a_missing_entry_says_what_to_do() {
    if !keyring_tests_enabled() {
        return;
    }
    let name = unique("never-added");
    let err = OsKeyring
        .get(&name, SecretKind::ClientSecret)
        .expect_err("no entry");
    assert!(matches!(err, Error::Keyring(_)), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("is not in the keyring"), "{text}");
    assert!(text.contains("AVSTEM_CLIENT_SECRET"), "{text}");
    // Deleting what is not there is fine: removing a half-added profile must work.
    OsKeyring
        .delete(&name, SecretKind::ClientSecret)
        .expect("delete missing");
}
