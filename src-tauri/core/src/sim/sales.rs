//! The simulator's Sales API: what was sold on its Vippsnummer and mPOS ledgers, derived from the
//! same funds entries its Report API serves, so every capture and refund has its sales entry.
//!
//! Source of the shapes and rules: vippsas/agent-toolkit
//! `plugins/vipps-developer/skills/sales/SKILL.md` (commit c5c7b325): endpoints, `pageSize` 1–1000
//! (default 100), the entry example, the historical floors, `pspReference` null for cash, partial
//! Shopping Basket VAT, accounting keys only. Declared inside `server` (for its auth, errors and
//! faults); re-exported as `sim::sales`.

use super::paging::{encode_cursor, feed_position, ledger_not_found, page_offset, path_date, query_value};
use super::{problem, Principal, Reply, Shared};
use crate::model::{Entry, EntryType};
use crate::sim::data::World;
use crate::sim::rng::{hash_text, mix};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use http::StatusCode;
use serde::Serialize;

/// The ledgers with sales data: (ledger, sales unit, what it sells with).
pub const SALES_UNITS: [(&str, &str, SalesUnitKind); 2] = [
    ("302321", "NO:57861", SalesUnitKind::Vippsnummer),
    ("302322", "NO:57862", SalesUnitKind::Mpos),
];

/// How a sales unit sells: a Vippsnummer (open amount, later also shopping baskets) or an mPOS terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SalesUnitKind {
    Vippsnummer,
    Mpos,
}

const DEFAULT_PAGE_SIZE: usize = 100;
const MAX_PAGE_SIZE: usize = 1000;
/// Dates one feed page may walk through looking for sales.
const FEED_MAX_DATES: usize = 400;

fn floor(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// The first ledger date that can hold sales at all (the mPOS floor).
pub fn first_sales_date() -> NaiveDate {
    floor(crate::sales::MPOS_FLOOR).date_naive()
}

// ---------------------------------------------------------------------------------------------
// The wire entry (exactly the documented field names; one undocumented extra to keep clients liberal).

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SimClassification {
    pub solution: &'static str,
    pub sales_category: Option<&'static str>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SimAmounts {
    pub gross: i64,
    pub net: Option<i64>,
    pub vat: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SimLine {
    pub line_id: String,
    pub name: &'static str,
    pub quantity: i64,
    pub unit_price_gross: i64,
    pub unit_price_net: Option<i64>,
    pub discount_total: i64,
    pub line_total_gross: i64,
    pub line_total_net: Option<i64>,
    pub vat_rate: Option<i64>,
    pub vat_amount: Option<i64>,
    pub category: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SimCompleteness {
    pub has_line_items: bool,
    pub has_vat_breakdown: bool,
    pub has_customer_identity: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SimSale {
    pub entry_type: &'static str,
    pub time: String,
    pub psp_reference: Option<String>,
    pub reference: String,
    pub currency: String,
    pub payment_type: &'static str,
    pub classification: SimClassification,
    pub amounts: SimAmounts,
    pub lines: Vec<SimLine>,
    /// Reserved and always null (SKILL.md "No customer information, ever").
    pub customer: Option<()>,
    pub completeness: SimCompleteness,
    /// Not documented: production may add fields at any time, so the simulator does.
    pub sales_unit: String,
    #[serde(skip)]
    pub at: DateTime<Utc>,
}

// ---------------------------------------------------------------------------------------------
// Generation: a pure function of the world, the ledger and the date.

/// A café's menu: name, VAT rate in basis points (25 %, 15 % food, 0 % newspapers), category.
const MENU: [(&str, i64, &str); 8] = [
    ("Caffè latte", 1500, "DRINKS"),
    ("Kanelbolle", 1500, "FOOD"),
    ("Rundstykke med ost", 1500, "FOOD"),
    ("Pils 0,5 l", 2500, "DRINKS"),
    ("Kaffebønner 250 g", 1500, "GOODS"),
    ("Termokopp", 2500, "GOODS"),
    ("Avis", 0, "GOODS"),
    ("Gavekort", 0, "GIFT_CARD"),
];

const CATEGORIES: [Option<&str>; 3] = [Some("Mat og drikke"), Some("Kiosk"), None];

fn vat_of(gross: i64, rate: i64) -> i64 {
    // Gross includes VAT: vat = gross × r / (1 + r), rounded half up.
    (gross * rate * 2 + (10_000 + rate)) / ((10_000 + rate) * 2)
}

/// Order lines adding up to exactly `gross`, each keeping `unit × quantity − discount = total`.
fn basket(h: u64, gross: i64) -> Vec<SimLine> {
    let n = usize::try_from(1 + h % 4)
        .unwrap_or(1)
        .min(usize::try_from(gross.max(1)).unwrap_or(1));
    let weights: Vec<i64> = (0..n)
        .map(|i| 1 + i64::try_from(mix(h ^ i as u64) % 9).unwrap_or(0))
        .collect();
    let sum_w: i64 = weights.iter().sum();
    let mut left = gross;
    let mut lines = Vec::with_capacity(n);
    for (i, w) in weights.iter().enumerate() {
        let hi = mix(h.rotate_left(i as u32 * 7) ^ 0xBA5);
        let total = if i + 1 == n {
            left
        } else {
            (gross * w / sum_w).max(1).min(left - (n - i - 1) as i64)
        };
        left -= total;
        let (name, rate, category) = MENU[usize::try_from(hi % MENU.len() as u64).unwrap_or(0)];
        let discounted = hi >> 20 & 3 == 0 && total >= 100;
        let (qty, unit, discount) = if discounted {
            let q = 1 + i64::try_from(hi >> 24 & 1).unwrap_or(0);
            let unit = (total + total / 10 + q - 1) / q;
            (q, unit, unit * q - total)
        } else {
            let q = [3, 2, 1]
                .into_iter()
                .find(|q| total % q == 0 && hi >> 26 & 1 == 1)
                .unwrap_or(1);
            (q, total / q, 0)
        };
        let vat = vat_of(total, rate);
        lines.push(SimLine {
            line_id: format!("{}", 100_000 + hi % 900_000),
            name,
            quantity: qty,
            unit_price_gross: unit,
            unit_price_net: Some(unit - vat_of(unit, rate)),
            discount_total: discount,
            line_total_gross: total,
            line_total_net: Some(total - vat),
            vat_rate: Some(rate),
            vat_amount: Some(vat),
            category,
        });
    }
    lines
}

fn complete(lines: Vec<SimLine>, gross: i64) -> (SimAmounts, Vec<SimLine>, SimCompleteness) {
    let vat: i64 = lines.iter().filter_map(|l| l.vat_amount).sum();
    (
        SimAmounts {
            gross,
            net: Some(gross - vat),
            vat: Some(vat),
        },
        lines,
        SimCompleteness {
            has_line_items: true,
            has_vat_breakdown: true,
            has_customer_identity: false,
        },
    )
}

/// The merchant typed VAT on some lines only: those lines keep it, the entry's VAT and net are unknown.
fn drop_some_vat(mut lines: Vec<SimLine>, h: u64, gross: i64) -> (SimAmounts, Vec<SimLine>, SimCompleteness) {
    for (i, l) in lines.iter_mut().enumerate() {
        if i == 0 || mix(h ^ (i as u64 + 11)) & 1 == 0 {
            l.vat_rate = None;
            l.vat_amount = None;
            l.unit_price_net = None;
            l.line_total_net = None;
        }
    }
    (
        SimAmounts {
            gross,
            net: None,
            vat: None,
        },
        lines,
        SimCompleteness {
            has_line_items: true,
            has_vat_breakdown: false,
            has_customer_identity: false,
        },
    )
}

fn open_amount(gross: i64) -> (SimAmounts, Vec<SimLine>, SimCompleteness) {
    (
        SimAmounts {
            gross,
            net: None,
            vat: None,
        },
        Vec::new(),
        SimCompleteness {
            has_line_items: false,
            has_vat_breakdown: false,
            has_customer_identity: false,
        },
    )
}

fn wire_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// The sales entry of one capture on a sales unit, or `None` before the floor of its solution.
fn capture_sale(seed: u64, kind: SalesUnitKind, e: &Entry) -> Option<SimSale> {
    let h = hash_text(seed, &e.reference);
    let (solution, payment) = match kind {
        SalesUnitKind::Mpos if e.time >= floor(crate::sales::MPOS_FLOOR) => {
            ("MPOS", if h >> 3 & 3 == 0 { "WALLET" } else { "CARD" })
        }
        SalesUnitKind::Vippsnummer if e.time >= floor(crate::sales::SHOPPING_BASKET_FLOOR) && h % 10 < 7 => {
            ("SHOPPING_BASKET", "WALLET")
        }
        SalesUnitKind::Vippsnummer if e.time >= floor(crate::sales::VARIABLE_AMOUNT_FLOOR) => {
            ("VARIABLE_AMOUNT", "WALLET")
        }
        _ => return None,
    };
    let gross = e.amount;
    let (amounts, lines, completeness) = match solution {
        "VARIABLE_AMOUNT" => open_amount(gross),
        "SHOPPING_BASKET" if h >> 9 & 7 == 0 => drop_some_vat(basket(h, gross), h, gross),
        _ => complete(basket(h, gross), gross),
    };
    let category = if solution == "VARIABLE_AMOUNT" {
        CATEGORIES[usize::try_from(h >> 13 & 1).unwrap_or(0) * 2]
    } else {
        None
    };
    Some(SimSale {
        entry_type: "capture",
        time: wire_time(e.time),
        psp_reference: Some(e.psp_reference.clone()),
        reference: e.reference.clone(),
        currency: e.currency.clone(),
        payment_type: payment,
        classification: SimClassification {
            solution,
            sales_category: category,
        },
        amounts,
        lines,
        customer: None,
        completeness,
        sales_unit: e.recipient_handle.clone().unwrap_or_default(),
        at: e.time,
    })
}

/// A refund's sales entry: a full refund returns every line (negative quantities); a partial one is
/// an amount without lines, so its VAT is unknown.
fn refund_sale(source: &SimSale, e: &Entry) -> SimSale {
    let gross = e.amount;
    let (amounts, lines, completeness) = if gross == -source.amounts.gross {
        let lines = source
            .lines
            .iter()
            .map(|l| SimLine {
                quantity: -l.quantity,
                discount_total: -l.discount_total,
                line_total_gross: -l.line_total_gross,
                line_total_net: l.line_total_net.map(|v| -v),
                vat_amount: l.vat_amount.map(|v| -v),
                ..l.clone()
            })
            .collect();
        let amounts = SimAmounts {
            gross,
            net: source.amounts.net.map(|v| -v),
            vat: source.amounts.vat.map(|v| -v),
        };
        (amounts, lines, source.completeness)
    } else {
        open_amount(gross)
    };
    SimSale {
        entry_type: "refund",
        time: wire_time(e.time),
        psp_reference: Some(e.psp_reference.clone()),
        reference: e.reference.clone(),
        currency: e.currency.clone(),
        payment_type: source.payment_type,
        classification: source.classification.clone(),
        amounts,
        lines,
        customer: None,
        completeness,
        sales_unit: source.sales_unit.clone(),
        at: e.time,
    }
}

/// Cash sales at the terminal: sold, but never in Vipps funds (no pspReference, no funds entry).
fn cash_sales(
    seed: u64,
    ledger_id: &str,
    currency: &str,
    handle: &str,
    date: NaiveDate,
    captures: usize,
) -> Vec<SimSale> {
    let tz = crate::model::time_zone_for_currency(currency);
    let day_start = date
        .and_hms_opt(0, 0, 0)
        .and_then(|n| n.and_local_timezone(tz).earliest())
        .map(|t| t.with_timezone(&Utc));
    let Some(day_start) = day_start else {
        return Vec::new();
    };
    let n = captures / 6 + 1;
    (0..n)
        .filter_map(|i| {
            let reference = format!("kasse-{}-{:04}", date.format("%y%m%d"), i + 1);
            let h = hash_text(seed ^ 0xCA54, &format!("{ledger_id}/{reference}"));
            let at = day_start + Duration::minutes(8 * 60 + i64::try_from(h % (10 * 60)).unwrap_or(0));
            if at < floor(crate::sales::MPOS_FLOOR) {
                return None;
            }
            let gross = (29 + i64::try_from(h >> 16 & 0xFF).unwrap_or(0)) * 100;
            let (amounts, lines, completeness) = complete(basket(h, gross), gross);
            Some(SimSale {
                entry_type: "capture",
                time: wire_time(at),
                psp_reference: None,
                reference,
                currency: currency.to_string(),
                payment_type: "CASH",
                classification: SimClassification {
                    solution: "MPOS",
                    sales_category: None,
                },
                amounts,
                lines,
                customer: None,
                completeness,
                sales_unit: handle.to_string(),
                at,
            })
        })
        .collect()
}

fn sales_unit(world: &World, ledger_id: &str) -> Option<(String, SalesUnitKind)> {
    if let Some((_, h, k)) = SALES_UNITS.iter().find(|(l, _, _)| *l == ledger_id) {
        return Some((h.to_string(), *k));
    }
    // The bulk ledger sells shopping baskets too: the benchmark's busy month (issue 17).
    if ledger_id == crate::sim::data::BULK_LEDGER_ID {
        let ledger = world.ledger(ledger_id)?;
        let handle = ledger.sales_units.first()?.recipient_handle.clone();
        return Some((handle, SalesUnitKind::Vippsnummer));
    }
    None
}

fn on_unit(e: &Entry, handle: &str) -> bool {
    e.recipient_handle.as_deref() == Some(handle)
}

/// Every sales entry of one ledger date, in time order. Empty for ledgers without sales units.
pub fn sales_for_date(world: &World, ledger_id: &str, date: NaiveDate) -> Vec<SimSale> {
    let Some((handle, kind)) = sales_unit(world, ledger_id) else {
        return Vec::new();
    };
    if date < first_sales_date() {
        return Vec::new();
    }
    let seed = world.seed();
    let funds = world.day(ledger_id, date).funds;
    let mut out: Vec<SimSale> = Vec::new();
    let mut captures = 0usize;
    let mut earlier: Vec<(NaiveDate, Vec<Entry>)> = Vec::new();
    for e in funds.iter().filter(|e| on_unit(e, &handle)) {
        match e.entry_type {
            EntryType::Capture => {
                captures += 1;
                out.extend(capture_sale(seed, kind, e));
            }
            EntryType::Refund => {
                // The refunded capture is on this date or up to two dates before.
                let source = (0..=2).find_map(|back| {
                    let d = date - Duration::days(back);
                    let day = if back == 0 {
                        &funds
                    } else {
                        if !earlier.iter().any(|(x, _)| *x == d) {
                            earlier.push((d, world.day(ledger_id, d).funds));
                        }
                        &earlier.iter().find(|(x, _)| *x == d)?.1
                    };
                    day.iter()
                        .find(|c| c.entry_type == EntryType::Capture && c.reference == e.reference)
                        .cloned()
                });
                if let Some(sale) = source.and_then(|c| capture_sale(seed, kind, &c)) {
                    out.push(refund_sale(&sale, e));
                }
            }
            _ => {}
        }
    }
    if kind == SalesUnitKind::Mpos {
        let currency = world.ledger(ledger_id).map(|l| l.currency).unwrap_or_default();
        out.extend(cash_sales(seed, ledger_id, &currency, &handle, date, captures));
    }
    out.sort_by_key(|s| s.at);
    out
}

// ---------------------------------------------------------------------------------------------
// HTTP: `/sales/report/v1/ledgers/{id}[/dates/{d} | /references/{r} | /psp-references/{p}]`.

#[derive(Debug, Clone)]
pub(super) enum SalesRoute {
    Feed {
        ledger_id: String,
    },
    Date {
        ledger_id: String,
        date: String,
    },
    Reference {
        ledger_id: String,
        reference: String,
    },
    PspReference {
        ledger_id: String,
        psp_reference: String,
    },
}

impl SalesRoute {
    /// The same fault rules as the Report API: the feed as "feed", everything else as "report".
    pub(super) fn endpoint(&self) -> super::FaultEndpoint {
        match self {
            SalesRoute::Feed { .. } => super::FaultEndpoint::Feed,
            _ => super::FaultEndpoint::Report,
        }
    }
}

/// `segs`: the path segments after `sales/report/v1/ledgers`.
pub(super) fn route(segs: &[&str]) -> Option<SalesRoute> {
    let s = |x: &str| x.to_string();
    match segs {
        [id] => Some(SalesRoute::Feed { ledger_id: s(id) }),
        [id, "dates", d] => Some(SalesRoute::Date {
            ledger_id: s(id),
            date: s(d),
        }),
        [id, "references", r] => Some(SalesRoute::Reference {
            ledger_id: s(id),
            reference: s(r),
        }),
        [id, "psp-references", p] => Some(SalesRoute::PspReference {
            ledger_id: s(id),
            psp_reference: s(p),
        }),
        _ => None,
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SalesPage<'a> {
    items: &'a [SimSale],
    #[serde(skip_serializing_if = "Option::is_none")]
    has_more: Option<bool>,
    cursor: String,
}

fn page_size(query: &[(String, String)]) -> Result<usize, ()> {
    match query_value(query, "pageSize") {
        None => Ok(DEFAULT_PAGE_SIZE),
        Some(v) => match v.trim().parse::<usize>() {
            Ok(n) if (1..=MAX_PAGE_SIZE).contains(&n) => Ok(n),
            _ => Err(()),
        },
    }
}

/// What a date shows: all of a closed date, the sales so far of today, nothing later.
fn visible(world: &World, ledger_id: &str, date: NaiveDate, today: NaiveDate) -> Vec<SimSale> {
    if date > today {
        return Vec::new();
    }
    let mut sales = sales_for_date(world, ledger_id, date);
    if date == today {
        let now = crate::clock::Clock::System.now();
        sales.retain(|s| s.at <= now);
    }
    sales
}

pub(super) fn answer(
    shared: &Shared,
    who: Principal,
    route: &SalesRoute,
    query: &[(String, String)],
    path: &str,
    empty_page: bool,
) -> Reply {
    let (SalesRoute::Feed { ledger_id }
    | SalesRoute::Date { ledger_id, .. }
    | SalesRoute::Reference { ledger_id, .. }
    | SalesRoute::PspReference { ledger_id, .. }) = route;
    if who != Principal::Partner {
        // "There is no merchant-keys path": the product is not part of a merchant subscription.
        return problem(
            StatusCode::FORBIDDEN,
            "The Sales API is only available with accounting keys.",
            path,
            shared.context_id(),
        );
    }
    if !shared.can_see(who, ledger_id) {
        return ledger_not_found(shared, ledger_id, path);
    }
    let Ok(size) = page_size(query) else {
        return problem(
            StatusCode::BAD_REQUEST,
            "pageSize must be a whole number from 1 to 1000.",
            path,
            shared.context_id(),
        );
    };
    let world = shared.world();
    let today = shared.today();
    match route {
        SalesRoute::Date { date, .. } => {
            let date = match path_date(shared, date, path) {
                Ok(d) => d,
                Err(r) => return r,
            };
            let offset = match page_offset(shared, query, path, "sales:") {
                Ok(n) => n,
                Err(r) => return r,
            };
            let sales = visible(&world, ledger_id, date, today);
            let start = offset.min(sales.len());
            let end = (offset + size).min(sales.len());
            if empty_page && start < sales.len() {
                let page = SalesPage {
                    items: &[],
                    has_more: Some(true),
                    cursor: encode_cursor(&format!("sales:{offset}")),
                };
                return Reply::json(StatusCode::OK, &page);
            }
            let has_more = end < sales.len();
            let page = SalesPage {
                items: &sales[start..end],
                has_more: Some(has_more),
                cursor: if has_more {
                    encode_cursor(&format!("sales:{end}"))
                } else {
                    String::new()
                },
            };
            Reply::json(StatusCode::OK, &page)
        }
        SalesRoute::Feed { .. } => feed(shared, &world, ledger_id, query, path, size, today),
        SalesRoute::Reference { reference, .. } => lookup(
            &world,
            ledger_id,
            today,
            |s| s.reference == *reference,
            reference_dates(reference),
        ),
        SalesRoute::PspReference { psp_reference, .. } => lookup(
            &world,
            ledger_id,
            today,
            |s| s.psp_reference.as_deref() == Some(psp_reference.as_str()),
            None,
        ),
    }
}

/// Dates an order's sales can be on: its own date (from `order-YYMMDD-…` / `kasse-YYMMDD-…`) and
/// the two after it (refunds).
fn reference_dates(reference: &str) -> Option<NaiveDate> {
    let digits = reference.split('-').nth(1)?;
    NaiveDate::parse_from_str(digits, "%y%m%d").ok()
}

fn lookup(
    world: &World,
    ledger_id: &str,
    today: NaiveDate,
    wanted: impl Fn(&SimSale) -> bool,
    from: Option<NaiveDate>,
) -> Reply {
    let (start, days) = match from {
        Some(d) => (d, 3),
        None => (
            first_sales_date(),
            today.signed_duration_since(first_sales_date()).num_days().max(0) + 1,
        ),
    };
    let items: Vec<SimSale> = (0..days)
        .map(|i| start + Duration::days(i))
        .flat_map(|d| visible(world, ledger_id, d, today))
        .filter(|s| wanted(s))
        .collect();
    let page = SalesPage {
        items: &items,
        has_more: Some(false),
        cursor: String::new(),
    };
    Reply::json(StatusCode::OK, &page)
}

fn feed(
    shared: &Shared,
    world: &World,
    ledger_id: &str,
    query: &[(String, String)],
    path: &str,
    size: usize,
    today: NaiveDate,
) -> Reply {
    let (mut date, mut offset) = match feed_position(shared, query, path, "salesfeed:", first_sales_date()) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let mut items: Vec<SimSale> = Vec::new();
    // Only closed dates are streamed: a position never moves past a date that can still grow.
    for _ in 0..FEED_MAX_DATES {
        if date >= today || items.len() >= size {
            break;
        }
        let sales = sales_for_date(world, ledger_id, date);
        let len = sales.len();
        let take = (size - items.len()).min(len.saturating_sub(offset));
        items.extend(sales.into_iter().skip(offset).take(take));
        if offset + take >= len {
            date += Duration::days(1);
            offset = 0;
        } else {
            offset += take;
        }
    }
    let page = SalesPage {
        items: &items,
        has_more: None,
        cursor: encode_cursor(&format!("salesfeed:{}/{offset}", date.format("%Y-%m-%d"))),
    };
    Reply::json(StatusCode::OK, &page)
}
