//! Refunds ↔ captures. A refund belongs to the capture with its pspReference when one exists (some
//! integrations reuse it); otherwise to the captures with the same order `reference` captured on or
//! before the refund date, earliest first, each up to what is left of its gross; any excess goes to
//! the last of them. A refund that finds no capture counts as unmatched.

use super::book::CaptureBook;
use crate::model::{Entry, Minor};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// A refund entry (or the part of one) that reconciliation matched to a capture.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RefundMatch {
    /// The refund entry's own pspReference (the capture's, when the integration reuses it).
    pub psp_reference: String,
    /// The refund entry: funds topic, this ledger date and position.
    pub ledger_date: NaiveDate,
    pub seq: u32,
    /// This capture's share (negative).
    #[ts(type = "number")]
    pub amount: Minor,
    /// The whole refund (negative); differs from `amount` when the refund was split over captures
    /// with the same order reference.
    #[ts(type = "number")]
    pub refund_amount: Minor,
}

/// A refund of the month (or before it) as it streamed in.
#[derive(Debug, Clone)]
pub(super) struct RefundAcc {
    pub psp: String,
    pub reference: String,
    pub date: NaiveDate,
    pub seq: u32,
    pub amount: Minor,
}

impl RefundAcc {
    pub fn of(e: &Entry) -> Self {
        RefundAcc {
            psp: e.psp_reference.clone(),
            reference: e.reference.clone(),
            date: e.ledger_date,
            seq: e.seq,
            amount: e.amount,
        }
    }
}

/// The refunds matched to each capture, and what matched none.
#[derive(Debug, Default)]
pub(super) struct RefundMatches {
    /// capture index → (refund index, share), in the order matched; one share per refund.
    pub by_capture: HashMap<usize, Vec<(usize, Minor)>>,
    /// Σ refunds of the month (`first..=last`) that matched no loaded capture.
    pub unmatched: Minor,
}

impl RefundMatches {
    /// The refunds matched to capture `i`, as reported.
    pub fn of_capture(&self, i: usize, refunds: &[RefundAcc]) -> Vec<RefundMatch> {
        self.by_capture
            .get(&i)
            .into_iter()
            .flatten()
            .map(|&(ri, amount)| {
                let r = &refunds[ri];
                RefundMatch {
                    psp_reference: r.psp.clone(),
                    ledger_date: r.date,
                    seq: r.seq,
                    amount,
                    refund_amount: r.amount,
                }
            })
            .collect()
    }
}

/// Match every refund to captures (see the module docs) and add each share to its capture's `refunded`.
pub(super) fn match_refunds(
    book: &mut CaptureBook,
    refunds: &[RefundAcc],
    first: NaiveDate,
    last: NaiveDate,
) -> RefundMatches {
    let by_reference = captures_by_reference(book, refunds);
    // (capture, refund, share)
    let mut shares: Vec<(usize, usize, Minor)> = Vec::new();
    let mut unmatched = 0;
    let mut taken: HashMap<usize, Minor> = HashMap::new();
    for (ri, r) in refunds.iter().enumerate() {
        if let Some(i) = book.find(&r.psp) {
            shares.push((i, ri, r.amount));
            continue;
        }
        let candidates: Vec<usize> = by_reference
            .get(r.reference.as_str())
            .map(|v| {
                v.iter()
                    .copied()
                    .filter(|&i| book.captures[i].date <= r.date)
                    .collect()
            })
            .unwrap_or_default();
        if candidates.is_empty() {
            if r.date >= first && r.date <= last {
                unmatched += r.amount;
            }
            continue;
        }
        share_out(book, &candidates, ri, r.amount, &mut taken, &mut shares);
    }
    RefundMatches {
        by_capture: apply(book, shares),
        unmatched,
    }
}

/// The captures of each order reference that some refund without a capture of its own looks for.
fn captures_by_reference<'r>(book: &CaptureBook, refunds: &'r [RefundAcc]) -> HashMap<&'r str, Vec<usize>> {
    let wanted: HashSet<&str> = refunds
        .iter()
        .filter(|r| book.find(&r.psp).is_none())
        .map(|r| r.reference.as_str())
        .collect();
    let mut by_reference: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, c) in book.captures.iter().enumerate() {
        if let Some(key) = wanted.get(book.str(c.reference)) {
            by_reference.entry(key).or_default().push(i);
        }
    }
    by_reference
}

/// Spread refund `ri` (`amount`, negative) over `candidates` (not empty), earliest first, each up
/// to what is left of its gross after the shares `taken` so far; any excess goes to the last.
fn share_out(
    book: &CaptureBook,
    candidates: &[usize],
    ri: usize,
    amount: Minor,
    taken: &mut HashMap<usize, Minor>,
    shares: &mut Vec<(usize, usize, Minor)>,
) {
    let mut left = amount;
    for &i in candidates {
        if left == 0 {
            break;
        }
        let room = book.captures[i].gross + taken.get(&i).copied().unwrap_or(0);
        if room <= 0 {
            continue;
        }
        let take = left.max(-room);
        *taken.entry(i).or_default() += take;
        shares.push((i, ri, take));
        left -= take;
    }
    if let (true, Some(&last)) = (left != 0, candidates.last()) {
        *taken.entry(last).or_default() += left;
        shares.push((last, ri, left));
    }
}

/// Add each share to its capture and group them per capture, one share per refund.
fn apply(book: &mut CaptureBook, shares: Vec<(usize, usize, Minor)>) -> HashMap<usize, Vec<(usize, Minor)>> {
    let mut matched: HashMap<usize, Vec<(usize, Minor)>> = HashMap::new();
    for (i, ri, amount) in shares {
        book.captures[i].refunded += amount;
        let per_capture = matched.entry(i).or_default();
        match per_capture.last_mut() {
            // A refund's excess lands on a capture that already took a share of it: one match.
            Some((last, share)) if *last == ri => *share += amount,
            _ => per_capture.push((ri, amount)),
        }
    }
    matched
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;

    fn date(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 3, d).expect("date")
    }

    fn refund(psp: &str, reference: &str, d: u32, amount: Minor) -> RefundAcc {
        RefundAcc {
            psp: psp.into(),
            reference: reference.into(),
            date: date(d),
            seq: 0,
            amount,
        }
    }

    fn book(captures: &[(&str, &str, u32, Minor)]) -> CaptureBook {
        let mut b = CaptureBook::default();
        for (psp, reference, d, gross) in captures {
            b.add(psp, reference, None, date(*d), DateTime::UNIX_EPOCH, *gross);
        }
        b
    }

    #[test]
    fn a_refund_with_the_captures_psp_reference_belongs_to_that_capture() {
        let mut b = book(&[("c-1", "order-1", 1, 1000)]);
        let m = match_refunds(&mut b, &[refund("c-1", "other", 2, -300)], date(1), date(31));
        assert_eq!(b.captures[0].refunded, -300);
        assert_eq!((m.by_capture[&0].clone(), m.unmatched), (vec![(0, -300)], 0));
    }

    #[test]
    fn a_refund_by_order_reference_fills_the_earliest_captures_first_and_the_excess_goes_to_the_last() {
        let mut b = book(&[
            ("c-1", "order-1", 1, 1000),
            ("c-2", "order-1", 2, 500),
            ("c-3", "order-1", 9, 700),
        ]);
        let m = match_refunds(&mut b, &[refund("r-1", "order-1", 5, -1800)], date(1), date(31));
        let refunded: Vec<Minor> = b.captures.iter().map(|c| c.refunded).collect();
        // c-3 was captured after the refund; c-2 takes its 500 and the 300 excess as one match.
        assert_eq!(refunded, vec![-1000, -800, 0]);
        assert_eq!(m.by_capture[&1], vec![(0, -800)]);
    }

    #[test]
    fn a_refund_of_the_month_without_a_capture_counts_as_unmatched() {
        let mut b = book(&[("c-1", "order-1", 9, 1000)]);
        let refunds = [refund("r-1", "order-1", 5, -100), refund("r-2", "nope", 6, -40)];
        let m = match_refunds(&mut b, &refunds, date(1), date(31));
        assert_eq!((m.unmatched, m.by_capture.len()), (-140, 0));
    }
}
