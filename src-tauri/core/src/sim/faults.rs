//! Injectable faults for the simulator: parsed from a spec string, decided per request from a seeded RNG.
//! Each decision is a fresh draw, so a retried request can succeed and a faulty sync still converges.
//!
//! # Spec grammar
//!
//! ```text
//! SPEC     := ITEM ( "," ITEM )*            (whitespace around items is ignored; empty spec = no faults)
//! ITEM     := [ ENDPOINT ":" ] SETTING
//! ENDPOINT := "token" | "ledgers" | "report" | "feed" | "all"       (no endpoint = all)
//! SETTING  := KIND "=" PROBABILITY          (0.0 ..= 1.0; per request)
//!           | "latency=" MILLISECONDS        (added before every answer of that endpoint)
//!           | "expire-after=" N              (each access token stops working after N API calls: 401)
//!           | "retry-after=" SECONDS         (the Retry-After sent with 429; default 1, 0 allowed)
//!           | "slow-ms=" MILLISECONDS        (pause between trickled chunks; default 20)
//!           | "max-consecutive=" N           (at most N faults in a row for the same request; default 3,
//!                                             0 = no limit; never limits a probability of 1)
//! KIND     := "429"     rate limited, with Retry-After
//!           | "500"     500 {errorCode: 10001, errorMessage, contextId}: transient
//!           | "10002"   500 {errorCode: 10002, ...}: input validation, must not be retried
//!           | "400"     400 application/problem+json: validation
//!           | "cut"     headers and half the body, then the connection closes
//!           | "drop"    the connection closes without any answer
//!           | "slow"    the body trickles out in small chunks
//!           | "empty"   (report only) an empty page with hasMore: true and a cursor to the same place
//! ```
//!
//! Example: `report:429=0.2,report:500=0.1,token:expire-after=50,report:cut=0.05,latency=5`.
//! "report" means the by-date endpoints (`/report/v2/ledgers/{id}/{topic}/dates/{date}`).
//! Probabilities of one endpoint are cumulative within a draw, so their sum must not exceed 1.

use super::rng::{mix, GOLDEN_GAMMA};
use crate::{Error, Result};
use std::collections::HashMap;
use std::sync::Mutex;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FaultEndpoint {
    Token,
    Ledgers,
    Report,
    Feed,
}

impl FaultEndpoint {
    pub const ALL: [FaultEndpoint; 4] = [
        FaultEndpoint::Token,
        FaultEndpoint::Ledgers,
        FaultEndpoint::Report,
        FaultEndpoint::Feed,
    ];

    fn index(self) -> usize {
        match self {
            FaultEndpoint::Token => 0,
            FaultEndpoint::Ledgers => 1,
            FaultEndpoint::Report => 2,
            FaultEndpoint::Feed => 3,
        }
    }

    fn parse(s: &str) -> Option<Option<FaultEndpoint>> {
        match s {
            "token" => Some(Some(FaultEndpoint::Token)),
            "ledgers" => Some(Some(FaultEndpoint::Ledgers)),
            "report" | "dates" => Some(Some(FaultEndpoint::Report)),
            "feed" => Some(Some(FaultEndpoint::Feed)),
            "all" | "*" => Some(None),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FaultKind {
    /// 429 with `Retry-After`.
    RateLimited,
    /// 500 with errorCode 10001.
    ServerError,
    /// 500 with errorCode 10002.
    ValidationError,
    /// 400 problem+json.
    BadRequest,
    /// Headers and half the body, then the connection closes.
    CutBody,
    /// The connection closes without an answer.
    DropConnection,
    /// The body trickles out in small chunks.
    SlowBody,
    /// By-date pages only: an empty page with `hasMore: true` and a cursor to the same position.
    EmptyPage,
}

impl FaultKind {
    fn parse(s: &str) -> Option<FaultKind> {
        match s {
            "429" => Some(FaultKind::RateLimited),
            "500" | "10001" => Some(FaultKind::ServerError),
            "10002" => Some(FaultKind::ValidationError),
            "400" => Some(FaultKind::BadRequest),
            "cut" => Some(FaultKind::CutBody),
            "drop" => Some(FaultKind::DropConnection),
            "slow" => Some(FaultKind::SlowBody),
            "empty" => Some(FaultKind::EmptyPage),
            _ => None,
        }
    }
}

/// One `ENDPOINT:KIND=P` item.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultRule {
    pub endpoint: FaultEndpoint,
    pub kind: FaultKind,
    pub probability: f64,
}

/// A parsed fault spec.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultSpec {
    pub rules: Vec<FaultRule>,
    /// Added latency per endpoint (Token, Ledgers, Report, Feed), on top of `SimConfig::latency_ms`.
    pub latency_ms: [u64; 4],
    pub token_expire_after: Option<u32>,
    pub retry_after_secs: u64,
    pub slow_chunk_ms: u64,
    pub max_consecutive: u32,
}

impl Default for FaultSpec {
    fn default() -> Self {
        FaultSpec {
            rules: Vec::new(),
            latency_ms: [0; 4],
            token_expire_after: None,
            retry_after_secs: 1,
            slow_chunk_ms: 20,
            max_consecutive: 3,
        }
    }
}

impl FaultSpec {
    pub fn parse(spec: &str) -> Result<FaultSpec> {
        let mut out = FaultSpec::default();
        let bad = |item: &str, why: &str| {
            Error::Input(format!(
                "Fault spec item \"{item}\": {why}. See `avstem sim --help`."
            ))
        };
        for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (scope, setting) = match item.split_once(':') {
                Some((ep, rest)) => {
                    let ep = FaultEndpoint::parse(ep.trim()).ok_or_else(|| {
                        bad(item, "unknown endpoint (use token, ledgers, report, feed or all)")
                    })?;
                    (ep, rest.trim())
                }
                None => (None, item),
            };
            let (key, value) = setting
                .split_once('=')
                .ok_or_else(|| bad(item, "expected NAME=VALUE"))?;
            let (key, value) = (key.trim(), value.trim());
            let endpoints: Vec<FaultEndpoint> = match scope {
                Some(ep) => vec![ep],
                None => FaultEndpoint::ALL.to_vec(),
            };
            let number = || {
                value
                    .parse::<u64>()
                    .map_err(|_| bad(item, "expected a whole number"))
            };
            match key {
                "latency" | "latency-ms" => {
                    let ms = number()?;
                    for ep in &endpoints {
                        out.latency_ms[ep.index()] = ms;
                    }
                }
                "expire-after" => {
                    let n = u32::try_from(number()?).map_err(|_| bad(item, "number too large"))?;
                    out.token_expire_after = Some(n.max(1));
                }
                "retry-after" => out.retry_after_secs = number()?,
                "slow-ms" => out.slow_chunk_ms = number()?,
                "max-consecutive" => {
                    out.max_consecutive =
                        u32::try_from(number()?).map_err(|_| bad(item, "number too large"))?
                }
                kind => {
                    let kind = FaultKind::parse(kind).ok_or_else(|| {
                        bad(item, "unknown fault (use 429, 500, 10002, 400, cut, drop, slow, empty, latency, expire-after, retry-after, slow-ms, max-consecutive)")
                    })?;
                    let p: f64 = value
                        .parse()
                        .map_err(|_| bad(item, "expected a probability like 0.1"))?;
                    if !(0.0..=1.0).contains(&p) {
                        return Err(bad(item, "probability must be between 0 and 1"));
                    }
                    if kind == FaultKind::EmptyPage && scope.is_some_and(|ep| ep != FaultEndpoint::Report) {
                        return Err(bad(
                            item,
                            "empty pages exist only on the report (by-date) endpoint",
                        ));
                    }
                    for ep in endpoints {
                        if kind == FaultKind::EmptyPage && ep != FaultEndpoint::Report {
                            continue;
                        }
                        out.rules.push(FaultRule {
                            endpoint: ep,
                            kind,
                            probability: p,
                        });
                    }
                }
            }
        }
        for ep in FaultEndpoint::ALL {
            let total: f64 = out
                .rules
                .iter()
                .filter(|r| r.endpoint == ep)
                .map(|r| r.probability)
                .sum();
            if total > 1.0 + 1e-9 {
                return Err(Error::Input(format!(
                    "Fault spec: the probabilities for one endpoint add up to {total:.2}, more than 1."
                )));
            }
        }
        Ok(out)
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty() && self.token_expire_after.is_none() && self.latency_ms.iter().all(|&l| l == 0)
    }

    pub fn latency_for(&self, ep: FaultEndpoint) -> u64 {
        self.latency_ms[ep.index()]
    }
}

/// Per-endpoint random streams and per-request fault streaks.
pub(crate) struct FaultPlan {
    pub(crate) spec: FaultSpec,
    state: Mutex<PlanState>,
}

struct PlanState {
    rngs: [u64; 4],
    streaks: HashMap<String, u32>,
}

impl FaultPlan {
    pub(crate) fn new(spec: FaultSpec, seed: u64) -> FaultPlan {
        let mut rngs = [0u64; 4];
        for (i, r) in rngs.iter_mut().enumerate() {
            *r = seed ^ (0xFA01_7000 + i as u64).wrapping_mul(GOLDEN_GAMMA);
        }
        FaultPlan {
            spec,
            state: Mutex::new(PlanState {
                rngs,
                streaks: HashMap::new(),
            }),
        }
    }

    /// Draws the fate of one request. `request_key` identifies "the same request" (method, path, query)
    /// so a streak of faults on it can be cut short.
    pub(crate) fn decide(&self, ep: FaultEndpoint, request_key: &str) -> Option<FaultKind> {
        if !self.spec.rules.iter().any(|r| r.endpoint == ep) {
            return None;
        }
        let mut state = match self.state.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        let rng = &mut state.rngs[ep.index()];
        // `mix` steps the stream by γ and finalises: the next splitmix64 output.
        let z = mix(*rng);
        *rng = rng.wrapping_add(GOLDEN_GAMMA);
        let draw = (z >> 11) as f64 / (1u64 << 53) as f64;
        let mut acc = 0.0;
        let mut chosen = None;
        for rule in self.spec.rules.iter().filter(|r| r.endpoint == ep) {
            acc += rule.probability;
            if draw < acc {
                chosen = Some(rule);
                break;
            }
        }
        let streak = state.streaks.get(request_key).copied().unwrap_or(0);
        match chosen {
            Some(rule) => {
                let capped = self.spec.max_consecutive > 0
                    && rule.probability < 1.0
                    && streak >= self.spec.max_consecutive;
                if capped {
                    state.streaks.remove(request_key);
                    None
                } else {
                    state.streaks.insert(request_key.to_string(), streak + 1);
                    Some(rule.kind)
                }
            }
            None => {
                if streak > 0 {
                    state.streaks.remove(request_key);
                }
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spec_names_endpoints_kinds_and_settings() {
        let spec = FaultSpec::parse(
            "report:429=0.2, report:500=0.1,token:expire-after=50,report:cut=0.05,latency=7,retry-after=0",
        )
        .expect("spec");
        assert_eq!(spec.rules.len(), 3);
        assert_eq!(
            spec.rules[0],
            FaultRule {
                endpoint: FaultEndpoint::Report,
                kind: FaultKind::RateLimited,
                probability: 0.2
            }
        );
        assert_eq!(spec.token_expire_after, Some(50));
        assert_eq!(spec.latency_ms, [7, 7, 7, 7]);
        assert_eq!(spec.retry_after_secs, 0);
        assert!(FaultSpec::parse("").expect("empty").is_empty());
    }

    #[test]
    fn a_bad_spec_says_which_item_is_wrong() {
        let err = FaultSpec::parse("report:teapot=0.1").expect_err("unknown kind");
        assert!(err.to_string().contains("report:teapot=0.1"), "{err}");
        assert!(FaultSpec::parse("report:500=1.5").is_err());
        assert!(FaultSpec::parse("report:500=0.7,report:429=0.7").is_err());
        assert!(FaultSpec::parse("moon:500=0.1").is_err());
        assert!(FaultSpec::parse("feed:empty=0.1").is_err());
        let everywhere = FaultSpec::parse("empty=0.2").expect("spec");
        assert_eq!(
            everywhere.rules.len(),
            1,
            "empty pages only on the report endpoint"
        );
    }

    #[test]
    fn decisions_follow_the_seed_and_the_probability() {
        let spec = FaultSpec::parse("report:500=0.25,max-consecutive=0").expect("spec");
        let a = FaultPlan::new(spec.clone(), 9);
        let b = FaultPlan::new(spec, 9);
        let fa: Vec<_> = (0..400)
            .map(|i| a.decide(FaultEndpoint::Report, &i.to_string()))
            .collect();
        let fb: Vec<_> = (0..400)
            .map(|i| b.decide(FaultEndpoint::Report, &i.to_string()))
            .collect();
        assert_eq!(fa, fb);
        let hits = fa.iter().filter(|f| f.is_some()).count();
        assert!((60..=140).contains(&hits), "{hits} of 400 at p=0.25");
        assert_eq!(a.decide(FaultEndpoint::Token, "t"), None);
    }

    #[test]
    fn the_same_request_is_not_failed_more_than_max_consecutive_times() {
        let spec = FaultSpec::parse("feed:drop=0.99,max-consecutive=2").expect("spec");
        let plan = FaultPlan::new(spec, 1);
        let fates: Vec<_> = (0..3).map(|_| plan.decide(FaultEndpoint::Feed, "same")).collect();
        assert_eq!(fates[2], None);
        let always = FaultPlan::new(FaultSpec::parse("feed:500=1").expect("spec"), 1);
        assert!((0..10).all(|_| always.decide(FaultEndpoint::Feed, "same") == Some(FaultKind::ServerError)));
    }
}
