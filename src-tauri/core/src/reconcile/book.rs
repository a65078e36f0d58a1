//! Captures by pspReference in a compact form: strings in one arena, a hash index of u64 → slot.
//! A million-entry month keeps ~100 bytes per capture here instead of several small allocations.

use crate::model::Minor;
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A string stored in the arena.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Span {
    start: u32,
    len: u32,
}

#[derive(Debug, Default)]
pub(crate) struct Arena {
    buf: String,
}

impl Arena {
    pub(crate) fn add(&mut self, s: &str) -> Span {
        let start = u32::try_from(self.buf.len()).unwrap_or(u32::MAX);
        // Past 4 GiB of text the span would wrap: store nothing rather than a wrong string.
        if start == u32::MAX || self.buf.len() + s.len() > u32::MAX as usize {
            return Span::default();
        }
        self.buf.push_str(s);
        Span {
            start,
            len: s.len() as u32,
        }
    }
    pub(crate) fn get(&self, s: Span) -> &str {
        self.buf
            .get(s.start as usize..(s.start + s.len) as usize)
            .unwrap_or("")
    }
}

#[derive(Debug, Clone)]
pub(crate) struct CaptureAcc {
    pub psp: Span,
    pub reference: Span,
    pub handle: Option<Span>,
    pub date: NaiveDate,
    pub time: DateTime<Utc>,
    pub gross: Minor,
    pub refunded: Minor,
    /// −Σ matched capture-fee amounts.
    pub fees: Minor,
    pub fee_count: u32,
    pub fee_last: Option<NaiveDate>,
    /// How many payout entries came before this capture in the funds stream: the payout that pays it
    /// out is the next one, even when two payouts share a ledger date.
    pub run: u32,
}

/// FNV-1a over the bytes: stable, fast, and good enough to spread pspReferences.
fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xCBF2_9CE4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01B3)
    })
}

/// The keys are already hashes: pass them through.
#[derive(Default)]
pub(crate) struct PreHashed(u64);

impl Hasher for PreHashed {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) | u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

#[derive(Debug, Default)]
pub(crate) struct CaptureBook {
    pub arena: Arena,
    pub captures: Vec<CaptureAcc>,
    index: HashMap<u64, u32, BuildHasherDefault<PreHashed>>,
    /// pspReferences whose hash is already taken by another one (rare).
    collisions: HashMap<String, u32>,
}

impl CaptureBook {
    pub(crate) fn find(&self, psp: &str) -> Option<usize> {
        let i = *self.index.get(&fnv(psp))? as usize;
        if self.captures.get(i).is_some_and(|c| self.arena.get(c.psp) == psp) {
            Some(i)
        } else {
            self.collisions.get(psp).map(|&i| i as usize)
        }
    }

    /// Add a capture; a pspReference seen before keeps its first capture in the index.
    pub(crate) fn add(
        &mut self,
        psp: &str,
        reference: &str,
        handle: Option<&str>,
        date: NaiveDate,
        time: DateTime<Utc>,
        gross: Minor,
    ) {
        let slot = self.captures.len() as u32;
        let known = self.find(psp).is_some();
        let c = CaptureAcc {
            psp: self.arena.add(psp),
            reference: self.arena.add(reference),
            handle: handle.map(|h| self.arena.add(h)),
            date,
            time,
            gross,
            refunded: 0,
            fees: 0,
            fee_count: 0,
            fee_last: None,
            run: 0,
        };
        self.captures.push(c);
        if known {
            return;
        }
        match self.index.entry(fnv(psp)) {
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(slot);
            }
            std::collections::hash_map::Entry::Occupied(_) => {
                self.collisions.insert(psp.to_string(), slot);
            }
        }
    }

    pub(crate) fn str(&self, s: Span) -> &str {
        self.arena.get(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captures_are_found_by_psp_reference_even_when_hashes_collide() {
        let mut b = CaptureBook::default();
        let d = NaiveDate::from_ymd_opt(2024, 1, 1).expect("date");
        let t = DateTime::<Utc>::default();
        for i in 0..10_000 {
            b.add(&format!("psp-{i}"), &format!("order-{i}"), Some("NO:1"), d, t, i);
        }
        assert_eq!(b.find("psp-1234"), Some(1234));
        assert_eq!(b.str(b.captures[1234].reference), "order-1234");
        assert_eq!(b.find("psp-x"), None);
        // Force a collision: same hash slot taken by another key.
        let h = fnv("psp-1");
        b.index.insert(h, 5);
        b.collisions.insert("psp-1".into(), 1);
        assert_eq!(b.find("psp-1"), Some(1));
    }
}
