//! The built-in Report API simulator: deterministic data from a seed, the same endpoints,
//! auth flows and error shapes as production, and injectable faults (see [`faults`] for the grammar).
//!
//! ```no_run
//! # async fn demo() -> avstem_core::Result<()> {
//! use avstem_core::sim::{self, SimConfig};
//! let sim = sim::start(SimConfig { faults: "report:429=0.1".into(), ..SimConfig::default() }).await?;
//! println!("{}", sim.base_url()); // http://127.0.0.1:PORT
//! let requests = sim.stats().report_requests;
//! # let _ = requests;
//! sim.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! Endpoints: `POST /accesstoken/get` (merchant keys as headers), `POST /miami/v1/token` (partner,
//! Basic auth), `GET /settlement/v1/ledgers`, `GET /report/v2/ledgers/{id}/{funds|fees}/dates/{date}`,
//! `GET /report/v2/ledgers/{id}/{funds|fees}/feed`. A date answers `tryLater: true` until the payout
//! covering it has happened (weeks on monthly ledgers, see [`data`]); today shows the activity so far,
//! later dates nothing. The feed serves every date up to today's activity so far, then the same
//! cursor with `tryLater: true`. Pages carry `Vipps-Feed-Page-Size`.
//!
//! The files, by job:
//! - [`data`]: the world from a seed ([`World`]), its public types and carried balances; under it
//!   `data/cast.rs` (the ledgers, merchants and partner), `data/plan.rs` (a date's captures, refunds,
//!   extras and landed fees, before strings), `data/day.rs` (entries, fee settlement, payout) and
//!   `data/doc_example.rs` (the documented example day).
//! - `rng.rs`: the one seeded hash (splitmix64) every simulated figure and fault draw comes from.
//! - `server.rs`: shared state and the request pipeline; under it `server/tokens.rs` (auth),
//!   `server/paging.rs` (cursors and the request checks all data endpoints share),
//!   `server/report.rs` (Report API endpoints), `server/delivery.rs` (gzip, body faults) and
//!   [`sales`] (`sales.rs`, the Sales API).
//! - [`faults`]: the fault grammar and plan; [`statement`]: bank statement files for the payouts.

pub mod data;
pub mod faults;
mod rng;
mod server;
pub mod settlement;
pub mod statement;

use crate::Result;
use chrono::NaiveDate;
use std::collections::BTreeMap;
use std::sync::Arc;

pub use data::World;
pub use faults::{FaultEndpoint, FaultKind, FaultSpec};
pub use server::sales;

/// Public demo keys: the simulator accepts these. They are not secrets.
pub mod demo {
    /// Fjordkaffe AS's API sales unit (MSN 123455): sees its own ledger 302321 only.
    pub const MERCHANT_CLIENT_ID: &str = "demo-merchant";
    pub const MERCHANT_CLIENT_SECRET: &str = "demo-merchant-secret";
    pub const MERCHANT_SUBSCRIPTION_KEY: &str = "demo-subscription-key";
    pub const MERCHANT_MSN: &str = "123455";
    /// The accounting partner (accounting keys): sees 12345, 302321, 302322, 402001, 402002, 502001,
    /// 502002, 302500 and 900001 — every ledger its clients granted it, not 302400.
    pub const PARTNER_CLIENT_ID: &str = "demo-partner";
    pub const PARTNER_CLIENT_SECRET: &str = "demo-partner-secret";
    /// Example Shop: the documented example ledger 12345.
    pub const DOC_MERCHANT_CLIENT_ID: &str = "doc-example-merchant";
    pub const DOC_MERCHANT_CLIENT_SECRET: &str = "doc-example-secret";
    pub const DOC_MERCHANT_SUBSCRIPTION_KEY: &str = "doc-example-subscription-key";
    pub const DOC_MERCHANT_MSN: &str = "57860";
    /// Lysgården Interiør AS, a busy webshop: only the bulk ledger 900001.
    pub const BENCH_CLIENT_ID: &str = "bench-merchant";
    pub const BENCH_CLIENT_SECRET: &str = "bench-merchant-secret";
    pub const BENCH_SUBSCRIPTION_KEY: &str = "bench-subscription-key";
    pub const BENCH_MSN: &str = "900001";
}

#[derive(Debug, Clone)]
pub struct SimConfig {
    pub seed: u64,
    /// 0 = a random free port on 127.0.0.1.
    pub port: u16,
    /// Added before every answer.
    pub latency_ms: u64,
    /// Fault spec as given to `avstem sim --faults` (grammar in [`faults`]).
    pub faults: String,
    /// Entries per report page (production: 1000).
    pub page_size: usize,
    /// Ledgers per `/settlement/v1/ledgers` page.
    pub ledgers_page_size: usize,
    /// Dates from `today` onward answer `tryLater`.
    pub today: NaiveDate,
    /// Funds entries per date on the bulk ledger 900001 (33,334 → over 1,000,000 a month).
    pub bulk_entries_per_day: u32,
    /// Lifetime of merchant access tokens (production: 24 h).
    pub token_ttl_secs: u64,
    /// Lifetime of accounting-key tokens from `/miami/v1/token` (production: 900 s).
    pub partner_token_ttl_secs: u64,
    /// More merchant keys the simulator accepts (tests use sentinel secrets to prove none leak).
    pub extra_merchants: Vec<data::SimMerchant>,
    /// The firm world: the partner sees 200 ledgers ([`data::World::firm`]). Off by default, so
    /// the demo world keeps its nine.
    pub firm: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            seed: 42,
            port: 0,
            latency_ms: 0,
            faults: String::new(),
            page_size: 1000,
            ledgers_page_size: 2,
            today: crate::clock::Clock::System.today_in(crate::model::Country::No),
            bulk_entries_per_day: data::DEFAULT_BULK_ENTRIES_PER_DAY,
            token_ttl_secs: 86_400,
            partner_token_ttl_secs: 900,
            extra_merchants: Vec::new(),
            firm: false,
        }
    }
}

/// Request counters, for tests that assert what a sync did (or did not) ask for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SimStats {
    /// Both token endpoints.
    pub token_requests: u64,
    pub merchant_token_requests: u64,
    pub partner_token_requests: u64,
    pub ledger_requests: u64,
    /// By-date report requests (every page counts).
    pub report_requests: u64,
    pub feed_requests: u64,
    /// Sales API requests (all four endpoints, every page).
    pub sales_requests: u64,
    /// Answers with status 401 (bad keys, expired or missing token, wrong subscription key).
    pub unauthorized: u64,
    /// Answers sent gzip-compressed (the client asked with `Accept-Encoding: gzip`).
    pub gzipped_responses: u64,
    /// Ledger dates the server generated (both topics at once); paging a cached date adds none.
    pub dates_generated: u64,
    /// Faults injected (of any kind).
    pub faults_injected: u64,
    /// Faults injected by kind.
    pub faults_by_kind: BTreeMap<String, u64>,
    /// By-date report requests per (ledger, topic, date), every page counted.
    pub report_requests_by_date: BTreeMap<(String, crate::model::Topic, NaiveDate), u64>,
    /// The most requests answered at the same moment (latency included).
    pub max_in_flight: u64,
}

impl SimStats {
    pub fn report_requests_for(&self, ledger_id: &str, topic: crate::model::Topic, date: NaiveDate) -> u64 {
        self.report_requests_by_date
            .get(&(ledger_id.to_string(), topic, date))
            .copied()
            .unwrap_or(0)
    }

    /// Both topics.
    pub fn report_requests_for_date(&self, ledger_id: &str, date: NaiveDate) -> u64 {
        crate::model::Topic::ALL
            .iter()
            .map(|t| self.report_requests_for(ledger_id, *t, date))
            .sum()
    }

    pub fn total_requests(&self) -> u64 {
        self.token_requests
            + self.ledger_requests
            + self.report_requests
            + self.feed_requests
            + self.sales_requests
    }
}

/// A running simulator. Dropping it without [`SimHandle::shutdown`] also stops it.
pub struct SimHandle {
    base_url: String,
    shared: Arc<server::Shared>,
    stop: Option<tokio::sync::watch::Sender<bool>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl SimHandle {
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    pub fn port(&self) -> u16 {
        self.base_url
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or(0)
    }

    pub fn stats(&self) -> SimStats {
        self.shared.stats()
    }

    pub fn reset_stats(&self) {
        self.shared.reset_stats();
    }

    pub fn today(&self) -> NaiveDate {
        self.shared.today()
    }

    /// A merchant grants `ledger_id` to the accounting partner (see [`data::World::grant`]).
    pub fn grant(&self, ledger_id: &str) {
        self.shared.world().grant(ledger_id);
    }

    /// Every by-date report of `ledger_id` fails from now on (500, errorCode 10002).
    pub fn break_ledger(&self, ledger_id: &str) {
        self.shared.world().break_ledger(ledger_id);
    }

    /// A merchant withdraws its grant: the partner gets 404 for `ledger_id` from now on.
    pub fn withdraw(&self, ledger_id: &str) {
        self.shared.world().withdraw(ledger_id);
    }

    /// Moves "today": dates before it close (answer in full, `tryLater: false`).
    pub fn set_today(&self, date: NaiveDate) {
        self.shared.set_today(date);
    }

    /// The data the simulator serves, for comparing with what a client stored.
    pub fn world(&self) -> Arc<World> {
        self.shared.world()
    }

    pub async fn shutdown(mut self) {
        self.stop_now();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    fn stop_now(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(true);
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        self.stop_now();
    }
}

/// Starts the simulator on 127.0.0.1 (port 0 = any free port). Needs a Tokio runtime.
pub async fn start(config: SimConfig) -> Result<SimHandle> {
    let spec = FaultSpec::parse(&config.faults)?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", config.port))
        .await
        .map_err(|e| {
            crate::Error::Io(format!(
                "The simulator could not listen on 127.0.0.1:{}: {e}",
                config.port
            ))
        })?;
    let addr = listener
        .local_addr()
        .map_err(|e| crate::Error::Io(format!("The simulator has no local address: {e}")))?;
    let mut world = if config.firm {
        World::firm(config.seed, config.today, config.bulk_entries_per_day)
    } else {
        World::with_bulk(config.seed, config.today, config.bulk_entries_per_day)
    };
    for merchant in &config.extra_merchants {
        world.add_merchant(merchant.clone());
    }
    let world = Arc::new(world);
    let shared = Arc::new(server::Shared::new(world, &config, spec));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(server::serve(listener, shared.clone(), stopped));
    Ok(SimHandle {
        base_url: format!("http://{addr}"),
        shared,
        stop: Some(stop),
        task: Some(task),
    })
}
