//! `avstem sim`: runs the built-in Report API simulator on 127.0.0.1 until Ctrl-C.
//! Prints its address and the public demo keys, so a profile, a script or curl can point at it.

use crate::sayln;
use avstem_core::clock::Clock;
use avstem_core::context::Context;
use avstem_core::model::Country;
use avstem_core::sim::{self, demo, SimConfig};
use avstem_core::Result;
use chrono::NaiveDate;

/// Shown under `avstem sim --help`: the fault grammar and what the simulator holds.
pub const SIM_AFTER_HELP: &str = "\
FAULTS (--faults SPEC): comma-separated items, each [ENDPOINT:]SETTING
  ENDPOINT   token | ledgers | report (the by-date pages) | feed | all   (none = all)
  KIND=P     probability P (0..1) per request of:
               429     rate limited, with Retry-After (see retry-after)
               500     500 {errorCode: 10001, errorMessage, contextId}: transient
               10002   500 {errorCode: 10002, ...}: validation, must not be retried
               400     400 application/problem+json
               cut     headers and half the body, then the connection closes
               drop    the connection closes without an answer
               slow    the body trickles out in small chunks (see slow-ms)
               empty   (report only) an empty page with hasMore: true, cursor to the same place
  latency=MS         added before every answer of that endpoint
  expire-after=N     each access token stops working after N API calls (401)
  retry-after=S      Retry-After seconds sent with 429 (default 1; 0 allowed)
  slow-ms=MS         pause between trickled chunks (default 20)
  max-consecutive=N  at most N faults in a row for the same request (default 3; 0 = no limit;
                     a probability of 1 is never limited)
  Decisions come from the seed: the same seed and the same requests give the same faults,
  and a retried request gets a fresh draw, so a client that retries converges.
  Example: --faults 'report:429=0.2,report:500=0.1,token:expire-after=50,report:cut=0.05'

DATA: deterministic from --seed, from 2022-01-01 up to today. Ledger 12345 serves the
documented example day 2022-10-01 exactly. Ledger 900001 carries --bulk-per-day funds
entries on every date (33334 gives over 1,000,000 in a month). Dates from today onward
answer tryLater: true.";

#[derive(Debug, Clone, clap::Args)]
#[command(after_long_help = SIM_AFTER_HELP)]
pub struct SimArgs {
    /// Port on 127.0.0.1 (0 = any free port).
    #[arg(long, default_value_t = 8470)]
    pub port: u16,
    /// Seed for the generated ledgers and entries (and for fault decisions).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Latency added before every answer, in milliseconds.
    #[arg(long, default_value_t = 0, value_name = "MS")]
    pub latency_ms: u64,
    /// Faults to inject, e.g. 'report:429=0.2,report:cut=0.05' (grammar below with --help).
    #[arg(long, default_value = "", value_name = "SPEC")]
    pub faults: String,
    /// Entries per report page (production answers at most 1000).
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub page_size: u32,
    /// Funds entries per date on the bulk ledger 900001.
    #[arg(long, default_value_t = sim::data::DEFAULT_BULK_ENTRIES_PER_DAY, value_name = "N")]
    pub bulk_per_day: u32,
    /// Pretend today is this date (YYYY-MM-DD); dates from it onward answer tryLater.
    #[arg(long, value_name = "DATE")]
    pub today: Option<NaiveDate>,
    /// The firm world: the accounting partner sees 200 client ledgers (month-end at scale).
    #[arg(long)]
    pub firm: bool,
}

impl SimArgs {
    /// The simulator's settings; `--today` wins over the clock (AVSTEM_NOW or the system).
    pub fn config(&self, clock: &Clock) -> SimConfig {
        SimConfig {
            seed: self.seed,
            port: self.port,
            latency_ms: self.latency_ms,
            faults: self.faults.clone(),
            page_size: usize::try_from(self.page_size).unwrap_or(1000),
            bulk_entries_per_day: self.bulk_per_day,
            today: self.today.unwrap_or_else(|| clock.today_in(Country::No)),
            firm: self.firm,
            ..SimConfig::default()
        }
    }
}

/// The banner `avstem sim` prints: address, keys, and how to point a profile at it.
pub fn banner(base_url: &str, args: &SimArgs, today: NaiveDate) -> String {
    let faults = if args.faults.trim().is_empty() {
        "none"
    } else {
        args.faults.trim()
    };
    format!(
        "Avstem Report API simulator on {base_url}\n\
         seed {seed}, today {today}, page size {page}, bulk ledger 900001: {bulk} funds entries a date, faults: {faults}\n\
         \n\
         Merchant keys (Fjordkaffe AS's API sales unit, MSN {msn}: its own ledger 302321 only):\n\
         \x20 client_id                  {mid}\n\
         \x20 client_secret              {msecret}\n\
         \x20 Ocp-Apim-Subscription-Key  {msub}\n\
         \x20 Merchant-Serial-Number     {msn}\n\
         Accounting keys (an accountant: ledgers 12345, 302321, 302322, 302500, 402001, 402002, 502001, 502002, 900001):\n\
         \x20 client_id                  {pid}\n\
         \x20 client_secret              {psecret}\n\
         These are public demo keys, not secrets.\n\
         \n\
         Point a profile at it:\n\
         \x20 AVSTEM_CLIENT_SECRET={psecret} avstem profile add sim-accountant --kind accounting --client-id {pid} --base-url {base_url} --env-secrets\n\
         \x20 AVSTEM_CLIENT_SECRET={msecret} AVSTEM_SUBSCRIPTION_KEY={msub} avstem profile add sim-merchant --kind merchant --client-id {mid} --msn {msn} --base-url {base_url} --env-secrets\n\
         (with --env-secrets the two variables must be set on every run; without it they go into the keyring once)\n\
         Or skip this: the built-in profile \"demo\" starts its own simulator.\n\
         \n\
         Try: curl -s -X POST {base_url}/accesstoken/get -H 'client_id: {mid}' -H 'client_secret: {msecret}' -H 'Ocp-Apim-Subscription-Key: {msub}'\n\
         \n\
         Press Ctrl-C to stop.",
        seed = args.seed,
        page = args.page_size,
        bulk = args.bulk_per_day,
        mid = demo::MERCHANT_CLIENT_ID,
        msecret = demo::MERCHANT_CLIENT_SECRET,
        msub = demo::MERCHANT_SUBSCRIPTION_KEY,
        msn = demo::MERCHANT_MSN,
        pid = demo::PARTNER_CLIENT_ID,
        psecret = demo::PARTNER_CLIENT_SECRET,
    )
}

/// Starts the simulator, prints the banner, serves until Ctrl-C, then prints what it answered.
pub async fn run(ctx: &Context, args: &SimArgs) -> Result<i32> {
    let config = args.config(&ctx.clock);
    let today = config.today;
    let handle = sim::start(config).await?;
    sayln!("{}", banner(&handle.base_url(), args, today))?;
    if let Err(e) = tokio::signal::ctrl_c().await {
        eprintln!("Could not wait for Ctrl-C ({e}); stopping.");
    }
    let stats = handle.stats();
    sayln!(
        "\nServed {} token, {} ledger, {} report and {} feed requests; {} faults injected, {} answered 401.",
        stats.token_requests,
        stats.ledger_requests,
        stats.report_requests,
        stats.feed_requests,
        stats.faults_injected,
        stats.unauthorized
    )?;
    handle.shutdown().await;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Wrapper {
        #[command(flatten)]
        args: SimArgs,
    }

    #[test]
    fn the_flags_become_a_simulator_config() {
        let w = Wrapper::parse_from([
            "sim",
            "--port",
            "0",
            "--seed",
            "7",
            "--latency-ms",
            "15",
            "--faults",
            "report:429=0.1",
            "--page-size",
            "250",
            "--bulk-per-day",
            "33334",
            "--today",
            "2026-01-31",
        ]);
        let c = w.args.config(&Clock::System);
        assert_eq!((c.seed, c.port, c.latency_ms, c.page_size), (7, 0, 15, 250));
        assert_eq!(c.bulk_entries_per_day, 33_334);
        assert_eq!(c.faults, "report:429=0.1");
        assert_eq!(c.today.to_string(), "2026-01-31");
    }

    #[test]
    fn the_banner_shows_the_address_and_both_sets_of_demo_keys() {
        let w = Wrapper::parse_from(["sim"]);
        let text = banner("http://127.0.0.1:8470", &w.args, chrono::NaiveDate::MIN);
        assert!(text.contains("http://127.0.0.1:8470"));
        assert!(text.contains(demo::MERCHANT_SUBSCRIPTION_KEY));
        assert!(text.contains(demo::PARTNER_CLIENT_SECRET));
        assert!(text.contains("--kind accounting"));
        assert!(text.contains("faults: none"));
    }
}
