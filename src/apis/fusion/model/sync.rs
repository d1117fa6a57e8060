//! The asynchronous synchronisation status of trunk groups and peer trunks: a change leaves the
//! object `pending` until the platform has pushed it to the network, then it reads `ok`. The fake
//! measures that delay on the session's virtual clock (`fusion.sync_delay_seconds`, default 2),
//! so `POST /__admin/clock/advance` makes it pass at once.

use serde::{Deserialize, Serialize};

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
