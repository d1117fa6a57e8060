//! The apio state: tenants, their groups, and what lives in a group (trunk groups, access
//! devices, users, phone numbers, the immediate trunking connectivity service). Pure Rust, no
//! HTTP. The serde form below is the family's entry in a scenario's `state.apio`.
//!
//! - [`trunk_groups`] (with [`trunk_fields`], [`trunk_values`], [`trunk_serde`], [`devices`], [`pilots`], [`reroutes`],
//!   [`seed_checks`]) and [`backup`]: group trunk groups and their backup view
//!   (apio-group-trunk-groups.txt);
//! - [`connectivity`] (with [`itc_kinds`]): immediate trunking connectivity ranges and
//!   prefixes (apio-immediate-trunking-connectivity.txt).
//!
//! The answers built from this state are in [`super::views`].

pub mod backup;
pub mod connectivity;
pub mod devices;
pub mod itc_kinds;
pub mod pilots;
pub mod reroutes;
pub mod seed_checks;
pub mod trunk_fields;
pub mod trunk_groups;
pub mod trunk_serde;
pub mod trunk_values;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::errors::ApioError;
use crate::engine::family::StateError;
use crate::engine::indexed::{Indexed, Keyed};
use connectivity::{ItcAssignment, ItcPool};
use trunk_groups::TrunkGroup;

/// Everything the family remembers for one session.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApioState {
    /// Tenants (service providers or enterprises) by id.
    #[serde(default)]
    pub tenants: BTreeMap<String, Tenant>,
    /// System-level access devices, usable by any trunk group (`"level": "System"`).
    #[serde(default)]
    pub system_devices: Vec<Device>,
}

/// A tenant: a service provider or an enterprise.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Tenant {
    #[serde(default, rename = "type")]
    pub kind: TenantKind,
    /// Tenant-level access devices (`"level": "Tenant"`).
    #[serde(default)]
    pub devices: Vec<Device>,
    #[serde(default)]
    pub groups: BTreeMap<String, Group>,
    /// The ranges and prefixes the tenant can still hand out to its groups.
    #[serde(default)]
    pub immediate_trunking_connectivity: ItcPool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum TenantKind {
    #[default]
    ServiceProvider,
    Enterprise,
}

/// A group and what lives in it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Group {
    /// In creation order, by name (names are unique in the group).
    #[serde(default)]
    pub trunk_groups: Indexed<TrunkGroup>,
    /// Group-level access devices (`"level": "Group"`).
    #[serde(default)]
    pub devices: Vec<Device>,
    /// Users of the group; trunk users name their trunk group.
    #[serde(default)]
    pub users: Vec<User>,
    /// Phone numbers assigned to the group.
    #[serde(default)]
    pub numbers: Vec<String>,
    /// `None`: the service is not assigned to the group (its URLs answer 404).
    #[serde(default)]
    pub immediate_trunking_connectivity: Option<ItcAssignment>,
}

impl Keyed for TrunkGroup {
    type Key = String;
    fn key(&self) -> String {
        self.name.clone()
    }
}

/// An access device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Device {
    pub name: String,
    #[serde(default)]
    pub device_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac_address: Option<String>,
}

/// A user of a group.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct User {
    pub user_id: String,
    #[serde(default)]
    pub last_name: String,
    #[serde(default)]
    pub first_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line_port: Option<String>,
    /// Kept for the admin state only; never answered by the API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// The trunk group this user is a trunk user of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trunk_group: Option<String>,
}

/// Not found messages, worded once.
pub fn tenant_not_found(t: &str) -> ApioError {
    ApioError::NotFound(format!("Tenant {t} not found."))
}

pub fn group_not_found(t: &str, g: &str) -> ApioError {
    ApioError::NotFound(format!("Group {g} not found in tenant {t}."))
}

impl ApioState {
    pub fn tenant(&self, t: &str) -> Result<&Tenant, ApioError> {
        self.tenants.get(t).ok_or_else(|| tenant_not_found(t))
    }

    pub fn group(&self, t: &str, g: &str) -> Result<&Group, ApioError> {
        self.tenant(t)?
            .groups
            .get(g)
            .ok_or_else(|| group_not_found(t, g))
    }

    pub fn group_mut(&mut self, t: &str, g: &str) -> Result<&mut Group, ApioError> {
        self.tenants
            .get_mut(t)
            .ok_or_else(|| tenant_not_found(t))?
            .groups
            .get_mut(g)
            .ok_or_else(|| group_not_found(t, g))
    }

    /// Checks a seeded or restored state and fills in what it leaves out.
    pub fn normalise(mut self) -> Result<Self, StateError> {
        for (t, tenant) in self.tenants.iter_mut() {
            for (g, group) in tenant.groups.iter_mut() {
                let at = format!("/tenants/{t}/groups/{g}");
                seed_checks::normalise_group(group, &at)?;
            }
        }
        seed_checks::check_references(&self)?;
        seed_checks::check_connectivity(&self)?;
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn load(v: Value) -> Result<ApioState, StateError> {
        crate::engine::family::deserialize_state::<ApioState>(&v)?.normalise()
    }

    #[test]
    fn a_seed_fills_in_trunk_group_defaults() {
        let s = load(json!({"tenants": {"t": {"groups": {"g": {"trunkGroups": [
            {"name": "a", "maxActiveCalls": 3, "limitIncomingCalls": 1}]}}}}}))
        .unwrap();
        let tg = &s.tenants["t"].groups["g"].trunk_groups[0];
        assert_eq!(tg.settings.invitation_timeout, 6);
        assert!(tg.settings.limit_incoming_calls);
        assert!(tg.settings.capacity_exceeded_action.is_none());
    }

    #[test]
    fn a_broken_seed_is_refused_with_the_pointer_of_the_problem() {
        let cases = [
            (
                json!({"trunkGroups": [{"name": "a", "maxActiveCall": 3}]}),
                "/tenants/t/groups/g/trunkGroups/0/maxActiveCall",
            ),
            (
                json!({"trunkGroups": [{"name": "a", "maxActiveCalls": "3"}]}),
                "/tenants/t/groups/g/trunkGroups/0/maxActiveCalls",
            ),
            (
                json!({"trunkGroups": [{"name": "a", "maxIncomingCalls": "3"}]}),
                "/tenants/t/groups/g/trunkGroups/0/maxIncomingCalls",
            ),
            (
                json!({"trunkGroups": [{"name": "a", "invitationTimeout": -1}]}),
                "/tenants/t/groups/g/trunkGroups/0/invitationTimeout",
            ),
            (
                json!({"trunkGroups": [{"name": "a", "userLookupPolicy": "Fuzzy"}]}),
                "/tenants/t/groups/g/trunkGroups/0/userLookupPolicy",
            ),
            (
                json!({"trunkGroups": [{"name": "a", "unreachableDestinationRerouteTrunkGroup": {"nam": "b"}}]}),
                "/tenants/t/groups/g/trunkGroups/0/unreachableDestinationRerouteTrunkGroup",
            ),
            (
                json!({"trunkGroups": [{"name": "a"}, {"name": "a"}]}),
                "/tenants/t/groups/g/trunkGroups/1/name",
            ),
            (
                json!({"trunkGroups": [{"name": "a", "pilotUserId": "nobody"}]}),
                "/tenants/t/groups/g/trunkGroups/0/pilotUserId",
            ),
            (
                json!({"trunkGroups": [{"name": "a", "accessDevice": {"name": "x", "level": "Group"}}]}),
                "/tenants/t/groups/g/trunkGroups/0/accessDevice",
            ),
            (
                json!({"trunkGroups": [{"name": "a", "capacityExceededRerouteTrunkGroup": {"name": "b"}}]}),
                "/tenants/t/groups/g",
            ),
            (
                json!({"immediateTrunkingConnectivity": {"numbers": [
                {"minPhoneNumber": "+3210", "maxPhoneNumber": "+3220"},
                {"minPhoneNumber": "+3215", "maxPhoneNumber": "+3216"}]}}),
                "/tenants/t/groups/g/immediateTrunkingConnectivity",
            ),
            (
                json!({"immediateTrunkingConnectivity": {"numbers": [
                {"minPhoneNumber": "+3220", "maxPhoneNumber": "+3210"}]}}),
                "/tenants/t/groups/g/immediateTrunkingConnectivity",
            ),
        ];
        for (group, pointer) in cases {
            let err = load(json!({"tenants": {"t": {"groups": {"g": group}}}})).unwrap_err();
            assert_eq!(err.pointer, pointer, "{err:?}");
        }
    }

    #[test]
    fn a_full_group_refuses_another_trunk_group() {
        use trunk_groups::WriteRules;
        let mut s = load(json!({"tenants": {"t": {"groups": {"g": {}}}}})).unwrap();
        // A small limit keeps the test quick; the default is checked in settings.rs.
        let max = 3;
        let rules = WriteRules {
            backward_limit_calls: true,
            teams_sbc_device: None,
            max_trunk_groups_per_group: max,
            max_items_per_group: 10,
        };
        let mut ids = crate::engine::ids::IdGen::new(1);
        let body = |i: usize| json!({"name": format!("tg{i}"), "maxActiveCalls": 1});
        for i in 0..max {
            let b = body(i);
            s.create_trunk_group("t", "g", b.as_object().unwrap(), rules.clone(), &mut ids)
                .unwrap();
        }
        let b = body(max);
        let err = s
            .create_trunk_group("t", "g", b.as_object().unwrap(), rules, &mut ids)
            .unwrap_err();
        assert!(matches!(err, ApioError::BadRequest(m) if m.contains("3 trunk groups")));
    }

    #[test]
    fn a_prefix_in_the_pool_and_in_a_group_is_refused() {
        let err = load(json!({"tenants": {"t": {
            "immediateTrunkingConnectivity": {"availablePrefixes": [{"prefix": "+32-01"}]},
            "groups": {"g": {"immediateTrunkingConnectivity": {"prefixes": [{"prefix": "+32-01"}]}}}}}}))
        .unwrap_err();
        assert!(err.message.contains("+32-01"), "{err:?}");
    }
}
