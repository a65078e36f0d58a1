//! The README's cron line, run as cron runs it (`/bin/sh -c`, a bare environment, `%` unescaped)
//! against the simulator: the keys file has plain `NAME=value` lines, and the line must still hand
//! them to `avstem sync` (issue 13, item 12). The line without `set -a` is shown to fail, so the
//! test would catch the recipe going back.

use avstem_core::sim::{self, demo, SimConfig};
use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_avstem");

/// The command part of the README's cron line (after the five time fields), as cron hands it to sh.
fn readme_cron_command() -> String {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).expect("README");
    let line = readme
        .lines()
        .find(|l| l.starts_with("37 * * * * "))
        .expect("the README has a cron line starting with `37 * * * * `");
    line.splitn(6, ' ').nth(5).expect("command").replace("\\%", "%")
}

/// Run `command` with `sh -c` the way cron does: HOME, a PATH where `avstem` is the built binary, nothing else.
fn run_like_cron(home: &Path, command: &str) -> Output {
    let bin_dir = home.join("bin");
    std::fs::create_dir_all(&bin_dir).expect("bin");
    let link = bin_dir.join("avstem");
    if !link.exists() {
        std::os::unix::fs::symlink(BIN, &link).expect("link");
    }
    Command::new("/bin/sh")
        .arg("-c")
        .arg(command)
        .env_clear()
        .env("HOME", home)
        .env("PATH", format!("{}:/usr/bin:/bin", bin_dir.display()))
        .env("AVSTEM_DATA_DIR", home.join("data"))
        .output()
        .expect("sh")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn the_readme_cron_line_syncs_with_the_keys_from_a_plain_env_file() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let handle = rt.block_on(sim::start(SimConfig::default())).expect("simulator");
    let home = tempfile::tempdir().expect("home");
    let config = home.path().join(".config");
    std::fs::create_dir_all(&config).expect("config");
    // Plain lines, as the README tells the user to write them.
    std::fs::write(
        config.join("avstem-keys.env"),
        format!(
            "AVSTEM_CLIENT_SECRET={}\nAVSTEM_SUBSCRIPTION_KEY={}\n",
            demo::MERCHANT_CLIENT_SECRET,
            demo::MERCHANT_SUBSCRIPTION_KEY
        ),
    )
    .expect("keys");
    let add = format!(
        "avstem profile add cafe --kind merchant --client-id {} --msn {} --base-url {} --env-secrets",
        demo::MERCHANT_CLIENT_ID,
        demo::MERCHANT_MSN,
        handle.base_url()
    );
    let out = run_like_cron(home.path(), &add);
    assert!(out.status.success(), "{}", text(&out));

    let command = readme_cron_command();
    assert!(command.contains("set -a"), "{command}");
    let out = run_like_cron(home.path(), &command);
    assert!(out.status.success(), "{command}\n{}", text(&out));
    assert!(
        text(&out).contains(" complete, ") && text(&out).contains(" 0 failed"),
        "{}",
        text(&out)
    );
    assert!(
        !text(&out).contains(demo::MERCHANT_CLIENT_SECRET),
        "the secret was printed"
    );

    // The old line (`. file` alone) exports nothing: avstem is started without its keys.
    let old = command.replace("set -a && ", "").replace(" && set +a", "");
    let out = run_like_cron(home.path(), &old);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("AVSTEM_CLIENT_SECRET"), "{}", text(&out));
}
