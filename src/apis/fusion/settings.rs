//! The fusion family's scenario settings (`"settings": {"fusion": {...}}`).

use serde::{Deserialize, Serialize};

use crate::engine::settings::Seconds;

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct FusionSettings {
    /// Only the scenario's tenants and subscriptions exist; others answer 404.
    pub strict_parents: bool,
    /// Virtual seconds a created or changed trunk group stays `pending`.
    pub sync_delay_seconds: Seconds,
    /// Virtual seconds a bulk job stays `ongoing` before it runs.
    pub bulk_duration_seconds: Seconds,
    /// An empty list answers 404 (3002), as the document's status table says.
    pub empty_list_404: bool,
}

impl Default for FusionSettings {
    fn default() -> Self {
        Self {
            strict_parents: false,
            sync_delay_seconds: Seconds::new_const(2.0),
            bulk_duration_seconds: Seconds::new_const(1.0),
            empty_list_404: false,
        }
    }
}
