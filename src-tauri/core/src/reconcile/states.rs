//! What reconciliation knows of the cache: the sync state of each (topic, date), which decides
//! whether a date is settled, open upstream or not synced, and which balance links can be checked.

use crate::model::Topic;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// Where the cache stands for one (topic, date), as reconciliation sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum SyncState {
    /// Closed upstream and stored whole.
    Complete,
    /// Upstream said `tryLater`: provisional.
    Open,
    /// The last fetch failed.
    Failed,
    /// Never fetched.
    Missing,
}

/// The sync state of every (topic, date) the caller knows; anything absent is `Missing`.
#[derive(Debug, Clone, Default)]
pub struct DateStates {
    map: HashMap<(Topic, NaiveDate), SyncState>,
    /// (topic, date)s whose rows came from an imported settlement report: no balances.
    from_files: HashSet<(Topic, NaiveDate)>,
}

impl DateStates {
    pub fn new() -> Self {
        DateStates::default()
    }
    /// Every date from `from` to `to` (inclusive), both topics, in `state`. Handy for tests and demos.
    pub fn all(from: NaiveDate, to: NaiveDate, state: SyncState) -> Self {
        let mut s = DateStates::new();
        for d in from.iter_days().take_while(|d| *d <= to) {
            for t in Topic::ALL {
                s.set(t, d, state);
            }
        }
        s
    }
    pub fn set(&mut self, topic: Topic, date: NaiveDate, state: SyncState) {
        self.map.insert((topic, date), state);
    }
    pub fn get(&self, topic: Topic, date: NaiveDate) -> SyncState {
        self.map
            .get(&(topic, date))
            .copied()
            .unwrap_or(SyncState::Missing)
    }
    /// Mark a (topic, date) as read from a settlement report file rather than the API.
    pub fn set_from_file(&mut self, topic: Topic, date: NaiveDate) {
        self.from_files.insert((topic, date));
    }
    /// How many of `dates` (for `topic`) came from settlement report files.
    pub fn count_from_files(&self, topic: Topic, dates: &[NaiveDate]) -> usize {
        dates
            .iter()
            .filter(|d| self.from_files.contains(&(topic, **d)))
            .count()
    }
    pub(super) fn synced(&self, topic: Topic, date: NaiveDate) -> bool {
        matches!(self.get(topic, date), SyncState::Complete | SyncState::Open)
    }
}

impl From<&[crate::store::DateStatus]> for DateStates {
    fn from(statuses: &[crate::store::DateStatus]) -> Self {
        let mut s = DateStates::new();
        for st in statuses {
            let state = match st.state {
                crate::store::DateState::Complete => SyncState::Complete,
                crate::store::DateState::Open => SyncState::Open,
                crate::store::DateState::Failed => SyncState::Failed,
            };
            s.set(st.topic, st.date, state);
            if st.source == crate::store::DateSource::Portal {
                s.set_from_file(st.topic, st.date);
            }
        }
        s
    }
}
