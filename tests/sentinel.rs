//! Secrets never leave Rust: profiles whose secrets are distinctive sentinel strings go through
//! add → test → ledgers → sync → export (and the error paths: rejected keys, server faults, an unreachable
//! server) with the most verbose logging, and then nothing Avstem wrote or printed contains a sentinel.

// Tests read the environment, the wall clock and raw SQLite files on purpose.
#![allow(clippy::disallowed_methods)]

mod common;

use avstem_core::sim::{self, data::SimMerchant, SimConfig};
use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_avstem");
const CLIENT_ID: &str = "sentinel-client";
const SECRET: &str = "SENTINEL-SECRET-d41c9e";
const SUBKEY: &str = "SENTINEL-SUBKEY-8b3f07";
const WRONG: &str = "SENTINEL-WRONG-5a6c11";
const SENTINELS: [&str; 3] = [SECRET, SUBKEY, WRONG];

struct Run {
    outputs: Vec<String>,
}

impl Run {
    fn avstem(&mut self, data: &Path, args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String) {
        let mut cmd = Command::new(BIN);
        cmd.arg("--data-dir").arg(data).arg("-vvv").args(args);
        cmd.env("AVSTEM_LOG", "trace")
            .env_remove("AVSTEM_CLIENT_SECRET")
            .env_remove("AVSTEM_SUBSCRIPTION_KEY");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("run avstem");
        let text = format!(
            "$ avstem {}\n{}{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        self.outputs.push(text.clone());
        (out.status.code(), text)
    }
}

fn contains_bytes(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn no_secret_reaches_files_exports_or_output_even_on_error_paths() {
    let keyring = std::env::var("AVSTEM_KEYRING_TESTS").as_deref() == Ok("1");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let merchant = SimMerchant {
        name: "Sentinel Kafe".into(),
        client_id: CLIENT_ID.into(),
        client_secret: SECRET.into(),
        subscription_key: SUBKEY.into(),
        msn: "123455".into(),
        ledger_ids: vec!["302321".into()],
    };
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 25).expect("date");
    let clean = rt
        .block_on(sim::start(SimConfig {
            today,
            extra_merchants: vec![merchant.clone()],
            ..SimConfig::default()
        }))
        .expect("sim");
    let faulty = rt
        .block_on(sim::start(SimConfig {
            today,
            extra_merchants: vec![merchant],
            faults: "report:500=0.3,report:cut=0.1,token:expire-after=7,report:10002=0.05".into(),
            ..SimConfig::default()
        }))
        .expect("faulty sim");

    let root = tempfile::tempdir().expect("tempdir");
    let data = root.path().join("data");
    let exports = root.path().join("exports");
    std::fs::create_dir_all(&exports).expect("exports dir");
    let mut run = Run { outputs: vec![] };
    let secrets_env = [
        ("AVSTEM_CLIENT_SECRET", SECRET),
        ("AVSTEM_SUBSCRIPTION_KEY", SUBKEY),
    ];
    // With a keyring the secrets are typed once (here: via the variables) and then come from the keyring.
    let env_after_add: &[(&str, &str)] = if keyring { &[] } else { &secrets_env };
    let mut add = |name: &str, url: &str| {
        let mut args = vec![
            "profile",
            "add",
            name,
            "--kind",
            "merchant",
            "--client-id",
            CLIENT_ID,
            "--msn",
            "123455",
        ];
        args.extend(["--base-url", url]);
        if !keyring {
            args.push("--env-secrets");
        }
        let (code, text) = run.avstem(&data, &args, &secrets_env);
        assert_eq!(code, Some(0), "{text}");
    };
    let (clean_url, faulty_url) = (clean.base_url(), faulty.base_url());
    let name_clean = format!("sentinel-{}", std::process::id());
    let name_faulty = format!("sentinel-faulty-{}", std::process::id());
    add(&name_clean, &clean_url);
    add(&name_faulty, &faulty_url);
    add("sentinel-nowhere", "http://127.0.0.1:9");

    let (code, text) = run.avstem(&data, &["profile", "test", &name_clean], env_after_add);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("work"), "{text}");
    let (code, text) = run.avstem(&data, &["profile", "list", "--json"], env_after_add);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains(CLIENT_ID));
    let (code, text) = run.avstem(
        &data,
        &["ledgers", "--profile", &name_clean, "--json"],
        env_after_add,
    );
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("302321"), "{text}");
    let (code, text) = run.avstem(
        &data,
        &["sync", "--profile", &name_clean, "--month", "2026-09", "--gdpr"],
        env_after_add,
    );
    assert_eq!(code, Some(0), "{text}");
    let xlsx = exports.join("sentinel.xlsx");
    let csv = exports.join("sentinel.csv");
    let (code, text) = run.avstem(
        &data,
        &[
            "export",
            "--profile",
            &name_clean,
            "--ledger",
            "302321",
            "--month",
            "2026-09",
            "--sync",
            "--gdpr",
        ],
        env_after_add,
    );
    assert_eq!(code, Some(2), "export without --out is a usage error: {text}");
    let (code, text) = run.avstem(
        &data,
        &[
            "export",
            "--profile",
            &name_clean,
            "--ledger",
            "302321",
            "--month",
            "2026-09",
            "--sync",
            "--gdpr",
            "--out",
            xlsx.to_str().expect("utf8"),
        ],
        env_after_add,
    );
    assert_eq!(code, Some(0), "{text}");
    let (code, text) = run.avstem(
        &data,
        &[
            "export",
            "--profile",
            &name_clean,
            "--ledger",
            "302321",
            "--month",
            "2026-09",
            "--format",
            "csv",
            "--out",
            csv.to_str().expect("utf8"),
        ],
        env_after_add,
    );
    assert_eq!(code, Some(0), "{text}");
    assert!(
        std::fs::metadata(&xlsx).map(|m| m.len() > 5000).unwrap_or(false),
        "workbook written"
    );
    assert!(
        std::fs::metadata(&csv).map(|m| m.len() > 500).unwrap_or(false),
        "csv written"
    );

    // Error paths: wrong keys, a faulty server (retries, token expiry, a validation error), no server.
    // Environment secrets override a keyring profile only when AVSTEM_PROFILE names it.
    let wrong = [
        ("AVSTEM_CLIENT_SECRET", WRONG),
        ("AVSTEM_SUBSCRIPTION_KEY", SUBKEY),
        ("AVSTEM_PROFILE", name_clean.as_str()),
    ];
    let (code, text) = run.avstem(&data, &["profile", "test", &name_clean], &wrong);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("The keys were rejected"), "{text}");
    let (_, text) = run.avstem(
        &data,
        &["sync", "--profile", &name_faulty, "--month", "2026-08", "--gdpr"],
        env_after_add,
    );
    assert!(
        text.contains("complete"),
        "the faulty sync reports a summary: {text}"
    );
    let (code, text) = run.avstem(
        &data,
        &["ledgers", "--profile", "sentinel-nowhere"],
        env_after_add,
    );
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("Could not reach"), "{text}");

    // The search: every byte Avstem wrote (profiles, cache and its WAL, exports) and everything it printed.
    let mut hits = vec![];
    for file in common::files_under(root.path()) {
        let bytes = std::fs::read(&file).unwrap_or_default();
        for s in SENTINELS {
            if contains_bytes(&bytes, s) {
                hits.push(format!("{} contains {s}", file.display()));
            }
        }
    }
    for out in &run.outputs {
        for s in SENTINELS {
            if out.contains(s) {
                hits.push(format!(
                    "output of `{}` contains {s}",
                    out.lines().next().unwrap_or("")
                ));
            }
        }
    }
    assert!(hits.is_empty(), "secrets leaked:\n{}", hits.join("\n"));
    // The search itself works: the logs are verbose and the files are there.
    let all = run.outputs.join("\n");
    assert!(
        all.contains("TRACE") || all.contains("DEBUG"),
        "verbose logging was on"
    );
    assert!(common::files_under(&data)
        .iter()
        .any(|p| p.ends_with("cache.sqlite")));

    if keyring {
        for name in [name_clean.as_str(), name_faulty.as_str(), "sentinel-nowhere"] {
            let (code, text) = run.avstem(&data, &["profile", "remove", name], &[]);
            assert_eq!(code, Some(0), "{text}");
        }
    }
    rt.block_on(clean.shutdown());
    rt.block_on(faulty.shutdown());
}
