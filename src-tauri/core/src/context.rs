//! Where the app keeps its files, and how a command gets the cache, its profiles or an API client.
//! Shared by the CLI and the window, so both behave the same.

use crate::api::{ApiClient, ClientConfig};
use crate::clock::Clock;
use crate::profile::{Profile, ProfileBook, DEMO_PROFILE};
use crate::secrets::{OsKeyring, SecretStore};
use crate::store::Store;
use crate::{Error, Result};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Clone)]
pub struct Context {
    pub data_dir: PathBuf,
    /// The one clock every "now" and "today" comes from ([`crate::clock`]).
    pub clock: Clock,
    secrets: Arc<dyn SecretStore>,
    /// The in-process simulator behind the demo profile, started on first use.
    demo_sim: Arc<tokio::sync::Mutex<Option<crate::sim::SimHandle>>>,
    keyring_timeout: std::time::Duration,
}

/// How long saving a profile waits for the OS keyring before saying it did not answer.
pub const KEYRING_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("data_dir", &self.data_dir)
            .field("clock", &self.clock)
            .finish()
    }
}

impl Context {
    pub fn new(data_dir: PathBuf) -> Self {
        let keyring = Arc::new(OsKeyring::for_data_dir(&data_dir));
        Self::with_secret_store(data_dir, keyring)
    }

    pub fn with_secret_store(data_dir: PathBuf, secrets: Arc<dyn SecretStore>) -> Self {
        Context {
            data_dir,
            clock: Clock::System,
            secrets,
            demo_sim: Arc::new(tokio::sync::Mutex::new(None)),
            keyring_timeout: KEYRING_TIMEOUT,
        }
    }

    /// The same context on another clock (tests, and `AVSTEM_NOW` in the binary).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// The default data folder: `~/.local/share/avstem` on Linux, `~/Library/Application
    /// Support/no.avstem.avstem` on macOS, `%APPDATA%\avstem\avstem\data` on Windows.
    pub fn default_data_dir() -> PathBuf {
        directories::ProjectDirs::from("no", "avstem", "avstem")
            .map(|d| d.data_dir().to_path_buf())
            .unwrap_or_else(|| PathBuf::from(".avstem"))
    }

    pub fn secrets(&self) -> &dyn SecretStore {
        self.secrets.as_ref()
    }

    pub fn cache_path(&self) -> PathBuf {
        self.data_dir.join("cache.sqlite")
    }

    /// Open (or create) the cache database.
    pub fn open_store(&self) -> Result<Store> {
        crate::files::create_private_dir(&self.data_dir).map_err(|e| {
            Error::Io(format!(
                "The data folder {} could not be created ({e}). Pick a writable folder with --data-dir.",
                self.data_dir.display()
            ))
        })?;
        Store::open(&self.cache_path())
    }

    /// Open the cache to read from it: a read-only cache (file or folder) still opens, read-only.
    pub fn open_store_for_reading(&self) -> Result<Store> {
        Store::open_for_reading(&self.cache_path())
    }

    /// Every profile, with the demo profile listed when the user has created it.
    pub fn profiles(&self) -> Result<ProfileBook> {
        ProfileBook::load(&self.data_dir)
    }

    /// A profile by name. "demo" always exists: it is the built-in simulator.
    pub fn profile(&self, name: &str) -> Result<Profile> {
        if name == DEMO_PROFILE {
            return Ok(Profile::demo());
        }
        self.profiles()?.get(name).cloned()
    }

    /// The profile and a client for it. The demo profile starts the in-process simulator on first use.
    pub async fn client_for(&self, name: &str) -> Result<(Profile, ApiClient)> {
        let profile = self.profile(name)?;
        let client = self.client_for_profile(&profile).await?;
        Ok((profile, client))
    }

    pub async fn client_for_profile(&self, profile: &Profile) -> Result<ApiClient> {
        let credentials = profile.credentials(self.secrets.as_ref())?;
        let base_url = if profile.demo {
            self.demo_base_url().await?
        } else {
            profile.base_url.clone()
        };
        ApiClient::new(&base_url, credentials, ClientConfig::default())
    }

    /// The profile's ledgers, fetched from Vipps MobilePay and cached (the cache write off the
    /// async threads).
    pub async fn refresh_ledgers(&self, name: &str) -> Result<Vec<crate::model::Ledger>> {
        let (profile, client) = self.client_for(name).await?;
        let ledgers = client.ledgers(None).await?;
        let ctx = self.clone();
        blocking(move || {
            ctx.open_store()?.upsert_ledgers(&profile.name, &ledgers)?;
            Ok(ledgers)
        })
        .await
    }

    /// "Try with demo data": save the demo profile, start the built-in simulator, fetch its ledgers.
    pub async fn start_demo(&self) -> Result<Vec<crate::model::Ledger>> {
        let ctx = self.clone();
        blocking(move || {
            let mut book = ctx.profiles()?;
            book.upsert(Profile::demo());
            book.save(&ctx.data_dir)
        })
        .await?;
        self.refresh_ledgers(DEMO_PROFILE).await
    }

    /// "Save profile": test the typed keys against the API first, then save the profile (secrets
    /// to the keyring) and cache the ledgers it sees. Nothing is saved when the test fails.
    pub async fn save_tested_profile(&self, new: crate::profile::NewProfile) -> Result<Profile> {
        let ledgers = new.test_connection().await?;
        let ctx = self.clone();
        let save = blocking(move || {
            let profile = crate::profile::add_profile(&ctx.data_dir, &new, ctx.secrets())?;
            ctx.open_store()?.upsert_ledgers(&profile.name, &ledgers)?;
            Ok(profile)
        });
        // A locked keyring may show a prompt and wait for it; the window must not wait silently.
        match tokio::time::timeout(self.keyring_timeout, save).await {
            Ok(saved) => saved,
            Err(_) => Err(Error::Keyring(format!(
                "The keyring did not answer within {} seconds, so the keys may not be saved yet. If \
                 your desktop shows a keyring prompt, unlock it: the profile is saved once it is \
                 unlocked. Otherwise save again.",
                self.keyring_timeout.as_secs().max(1)
            ))),
        }
    }

    /// How long saving a profile waits for the keyring (20 s; tests shorten it).
    pub fn with_keyring_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.keyring_timeout = timeout;
        self
    }

    /// The base URL of the demo simulator, starting it if needed. Its data is the same in every
    /// process (a fixed seed), so the window and the CLI see the same demo ledgers.
    pub async fn demo_base_url(&self) -> Result<String> {
        let mut guard = self.demo_sim.lock().await;
        if let Some(handle) = guard.as_ref() {
            return Ok(handle.base_url());
        }
        let config = crate::sim::SimConfig {
            today: self.clock.today_in(crate::model::Country::No),
            ..crate::sim::SimConfig::default()
        };
        let handle = crate::sim::start(config).await?;
        let url = handle.base_url();
        *guard = Some(handle);
        Ok(url)
    }
}

/// Run file and cache work on the blocking pool.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Io(format!("A background task stopped unexpectedly ({e}).")))?
}
