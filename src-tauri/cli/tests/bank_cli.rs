//! `avstem bank import` and `avstem bank status` on a real cache file: a simulator month in the
//! cache, its payouts as the bank books them written to camt.053 and CSV files, imported twice
//! (the second time adds nothing), then the month's status and its exit code.

use avstem_cli::bank::{run, BankAction, BankArgs, ChoiceArgs, ImportArgs, SimStatementArgs, StatusArgs};
use avstem_cli::Cli;
use avstem_core::bank::calendar::BankCountry;
use avstem_core::bank::predict::{
    expected_bank_line, ExpectedBankLine, PayoutForBank, MOBILEPAY_TEXT_FORMAT,
};
use avstem_core::clock::Clock;
use avstem_core::context::Context;
use avstem_core::model::{Topic, YearMonth};
use avstem_core::reconcile::needed_range;
use avstem_core::sim::data::World;
use avstem_core::sim::statement::{
    lines_for_payouts, write_camt053, write_csv_no, CamtVersion, StatementFaults, StatementFormat,
};
use avstem_core::store::{DateState, DateWrite};
use chrono::NaiveDate;
use clap::Parser;
use std::path::{Path, PathBuf};

fn d(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

const LEDGER: &str = "302321";

/// A data folder whose cache holds March 2025 of the simulator's ledger 302321 (daily payouts),
/// seen by the demo profile; the clock on 2025-04-20.
fn context_with_month(dir: &Path) -> (Context, Vec<(PayoutForBank, ExpectedBankLine)>) {
    let ctx = Context::new(dir.join("data")).with_clock(Clock::at_noon(d("2025-04-20")));
    let world = World::new(7, d("2025-06-01"));
    let ledger = world.ledger(LEDGER).expect("ledger");
    let mut store = ctx.open_store().expect("store");
    store
        .upsert_ledgers("demo", std::slice::from_ref(&ledger))
        .expect("ledgers");
    let month = YearMonth::parse("2025-03").expect("month");
    let (from, to) = needed_range(month);
    for date in from.iter_days().take_while(|x| *x <= to) {
        for topic in Topic::ALL {
            let entries = world.entries(LEDGER, topic, date);
            store
                .store_date_write(&DateWrite {
                    ledger_id: LEDGER,
                    topic,
                    date,
                    entries: &entries,
                    state: DateState::Complete,
                    error: None,
                    with_gdpr: false,
                })
                .expect("date");
        }
    }
    let payouts = store
        .payouts_for_bank(LEDGER, d("2025-02-20"), d("2025-04-05"))
        .expect("payouts")
        .into_iter()
        .map(|p| {
            let e = expected_bank_line(BankCountry::No, &p, 123455, MOBILEPAY_TEXT_FORMAT);
            (p, e)
        })
        .collect();
    (ctx, payouts)
}

/// The ledger's payout account (BBAN 15039912345) as the bank's IBAN.
fn iban() -> String {
    avstem_core::bank::account::norwegian_iban("15039912345").expect("iban")
}

fn import_args(files: Vec<PathBuf>, ledger: Option<&str>) -> BankArgs {
    BankArgs {
        action: BankAction::Import(ImportArgs {
            profile: "demo".into(),
            ledger: ledger.map(str::to_string),
            json: false,
            files,
        }),
    }
}

fn status_args(json: bool) -> BankArgs {
    BankArgs {
        action: BankAction::Status(StatusArgs {
            profile: "demo".into(),
            ledger: LEDGER.into(),
            month: YearMonth::parse("2025-03").expect("month"),
            json,
        }),
    }
}

fn line_count(ctx: &Context) -> u64 {
    ctx.open_store().expect("store").bank_line_count().expect("count")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_month_whose_payouts_are_all_in_the_statement_exits_0_and_a_second_import_adds_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (ctx, payouts) = context_with_month(dir.path());
    assert!(payouts.len() >= 30, "daily payouts: {}", payouts.len());
    let faults = StatementFaults {
        foreign_lines: 20,
        bank_text_format: None,
        ..StatementFaults::default()
    };
    let lines = lines_for_payouts(&payouts, &faults);
    let camt = dir.path().join("mars.xml");
    let xml = write_camt053(CamtVersion::V08, &iban(), "NOK", d("2025-02-20"), 0, &lines);
    std::fs::write(&camt, xml).expect("write");

    // Before any statement: not every due payout is known to be in the bank.
    assert_eq!(run(&ctx, &status_args(false)).await.expect("status"), 1);

    assert_eq!(
        run(&ctx, &import_args(vec![camt.clone()], None))
            .await
            .expect("import"),
        0
    );
    let imported = line_count(&ctx);
    assert_eq!(imported, lines.len() as u64);
    assert_eq!(
        run(&ctx, &import_args(vec![camt.clone()], None))
            .await
            .expect("again"),
        0
    );
    assert_eq!(line_count(&ctx), imported, "a second import adds 0 lines");

    assert_eq!(run(&ctx, &status_args(true)).await.expect("status"), 0);
    let store = ctx.open_store().expect("store");
    let m = avstem_core::bank::status::month_status_cached(
        &store,
        LEDGER,
        YearMonth::parse("2025-03").expect("m"),
        &ctx.clock,
    )
    .expect("status");
    assert!(m.all_due_in_bank, "{:?}", m.check);
    assert_eq!(m.payouts.len(), 31);
    assert!(m.unexplained.is_empty(), "{:?}", m.unexplained);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_payout_exits_1_until_it_is_matched_by_hand() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (ctx, payouts) = context_with_month(dir.path());
    let missing = payouts
        .iter()
        .find(|(p, _)| p.ledger_date == d("2025-03-12"))
        .map(|(p, _)| p.payout_number)
        .expect("payout");
    let mut lines = lines_for_payouts(
        &payouts,
        &StatementFaults {
            missing: vec![missing],
            ..StatementFaults::default()
        },
    );
    // It came in as one unnamed transfer a week later.
    let amount = payouts
        .iter()
        .find(|(p, _)| p.payout_number == missing)
        .map(|(p, _)| p.amount)
        .expect("amount");
    lines.push(avstem_core::bank::StatementLine {
        booking_date: d("2025-03-24"),
        value_date: None,
        amount,
        currency: "NOK".into(),
        text: "Overføring".into(),
        counterparty: None,
        bank_reference: Some("LATE-1".into()),
    });
    let file = dir.path().join("mars.xml");
    let xml = write_camt053(CamtVersion::V02, &iban(), "NOK", d("2025-02-20"), 0, &lines);
    std::fs::write(&file, xml).expect("write");
    assert_eq!(
        run(&ctx, &import_args(vec![file], None)).await.expect("import"),
        0
    );
    assert_eq!(run(&ctx, &status_args(false)).await.expect("status"), 1);

    let store = ctx.open_store().expect("store");
    let line = store
        .bank_lines("15039912345", d("2025-03-24"), d("2025-03-24"))
        .expect("lines")
        .into_iter()
        .find(|l| l.line.text == "Overføring")
        .expect("line");
    drop(store);
    let choice = BankArgs {
        action: BankAction::Match(ChoiceArgs {
            profile: "demo".into(),
            ledger: LEDGER.into(),
            payout: missing,
            line: line.id,
        }),
    };
    assert_eq!(run(&ctx, &choice).await.expect("match"), 0);
    assert_eq!(run(&ctx, &status_args(false)).await.expect("status"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_statement_for_another_account_is_refused_and_the_command_exits_1() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (ctx, payouts) = context_with_month(dir.path());
    let lines = lines_for_payouts(&payouts, &StatementFaults::default());
    let file = dir.path().join("other.xml");
    let xml = write_camt053(
        CamtVersion::V08,
        "NO9386011117947",
        "NOK",
        d("2025-02-20"),
        0,
        &lines,
    );
    std::fs::write(&file, xml).expect("write");
    let good = dir.path().join("good.csv");
    std::fs::write(&good, write_csv_no(&lines)).expect("write");
    // One bad file and one good one: the good one is imported, the bad one not, exit 1.
    assert_eq!(
        run(&ctx, &import_args(vec![file, good], None))
            .await
            .expect("import"),
        1
    );
    assert_eq!(line_count(&ctx), lines.len() as u64);
    // A CSV carries no bank reference: it is keyed by date, amount, text and occurrence, so its
    // second import adds nothing too.
    let good = dir.path().join("good.csv");
    assert_eq!(run(&ctx, &import_args(vec![good], None)).await.expect("again"), 0);
    assert_eq!(line_count(&ctx), lines.len() as u64);
}

#[test]
fn the_bank_commands_parse() {
    let cli = Cli::try_parse_from([
        "avstem",
        "bank",
        "import",
        "--profile",
        "demo",
        "--ledger",
        "302321",
        "a.xml",
        "b.csv",
    ])
    .expect("import parses");
    assert!(format!("{cli:?}").contains("b.csv"));
    Cli::try_parse_from([
        "avstem",
        "bank",
        "status",
        "--profile",
        "demo",
        "--ledger",
        "302321",
        "--month",
        "2025-03",
        "--json",
    ])
    .expect("status parses");
    assert!(
        Cli::try_parse_from(["avstem", "bank", "import", "--profile", "demo"]).is_err(),
        "a file is required"
    );
    Cli::try_parse_from([
        "avstem",
        "bank",
        "unmatch",
        "--profile",
        "demo",
        "--ledger",
        "1",
        "--payout",
        "2000001",
        "--line",
        "4",
        "--forget",
    ])
    .expect("unmatch parses");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulator_banks_statement_of_a_cached_month_imports_and_puts_every_payout_in_the_bank() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (ctx, _) = context_with_month(dir.path());
    let mut counts = vec![];
    for (format, name) in [
        (StatementFormat::Camt08, "mars-08.xml"),
        (StatementFormat::Camt02, "mars-02.xml"),
    ] {
        let out = dir.path().join(name);
        let args = BankArgs {
            action: BankAction::SimStatement(SimStatementArgs {
                profile: "demo".into(),
                ledger: LEDGER.into(),
                month: YearMonth::parse("2025-03").expect("month"),
                format,
                missing: vec![],
                foreign: 4,
                bank_text_format: None,
                out: out.clone(),
            }),
        };
        assert_eq!(run(&ctx, &args).await.expect("sim-statement"), 0);
        let xml = std::fs::read_to_string(&out).expect("written");
        let xsd = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!(
            "../core/tests/fixtures/camt053/camt.053.001.0{}.xsd",
            if format == StatementFormat::Camt08 { 8 } else { 2 }
        ));
        match std::process::Command::new("xmllint")
            .arg("--noout")
            .arg("--schema")
            .arg(&xsd)
            .arg(&out)
            .output()
        {
            Ok(o) => assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr)),
            Err(e) => assert!(
                std::env::var_os("AVSTEM_REQUIRE_XMLLINT").is_none(),
                "xmllint is required: {e}"
            ),
        }
        // The month's 31 payouts (the last reaching the bank in April), those of late February
        // booked in March, and four purchases.
        let entries = xml.matches("<Ntry>").count();
        assert!((31 + 4..=31 + 4 + 3).contains(&entries), "{name}: {entries}");
        counts.push(entries as u64);
    }
    assert_eq!(counts[0], counts[1], "both versions hold the same lines");
    let files = vec![dir.path().join("mars-08.xml"), dir.path().join("mars-02.xml")];
    assert_eq!(run(&ctx, &import_args(files, None)).await.expect("import"), 0);
    assert_eq!(
        line_count(&ctx),
        counts[0],
        "the same lines in both versions are one set of lines"
    );
    assert_eq!(run(&ctx, &status_args(false)).await.expect("status"), 0);
}
