//! The `avstem` binary as a command-line tool: usage, no display, and the three different things that can go
//! wrong with keys — rejected, unreachable, not visible — each in its own plain sentence.

mod common;

use avstem_core::sim::{self, demo, SimConfig};
use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_avstem");

fn avstem(data_dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.arg("--data-dir").arg(data_dir).args(args);
    cmd.env_remove("AVSTEM_CLIENT_SECRET")
        .env_remove("AVSTEM_SUBSCRIPTION_KEY")
        .env_remove("AVSTEM_DATA_DIR");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run avstem")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn version_and_usage_work_without_a_display() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::new(BIN)
        .arg("--version")
        .env_remove("DISPLAY")
        .output()
        .expect("run");
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("avstem {}", env!("CARGO_PKG_VERSION"))
    );

    let out = avstem(dir.path(), &["frobnicate"], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("Usage:"), "{}", text(&out));

    let out = avstem(dir.path(), &["sync", "--no-such-flag"], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}

#[test]
fn the_window_without_a_display_says_so_in_one_sentence() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::new(BIN)
        .arg("--data-dir")
        .arg(dir.path())
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no display found — run under a desktop session or xvfb-run; the command-line tool works without one"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

fn start_sim(rt: &tokio::runtime::Runtime) -> sim::SimHandle {
    rt.block_on(sim::start(SimConfig::default()))
        .expect("simulator starts")
}

fn add_env_profile(dir: &Path, name: &str, base_url: &str) {
    let out = avstem(
        dir,
        &[
            "profile",
            "add",
            name,
            "--kind",
            "merchant",
            "--client-id",
            demo::MERCHANT_CLIENT_ID,
            "--msn",
            demo::MERCHANT_MSN,
            "--base-url",
            base_url,
            "--env-secrets",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn wrong_keys_unreachable_server_and_invisible_ledger_are_three_different_sentences() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let handle = start_sim(&rt);
    let dir = tempfile::tempdir().expect("tempdir");
    add_env_profile(dir.path(), "cafe", &handle.base_url());
    add_env_profile(dir.path(), "nowhere", "http://127.0.0.1:9");

    let good = [
        ("AVSTEM_CLIENT_SECRET", demo::MERCHANT_CLIENT_SECRET),
        ("AVSTEM_SUBSCRIPTION_KEY", demo::MERCHANT_SUBSCRIPTION_KEY),
    ];
    let out = avstem(dir.path(), &["profile", "test", "cafe"], &good);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("work: a token was issued and 1 ledger is visible"),
        "{}",
        text(&out)
    );

    let wrong = [
        ("AVSTEM_CLIENT_SECRET", "not-the-secret-41"),
        ("AVSTEM_SUBSCRIPTION_KEY", demo::MERCHANT_SUBSCRIPTION_KEY),
    ];
    let out = avstem(dir.path(), &["profile", "test", "cafe"], &wrong);
    assert_eq!(out.status.code(), Some(1));
    let t = text(&out);
    assert!(t.contains("The keys were rejected"), "{t}");
    assert!(!t.contains("not-the-secret-41"), "the secret leaked: {t}");
    assert!(!t.contains("panicked"), "{t}");

    let wrong_sub = [
        ("AVSTEM_CLIENT_SECRET", demo::MERCHANT_CLIENT_SECRET),
        ("AVSTEM_SUBSCRIPTION_KEY", "bad-sub-key-77"),
    ];
    let out = avstem(dir.path(), &["ledgers", "--profile", "cafe"], &wrong_sub);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("The keys were rejected"), "{}", text(&out));
    assert!(!text(&out).contains("bad-sub-key-77"));

    let out = avstem(dir.path(), &["profile", "test", "nowhere"], &good);
    assert_eq!(out.status.code(), Some(1));
    let t = text(&out);
    assert!(t.contains("Could not reach"), "{t}");
    assert!(!t.contains("rejected"), "{t}");

    // Ledger 12345 belongs to another merchant: the simulator answers 404, as production does.
    let out = avstem(
        dir.path(),
        &[
            "sync",
            "--profile",
            "cafe",
            "--ledger",
            "12345",
            "--from",
            "2022-10-01",
            "--to",
            "2022-10-01",
        ],
        &good,
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let t = text(&out);
    assert!(t.contains("not visible to these keys"), "{t}");
    assert!(!t.contains("rejected"), "{t}");
    rt.block_on(handle.shutdown());
}

#[test]
fn no_keyring_means_one_sentence_with_the_remedy_and_nothing_written_in_plain_text() {
    let dir = tempfile::tempdir().expect("tempdir");
    let no_bus = [
        (
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/avstem-test-bus",
        ),
        ("AVSTEM_CLIENT_SECRET", "SENTINEL-nokeyring-5d1"),
        ("AVSTEM_SUBSCRIPTION_KEY", "SENTINEL-nokeyring-sub-6e2"),
    ];
    let out = avstem(
        dir.path(),
        &[
            "profile",
            "add",
            "shop",
            "--kind",
            "merchant",
            "--client-id",
            "id-1",
        ],
        &no_bus,
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let t = text(&out);
    assert!(t.contains("No keyring is available"), "{t}");
    assert!(t.contains("AVSTEM_CLIENT_SECRET"), "{t}");
    assert!(!t.contains("SENTINEL"), "{t}");
    assert!(!t.contains("panicked"), "{t}");
    // The keyring is tried before the profile file is written: no half profile, no plain-text fallback.
    assert!(!dir.path().join("profiles.json").exists());
    for entry in common::files_under(dir.path()) {
        let bytes = std::fs::read(&entry).unwrap_or_default();
        assert!(
            !String::from_utf8_lossy(&bytes).contains("SENTINEL"),
            "secret written to {}",
            entry.display()
        );
    }

    // A keyring profile used where there is no keyring: the same remedy, no panic.
    std::fs::write(
        dir.path().join("profiles.json"),
        r#"{"profiles":[{"name":"shop","kind":"merchant","clientId":"id-1","msn":null,"baseUrl":"http://127.0.0.1:9"}]}"#,
    )
    .expect("write profiles");
    let out = avstem(
        dir.path(),
        &["profile", "test", "shop"],
        &[(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/avstem-test-bus",
        )],
    );
    assert_eq!(out.status.code(), Some(1));
    let t = text(&out);
    assert!(
        t.contains("No keyring is available") && t.contains("AVSTEM_CLIENT_SECRET"),
        "{t}"
    );
}

/// A keyring that exists but is locked (here: a private gnome-keyring whose login collection is locked
/// again after the profile was added) gives the "unlock it" sentence, not a panic and not a prompt loop.
#[test]
fn a_locked_keyring_says_unlock_it_or_use_the_variables() {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).expect("home");
    let script = format!(
        r#"set -u
export HOME='{home}' XDG_DATA_HOME='{home}/data'
eval "$(printf pw | gnome-keyring-daemon --unlock --components=secrets)"
AVSTEM_CLIENT_SECRET=SENTINEL-locked-1 AVSTEM_SUBSCRIPTION_KEY=SENTINEL-locked-2 '{bin}' --data-dir '{data}' profile add shop --kind merchant --client-id id --base-url http://127.0.0.1:9 >/dev/null || exit 10
test "$(secret-tool lookup service avstem username "$(cat '{data}/folder-id')/shop/client_secret")" = SENTINEL-locked-1 || exit 11
dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets org.freedesktop.Secret.Service.Lock array:objpath:/org/freedesktop/secrets/collection/login >/dev/null || exit 12
env -u AVSTEM_CLIENT_SECRET -u AVSTEM_SUBSCRIPTION_KEY timeout 30 '{bin}' --data-dir '{data}' profile test shop 2>&1
echo "exit=$?"
"#,
        home = home.display(),
        bin = BIN,
        data = dir.path().join("data").display()
    );
    let out = Command::new("dbus-run-session")
        .args(["--", "bash", "-c", &script])
        .env_remove("AVSTEM_CLIENT_SECRET")
        .env_remove("AVSTEM_SUBSCRIPTION_KEY")
        .output()
        .expect("dbus-run-session is installed by scripts/setup.sh");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "setup step failed ({:?}): {stdout}",
        out.status.code()
    );
    assert!(stdout.contains("The keyring is locked"), "{stdout}");
    assert!(stdout.contains("AVSTEM_CLIENT_SECRET"), "{stdout}");
    assert!(stdout.contains("exit=1"), "{stdout}");
    assert!(!stdout.contains("SENTINEL"), "{stdout}");
}

/// `avstem … | head` closes the pipe early: the output ends quietly, exit 0, never a panic.
#[test]
fn a_closed_pipe_is_not_a_panic() {
    let dir = tempfile::tempdir().expect("tempdir");
    for args in [
        &["profile", "list"][..],
        &["profile", "list", "--json"],
        &["ledgers", "--profile", "demo", "--json"],
    ] {
        // The reader is gone before the child starts, so every write to stdout fails with EPIPE.
        let (reader, writer) = std::io::pipe().expect("pipe");
        drop(reader);
        let out = Command::new(BIN)
            .arg("--data-dir")
            .arg(dir.path())
            .args(args)
            .stdout(writer)
            .stderr(std::process::Stdio::piped())
            .output()
            .expect("run avstem");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
    }
}

/// `AVSTEM_*` secrets in the environment are for a `--env-secrets` profile or the one
/// `AVSTEM_PROFILE` names, never silently for a keyring profile (issue 13, item 13).
#[test]
fn environment_secrets_apply_only_to_the_profile_they_are_meant_for() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let handle = start_sim(&rt);
    let dir = tempfile::tempdir().expect("tempdir");
    add_env_profile(dir.path(), "cafe", &handle.base_url());
    // Make it a keyring profile, as `profile add` without --env-secrets would have.
    let path = dir.path().join("profiles.json");
    let mut book: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("json");
    book["profiles"][0]["envSecrets"] = serde_json::Value::Bool(false);
    std::fs::write(&path, serde_json::to_vec(&book).expect("json")).expect("write");
    let no_keyring_but_env = [
        (
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/avstem-test-bus",
        ),
        ("AVSTEM_CLIENT_SECRET", demo::MERCHANT_CLIENT_SECRET),
        ("AVSTEM_SUBSCRIPTION_KEY", demo::MERCHANT_SUBSCRIPTION_KEY),
    ];
    let out = avstem(dir.path(), &["ledgers", "--profile", "cafe"], &no_keyring_but_env);
    assert_eq!(
        out.status.code(),
        Some(1),
        "the environment's keys were used: {}",
        text(&out)
    );
    assert!(text(&out).contains("AVSTEM_PROFILE"), "{}", text(&out));
    let mut named = no_keyring_but_env.to_vec();
    named.push(("AVSTEM_PROFILE", "cafe"));
    let out = avstem(dir.path(), &["ledgers", "--profile", "cafe"], &named);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("302321"), "{}", text(&out));
    rt.block_on(handle.shutdown());
}

/// `avstem cache check` runs SQLite's quick check over the whole file (issue 13, item 9).
#[test]
fn cache_check_says_intact_or_damaged() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = avstem(dir.path(), &["ledgers", "--profile", "demo"], &[]);
    assert!(out.status.success(), "{}", text(&out));
    let out = avstem(dir.path(), &["cache", "check"], &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("is intact"), "{}", text(&out));
    let cache = dir.path().join("cache.sqlite");
    let mut bytes = std::fs::read(&cache).expect("read");
    for b in bytes.iter_mut().skip(4096) {
        *b = 0x5a;
    }
    std::fs::write(&cache, &bytes).expect("write");
    let _ = std::fs::remove_file(dir.path().join("cache.sqlite-wal"));
    let out = avstem(dir.path(), &["cache", "check"], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("damaged"), "{}", text(&out));
    assert!(!text(&out).contains("panicked"), "{}", text(&out));
}

/// Proxy variables never carry the keys: the demo and the simulator are on loopback, which never
/// goes through a proxy (issue 13, item 1). The "proxy" here is a listener that counts connections.
#[test]
fn proxy_variables_do_not_see_loopback_traffic() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("listener");
    listener.set_nonblocking(true).expect("nonblocking");
    let proxy = format!("http://{}", listener.local_addr().expect("addr"));
    let dir = tempfile::tempdir().expect("tempdir");
    let env = [
        ("HTTP_PROXY", proxy.as_str()),
        ("http_proxy", proxy.as_str()),
        ("ALL_PROXY", proxy.as_str()),
        ("all_proxy", proxy.as_str()),
        ("HTTPS_PROXY", proxy.as_str()),
        ("NO_PROXY", ""),
    ];
    let out = avstem(dir.path(), &["ledgers", "--profile", "demo"], &env);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("302321"), "{}", text(&out));
    let connections = std::iter::from_fn(|| listener.accept().ok()).count();
    assert_eq!(
        connections, 0,
        "the proxy saw the demo's requests (with its keys)"
    );
}

/// `sync --month` of the running month stops at the ledger's today, like the window; a month not
/// begun is refused (issue 13, item 7). The clock is pinned with AVSTEM_NOW.
#[test]
fn sync_of_the_running_month_stops_at_today() {
    let dir = tempfile::tempdir().expect("tempdir");
    let now = [("AVSTEM_NOW", "2026-11-10T12:00:00Z")];
    let out = avstem(
        dir.path(),
        &[
            "sync",
            "--profile",
            "demo",
            "--ledger",
            "302321",
            "--month",
            "2026-11",
        ],
        &now,
    );
    assert!(out.status.success(), "{}", text(&out));
    let t = text(&out);
    assert!(t.contains("2026-11-01 to 2026-11-10: 20 date(s) to fetch"), "{t}");
    // Today itself stays open: its entries may still change. A ledger that closes every day is
    // not worth a first read of the feed's history: today is fetched by date.
    assert!(t.contains("18 complete, 2 still open upstream"), "{t}");
    let requests: u32 = t
        .split(" requests)")
        .next()
        .and_then(|head| head.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("the summary counts requests");
    assert!(
        requests <= 24,
        "20 dates, a token and the ledger list: {requests} requests\n{t}"
    );
    assert!(!t.contains("followed through the feed"), "{t}");
    let out = avstem(
        dir.path(),
        &[
            "sync",
            "--profile",
            "demo",
            "--ledger",
            "302321",
            "--month",
            "2026-12",
        ],
        &now,
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("2026-12 has not started yet"),
        "{}",
        text(&out)
    );
}

/// `--kind accounting` names accounting keys; `partner`, the old name, still works, and the
/// profile list calls both "accounting" (issue 12).
#[test]
fn accounting_keys_are_added_by_their_name_or_the_old_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, kind) in [("regnskap", "accounting"), ("gammel", "partner")] {
        let out = avstem(
            dir.path(),
            &[
                "profile",
                "add",
                name,
                "--kind",
                kind,
                "--client-id",
                "acc-1",
                "--base-url",
                "http://127.0.0.1:9",
                "--env-secrets",
            ],
            &[],
        );
        assert!(out.status.success(), "{kind}: {}", text(&out));
    }
    let out = avstem(dir.path(), &["profile", "list", "--json"], &[]);
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let kinds: Vec<&str> = list
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|p| p["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["accounting", "accounting"]);
    let out = avstem(dir.path(), &["profile", "add", "x", "--help"], &[]);
    assert!(
        text(&out).contains("accounting keys: an accounting partner's"),
        "{}",
        text(&out)
    );
}
