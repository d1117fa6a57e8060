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
    /// The most trunk groups one group holds (400 past it), so a client looping over create
    /// cannot grow a session without bound.
    pub max_trunk_groups_per_group: usize,
    /// The most devices, users and numbers (each) one group holds; a create that would add one
    /// more is refused (400).
    pub max_items_per_group: usize,
    /// Sign-in checks: `off`, `optional` (bare requests served as the first scenario user,
    /// credentials checked when sent) or `required`; `--auth` overrides it.
    pub auth_mode: crate::engine::auth::AuthMode,
    /// Seconds of virtual time an access token lives (its refresh token twice as long).
    pub token_lifetime_secs: u64,
}

impl Default for ApioSettings {
    fn default() -> Self {
        Self {
            backward_trunkgroup_limitcalls: true,
            trunk_group: DeleteDefaults::default(),
            teams_config: TeamsConfig::default(),
            max_trunk_groups_per_group: 1_000,
            max_items_per_group: 10_000,
            auth_mode: crate::engine::auth::AuthMode::Optional,
            token_lifetime_secs: 3600,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_limits_are_the_defaults_and_a_scenario_can_change_one() {
        let d = ApioSettings::default();
        assert_eq!(
            (d.max_trunk_groups_per_group, d.max_items_per_group),
            (1_000, 10_000)
        );
        let s: ApioSettings =
            serde_json::from_value(serde_json::json!({"max_trunk_groups_per_group": 2})).unwrap();
        assert_eq!(
            (s.max_trunk_groups_per_group, s.max_items_per_group),
            (2, 10_000)
        );
    }
}
