//! The cache against real SQLite files: round trips, one transaction per date, summaries,
//! pages, search, and the bad files a user can end up with.

// Tests read the environment, the wall clock and raw SQLite files on purpose.
#![allow(clippy::disallowed_methods)]

use avstem_core::model::{Entry, EntryType, Ledger, SalesUnit, SchemeId, Topic, YearMonth};
use avstem_core::store::{self, DateState, DayQuery, DaySort, Store};
use avstem_core::Error;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};

fn d(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).expect("time").with_timezone(&Utc)
}

struct Day {
    ledger: &'static str,
    topic: Topic,
    date: NaiveDate,
    balance: i64,
    entries: Vec<Entry>,
}

impl Day {
    fn new(ledger: &'static str, topic: Topic, date: &str) -> Day {
        Day {
            ledger,
            topic,
            date: d(date),
            balance: 0,
            entries: vec![],
        }
    }
    fn add(mut self, kind: &str, psp: &str, reference: &str, amount: i64, time: &str) -> Day {
        let before = self.balance;
        self.balance += amount;
        self.entries.push(Entry {
            ledger_id: self.ledger.into(),
            topic: self.topic,
            ledger_date: self.date,
            seq: u32::try_from(self.entries.len()).expect("seq"),
            psp_reference: psp.into(),
            time: at(time),
            entry_type: EntryType::parse(kind),
            reference: reference.into(),
            currency: "NOK".into(),
            amount,
            balance_before: before,
            balance_after: self.balance,
            recipient_handle: Some("NO:57860".into()),
            name: None,
            masked_phone_no: None,
            message: None,
        });
        self
    }
}

/// The documented example day (report-api.md §9).
fn example_funds() -> Vec<Entry> {
    Day::new("12345", Topic::Funds, "2022-10-01")
        .add(
            "capture",
            "3343121302",
            "purchase-12",
            10000,
            "2022-10-01T14:33:00.824993Z",
        )
        .add(
            "capture",
            "3334234112",
            "purchase-12",
            10000,
            "2022-10-01T16:37:55.982497Z",
        )
        .add(
            "capture",
            "3259823497",
            "purchase-14",
            20000,
            "2022-10-01T17:12:54.932428Z",
        )
        .add(
            "refund",
            "1154320987",
            "purchase-12",
            -10000,
            "2022-10-01T21:47:59.984224Z",
        )
        .add(
            "fees-retained",
            "01H7W7Q6Y5R-3G58CTAZX0MHKV2",
            "",
            -1200,
            "2022-10-01T22:00:00Z",
        )
        .add(
            "payout-scheduled",
            "12345-2000023",
            "Vipps utbet. 2000023 Vippsnr 57860",
            -28800,
            "2022-10-01T22:00:00Z",
        )
        .entries
}

fn example_fees() -> Vec<Entry> {
    Day::new("12345", Topic::Fees, "2022-10-01")
        .add(
            "capture-fee",
            "3343121302",
            "purchase-12",
            -400,
            "2022-10-01T14:33:00.824993Z",
        )
        .add(
            "capture-fee",
            "3334234112",
            "purchase-12",
            -400,
            "2022-10-01T16:37:55.982497Z",
        )
        .add(
            "capture-fee",
            "3259823497",
            "purchase-14",
            -400,
            "2022-10-01T17:12:54.932428Z",
        )
        .add(
            "fees-retained",
            "01H7W7Q6Y5R-3G58CTAZX0MHKV2",
            "",
            1200,
            "2022-10-01T22:00:00Z",
        )
        .entries
}

fn example_ledger() -> Ledger {
    Ledger {
        ledger_id: "12345".into(),
        currency: "NOK".into(),
        payout_bank_account: SchemeId {
            scheme: "BBAN:NO".into(),
            id: "86011117947".into(),
        },
        owner: SchemeId {
            scheme: "business:NO:ORG".into(),
            id: "987654321".into(),
        },
        settles_for_recipient_handles: vec!["NO:57860".into()],
        sales_units: vec![SalesUnit {
            name: "Kaffebaren".into(),
            recipient_handle: "NO:57860".into(),
            business_identifier: Some(SchemeId {
                scheme: "business:NO:ORG".into(),
                id: "987654321".into(),
            }),
        }],
    }
}

fn temp_cache() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cache.sqlite");
    (dir, path)
}

fn cache_message(r: Result<Store, Error>) -> String {
    match r {
        Err(Error::Cache(m)) => m,
        Err(other) => panic!("expected a cache error, got {other:?}"),
        Ok(_) => panic!("expected a cache error, the cache opened"),
    }
}

#[test]
fn the_example_day_round_trips_field_for_field() {
    let (_dir, path) = temp_cache();
    let mut store = Store::open(&path).expect("open");
    let date = d("2022-10-01");
    store
        .store_date(
            "12345",
            Topic::Funds,
            date,
            &example_funds(),
            DateState::Complete,
            None,
        )
        .expect("funds");
    store
        .store_date(
            "12345",
            Topic::Fees,
            date,
            &example_fees(),
            DateState::Complete,
            None,
        )
        .expect("fees");
    drop(store);

    let store = Store::open(&path).expect("reopen");
    assert_eq!(
        store
            .entries_between("12345", Topic::Funds, date, date)
            .expect("read"),
        example_funds()
    );
    assert_eq!(
        store
            .entries_between("12345", Topic::Fees, date, date)
            .expect("read"),
        example_fees()
    );
    let statuses = store
        .date_statuses("12345", Topic::Funds, date, date)
        .expect("statuses");
    assert_eq!(statuses.len(), 1);
    assert_eq!(statuses[0].state, DateState::Complete);
    assert_eq!(statuses[0].entry_count, 6);
}

#[test]
fn a_ledger_list_is_kept_per_profile_with_its_sales_units() {
    let mut store = Store::open_in_memory().expect("open");
    let mut other = example_ledger();
    other.ledger_id = "302321".into();
    other.currency = "DKK".into();
    store
        .upsert_ledgers("partner", &[example_ledger(), other.clone()])
        .expect("partner");
    store.upsert_ledgers("shop", &[example_ledger()]).expect("shop");
    assert_eq!(store.ledgers(Some("partner")).expect("list").len(), 2);
    assert_eq!(store.ledgers(Some("shop")).expect("list"), vec![example_ledger()]);
    assert_eq!(store.ledger("302321").expect("one"), Some(other));
    // The partner lost its grant to 302321: it drops out of the partner's list.
    store
        .upsert_ledgers("partner", &[example_ledger()])
        .expect("again");
    assert_eq!(store.ledgers(Some("partner")).expect("list").len(), 1);
    assert_eq!(store.ledgers(None).expect("all").len(), 2);
}

#[test]
fn the_example_month_summary_has_the_documented_figures() {
    let mut store = Store::open_in_memory().expect("open");
    let date = d("2022-10-01");
    store
        .store_date(
            "12345",
            Topic::Funds,
            date,
            &example_funds(),
            DateState::Complete,
            None,
        )
        .expect("funds");
    store
        .store_date("12345", Topic::Fees, date, &example_fees(), DateState::Open, None)
        .expect("fees");
    store
        .mark_failed("12345", Topic::Funds, d("2022-10-02"), "server error 500")
        .expect("failed");
    let month = store
        .month_summary("12345", YearMonth::parse("2022-10").expect("month"))
        .expect("summary");
    assert_eq!(month.len(), 31);
    let day = &month[0];
    assert_eq!(
        (
            day.figures.sales(),
            day.figures.refunds(),
            day.figures.fees(),
            day.figures.fees_retained(),
            day.figures.other(),
            day.figures.net(),
            day.figures.payout()
        ),
        (40000, -10000, 1200, 1200, 0, 28800, 28800)
    );
    assert_eq!((day.funds_count, day.fees_count), (6, 4));
    assert_eq!(
        (day.funds_state, day.fees_state),
        (Some(DateState::Complete), Some(DateState::Open))
    );
    assert_eq!(month[1].funds_state, Some(DateState::Failed));
    assert_eq!(month[1].funds_error.as_deref(), Some("server error 500"));
    assert_eq!(month[2].funds_state, None);
    assert_eq!(month[30].date, d("2022-10-31"));
}

#[test]
fn storing_a_date_again_replaces_its_rows_and_totals() {
    let mut store = Store::open_in_memory().expect("open");
    let date = d("2022-10-01");
    let open = Day::new("12345", Topic::Funds, "2022-10-01")
        .add("capture", "a1", "order-1", 5000, "2022-10-01T10:00:00Z")
        .entries;
    store
        .store_date("12345", Topic::Funds, date, &open, DateState::Open, None)
        .expect("open");
    store
        .store_date(
            "12345",
            Topic::Funds,
            date,
            &example_funds(),
            DateState::Complete,
            None,
        )
        .expect("closed");
    assert_eq!(
        store
            .entries_between("12345", Topic::Funds, date, date)
            .expect("read")
            .len(),
        6
    );
    assert!(store.entries_by_psp("a1").expect("psp").is_empty());
    let month = store
        .month_summary("12345", YearMonth::of(date))
        .expect("summary");
    assert_eq!(month[0].figures.sales(), 40000);
}

#[test]
fn a_failure_in_the_middle_of_a_date_leaves_it_absent() {
    let (_dir, path) = temp_cache();
    let mut store = Store::open(&path).expect("open");
    let date = d("2022-10-03");
    let mut entries = Vec::new();
    let mut day = Day::new("12345", Topic::Funds, "2022-10-03");
    for i in 0..1500 {
        day = day.add(
            "capture",
            &format!("psp-{i}"),
            &format!("order-{i}"),
            100,
            "2022-10-03T10:00:00Z",
        );
    }
    entries.extend(day.entries);
    // Row 1200 repeats a sequence number: the insert fails after 1200 rows went in.
    entries[1200].seq = 7;
    let result = store.store_date("12345", Topic::Funds, date, &entries, DateState::Complete, None);
    assert!(matches!(result, Err(Error::Cache(_))), "{result:?}");
    drop(store);

    let store = Store::open(&path).expect("reopen");
    assert!(store
        .entries_between("12345", Topic::Funds, date, date)
        .expect("read")
        .is_empty());
    assert!(store
        .date_statuses("12345", Topic::Funds, date, date)
        .expect("statuses")
        .is_empty());
    assert_eq!(
        store
            .month_summary("12345", YearMonth::of(date))
            .expect("summary")[2]
            .figures
            .sales(),
        0
    );
}

#[test]
fn a_failed_refetch_keeps_the_open_rows_and_never_downgrades_a_complete_date() {
    let mut store = Store::open_in_memory().expect("open");
    let date = d("2022-10-01");
    store
        .store_date(
            "12345",
            Topic::Funds,
            date,
            &example_funds(),
            DateState::Open,
            None,
        )
        .expect("open");
    store
        .mark_failed("12345", Topic::Funds, date, "timeout")
        .expect("fail");
    let s = &store
        .date_statuses("12345", Topic::Funds, date, date)
        .expect("statuses")[0];
    assert_eq!(
        (s.state, s.entry_count, s.error.as_deref()),
        (DateState::Failed, 6, Some("timeout"))
    );
    assert_eq!(
        store
            .entries_between("12345", Topic::Funds, date, date)
            .expect("rows")
            .len(),
        6
    );

    store
        .store_date(
            "12345",
            Topic::Fees,
            date,
            &example_fees(),
            DateState::Complete,
            None,
        )
        .expect("fees");
    store
        .mark_failed("12345", Topic::Fees, date, "timeout")
        .expect("fail");
    let s = &store
        .date_statuses("12345", Topic::Fees, date, date)
        .expect("statuses")[0];
    assert_eq!((s.state, s.error.as_deref()), (DateState::Complete, None));
}

fn busy_day(n: u32) -> Vec<Entry> {
    let mut day = Day::new("777", Topic::Funds, "2024-03-05");
    for i in 0..n {
        let kind = if i % 10 == 9 { "refund" } else { "capture" };
        let amount = if kind == "refund" {
            -(i64::from(i % 50) + 1) * 100
        } else {
            (i64::from(i * 37 % 1000) + 1) * 10
        };
        let secs = i64::from(n - i); // times run backwards, so time order differs from served order
        let time = Utc
            .timestamp_opt(1_709_600_000 + secs, 0)
            .single()
            .expect("time")
            .to_rfc3339();
        day = day.add(kind, &format!("77{i:08}"), &format!("order-{i}"), amount, &time);
    }
    day.entries
}

#[test]
fn a_day_is_paged_sorted_and_filtered() {
    let mut store = Store::open_in_memory().expect("open");
    let date = d("2024-03-05");
    let entries = busy_day(2500);
    store
        .store_date("777", Topic::Funds, date, &entries, DateState::Complete, None)
        .expect("store");

    let page = store
        .day_entries(
            "777",
            Topic::Funds,
            date,
            &DayQuery {
                offset: 1000,
                limit: 1000,
                ..DayQuery::default()
            },
        )
        .expect("page");
    assert_eq!(page.total, 2500);
    assert_eq!(page.entries.len(), 1000);
    assert_eq!(page.entries[0].seq, 1000);
    assert_eq!(page.entries[999].seq, 1999);

    let last = store
        .day_entries(
            "777",
            Topic::Funds,
            date,
            &DayQuery {
                offset: 2000,
                limit: 1000,
                ..DayQuery::default()
            },
        )
        .expect("page");
    assert_eq!(last.entries.len(), 500);

    let by_amount = store
        .day_entries(
            "777",
            Topic::Funds,
            date,
            &DayQuery {
                sort: DaySort::Amount,
                descending: true,
                limit: 5,
                ..DayQuery::default()
            },
        )
        .expect("sorted");
    assert_eq!(by_amount.entries[0].amount, 10000);
    assert!(by_amount.entries.windows(2).all(|w| w[0].amount >= w[1].amount));

    let by_time = store
        .day_entries(
            "777",
            Topic::Funds,
            date,
            &DayQuery {
                sort: DaySort::Time,
                limit: 3,
                ..DayQuery::default()
            },
        )
        .expect("by time");
    assert_eq!(by_time.entries[0].seq, 2499);

    let refunds = store
        .day_entries(
            "777",
            Topic::Funds,
            date,
            &DayQuery {
                entry_type: Some("refund".into()),
                limit: 10,
                ..DayQuery::default()
            },
        )
        .expect("refunds");
    assert_eq!(refunds.total, 250);
    assert!(refunds.entries.iter().all(|e| e.entry_type == EntryType::Refund));

    let order = store
        .day_entries(
            "777",
            Topic::Funds,
            date,
            &DayQuery {
                reference_contains: Some("ORDER-123".into()),
                ..DayQuery::default()
            },
        )
        .expect("reference");
    // order-123 and order-1230..order-1239
    assert_eq!(order.total, 11);
}

#[test]
fn search_finds_orders_and_psp_references_across_the_cache() {
    let mut store = Store::open_in_memory().expect("open");
    let date = d("2022-10-01");
    store
        .store_date(
            "12345",
            Topic::Funds,
            date,
            &example_funds(),
            DateState::Complete,
            None,
        )
        .expect("funds");
    store
        .store_date(
            "12345",
            Topic::Fees,
            date,
            &example_fees(),
            DateState::Complete,
            None,
        )
        .expect("fees");

    let by_order = store.search("purchase-12", 50).expect("search");
    // Two captures and a refund on funds, two capture fees on fees.
    assert_eq!(by_order.len(), 5);
    assert!(by_order.iter().all(|e| e.reference == "purchase-12"));

    let by_psp = store.entries_by_psp("3259823497").expect("psp");
    assert_eq!(
        by_psp.iter().map(|e| e.amount).collect::<Vec<_>>(),
        vec![20000, -400]
    );

    let prefix = store.search("33", 50).expect("prefix");
    assert_eq!(prefix.len(), 4);
    let substring = store.search("2000023", 50).expect("substring");
    assert_eq!(substring.len(), 1);
    assert_eq!(substring[0].entry_type, EntryType::PayoutScheduled);
    assert_eq!(store.search("purchase", 2).expect("limited").len(), 2);
    assert!(store.search("  ", 10).expect("empty").is_empty());
}

#[test]
fn gdpr_fields_are_stored_only_when_asked_for() {
    let mut store = Store::open_in_memory().expect("open");
    let date = d("2022-10-01");
    let mut funds = example_funds();
    funds[0].name = Some("Ola Nordmann".into());
    funds[0].masked_phone_no = Some("xxx xx 123".into());
    funds[0].message = Some("Takk for kaffen".into());
    store
        .store_date("12345", Topic::Funds, date, &funds, DateState::Complete, None)
        .expect("plain");
    let plain = store
        .entries_between("12345", Topic::Funds, date, date)
        .expect("read");
    assert_eq!(
        (plain[0].name.as_deref(), plain[0].message.as_deref()),
        (None, None)
    );

    store
        .store_date_write(&store::DateWrite {
            ledger_id: "12345",
            topic: Topic::Funds,
            date,
            entries: &funds,
            state: DateState::Complete,
            error: None,
            with_gdpr: true,
        })
        .expect("gdpr");
    let with = store
        .entries_between("12345", Topic::Funds, date, date)
        .expect("read");
    assert_eq!(with[0].name.as_deref(), Some("Ola Nordmann"));
    assert!(
        store
            .date_statuses("12345", Topic::Funds, date, date)
            .expect("status")[0]
            .with_gdpr
    );
}

#[test]
fn a_file_of_random_bytes_is_reported_with_the_way_out_and_left_in_place() {
    let (_dir, path) = temp_cache();
    let junk: Vec<u8> = (0..8192u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&path, &junk).expect("write");
    let message = cache_message(Store::open(&path));
    assert!(message.contains("damaged or is not an Avstem cache"), "{message}");
    assert!(message.contains("avstem cache reset"), "{message}");
    assert_eq!(std::fs::read(&path).expect("still there"), junk);

    let aside = store::reset_cache(&path).expect("reset").expect("moved");
    assert_eq!(std::fs::read(&aside).expect("kept aside"), junk);
    assert!(aside
        .file_name()
        .expect("name")
        .to_string_lossy()
        .starts_with("cache.sqlite.broken-"));
    let fresh = Store::open(&path).expect("fresh cache");
    assert_eq!(fresh.stats().expect("stats").entries, 0);
}

#[test]
fn another_applications_database_is_not_mistaken_for_the_cache() {
    let (_dir, path) = temp_cache();
    let other = rusqlite::Connection::open(&path).expect("other app");
    other.execute_batch("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL); INSERT INTO invoices VALUES (1, 9.5);").expect("schema");
    drop(other);
    let message = cache_message(Store::open(&path));
    assert!(message.contains("another application"), "{message}");
    assert!(message.contains("avstem cache reset"), "{message}");
    let check = rusqlite::Connection::open(&path).expect("reopen");
    let n: i64 = check
        .query_row("SELECT count(*) FROM invoices", [], |r| r.get(0))
        .expect("untouched");
    assert_eq!(n, 1);
}

#[test]
fn a_cache_from_a_newer_avstem_is_refused_not_downgraded() {
    let (_dir, path) = temp_cache();
    drop(Store::open(&path).expect("create"));
    let conn = rusqlite::Connection::open(&path).expect("raw");
    conn.execute_batch(&format!("PRAGMA user_version = {};", store::SCHEMA_VERSION + 1))
        .expect("bump");
    drop(conn);
    let message = cache_message(Store::open(&path));
    assert!(message.contains("newer version of Avstem"), "{message}");
    assert!(message.contains("avstem cache reset"), "{message}");
}

#[cfg(unix)]
#[test]
fn a_read_only_cache_says_so() {
    use std::os::unix::fs::PermissionsExt;
    let (dir, path) = temp_cache();
    {
        let mut store = Store::open(&path).expect("create");
        store
            .store_date(
                "12345",
                Topic::Funds,
                d("2022-10-01"),
                &example_funds(),
                DateState::Complete,
                None,
            )
            .expect("store");
    }
    // A clean close leaves no -wal/-shm behind; now take write access away. Root ignores
    // permission bits, so there the immutable attribute does the job.
    let root = is_root();
    let lock = |on: bool| {
        if root {
            let flag = if on { "+i" } else { "-i" };
            std::process::Command::new("chattr")
                .arg(flag)
                .arg(&path)
                .arg(dir.path())
                .status()
                .is_ok_and(|s| s.success())
        } else {
            let (file, folder) = if on { (0o444, 0o555) } else { (0o644, 0o755) };
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(file)).is_ok()
                && std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(folder)).is_ok()
        }
    };
    if !lock(true) {
        eprintln!("cannot make the cache read-only here; skipping");
        return;
    }
    let result = Store::open(&path);
    // Reading still works: the cache opens read-only (issue 13, item 10).
    let read = Store::open_for_reading(&path).map(|s| s.schema_version());
    assert!(lock(false), "could not restore write access");
    let message = cache_message(result);
    assert!(message.contains("read-only"), "{message}");
    // A reset could not work on a read-only cache either: it is not suggested.
    assert!(!message.contains("cache reset"), "{message}");
    assert!(matches!(read, Ok(Ok(v)) if v > 0), "{read:?}");
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .map(|s| {
            s.lines()
                .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}

#[test]
fn an_entry_dated_differently_from_its_requested_date_keeps_its_own_ledger_date() {
    let mut store = Store::open_in_memory().expect("open");
    let requested = d("2022-10-02");
    let mut late = example_fees();
    // A capture fee that lands on the 2nd although its ledgerDate says the 1st.
    late.truncate(1);
    late[0].ledger_date = d("2022-10-01");
    store
        .store_date("12345", Topic::Fees, requested, &late, DateState::Complete, None)
        .expect("store");
    let back = store
        .entries_between("12345", Topic::Fees, requested, requested)
        .expect("read");
    assert_eq!(back, late);
    assert_eq!(
        store.entries_by_psp("3343121302").expect("psp")[0].ledger_date,
        d("2022-10-01")
    );
    // It is counted on the date it was served for.
    let month = store
        .month_summary("12345", YearMonth::of(requested))
        .expect("summary");
    assert_eq!((month[0].figures.fees(), month[1].figures.fees()), (0, 400));
}

#[test]
fn a_date_whose_entries_overflow_its_total_is_refused_and_the_cached_date_kept() {
    let (_dir, path) = temp_cache();
    let mut store = Store::open(&path).expect("open");
    let date = d("2022-10-01");
    store
        .store_date(
            "12345",
            Topic::Funds,
            date,
            &example_funds(),
            DateState::Complete,
            None,
        )
        .expect("funds");
    // Two captures whose sum does not fit in i64 (a server answer no real ledger gives).
    let mut huge = example_funds();
    huge.truncate(2);
    for e in &mut huge {
        e.entry_type = avstem_core::model::EntryType::Capture;
        e.amount = i64::MAX;
    }
    let err = store
        .store_date("12345", Topic::Funds, date, &huge, DateState::Complete, None)
        .expect_err("an overflowing total");
    let msg = err.to_string();
    assert!(
        msg.contains("64 bits") && msg.contains("12345") && msg.contains("2022-10-01"),
        "{msg}"
    );
    assert_eq!(
        store
            .entries_between("12345", Topic::Funds, date, date)
            .expect("read"),
        example_funds(),
        "the date as it was cached before, whole"
    );
}
