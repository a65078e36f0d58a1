//! The built-in Report API simulator: deterministic data from a seed, the same endpoints,
//! auth flows and error shapes as production, and injectable faults. STUB: to be implemented.

pub mod data;

use crate::Result;
use chrono::NaiveDate;

/// Public demo keys: the simulator accepts these. They are not secrets.
pub mod demo {
    pub const MERCHANT_CLIENT_ID: &str = "demo-merchant";
    pub const MERCHANT_CLIENT_SECRET: &str = "demo-merchant-secret";
    pub const MERCHANT_SUBSCRIPTION_KEY: &str = "demo-subscription-key";
    pub const MERCHANT_MSN: &str = "123455";
    pub const PARTNER_CLIENT_ID: &str = "demo-partner";
    pub const PARTNER_CLIENT_SECRET: &str = "demo-partner-secret";
}

#[derive(Debug, Clone)]
pub struct SimConfig {
    pub seed: u64,
    /// 0 = a random free port on 127.0.0.1.
    pub port: u16,
    pub latency_ms: u64,
    /// Fault spec as given to `avstem sim --faults`.
    pub faults: String,
    pub page_size: usize,
    /// Dates from `today` onward answer `tryLater`.
    pub today: NaiveDate,
}

pub struct SimHandle {
    pub base_url: String,
}

pub async fn start(config: SimConfig) -> Result<SimHandle> {
    let _ = config;
    Ok(SimHandle { base_url: String::new() })
}
