//! The due-time queue: which trunk groups (with their access and peer trunks) and which bulk
//! jobs fall due when, so a tick pops what the clock has reached instead of walking the whole
//! session. It is derived from the state and never stored: a state built or loaded without it
//! (a restore, a blueprint) has it rebuilt by one walk at its first tick.
//!
//! Every write that sets a due time (a change marking something `pending`, a bulk job's
//! submission or start) schedules its trunk group or job here. An entry whose item has since
//! been deleted, or has settled, is skipped when popped: the tick checks the item against the
//! state before it touches it.

use std::collections::BTreeMap;

use crate::engine::steady_map::SteadyMap;
use std::hash::Hash;

use super::FusionState;
use super::bulk_jobs::BulkStatus;
use super::trunk_groups::TrunkGroup;

/// A trunk group: its tenant's slot (tenants are never removed, so slots stay put),
/// subscription id and id.
pub type TrunkGroupKey = (usize, i64, i64);
/// A bulk job: its tenant's slot and id.
pub type JobKey = (usize, u64);

/// Items by due time, at most one entry per item: scheduling an item again moves its entry,
/// so a rescheduled item leaves nothing stale behind. Equal due times come out in the order
/// they were scheduled (the sequence number breaks the tie).
#[derive(Debug, Clone)]
pub struct DueQueue<K> {
    seq: u64,
    by_due: BTreeMap<(i64, u64), K>,
    entry: SteadyMap<K, (i64, u64)>,
}

impl<K> Default for DueQueue<K> {
    fn default() -> Self {
        DueQueue {
            seq: 0,
            by_due: BTreeMap::new(),
            entry: SteadyMap::new(),
        }
    }
}

impl<K: Copy + Eq + Hash> DueQueue<K> {
    /// Puts `item` at `due`, replacing its earlier entry; `None` takes it out.
    pub fn schedule(&mut self, item: K, due: Option<i64>) {
        if let Some(old) = self.entry.remove(&item) {
            self.by_due.remove(&old);
        }
        if let Some(due) = due {
            let at = (due, self.seq);
            self.seq += 1;
            self.by_due.insert(at, item);
            self.entry.insert(item, at);
        }
    }

    /// The earliest due time queued.
    pub fn next_due(&self) -> Option<i64> {
        self.by_due.first_key_value().map(|(&(due, _), _)| due)
    }

    /// Takes out every item due at `now_ms`, earliest first.
    pub fn pop_due(&mut self, now_ms: i64) -> Vec<K> {
        let mut out = Vec::new();
        while let Some(first) = self.by_due.first_entry() {
            if first.key().0 > now_ms {
                break;
            }
            let item = first.remove();
            self.entry.remove(&item);
            out.push(item);
        }
        out
    }

    /// When `item` is queued for, if it is.
    pub fn due_of(&self, item: &K) -> Option<i64> {
        self.entry.get(item).map(|&(due, _)| due)
    }

    pub fn len(&self) -> usize {
        self.by_due.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_due.is_empty()
    }
}

/// The state's two queues, and whether they have been built from it yet.
#[derive(Debug, Clone, Default)]
pub struct Due {
    built: bool,
    pub syncs: DueQueue<TrunkGroupKey>,
    pub jobs: DueQueue<JobKey>,
}

/// Derived data is not part of the state's meaning: two states are equal whatever it holds.
impl PartialEq for Due {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Due {
    /// The earliest due time of either queue.
    pub fn next_due(&self) -> Option<i64> {
        match (self.syncs.next_due(), self.jobs.next_due()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

/// The earliest pending synchronisation of a trunk group and its access and peer trunks.
pub fn trunk_group_due(tg: &TrunkGroup) -> Option<i64> {
    let children = tg
        .access_trunks
        .iter()
        .map(|a| a.pending_until_ms)
        .chain(tg.peer_trunks.iter().map(|p| p.pending_until_ms));
    std::iter::once(tg.pending_until_ms)
        .chain(children)
        .flatten()
        .min()
}

impl FusionState {
    /// Builds the queues from the state the first time they are needed.
    pub fn ensure_queue(&mut self) {
        if self.due.built {
            return;
        }
        let mut due = Due {
            built: true,
            ..Due::default()
        };
        for (ti, t) in self.tenants.iter().enumerate() {
            for s in &t.subscriptions {
                for tg in &s.trunk_groups {
                    due.syncs.schedule((ti, s.id, tg.id), trunk_group_due(tg));
                }
            }
            for j in &t.bulk_jobs {
                if j.status == BulkStatus::Ongoing {
                    due.jobs.schedule((ti, j.id), j.due_ms);
                }
            }
        }
        self.due = due;
    }

    /// Forgets the queues: the next tick rebuilds them (after a load).
    pub fn reset_queue(&mut self) {
        self.due = Due::default();
    }

    /// Queues trunk group `id` of subscription `sub` of tenant slot `t` at its earliest due
    /// time (or takes it out when nothing of it is pending, or it is gone). Before the queues
    /// are built there is nothing to do: building them reads every due time.
    pub fn schedule_trunk_group(&mut self, t: usize, sub: i64, id: i64) {
        if !self.due.built {
            return;
        }
        let due = self
            .tenants_slot(t)
            .and_then(|tenant| tenant.subscriptions.get(&sub))
            .and_then(|s| s.trunk_groups.get(&id))
            .and_then(trunk_group_due);
        self.due.syncs.schedule((t, sub, id), due);
    }

    /// Queues every trunk group of a subscription (after a bulk job wrote into it).
    pub fn schedule_subscription(&mut self, t: usize, sub: i64) {
        if !self.due.built {
            return;
        }
        let FusionState { tenants, due, .. } = self;
        let Some(s) = (t < tenants.len())
            .then(|| &tenants[t])
            .and_then(|tenant| tenant.subscriptions.get(&sub))
        else {
            return;
        };
        for tg in &s.trunk_groups {
            due.syncs.schedule((t, sub, tg.id), trunk_group_due(tg));
        }
    }

    /// Queues bulk job `id` of tenant slot `t` to run at `due`.
    pub fn schedule_job(&mut self, t: usize, id: u64, due: Option<i64>) {
        if self.due.built {
            self.due.jobs.schedule((t, id), due);
        }
    }

    /// The tenant in slot `t`; tenants are never removed, so every slot below the count is live.
    pub fn tenants_slot(&self, t: usize) -> Option<&super::Tenant> {
        (t < self.tenants.len()).then(|| &self.tenants[t])
    }

    /// The first pending item the queues miss or hold too late, if any: a write that set a due
    /// time without scheduling it. Debug builds check this after every tick.
    pub fn queue_miss(&self) -> Option<String> {
        if !self.due.built {
            return None;
        }
        for (ti, t) in self.tenants.iter().enumerate() {
            for s in &t.subscriptions {
                for tg in &s.trunk_groups {
                    let key = (ti, s.id, tg.id);
                    if let Some(due) = trunk_group_due(tg)
                        && self.due.syncs.due_of(&key).is_none_or(|q| q > due)
                    {
                        return Some(format!("trunk group {key:?} due at {due}"));
                    }
                }
            }
            for j in &t.bulk_jobs {
                if j.status == BulkStatus::Ongoing
                    && let Some(due) = j.due_ms
                    && self.due.jobs.due_of(&(ti, j.id)).is_none_or(|q| q > due)
                {
                    return Some(format!("bulk job {} of tenant {ti} due at {due}", j.id));
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_come_out_by_due_time_then_in_scheduling_order() {
        let mut q = DueQueue::default();
        q.schedule('c', Some(20));
        q.schedule('a', Some(10));
        q.schedule('b', Some(10));
        q.schedule('d', Some(10));
        assert_eq!(q.next_due(), Some(10));
        assert_eq!(q.pop_due(9), Vec::<char>::new());
        assert_eq!(q.pop_due(10), vec!['a', 'b', 'd']);
        assert_eq!(q.pop_due(i64::MAX), vec!['c']);
        assert!(q.is_empty());
    }

    #[test]
    fn rescheduling_moves_the_entry_and_none_takes_it_out() {
        let mut q = DueQueue::default();
        q.schedule(1, Some(10));
        q.schedule(2, Some(15));
        q.schedule(1, Some(30));
        assert_eq!(q.len(), 2, "the old entry of 1 is gone, not left stale");
        assert_eq!(q.pop_due(20), vec![2]);
        q.schedule(1, None);
        assert_eq!((q.next_due(), q.pop_due(i64::MAX)), (None, vec![]));
    }
}
