//! The firm world (opt-in, `SimConfig::firm`): an accounting partner with 200 granted ledgers, for
//! month-end at scale. The default world and its figures are untouched: these ledgers exist only
//! when asked for.
//!
//! | ledgers | what |
//! |---|---|
//! | 700001–700199 | generated clients: NOK, DKK (every 10th from 3) and EUR (every 10th from 7); 2–61 captures a day, every 20th 150; weekly every 4th, monthly every 7th, else daily; gross every 5th; Vippsnummer only every 25th; negative stretches every 40th |
//! | 900001 | the bulk ledger (its volume is `bulk_entries_per_day`: 33,334 gives over 1,000,000 entries a month) |
//! | 700200 | NOT granted at the start: [`crate::sim::SimHandle::grant`] makes it appear |
//!
//! The same seed gives the same firm; only the figures move with the seed.

use super::cast::{regular, LedgerSeed};
use super::rng::{hash, hash_str};
use super::{LedgerSpec, PayoutFrequency, Settlement, BULK_LEDGER_ID};
use crate::model::{SalesUnit, SchemeId};

/// Generated client ledgers (700001 ..= 700000 + FIRM_LEDGERS); the last is granted later.
pub const FIRM_LEDGERS: u32 = 200;

/// The generated ledger granted only when the test or benchmark says so.
pub const FIRM_LATE_LEDGER: &str = "700200";

const FIRST: &[&str] = &[
    "Fjell",
    "Havblikk",
    "Solsiden",
    "Bryggen",
    "Lindeberg",
    "Nordkapp",
    "Elvebakken",
    "Furulund",
    "Strandkanten",
    "Tindetopp",
    "Vestvind",
    "Kystlys",
    "Bjørke",
    "Østre",
    "Granly",
    "Sjøbua",
];
const SECOND: &[&str] = &[
    "Kaffebar",
    "Bakeri",
    "Sykkel",
    "Blomster",
    "Frisør",
    "Kiosk",
    "Bokhandel",
    "Pizzeria",
    "Yoga",
    "Verksted",
    "Fiskehandel",
    "Isbar",
    "Gårdsbutikk",
    "Bryggeri",
];

/// The client's name for generated ledger `i` (1-based): two words and a company form.
pub fn firm_client_name(i: u32) -> String {
    let a = FIRST[(i as usize) % FIRST.len()];
    let b = SECOND[(i as usize / FIRST.len() + i as usize) % SECOND.len()];
    let form = match i % 10 {
        3 => "ApS",
        7 => "Oy",
        _ => "AS",
    };
    format!("{a} {b} {form}")
}

/// The ledger id of generated ledger `i` (1-based).
pub fn firm_ledger_id(i: u32) -> String {
    format!("{}", 700_000 + i)
}

/// The ledgers the partner sees at the start of a firm world: 199 generated and the bulk ledger.
pub fn firm_granted() -> Vec<String> {
    let mut ids: Vec<String> = (1..FIRM_LEDGERS).map(firm_ledger_id).collect();
    ids.push(BULK_LEDGER_ID.to_string());
    ids
}

/// Every generated ledger's settings for this seed.
pub(super) fn firm_specs(seed: u64) -> Vec<LedgerSpec> {
    (1..=FIRM_LEDGERS).map(|i| firm_spec(i, seed)).collect()
}

fn firm_spec(i: u32, seed: u64) -> LedgerSpec {
    let id = firm_ledger_id(i);
    let h = hash(&[hash_str(&id), 0xf1_7a]);
    let (currency, scheme, country) = match i % 10 {
        3 => ("DKK", "business:DK:CVR", "DK"),
        7 => ("EUR", "business:FI:Y-tunnus", "FI"),
        _ => ("NOK", "business:NO:ORG", "NO"),
    };
    let owner_id = match country {
        "DK" => format!("{}", 40_000_000 + i),
        "FI" => format!("{}-{}", 3_000_000 + i, i % 10),
        _ => format!("{}", 930_000_000 + i),
    };
    let bank = match country {
        "DK" => ("BBAN:DK", format!("3000{:010}", 2_000 + i)),
        "FI" => ("IBAN:FI", format!("FI21{:014}", 5_000 + i)),
        _ => ("BBAN:NO", format!("1503{:07}", 10_000 + i)),
    };
    let payout = if i.is_multiple_of(7) {
        PayoutFrequency::Monthly
    } else if i.is_multiple_of(4) {
        PayoutFrequency::Weekly
    } else {
        PayoutFrequency::Daily
    };
    let settlement = if i.is_multiple_of(5) {
        Settlement::Gross
    } else {
        Settlement::Net
    };
    let seed_spec = LedgerSeed {
        mean_captures: if i.is_multiple_of(20) {
            150
        } else {
            2 + (h % 60) as u32
        },
        lagging_fees: i.is_multiple_of(6),
        negative_stretches: i.is_multiple_of(40),
        unknown_types: i.is_multiple_of(50),
        code: 10 + u64::from(i % 90),
        // The placeholders are replaced below with this ledger's own ids and names.
        ..regular(
            "700000",
            currency,
            (scheme, ""),
            ("", ""),
            &[],
            payout,
            settlement,
        )
    };
    let mut spec = LedgerSpec::from_seed(seed_spec, seed);
    let name = firm_client_name(i);
    let owner = SchemeId {
        scheme: scheme.to_string(),
        id: owner_id,
    };
    // Vippsnummer only (no API keys): a `CC:number` handle; otherwise an API sales unit.
    let handle = if i.is_multiple_of(25) {
        format!("{country}:{}", 60_000 + i)
    } else {
        format!("api:{}", 800_000 + i)
    };
    spec.ledger.ledger_id = id.clone();
    spec.ledger.owner = owner.clone();
    spec.ledger.payout_bank_account = SchemeId {
        scheme: bank.0.to_string(),
        id: bank.1,
    };
    spec.ledger.settles_for_recipient_handles = vec![handle.clone()];
    spec.bank_number = handle
        .split_once(':')
        .map(|(_, n)| n)
        .unwrap_or(&handle)
        .to_string();
    spec.ledger.sales_units = vec![SalesUnit {
        name,
        recipient_handle: handle,
        business_identifier: Some(owner),
    }];
    spec.tag = hash(&[seed, hash_str(&id)]);
    spec
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_firm_has_200_ledgers_of_every_kind() {
        let specs = firm_specs(42);
        assert_eq!(specs.len(), 200);
        assert_eq!(firm_granted().len(), 200);
        assert!(!firm_granted().iter().any(|id| id == FIRM_LATE_LEDGER));
        let vipps_only = specs
            .iter()
            .filter(|s| !s.ledger.settles_for_recipient_handles[0].starts_with("api:"))
            .count();
        assert_eq!(vipps_only, 8);
        assert_eq!(specs.iter().filter(|s| s.negative_stretches).count(), 5);
        assert_eq!(
            specs
                .iter()
                .filter(|s| s.payout == PayoutFrequency::Monthly)
                .count(),
            28
        );
        assert_eq!(specs.iter().filter(|s| s.ledger.currency == "DKK").count(), 20);
        assert_eq!(specs.iter().filter(|s| s.ledger.currency == "EUR").count(), 20);
        let mut ids: Vec<&str> = specs.iter().map(|s| s.ledger.ledger_id.as_str()).collect();
        ids.dedup();
        assert_eq!(ids.len(), 200);
        assert_eq!(specs[0].ledger.display_name(), firm_client_name(1));
    }
}
