//! The fusion family's scenario settings (`"settings": {"fusion": {...}}`).

use serde::{Deserialize, Serialize};

use crate::engine::settings::Seconds;

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct FusionSettings {
    /// Opt-in convenience: any tenant and subscription exists, created empty on first use. Off
    /// (the default), only the scenario's tenants and subscriptions exist and others answer the
    /// document's 404 (2001 / 2002), so a client with a wrong tenant uuid finds out.
    pub any_parent: bool,
    /// Virtual seconds a created or changed trunk group stays `pending`.
    pub sync_delay_seconds: Seconds,
    /// Virtual seconds a bulk job stays `ongoing` before it runs.
    pub bulk_duration_seconds: Seconds,
    /// An empty list answers 404 (3002), as the document's status table says.
    pub empty_list_404: bool,
    /// Every bulk item fails when its job runs (500-style reason, code 1008), so a test can
    /// see a job end in `failure` without a bad item; a partial failure is one bad item.
    pub bulk_items_fail: bool,
    /// Every Nth item of a bulk job fails (0: none), so a job ends in partial failure.
    pub bulk_items_fail_every: usize,
    /// How a synchronisation ends when its time comes: `ok`, or `error` so a client's
    /// handling of a failed sync can be tested without hand-editing state.
    pub sync_outcome: SyncOutcome,
    /// With `any_parent`: the most tenants a session creates on first use.
    pub max_tenants: usize,
    /// With `any_parent`: the most subscriptions a tenant gets on first use.
    pub max_subscriptions_per_tenant: usize,
    pub max_trunk_groups_per_subscription: usize,
    pub max_numbers_per_trunk_group: usize,
    pub max_access_trunks_per_trunk_group: usize,
    pub max_peer_trunks_per_trunk_group: usize,
    /// Finished bulk jobs beyond this many per tenant are forgotten, oldest first.
    pub max_bulk_jobs_per_tenant: usize,
    /// Sign-in checks: `off`, `optional` (bare requests served as the first scenario user,
    /// credentials checked when sent) or `required`; `--auth` overrides it.
    pub auth_mode: crate::engine::auth::AuthMode,
    /// Seconds of virtual time an access token lives (its refresh token twice as long).
    pub token_lifetime_secs: u64,
}

impl Default for FusionSettings {
    fn default() -> Self {
        Self {
            any_parent: false,
            sync_delay_seconds: Seconds::new_const(2.0),
            bulk_duration_seconds: Seconds::new_const(1.0),
            empty_list_404: false,
            bulk_items_fail: false,
            bulk_items_fail_every: 0,
            sync_outcome: SyncOutcome::Ok,
            // These bounds keep one session's memory bounded; they are not the vendor's.
            max_tenants: 1_000,
            max_subscriptions_per_tenant: 1_000,
            max_trunk_groups_per_subscription: 1_000,
            max_numbers_per_trunk_group: 10_000,
            max_access_trunks_per_trunk_group: 100,
            max_peer_trunks_per_trunk_group: 100,
            max_bulk_jobs_per_tenant: 500,
            auth_mode: crate::engine::auth::AuthMode::Optional,
            token_lifetime_secs: 3600,
        }
    }
}

/// The status a finished synchronisation takes (`settings.fusion.sync_outcome`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SyncOutcome {
    Ok,
    Error,
}
