//! The apio family's scenario settings (`"settings": {"apio": {...}}`), named after the
//! vendor's own configuration keys (`BACKWARD_TRUNKGROUP_LIMITCALLS`, `TRUNK_GROUP`,
//! `TEAMS_CONFIG`).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ApioSettings {
    /// The vendor's `BACKWARD_TRUNKGROUP_LIMITCALLS` behaviour.
    pub backward_trunkgroup_limitcalls: bool,
    /// Delete's defaults when the request does not say.
    pub trunk_group: DeleteDefaults,
    pub teams_config: TeamsConfig,
}

impl Default for ApioSettings {
    fn default() -> Self {
        Self {
            backward_trunkgroup_limitcalls: true,
            trunk_group: DeleteDefaults::default(),
            teams_config: TeamsConfig::default(),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeleteDefaults {
    pub on_cascade: bool,
    pub keep_device: bool,
    pub keep_numbers: bool,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct TeamsConfig {
    /// The System device a new `teamsDR` trunk group without a device uses; `null` turns it
    /// off.
    pub dr_sbc_device: Option<String>,
}

impl Default for TeamsConfig {
    fn default() -> Self {
        Self {
            dr_sbc_device: Some("SBC-team".to_string()),
        }
    }
}
