//! The asynchronous synchronisation status of trunk groups and peer trunks: a change leaves the
//! object `pending` until the platform has pushed it to the network, then it reads `ok`. The fake
//! measures that delay on the session's virtual clock (`fusion.sync_delay_seconds`, default 2),
//! so `POST /__admin/clock/advance` makes it pass at once.

use serde::{Deserialize, Serialize};

use super::FusionState;
use super::bulk_jobs::BulkStatus;
use crate::apis::fusion::settings::{FusionSettings, SyncOutcome};

/// The documented values of `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SyncStatus {
    #[default]
    Ok,
    Pending,
    Error,
    Unknown,
}

impl SyncStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SyncStatus::Ok => "ok",
            SyncStatus::Pending => "pending",
            SyncStatus::Error => "error",
            SyncStatus::Unknown => "unknown",
        }
    }
}

/// When a change made at `now_ms` will have synchronised.
pub fn due_at(now_ms: i64, settings: &FusionSettings) -> i64 {
    now_ms.saturating_add(settings.sync_delay_seconds.as_ms())
}

/// Something with a sync status: a trunk group or a peer trunk.
pub trait Synced {
    fn sync_fields(&mut self) -> (&mut SyncStatus, &mut Option<i64>);

    /// Marks a change: `pending` until the configured delay has passed.
    fn mark_changed(&mut self, now_ms: i64, settings: &FusionSettings) {
        let (status, until) = self.sync_fields();
        *status = SyncStatus::Pending;
        *until = Some(due_at(now_ms, settings));
    }

    /// Finishes a pending synchronisation whose time has come. A `pending` status without a
    /// due time (seeded by a scenario) stays pending, as do `error` and `unknown`.
    fn settle(&mut self, now_ms: i64, outcome: SyncOutcome) {
        let (status, until) = self.sync_fields();
        if let Some(due) = *until
            && now_ms >= due
        {
            *until = None;
            if *status == SyncStatus::Pending {
                *status = match outcome {
                    SyncOutcome::Ok => SyncStatus::Ok,
                    SyncOutcome::Error => SyncStatus::Error,
                };
            }
        }
    }
}

/// When the time-driven work of `tick` (bulk jobs, synchronisations) next needs a look, so a
/// request with nothing due costs O(1) however many trunk groups and jobs a session holds.
///
/// Soundness: a full scan at `scanned_at` finds the earliest due time `next_due`. Anything a
/// request adds later, at `t ≥ scanned_at`, is due at `t + delay` or later, where `delay` is
/// the configured sync delay or bulk duration, whichever is shorter (every due time is made
/// that way). `min_delay` is the smallest such delay seen since the scan, settings changes
/// included. So nothing can be due before `min(next_due, scanned_at + min_delay)`.
#[derive(Debug, Clone, Copy)]
pub struct DueCache {
    scanned_at: i64,
    next_due: i64,
    min_delay: i64,
}

impl Default for DueCache {
    /// Unknown: the first tick scans.
    fn default() -> Self {
        Self {
            scanned_at: i64::MIN,
            next_due: i64::MIN,
            min_delay: 0,
        }
    }
}

/// A cache is not part of the state's meaning: two states are equal whatever it holds.
impl PartialEq for DueCache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// The shortest delay after which a change made now can fall due.
pub fn min_delay_ms(settings: &FusionSettings) -> i64 {
    settings
        .sync_delay_seconds
        .as_ms()
        .min(settings.bulk_duration_seconds.as_ms())
        .max(0)
}

impl DueCache {
    /// Whether nothing can be due at `now_ms`, the next handler running under `min_delay`.
    pub fn nothing_due(&mut self, now_ms: i64, min_delay: i64) -> bool {
        self.min_delay = self.min_delay.min(min_delay);
        now_ms
            < self
                .next_due
                .min(self.scanned_at.saturating_add(self.min_delay))
    }

    /// Records a full scan at `now_ms`.
    pub fn scanned(&mut self, now_ms: i64, next_due: Option<i64>, min_delay: i64) {
        *self = Self {
            scanned_at: now_ms,
            next_due: next_due.unwrap_or(i64::MAX),
            min_delay,
        };
    }
}

impl FusionState {
    /// The earliest pending synchronisation or bulk job run, if any.
    pub fn next_due_ms(&mut self) -> Option<i64> {
        let mut next: Option<i64> = None;
        let mut see = |due: Option<i64>| {
            if let Some(d) = due {
                next = Some(next.map_or(d, |n| n.min(d)));
            }
        };
        for tg in self.trunk_groups_mut() {
            see(*tg.sync_fields().1);
            for p in &mut tg.peer_trunks {
                see(*p.sync_fields().1);
            }
            for a in &mut tg.access_trunks {
                see(*a.sync_fields().1);
            }
        }
        for t in &self.tenants {
            for j in &t.bulk_jobs {
                if j.status == BulkStatus::Ongoing {
                    see(j.due_ms);
                }
            }
        }
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_due_cache_skips_only_while_nothing_can_be_due() {
        let mut c = DueCache::default();
        assert!(!c.nothing_due(0, 2_000), "an unknown cache scans");
        c.scanned(1_000, Some(10_000), 2_000);
        assert!(c.nothing_due(2_999, 2_000));
        // A change made at 1 000 may be due at 3 000.
        assert!(!c.nothing_due(3_000, 2_000));
        c.scanned(3_000, None, 2_000);
        // A settings change to a shorter delay is honoured from the next tick on.
        assert!(!c.nothing_due(3_500, 100));
        c.scanned(3_500, Some(3_600), 100);
        assert!(c.nothing_due(3_599, 5_000));
        assert!(!c.nothing_due(3_600, 5_000));
    }
}
