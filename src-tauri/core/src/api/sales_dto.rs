//! Wire shapes of the Sales API, decoded liberally: unknown fields ignored, numbers as strings,
//! `pspReference` null for cash, any VAT figure missing. Nothing here leaks past `api`.
//!
//! Source: vippsas/agent-toolkit `plugins/vipps-developer/skills/sales/SKILL.md` (commit c5c7b325),
//! "An entry" (the JSON example and the notes under it); shared/report-api.md §10.

use super::dto::{
    excerpt, opt_bool, opt_int, opt_string, time_and_ledger_date, vec_or_null, MAX_PLAUSIBLE_MINOR,
};
use crate::sales::{Completeness, PaymentType, SaleEntry, SaleKind, SaleLine, Solution};
use crate::{Error, Result};
use chrono::NaiveDate;
use serde::{Deserialize, Deserializer};

/// No order line sells more than a million units; more is a misread field, not a sale.
pub const MAX_PLAUSIBLE_QUANTITY_MILLI: i64 = 1_000_000_000;

/// One page of the feed or of a date (the date endpoint adds `hasMore`). `entries` is accepted
/// as another name for `items`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SalesPageDto {
    #[serde(default, alias = "entries", deserialize_with = "vec_or_null")]
    pub items: Vec<SaleEntryDto>,
    #[serde(default, deserialize_with = "opt_bool")]
    pub has_more: Option<bool>,
    #[serde(default, deserialize_with = "opt_string")]
    pub cursor: Option<String>,
    #[serde(default, deserialize_with = "opt_bool")]
    pub try_later: Option<bool>,
}

/// A by-reference or by-pspReference answer: the docs do not show its shape, so a page, a bare
/// list and a single entry are all accepted.
pub fn lookup_page(value: serde_json::Value, what: &str) -> Result<SalesPageDto> {
    let body = excerpt(&value.to_string());
    let shape_error = |e: serde_json::Error| Error::Undecodable {
        detail: format!("the {what} has an unexpected shape: {e}"),
        excerpt: body.clone(),
    };
    match value {
        serde_json::Value::Array(_) => Ok(SalesPageDto {
            items: serde_json::from_value(value).map_err(shape_error)?,
            has_more: None,
            cursor: None,
            try_later: None,
        }),
        serde_json::Value::Object(ref o) if o.contains_key("items") || o.contains_key("entries") => {
            serde_json::from_value(value).map_err(shape_error)
        }
        serde_json::Value::Object(_) => Ok(SalesPageDto {
            items: vec![serde_json::from_value(value).map_err(shape_error)?],
            has_more: None,
            cursor: None,
            try_later: None,
        }),
        _ => Ok(SalesPageDto {
            items: Vec::new(),
            has_more: None,
            cursor: None,
            try_later: None,
        }),
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClassificationDto {
    #[serde(default, deserialize_with = "opt_string")]
    pub solution: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub sales_category: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AmountsDto {
    #[serde(default, deserialize_with = "opt_int")]
    pub gross: Option<i64>,
    #[serde(default, deserialize_with = "opt_int")]
    pub net: Option<i64>,
    #[serde(default, deserialize_with = "opt_int")]
    pub vat: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CompletenessDto {
    #[serde(default, deserialize_with = "opt_bool")]
    pub has_line_items: Option<bool>,
    #[serde(default, deserialize_with = "opt_bool")]
    pub has_vat_breakdown: Option<bool>,
    #[serde(default, deserialize_with = "opt_bool")]
    pub has_customer_identity: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SaleLineDto {
    #[serde(default, deserialize_with = "opt_string")]
    pub line_id: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "quantity_milli")]
    pub quantity: Option<i64>,
    #[serde(default, deserialize_with = "opt_int")]
    pub unit_price_gross: Option<i64>,
    #[serde(default, deserialize_with = "opt_int")]
    pub unit_price_net: Option<i64>,
    #[serde(default, deserialize_with = "opt_int")]
    pub discount_total: Option<i64>,
    #[serde(default, deserialize_with = "opt_int")]
    pub line_total_gross: Option<i64>,
    #[serde(default, deserialize_with = "opt_int")]
    pub line_total_net: Option<i64>,
    #[serde(default, deserialize_with = "opt_int")]
    pub vat_rate: Option<i64>,
    #[serde(default, deserialize_with = "opt_int")]
    pub vat_amount: Option<i64>,
    #[serde(default, deserialize_with = "opt_string")]
    pub category: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SaleEntryDto {
    #[serde(default, deserialize_with = "opt_string")]
    pub entry_type: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub time: Option<String>,
    /// Not in the documented example; used when sent.
    #[serde(default, deserialize_with = "opt_string")]
    pub ledger_date: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub psp_reference: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub reference: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub currency: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub payment_type: Option<String>,
    #[serde(default)]
    pub classification: Option<ClassificationDto>,
    #[serde(default)]
    pub amounts: Option<AmountsDto>,
    #[serde(default, deserialize_with = "vec_or_null")]
    pub lines: Vec<SaleLineDto>,
    #[serde(default)]
    pub completeness: Option<CompletenessDto>,
}

/// A quantity as a whole number, a decimal or a numeric string, in thousandths of a unit.
fn quantity_milli<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<i64>, D::Error> {
    let v = Option::<serde_json::Value>::deserialize(d)?;
    let milli = |f: f64| (f.is_finite() && f.abs() < 9.0e12).then(|| (f * 1000.0).round() as i64);
    Ok(match v {
        Some(serde_json::Value::Number(n)) => match n.as_i64() {
            Some(i) => i.checked_mul(1000),
            None => n.as_f64().and_then(milli),
        },
        Some(serde_json::Value::String(s)) => {
            let t = s.trim();
            t.parse::<i64>()
                .ok()
                .and_then(|i| i.checked_mul(1000))
                .or_else(|| t.replace(',', ".").parse::<f64>().ok().and_then(milli))
        }
        _ => None,
    })
}

/// Where an entry was asked for.
#[derive(Debug, Clone, Copy)]
pub struct SaleContext<'a> {
    pub ledger_id: &'a str,
    /// The date asked for; `None` on the feed and the lookups (then `ledgerDate` or `time` says).
    pub requested_date: Option<NaiveDate>,
}

impl SaleEntryDto {
    pub fn into_model(self, ctx: SaleContext<'_>, seq: u32) -> Result<SaleEntry> {
        let psp = self.psp_reference.filter(|p| !p.trim().is_empty());
        let reference = self.reference.unwrap_or_default();
        let bad = |what: String| Error::Undecodable {
            detail: format!("sales entry {seq} on ledger {}: {what}", ctx.ledger_id),
            excerpt: excerpt(psp.as_deref().unwrap_or(&reference)),
        };
        let amounts = self.amounts.unwrap_or_default();
        let lines = self
            .lines
            .into_iter()
            .enumerate()
            .map(|(i, l)| l.into_model(i))
            .collect::<Vec<_>>();
        // Same bound as the Report API decoder: far beyond any real sale, so sums never overflow.
        let plausible = |v: &Option<i64>| v.is_none_or(|v| v.unsigned_abs() <= MAX_PLAUSIBLE_MINOR);
        let amounts_ok = [amounts.gross, amounts.net, amounts.vat].iter().all(plausible);
        let lines_ok = lines.iter().all(|l| {
            [
                l.unit_price_gross,
                l.unit_price_net,
                Some(l.discount_total),
                l.line_total_gross,
                l.line_total_net,
                l.vat_amount,
            ]
            .iter()
            .all(plausible)
                && l.quantity_milli
                    .is_none_or(|q| q.unsigned_abs() <= MAX_PLAUSIBLE_QUANTITY_MILLI as u64)
                && l.vat_rate_bp.is_none_or(|r| (0..=10_000).contains(&r))
        });
        if !amounts_ok || !lines_ok {
            return Err(bad(
                "an amount beyond 10^12 minor units, a quantity beyond a million or a VAT rate beyond 100 %"
                    .into(),
            ));
        }
        let currency = self.currency.unwrap_or_default();
        let (time, ledger_date) = time_and_ledger_date(
            self.time.as_deref(),
            self.ledger_date.as_deref(),
            ctx.requested_date,
            &currency,
        )
        .map_err(bad)?;
        let classification = self.classification.unwrap_or_default();
        let completeness = self.completeness.unwrap_or_default();
        let has_lines = !lines.is_empty();
        // Absent flags fall back to what the entry shows, never to "complete".
        let completeness = Completeness {
            has_line_items: completeness.has_line_items.unwrap_or(has_lines),
            has_vat_breakdown: completeness.has_vat_breakdown.unwrap_or(false),
            has_customer_identity: completeness.has_customer_identity.unwrap_or(false),
        };
        let gross = amounts.gross;
        Ok(SaleEntry {
            ledger_id: ctx.ledger_id.to_string(),
            ledger_date,
            seq,
            kind: SaleKind::parse(self.entry_type.as_deref().unwrap_or("unknown")),
            time,
            psp_reference: psp,
            reference,
            currency,
            payment_type: PaymentType::parse(self.payment_type.as_deref().unwrap_or("UNKNOWN")),
            solution: Solution::parse(classification.solution.as_deref().unwrap_or("UNKNOWN")),
            sales_category: classification.sales_category.filter(|c| !c.trim().is_empty()),
            gross,
            net: amounts.net,
            vat: amounts.vat,
            lines,
            completeness,
        })
    }
}

impl SaleLineDto {
    fn into_model(self, index: usize) -> SaleLine {
        SaleLine {
            line_id: self
                .line_id
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| format!("#{}", index + 1)),
            name: self.name.unwrap_or_default(),
            quantity_milli: self.quantity,
            unit_price_gross: self.unit_price_gross,
            unit_price_net: self.unit_price_net,
            discount_total: self.discount_total.unwrap_or(0),
            line_total_gross: self.line_total_gross,
            line_total_net: self.line_total_net,
            vat_rate_bp: self.vat_rate,
            vat_amount: self.vat_amount,
            category: self.category.filter(|c| !c.trim().is_empty()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LEDGER: SaleContext<'static> = SaleContext {
        ledger_id: "302321",
        requested_date: None,
    };

    fn decode(json: &str) -> Result<SaleEntry> {
        let dto: SaleEntryDto = serde_json::from_str(json).map_err(|e| Error::Input(e.to_string()))?;
        dto.into_model(LEDGER, 0)
    }

    /// The example entry of SKILL.md, verbatim in shape and figures.
    const DOC_EXAMPLE: &str = r#"{
      "entryType": "capture", "time": "2026-01-19T12:45:00Z", "pspReference": "35054310398",
      "reference": "12494299492", "currency": "NOK", "paymentType": "CARD",
      "classification": { "solution": "MPOS", "salesCategory": null },
      "amounts": { "gross": 25000, "net": 20000, "vat": 5000 },
      "lines": [ { "lineId": "121772", "name": "Product A", "quantity": 2, "unitPriceGross": 12500,
        "unitPriceNet": 10000, "discountTotal": 0, "lineTotalGross": 25000, "lineTotalNet": 20000,
        "vatRate": 2500, "vatAmount": 5000, "category": "GOODS" } ],
      "customer": null,
      "completeness": { "hasLineItems": true, "hasVatBreakdown": true, "hasCustomerIdentity": false }
    }"#;

    #[test]
    fn the_documented_example_decodes_with_every_figure() {
        let e = decode(DOC_EXAMPLE).expect("entry");
        assert_eq!(e.kind, SaleKind::Capture);
        assert_eq!(e.psp_reference.as_deref(), Some("35054310398"));
        assert_eq!(e.payment_type, PaymentType::Card);
        assert_eq!(e.solution, Solution::Mpos);
        assert_eq!((e.gross, e.net, e.vat), (Some(25000), Some(20000), Some(5000)));
        let l = &e.lines[0];
        assert_eq!(
            (l.quantity_milli, l.vat_rate_bp, l.vat_amount),
            (Some(2000), Some(2500), Some(5000))
        );
        assert_eq!(l.category.as_deref(), Some("GOODS"));
        // 12:45 UTC on 19 January is 13:45 in Oslo: the same ledger date.
        assert_eq!(e.ledger_date, NaiveDate::from_ymd_opt(2026, 1, 19).expect("date"));
        assert!(e.violations().is_empty());
        assert!(e.completeness.has_vat_breakdown && !e.completeness.has_customer_identity);
    }

    #[test]
    fn cash_without_psp_reference_and_unknown_fields_decode() {
        let e = decode(
            r#"{"entryType":"capture","time":"2026-03-10T09:00:00.000000Z","pspReference":null,
               "reference":"till-7","currency":"NOK","paymentType":"CASH","newField":{"x":1},
               "classification":{"solution":"MPOS","futureThing":true},
               "amounts":{"gross":"4900","net":null,"vat":null},"lines":null}"#,
        )
        .expect("entry");
        assert!(e.outside_vipps_funds());
        assert_eq!(e.payment_type, PaymentType::Cash);
        assert_eq!((e.gross, e.net, e.vat), (Some(4900), None, None));
        assert!(e.lines.is_empty() && !e.completeness.has_line_items && !e.completeness.has_vat_breakdown);
    }

    #[test]
    fn a_line_without_vat_and_a_decimal_quantity_decode() {
        let e = decode(
            r#"{"entryType":"capture","time":"2026-05-02T10:00:00Z","pspReference":"p","reference":"o",
               "currency":"NOK","paymentType":"WALLET","classification":{"solution":"SHOPPING_BASKET"},
               "amounts":{"gross":1833},
               "lines":[{"lineId":"a","quantity":"1","unitPriceGross":1000,"lineTotalGross":1000,"vatRate":2500,"vatAmount":200},
                        {"quantity":0.25,"unitPriceGross":3333,"lineTotalGross":833}],
               "completeness":{"hasLineItems":true,"hasVatBreakdown":false}}"#,
        )
        .expect("entry");
        assert_eq!(e.lines[1].line_id, "#2");
        assert_eq!(e.lines[1].quantity_milli, Some(250));
        assert_eq!(e.lines[1].vat_rate_bp, None);
        assert!(e.violations().is_empty(), "{:?}", e.violations());
        assert!(!e.vat_is_complete());
    }

    #[test]
    fn implausible_amounts_quantities_and_rates_are_refused() {
        for bad in [
            r#""amounts":{"gross":1000000000001}"#,
            r#""lines":[{"quantity":2000000,"unitPriceGross":1,"lineTotalGross":1}]"#,
            r#""lines":[{"quantity":1,"vatRate":10001}]"#,
        ] {
            let json = format!(r#"{{"entryType":"capture","time":"2026-05-02T10:00:00Z",{bad}}}"#);
            let err = decode(&json).expect_err(bad);
            assert_eq!(err.kind(), "undecodable", "{bad}");
        }
    }

    #[test]
    fn lookups_accept_a_page_a_list_or_one_entry() {
        let lookup = |json: &str| {
            let value: serde_json::Value = serde_json::from_str(json).expect("json");
            lookup_page(value, "lookup").expect("page")
        };
        assert_eq!(lookup(DOC_EXAMPLE).items.len(), 1);
        assert_eq!(lookup(&format!("[{DOC_EXAMPLE},{DOC_EXAMPLE}]")).items.len(), 2);
        let page = lookup(&format!(r#"{{"entries":[{DOC_EXAMPLE}],"cursor":"c"}}"#));
        assert_eq!((page.items.len(), page.cursor.as_deref()), (1, Some("c")));
    }
}
