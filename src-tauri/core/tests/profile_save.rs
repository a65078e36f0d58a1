//! Saving a profile from the window (`Context::save_tested_profile`): a name is any text a person
//! gives it, and a keyring that does not answer (locked, a prompt nobody sees) gets a sentence
//! after the timeout instead of a window that waits for ever (issue 14).

use avstem_core::context::Context;
use avstem_core::profile::{NewProfile, ProfileBook, ProfileKind};
use avstem_core::secrets::{MemorySecrets, Secret, SecretKind, SecretStore};
use avstem_core::sim::{self, SimConfig};
use avstem_core::Error;
use std::sync::Arc;
use std::time::Duration;

/// A keyring that takes `delay` to answer each write (as a locked one does while its prompt waits).
struct SlowSecrets {
    inner: MemorySecrets,
    delay: Duration,
}

impl SecretStore for SlowSecrets {
    fn get(&self, profile: &str, kind: SecretKind) -> avstem_core::Result<Secret> {
        self.inner.get(profile, kind)
    }
    fn set(&self, profile: &str, kind: SecretKind, secret: &Secret) -> avstem_core::Result<()> {
        std::thread::sleep(self.delay);
        self.inner.set(profile, kind, secret)
    }
    fn delete(&self, profile: &str, kind: SecretKind) -> avstem_core::Result<()> {
        self.inner.delete(profile, kind)
    }
}

fn merchant(name: &str, base_url: String) -> NewProfile {
    NewProfile {
        name: name.into(),
        kind: ProfileKind::Merchant,
        client_id: "demo-merchant".into(),
        msn: None,
        base_url: Some(base_url),
        env_secrets: false,
        client_secret: Some(Secret::new("demo-merchant-secret")),
        subscription_key: Some(Secret::new("demo-subscription-key")),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profile_is_named_in_plain_words_and_a_silent_keyring_is_said() {
    let sim = sim::start(SimConfig::default()).await.expect("simulator");
    let dir = tempfile::tempdir().expect("tempdir");

    // Any text is a name: spaces, capitals, Norwegian letters.
    let ctx = Context::with_secret_store(dir.path().join("a"), Arc::new(MemorySecrets::default()));
    let saved = ctx
        .save_tested_profile(merchant("Fjordkaffe AS – Bryggen", sim.base_url()))
        .await
        .expect("a plain-words name is saved");
    assert_eq!(saved.name, "Fjordkaffe AS – Bryggen");
    let book = ProfileBook::load(&ctx.data_dir).expect("profiles.json");
    assert!(book.get("Fjordkaffe AS – Bryggen").is_ok());
    assert_eq!(
        ctx.secrets()
            .get("Fjordkaffe AS – Bryggen", SecretKind::ClientSecret)
            .expect("secret kept")
            .expose(),
        "demo-merchant-secret"
    );
    // Only a name with a line break, spaces at its ends or nothing in it is refused, in a sentence.
    let err = ctx
        .save_tested_profile(merchant(" Fjordkaffe", sim.base_url()))
        .await
        .expect_err("a leading space");
    assert!(err.to_string().contains("starts or ends with a space"), "{err}");

    // A keyring that takes 1.5 s per secret, and a 0.3 s timeout: the sentence comes at once.
    let slow = Arc::new(SlowSecrets {
        inner: MemorySecrets::default(),
        delay: Duration::from_millis(1500),
    });
    let ctx = Context::with_secret_store(dir.path().join("b"), slow.clone())
        .with_keyring_timeout(Duration::from_millis(300));
    let started = std::time::Instant::now();
    let err = ctx
        .save_tested_profile(merchant("kafe", sim.base_url()))
        .await
        .expect_err("the keyring did not answer in time");
    let waited = started.elapsed();
    assert!(matches!(err, Error::Keyring(_)), "{err:?}");
    let text = err.to_string();
    assert!(text.starts_with("The keyring did not answer within"), "{text}");
    assert!(text.contains("unlock"), "{text}");
    assert!(
        waited < Duration::from_millis(1400),
        "the window waited {waited:?}"
    );
    assert!(!text.contains("demo-merchant-secret"));
    // As the sentence says: once the keyring answers, the profile is saved (nothing half-done).
    tokio::time::sleep(Duration::from_millis(3500)).await;
    let book = ProfileBook::load(&ctx.data_dir).expect("profiles.json");
    assert!(
        book.get("kafe").is_ok(),
        "the profile is saved once the keyring answers"
    );
    assert_eq!(
        slow.get("kafe", SecretKind::SubscriptionKey)
            .expect("kept")
            .expose(),
        "demo-subscription-key"
    );
}
