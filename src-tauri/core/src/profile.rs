//! Profiles (name, kind, client id, MSN, base URL) kept as JSON in the data directory, apart from the
//! cache so that deleting the cache loses no keys. Secrets live in the OS keyring, never in this file.

pub use crate::api::PRODUCTION_BASE_URL;

use crate::api::Credentials;
use crate::secrets::{self, Secret, SecretKind, SecretStore};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum ProfileKind {
    /// One sales unit's merchant keys (client id, secret, subscription key, MSN).
    Merchant,
    /// Accounting keys (client id and secret) of an accounting partner, or a Donations
    /// organisation's merchant-level keys (the same token flow): they see every ledger granted to
    /// them. Profiles saved as "partner" by older versions read as this.
    #[serde(alias = "partner")]
    Accounting,
    /// No API keys: settlement reports imported from the business portal's files (a Vippsnummer
    /// shop without an accounting partner). Nothing is ever synced for it.
    Files,
}

/// What is stored about a profile. No secret is ever a field here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Profile {
    pub name: String,
    pub kind: ProfileKind,
    pub client_id: String,
    pub msn: Option<String>,
    pub base_url: String,
    /// Secrets come from AVSTEM_CLIENT_SECRET / AVSTEM_SUBSCRIPTION_KEY at every run (scheduled jobs).
    #[serde(default)]
    pub env_secrets: bool,
    /// Points at the built-in simulator with its public demo keys; needs no keyring.
    #[serde(default)]
    pub demo: bool,
}

pub const DEMO_PROFILE: &str = "demo";

/// The keyless profile `avstem import` uses when no `--profile` is given.
pub const FILES_PROFILE: &str = "files";

impl Profile {
    pub fn demo() -> Profile {
        Profile {
            name: DEMO_PROFILE.into(),
            kind: ProfileKind::Accounting,
            client_id: crate::sim::demo::PARTNER_CLIENT_ID.into(),
            msn: None,
            base_url: "built-in simulator".into(),
            env_secrets: false,
            demo: true,
        }
    }

    /// The keyless local profile for imported settlement reports.
    pub fn files(name: &str) -> Profile {
        Profile {
            name: name.into(),
            kind: ProfileKind::Files,
            client_id: String::new(),
            msn: None,
            base_url: "settlement report files".into(),
            env_secrets: false,
            demo: false,
        }
    }

    /// Whether the profile has no API keys (its ledgers come from imported files only).
    pub fn is_keyless(&self) -> bool {
        self.kind == ProfileKind::Files
    }

    pub fn secret_kinds(&self) -> &'static [SecretKind] {
        match self.kind {
            ProfileKind::Merchant => &[SecretKind::ClientSecret, SecretKind::SubscriptionKey],
            ProfileKind::Accounting => &[SecretKind::ClientSecret],
            ProfileKind::Files => &[],
        }
    }

    /// The keys for this profile: demo keys, else the `AVSTEM_*` variables when set and meant for
    /// this profile (`--env-secrets`, or named by `AVSTEM_PROFILE`; the keyring is then not touched),
    /// else the keyring.
    pub fn credentials(&self, store: &dyn SecretStore) -> Result<Credentials> {
        if self.demo {
            // The demo is an accounting partner: the main API user, and the only one that sees
            // Vippsnummer ledgers (merchant keys see their own sales unit's ledger only).
            use crate::sim::demo;
            return Ok(Credentials::Partner {
                client_id: demo::PARTNER_CLIENT_ID.into(),
                client_secret: Secret::new(demo::PARTNER_CLIENT_SECRET),
            });
        }
        // The AVSTEM_* secrets are for a profile that reads them by design (--env-secrets) or the
        // one AVSTEM_PROFILE names; never silently for any other profile of the folder.
        let meant_for_me =
            self.env_secrets || secrets::env_override_profile().as_deref() == Some(self.name.as_str());
        let env_complete = meant_for_me
            && self
                .secret_kinds()
                .iter()
                .all(|k| secrets::from_env(*k).is_some());
        let get = |kind: SecretKind| -> Result<Secret> {
            if env_complete {
                return secrets::from_env(kind).ok_or_else(|| missing_env(self));
            }
            if self.env_secrets {
                return Err(missing_env(self));
            }
            store.get(&self.name, kind)
        };
        Ok(match self.kind {
            ProfileKind::Files => {
                return Err(Error::Input(format!(
                    "Profile \"{}\" has no API keys: it holds settlement reports imported from files, so there is nothing to sync. Import newer reports with `avstem import --profile {}`.",
                    self.name, self.name
                )))
            }
            ProfileKind::Merchant => Credentials::Merchant {
                client_id: self.client_id.clone(),
                client_secret: get(SecretKind::ClientSecret)?,
                subscription_key: get(SecretKind::SubscriptionKey)?,
                msn: self.msn.clone(),
            },
            ProfileKind::Accounting => Credentials::Partner {
                client_id: self.client_id.clone(),
                client_secret: get(SecretKind::ClientSecret)?,
            },
        })
    }
}

fn missing_env(p: &Profile) -> Error {
    let vars = p
        .secret_kinds()
        .iter()
        .map(|k| k.env_var())
        .collect::<Vec<_>>()
        .join(" and ");
    Error::Input(format!(
        "Profile \"{}\" reads its secrets from the environment, but {vars} is not set.",
        p.name
    ))
}

/// Check a name is usable as a profile's name: any text a person would give it ("Fjordkaffe AS",
/// "Regnskap Nord – kunder"), 1–64 characters, without control characters or spaces at its ends.
/// It is a key in profiles.json and part of the keyring user, never a file name.
pub fn validate_name(name: &str) -> Result<()> {
    let count = name.chars().count();
    let shown: String = name.chars().filter(|c| !c.is_control()).take(64).collect();
    let problem = if name.trim().is_empty() {
        Some("it is empty")
    } else if count > 64 {
        Some("it is longer than 64 characters")
    } else if name.chars().any(char::is_control) {
        Some("it contains a control character (a line break or tab)")
    } else if name.trim() != name {
        Some("it starts or ends with a space")
    } else {
        None
    };
    match problem {
        None => Ok(()),
        Some(why) => Err(Error::Input(format!(
            "\"{shown}\" cannot be a profile name: {why}. Any other text of 1–64 characters will do."
        ))),
    }
}

/// Check a base URL with the client's own rules: https anywhere, http only on loopback, no user name,
/// password, query or fragment (a key pasted into the address must not end up in profiles.json).
pub fn validate_base_url(url: &str) -> Result<()> {
    crate::api::client::parse_base_url(url).map(|_| ())
}

/// All profiles, stored in `<data dir>/profiles.json` (written atomically).
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct ProfileBook {
    #[serde(default)]
    pub profiles: Vec<Profile>,
}

impl ProfileBook {
    pub fn path(data_dir: &Path) -> PathBuf {
        data_dir.join("profiles.json")
    }

    pub fn load(data_dir: &Path) -> Result<ProfileBook> {
        let path = Self::path(data_dir);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                Error::Input(format!(
                    "The profile file {} could not be read ({e}). Fix or remove it; your keys stay in the keyring.",
                    path.display()
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(ProfileBook::default()),
            Err(e) => Err(Error::Io(format!("The profile file {} could not be read: {e}.", path.display()))),
        }
    }

    pub fn save(&self, data_dir: &Path) -> Result<()> {
        let io = |e: std::io::Error| {
            Error::Io(format!(
                "Profiles could not be saved in {} ({e}). Check that the folder is writable.",
                data_dir.display()
            ))
        };
        crate::files::create_private_dir(data_dir).map_err(io)?;
        let json = serde_json::to_vec_pretty(self).map_err(|e| Error::Io(e.to_string()))?;
        let tmp = data_dir.join(".profiles.json.tmp");
        // 0600 before anything is written into it; the rename keeps the mode.
        crate::files::ensure_private_file(&tmp).map_err(io)?;
        std::fs::write(&tmp, json).map_err(io)?;
        std::fs::rename(&tmp, Self::path(data_dir)).map_err(io)
    }

    pub fn get(&self, name: &str) -> Result<&Profile> {
        self.profiles.iter().find(|p| p.name == name).ok_or_else(|| {
            let known = self.profiles.iter().map(|p| p.name.as_str()).collect::<Vec<_>>();
            Error::Input(if known.is_empty() {
                format!("There is no profile \"{name}\". Add one with `avstem profile add`, or use the demo profile \"demo\".")
            } else {
                format!("There is no profile \"{name}\". Known profiles: {}.", known.join(", "))
            })
        })
    }

    /// Insert or replace by name.
    pub fn upsert(&mut self, profile: Profile) {
        self.profiles.retain(|p| p.name != profile.name);
        self.profiles.push(profile);
        self.profiles.sort_by(|a, b| a.name.cmp(&b.name));
    }

    pub fn remove(&mut self, name: &str) -> Option<Profile> {
        let idx = self.profiles.iter().position(|p| p.name == name)?;
        Some(self.profiles.remove(idx))
    }
}

/// What a new profile is made of; the secrets go to the keyring (unless env_secrets) and never come back.
#[derive(Debug, Clone)]
pub struct NewProfile {
    pub name: String,
    pub kind: ProfileKind,
    pub client_id: String,
    pub msn: Option<String>,
    pub base_url: Option<String>,
    pub env_secrets: bool,
    pub client_secret: Option<Secret>,
    pub subscription_key: Option<Secret>,
}

impl NewProfile {
    /// "Test connection": the ledgers these keys see, saving nothing.
    pub async fn test_connection(&self) -> Result<Vec<crate::model::Ledger>> {
        let profile = self.profile()?;
        let client = crate::api::ApiClient::new(
            &profile.base_url,
            self.credentials()?,
            crate::api::ClientConfig::default(),
        )?;
        client.ledgers(None).await
    }

    pub fn profile(&self) -> Result<Profile> {
        validate_name(&self.name)?;
        if self.name == DEMO_PROFILE {
            return Err(Error::Input(
                "\"demo\" is reserved for the built-in demo; pick another name.".into(),
            ));
        }
        if self.client_id.trim().is_empty() {
            return Err(Error::Input(
                "The client id is empty. Copy it from the business portal.".into(),
            ));
        }
        let base_url = self
            .base_url
            .clone()
            .unwrap_or_else(|| PRODUCTION_BASE_URL.to_string());
        validate_base_url(&base_url)?;
        Ok(Profile {
            name: self.name.clone(),
            kind: self.kind,
            client_id: self.client_id.trim().to_string(),
            msn: if self.kind == ProfileKind::Merchant {
                self.msn.clone().filter(|m| !m.is_empty())
            } else {
                None
            },
            base_url: base_url.trim_end_matches('/').to_string(),
            env_secrets: self.env_secrets,
            demo: false,
        })
    }

    /// The credentials as typed, for a connection test before anything is saved.
    pub fn credentials(&self) -> Result<Credentials> {
        let need = |s: &Option<Secret>, what: &str| {
            s.clone().filter(|s| !s.is_empty()).ok_or_else(|| {
                Error::Input(format!("The {what} is empty. Copy it from the business portal."))
            })
        };
        Ok(match self.kind {
            ProfileKind::Files => {
                return Err(Error::Input(
                    "A profile for settlement report files has no keys to test: import the reports with `avstem import` (or on the welcome screen) instead.".into(),
                ))
            }
            ProfileKind::Merchant => Credentials::Merchant {
                client_id: self.client_id.trim().to_string(),
                client_secret: need(&self.client_secret, "client secret")?,
                subscription_key: need(&self.subscription_key, "subscription key")?,
                msn: self.msn.clone().filter(|m| !m.is_empty()),
            },
            ProfileKind::Accounting => Credentials::Partner {
                client_id: self.client_id.trim().to_string(),
                client_secret: need(&self.client_secret, "client secret")?,
            },
        })
    }
}

/// Save a profile: secrets into the keyring first (so a keyring failure leaves no half profile), then the file.
pub fn add_profile(data_dir: &Path, new: &NewProfile, store: &dyn SecretStore) -> Result<Profile> {
    let profile = new.profile()?;
    let mut book = ProfileBook::load(data_dir)?;
    if !new.env_secrets {
        let creds = new.credentials()?;
        let (secret, sub) = match &creds {
            Credentials::Merchant {
                client_secret,
                subscription_key,
                ..
            } => (client_secret, Some(subscription_key)),
            Credentials::Partner { client_secret, .. } => (client_secret, None),
        };
        store.set(&profile.name, SecretKind::ClientSecret, secret)?;
        if let Some(sub) = sub {
            store.set(&profile.name, SecretKind::SubscriptionKey, sub)?;
        }
    }
    book.upsert(profile.clone());
    book.save(data_dir)?;
    Ok(profile)
}

/// Remove a profile and its keyring entries. The cache is left alone.
pub fn remove_profile(data_dir: &Path, name: &str, store: &dyn SecretStore) -> Result<Profile> {
    let mut book = ProfileBook::load(data_dir)?;
    let profile = book.get(name)?.clone();
    if !profile.env_secrets && !profile.demo {
        for kind in profile.secret_kinds() {
            store.delete(&profile.name, *kind)?;
        }
    }
    book.remove(name);
    book.save(data_dir)?;
    Ok(profile)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_profile_saved_as_partner_reads_as_accounting_keys() {
        let kind: ProfileKind = serde_json::from_str("\"partner\"").expect("old name");
        assert_eq!(kind, ProfileKind::Accounting);
        assert_eq!(serde_json::to_string(&kind).expect("json"), "\"accounting\"");
    }

    #[test]
    fn http_is_only_for_this_computer() {
        assert!(validate_base_url("https://api.vipps.no").is_ok());
        assert!(validate_base_url("http://127.0.0.1:8080").is_ok());
        assert!(validate_base_url("http://localhost:1").is_ok());
        assert!(validate_base_url("http://[::1]:1").is_ok());
        assert!(validate_base_url("http://api.vipps.no").is_err());
        assert!(validate_base_url("http://10.0.0.1").is_err());
        assert!(validate_base_url("ftp://x").is_err());
        assert!(validate_base_url("https://user:pw@api.vipps.no").is_err());
        assert!(validate_base_url("https://api.vipps.no/?key=abc").is_err());
    }

    #[test]
    fn profile_names_are_checked() {
        assert!(validate_name("cafe-oslo_1").is_ok());
        assert!(validate_name("Fjordkaffe AS").is_ok());
        assert!(validate_name("Regnskap Nord – kunder (ÆØÅ)").is_ok());
        assert!(validate_name(&"x".repeat(64)).is_ok());
        for bad in ["", "   ", " Fjordkaffe", "Fjordkaffe ", "a\nb", "tab\there"] {
            let e = validate_name(bad).expect_err(bad).to_string();
            assert!(e.contains("cannot be a profile name"), "{bad:?}: {e}");
        }
        assert!(validate_name(&"x".repeat(65))
            .expect_err("65")
            .to_string()
            .contains("longer than 64"));
    }
}
