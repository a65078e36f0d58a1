//! Keys that can move money: a wrapper that never prints, and the OS keyring behind a small trait.

use std::fmt;

/// A secret string. `Debug` and `Display` print `***`; read it only with `expose()`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

/// The bytes are overwritten when the secret is dropped, so a freed secret does not linger in memory.
impl Drop for Secret {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn a_secret_never_prints() {
        let s = Secret::new("sentinel-abc");
        assert_eq!(format!("{s} {s:?}"), "*** ***");
        assert_eq!(s.expose(), "sentinel-abc");
    }
}

/// Which of a profile's secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretKind {
    ClientSecret,
    SubscriptionKey,
}

impl SecretKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SecretKind::ClientSecret => "client_secret",
            SecretKind::SubscriptionKey => "subscription_key",
        }
    }
    /// The environment variable that overrides the keyring for this secret.
    pub fn env_var(self) -> &'static str {
        match self {
            SecretKind::ClientSecret => "AVSTEM_CLIENT_SECRET",
            SecretKind::SubscriptionKey => "AVSTEM_SUBSCRIPTION_KEY",
        }
    }
}

/// Where a profile's secrets are kept. The real one is the OS keyring; nothing else writes secrets anywhere.
pub trait SecretStore: Send + Sync {
    fn get(&self, profile: &str, kind: SecretKind) -> crate::Result<Secret>;
    fn set(&self, profile: &str, kind: SecretKind, secret: &Secret) -> crate::Result<()>;
    /// Deleting a missing entry is not an error.
    fn delete(&self, profile: &str, kind: SecretKind) -> crate::Result<()>;
}

/// The OS keyring: Secret Service on Linux, Keychain on macOS, Credential Manager on Windows.
/// Entries: service `avstem`, user `<folder id>/<profile>/<client_secret|subscription_key>`, where the
/// folder id is a random id kept in the data folder (`folder-id`), so that a profile `cafe` in one
/// data folder never reads, overwrites or deletes the keys of a `cafe` in another. Entries of
/// older versions (`<profile>/<kind>`, no folder id) are moved under the id on first read.
#[derive(Debug, Clone)]
pub struct OsKeyring {
    data_dir: std::path::PathBuf,
    folder_id: std::sync::Arc<std::sync::OnceLock<Option<String>>>,
}

/// The file in the data folder that holds its keyring id.
pub const FOLDER_ID_FILE: &str = "folder-id";

pub const KEYRING_SERVICE: &str = "avstem";

const KEYRING_REMEDY: &str = "Unlock the keyring (log in to a desktop session), or set AVSTEM_CLIENT_SECRET and AVSTEM_SUBSCRIPTION_KEY with AVSTEM_PROFILE=<the profile> for this run (a profile added with --env-secrets always reads them from there).";

/// The user name of an entry of older versions, shared by every data folder.
fn legacy_keyring_user(profile: &str, kind: SecretKind) -> String {
    format!("{profile}/{}", kind.as_str())
}

/// The data folder's keyring id, created (random, 0600) on first use. `None` when the folder
/// cannot be written: then the keyring cannot be used for it, and the caller says so.
fn folder_id(data_dir: &std::path::Path) -> Option<String> {
    let path = data_dir.join(FOLDER_ID_FILE);
    let valid = |s: &str| s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit());
    if let Ok(text) = std::fs::read_to_string(&path) {
        let id = text.trim().to_string();
        if valid(&id) {
            return Some(id);
        }
    }
    let bytes: [u8; 16] = rand::random();
    let id: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    crate::files::create_private_dir(data_dir).ok()?;
    let tmp = data_dir.join(".folder-id.tmp");
    crate::files::ensure_private_file(&tmp).ok()?;
    std::fs::write(&tmp, format!("{id}\n")).ok()?;
    // Another process may have created it meanwhile: whoever renamed last wins, and both read it back.
    std::fs::rename(&tmp, &path).ok()?;
    std::fs::read_to_string(&path)
        .ok()
        .map(|t| t.trim().to_string())
        .filter(|t| valid(t))
}

/// A keyring error as one sentence naming the remedy. Never includes secret bytes (e.g. `BadEncoding`).
fn describe_keyring_error(e: &keyring::Error, profile: &str, kind: SecretKind) -> crate::Error {
    use keyring::Error as K;
    let msg = match e {
        K::NoEntry => format!(
            "The {} of profile \"{profile}\" is not in the keyring. Add the profile again (avstem profile add), or set {} for this run.",
            kind.as_str().replace('_', " "),
            kind.env_var()
        ),
        K::NoStorageAccess(_) => format!("The keyring is locked or refused access. {KEYRING_REMEDY}"),
        K::NoDefaultStore | K::PlatformFailure(_) => {
            format!("No keyring is available (no Secret Service on the session bus). {KEYRING_REMEDY}")
        }
        K::BadEncoding(_) | K::BadDataFormat(..) => format!(
            "The keyring entry for profile \"{profile}\" is damaged. Remove and add the profile again. {KEYRING_REMEDY}"
        ),
        _ => format!("The keyring could not be used. {KEYRING_REMEDY}"),
    };
    crate::Error::Keyring(msg)
}

impl OsKeyring {
    /// The keyring entries of the profiles in `data_dir`.
    pub fn for_data_dir(data_dir: &std::path::Path) -> OsKeyring {
        OsKeyring {
            data_dir: data_dir.to_path_buf(),
            folder_id: Default::default(),
        }
    }

    /// The keyring user name of a secret: `<folder id>/<profile>/<kind>`.
    pub fn keyring_user(&self, profile: &str, kind: SecretKind) -> crate::Result<String> {
        let id = self.folder_id.get_or_init(|| folder_id(&self.data_dir));
        match id {
            Some(id) => Ok(format!("{id}/{}", legacy_keyring_user(profile, kind))),
            None => Err(crate::Error::Keyring(format!(
                "The data folder {} cannot be written, so its keyring id cannot be kept there. Pick a \
                 writable folder with --data-dir.",
                self.data_dir.display()
            ))),
        }
    }

    fn entry(&self, profile: &str, kind: SecretKind) -> crate::Result<keyring::Entry> {
        keyring::Entry::new(KEYRING_SERVICE, &self.keyring_user(profile, kind)?)
            .map_err(|e| describe_keyring_error(&e, profile, kind))
    }

    /// An entry written by an older version (no folder id): moved under this folder's id.
    fn migrate_legacy(&self, profile: &str, kind: SecretKind, entry: &keyring::Entry) -> Option<Secret> {
        let legacy = keyring::Entry::new(KEYRING_SERVICE, &legacy_keyring_user(profile, kind)).ok()?;
        let secret = legacy.get_password().ok()?;
        entry.set_password(&secret).ok()?;
        let _ = legacy.delete_credential();
        tracing::info!(
            profile,
            kind = kind.as_str(),
            "moved a keyring entry under the data folder's id"
        );
        Some(Secret::new(secret))
    }
}

impl SecretStore for OsKeyring {
    fn get(&self, profile: &str, kind: SecretKind) -> crate::Result<Secret> {
        let entry = self.entry(profile, kind)?;
        match entry.get_password() {
            Ok(secret) => Ok(Secret::new(secret)),
            Err(keyring::Error::NoEntry) => self
                .migrate_legacy(profile, kind, &entry)
                .ok_or_else(|| describe_keyring_error(&keyring::Error::NoEntry, profile, kind)),
            Err(e) => Err(describe_keyring_error(&e, profile, kind)),
        }
    }

    fn set(&self, profile: &str, kind: SecretKind, secret: &Secret) -> crate::Result<()> {
        let entry = self.entry(profile, kind)?;
        entry
            .set_password(secret.expose())
            .map_err(|e| describe_keyring_error(&e, profile, kind))
    }

    fn delete(&self, profile: &str, kind: SecretKind) -> crate::Result<()> {
        let entry = self.entry(profile, kind)?;
        match entry.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(describe_keyring_error(&e, profile, kind)),
        }
    }
}

/// Secrets held in memory only, never written anywhere: what the integration tests and benchmarks
/// use in place of the OS keyring (the app and the CLI always use [`OsKeyring`]).
#[derive(Default)]
pub struct MemorySecrets(std::sync::Mutex<std::collections::HashMap<(String, &'static str), String>>);

impl MemorySecrets {
    fn map(
        &self,
    ) -> crate::Result<std::sync::MutexGuard<'_, std::collections::HashMap<(String, &'static str), String>>>
    {
        self.0
            .lock()
            .map_err(|_| crate::Error::Keyring("the in-memory secret store is poisoned".into()))
    }
}

impl SecretStore for MemorySecrets {
    fn get(&self, profile: &str, kind: SecretKind) -> crate::Result<Secret> {
        self.map()?
            .get(&(profile.to_string(), kind.as_str()))
            .map(|s| Secret::new(s.clone()))
            .ok_or_else(|| crate::Error::Keyring(format!("no {} for {profile}", kind.as_str())))
    }
    fn set(&self, profile: &str, kind: SecretKind, secret: &Secret) -> crate::Result<()> {
        self.map()?
            .insert((profile.to_string(), kind.as_str()), secret.expose().to_string());
        Ok(())
    }
    fn delete(&self, profile: &str, kind: SecretKind) -> crate::Result<()> {
        self.map()?.remove(&(profile.to_string(), kind.as_str()));
        Ok(())
    }
}

/// The profile `AVSTEM_*` secret overrides are meant for (`AVSTEM_PROFILE`), if set: a profile
/// whose keys live in the keyring reads them from the environment only when it is named there.
#[allow(clippy::disallowed_methods)] // the one place AVSTEM_PROFILE is read
pub fn env_override_profile() -> Option<String> {
    std::env::var(ENV_OVERRIDE_PROFILE).ok().filter(|s| !s.is_empty())
}

/// Names the one profile the `AVSTEM_*` secrets override (profiles added with `--env-secrets`
/// always read them).
pub const ENV_OVERRIDE_PROFILE: &str = "AVSTEM_PROFILE";

/// A secret from the environment, if set and non-empty.
#[allow(clippy::disallowed_methods)] // the one place AVSTEM_* keys are read
pub fn from_env(kind: SecretKind) -> Option<Secret> {
    std::env::var(kind.env_var())
        .ok()
        .filter(|s| !s.is_empty())
        .map(Secret::new)
}
