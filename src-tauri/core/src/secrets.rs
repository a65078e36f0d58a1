//! Keys that can move money: a wrapper that never prints, and the OS keyring behind a small trait.

use std::fmt;

/// A secret string. `Debug` and `Display` print `***`; read it only with `expose()`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

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
/// Entries: service `avstem`, user `<profile>/<client_secret|subscription_key>`.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsKeyring;

pub const KEYRING_SERVICE: &str = "avstem";

const KEYRING_REMEDY: &str = "Unlock the keyring (log in to a desktop session), or set AVSTEM_CLIENT_SECRET and AVSTEM_SUBSCRIPTION_KEY for this run (a profile added with --env-secrets always reads them from there).";

fn keyring_user(profile: &str, kind: SecretKind) -> String {
    format!("{profile}/{}", kind.as_str())
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
    fn entry(&self, profile: &str, kind: SecretKind) -> crate::Result<keyring::Entry> {
        keyring::Entry::new(KEYRING_SERVICE, &keyring_user(profile, kind))
            .map_err(|e| describe_keyring_error(&e, profile, kind))
    }
}

impl SecretStore for OsKeyring {
    fn get(&self, profile: &str, kind: SecretKind) -> crate::Result<Secret> {
        let entry = self.entry(profile, kind)?;
        entry
            .get_password()
            .map(Secret::new)
            .map_err(|e| describe_keyring_error(&e, profile, kind))
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

/// A secret from the environment, if set and non-empty.
#[allow(clippy::disallowed_methods)] // the one place AVSTEM_* keys are read
pub fn from_env(kind: SecretKind) -> Option<Secret> {
    std::env::var(kind.env_var())
        .ok()
        .filter(|s| !s.is_empty())
        .map(Secret::new)
}
