//! The settings of a trunk group: every documented field as a Rust type, declared once in the
//! order a GET answers them, with the default a new trunk group takes (the values of the
//! document's GET example). The macro derives the struct, its defaults, reading a field by
//! its JSON name, and writing every field in answer order from that one list.

use serde_json::{Map, Value};

use super::trunk_values::{
    AssertedIdentityPolicy, CallOptimizationPolicy, CallsPolicy, ClidSourcePolicy, RedirectAction,
    SettingValue, TrunkKey, TrunkingMode, UserLookupPolicy, read_number_flag, read_text_flag,
};

/// Why a named value could not be set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetError {
    /// The name is not a stored setting.
    Unknown,
    /// The value does not have the setting's type.
    WrongType,
}

macro_rules! reader {
    ($ty:ty, $r:path) => {
        $r
    };
    ($ty:ty,) => {
        <$ty as SettingValue>::read
    };
}

macro_rules! trunk_settings {
    ($($field:ident: $ty:ty = $default:expr, $json:literal $(, read $r:path)?;)+) => {
        /// Every stored setting of a trunk group; an `Option` is unset (left out of the
        /// answer) until a client sets it.
        #[derive(Debug, Clone, PartialEq)]
        pub struct TrunkSettings {
            $(pub $field: $ty,)+
        }

        impl Default for TrunkSettings {
            fn default() -> Self {
                Self { $($field: $default,)+ }
            }
        }

        /// Every setting's JSON name, in answer order.
        pub const NAMES: &[&str] = &[$($json),+];

        impl TrunkSettings {
            /// Sets the setting named `name` from a request (or seeded) value.
            pub fn set(&mut self, name: &str, v: &Value) -> Result<(), SetError> {
                match name {
                    $($json => {
                        self.$field = reader!($ty, $($r)?)(v).ok_or(SetError::WrongType)?;
                        Ok(())
                    })+
                    _ => Err(SetError::Unknown),
                }
            }

            /// Calls `f` with every setting in answer order, `None` for an unset one.
            pub fn each(&self, mut f: impl FnMut(&'static str, Option<Value>)) {
                $(f($json, SettingValue::write(&self.$field));)+
            }
        }
    };
}

use AssertedIdentityPolicy as Asserted;
use CallsPolicy as Calls;

trunk_settings! {
    max_active_calls: u64 = 0, "maxActiveCalls";
    limit_incoming_calls: bool = false, "limitIncomingCalls", read read_number_flag;
    max_incoming_calls: Option<u64> = None, "maxIncomingCalls";
    limit_outgoing_calls: bool = false, "limitOutgoingCalls", read read_number_flag;
    max_outgoing_calls: Option<u64> = None, "maxOutgoingCalls";
    enable_bursting: bool = false, "enableBursting";
    bursting_max_active_calls: Option<u64> = None, "burstingMaxActiveCalls";
    bursting_max_incoming_calls: Option<u64> = None, "burstingMaxIncomingCalls";
    bursting_max_outgoing_calls: Option<u64> = None, "burstingMaxOutgoingCalls";
    capacity_exceeded_action: Option<RedirectAction> = None, "capacityExceededAction";
    capacity_exceeded_forward_address: Option<Box<str>> = None, "capacityExceededForwardAddress";
    capacity_exceeded_reroute: Option<Box<TrunkKey>> = None, "capacityExceededRerouteTrunkGroup";
    capacity_exceeded_trap_initial_calls: u64 = 0, "capacityExceededTrapInitialCalls";
    capacity_exceeded_trap_offset_calls: u64 = 0, "capacityExceededTrapOffsetCalls";
    unreachable_action: Option<RedirectAction> = None, "unreachableDestinationAction";
    unreachable_forward_address: Option<Box<str>> = None, "unreachableDestinationForwardAddress";
    unreachable_reroute: Option<Box<TrunkKey>> = None, "unreachableDestinationRerouteTrunkGroup";
    invitation_timeout: u64 = 6, "invitationTimeout";
    require_authentication: bool = false, "requireAuthentication";
    sip_authentication_user_name: Option<Box<str>> = None, "sipAuthenticationUserName";
    trunk_group_identity: Option<Box<str>> = None, "trunkGroupIdentity";
    otg_dtg_identity: Option<Box<str>> = None, "otgDtgIdentity";
    allow_termination_to_trunk_group_identity: bool = false, "allowTerminationToTrunkGroupIdentity";
    allow_termination_to_dtg_identity: bool = false, "allowTerminationToDtgIdentity";
    include_trunk_group_identity: bool = false, "includeTrunkGroupIdentity";
    include_dtg_identity: bool = false, "includeDtgIdentity";
    include_trunk_group_identity_for_network_calls: bool = false, "includeTrunkGroupIdentityForNetworkCalls";
    include_otg_identity_for_network_calls: bool = false, "includeOtgIdentityForNetworkCalls";
    allow_unscreened_calls: bool = false, "allowUnscreenedCalls";
    allow_unscreened_emergency_calls: bool = false, "allowUnscreenedEmergencyCalls";
    external_calls_policy: Calls = Calls::NoCalls, "pilotUserCallingLineIdentityForExternalCallsPolicy";
    charge_number_policy: Calls = Calls::NoCalls, "pilotUserChargeNumberPolicy";
    peering_domain: Option<Box<str>> = None, "peeringDomain";
    route_to_peering_domain: bool = false, "routeToPeeringDomain";
    prefix_enabled: bool = false, "prefixEnabled", read read_text_flag;
    prefix: Option<Box<str>> = None, "prefix";
    stateful_rerouting_enabled: bool = false, "statefulReroutingEnabled";
    send_continuous_options_message: bool = false, "sendContinuousOptionsMessage";
    continuous_options_sending_interval_seconds: u64 = 30, "continuousOptionsSendingIntervalSeconds";
    failure_options_sending_interval_seconds: u64 = 10, "failureOptionsSendingIntervalSeconds";
    failure_threshold_counter: u64 = 1, "failureThresholdCounter";
    success_threshold_counter: u64 = 1, "successThresholdCounter";
    invite_failure_threshold_counter: u64 = 1, "inviteFailureThresholdCounter";
    invite_failure_threshold_window_seconds: u64 = 30, "inviteFailureThresholdWindowSeconds";
    asserted_identity_policy: Asserted = Asserted::UnscreenedOriginating, "pilotUserCallingLineAssertedIdentityPolicy";
    use_system_asserted_identity_policy: bool = true, "useSystemCallingLineAssertedIdentityPolicy";
    call_optimization_policy: CallOptimizationPolicy = CallOptimizationPolicy::UserServices, "pilotUserCallOptimizationPolicy";
    clid_source_policy: ClidSourcePolicy = ClidSourcePolicy::ProfileNameProfileNumber, "clidSourceForScreenedCallsPolicy";
    use_system_clid_source_policy: bool = true, "useSystemCLIDSourceForScreenedCallsPolicy";
    user_lookup_policy: UserLookupPolicy = UserLookupPolicy::Basic, "userLookupPolicy";
    use_system_user_lookup_policy: bool = true, "useSystemUserLookupPolicy";
    emergency_calls_policy: Calls = Calls::UnscreenedOriginating, "pilotUserCallingLineIdentityForEmergencyCallsPolicy";
    call_forwarding_always_action: Option<RedirectAction> = None, "callForwardingAlwaysAction";
    call_forwarding_always_forward_address: Option<Box<str>> = None, "callForwardingAlwaysForwardAddress";
    call_forwarding_always_reroute: Option<Box<TrunkKey>> = None, "callForwardingAlwaysRerouteTrunkGroup";
    trunking_mode: TrunkingMode = TrunkingMode::Normal, "trunkingMode";
}

/// The answer places its computed `hostedUsers` right after this setting...
pub const HOSTED_USERS_AFTER: &str = "sipAuthenticationUserName";
/// ...and `totalActiveIncomingCalls`, `totalActiveOutgoingCalls` right after this one.
pub const CALL_TOTALS_AFTER: &str = "useSystemCallingLineAssertedIdentityPolicy";

/// One of the three "what to do" settings, with the address and the trunk group it may need.
pub struct Redirect<'a> {
    pub action_name: &'static str,
    pub address_name: &'static str,
    pub trunk_name: &'static str,
    pub action: Option<RedirectAction>,
    pub address: Option<&'a str>,
    pub trunk: Option<&'a TrunkKey>,
}

impl TrunkSettings {
    /// The three redirects, in answer order.
    pub fn redirects(&self) -> [Redirect<'_>; 3] {
        [
            Redirect {
                action_name: "capacityExceededAction",
                address_name: "capacityExceededForwardAddress",
                trunk_name: "capacityExceededRerouteTrunkGroup",
                action: self.capacity_exceeded_action,
                address: self.capacity_exceeded_forward_address.as_deref(),
                trunk: self.capacity_exceeded_reroute.as_deref(),
            },
            Redirect {
                action_name: "unreachableDestinationAction",
                address_name: "unreachableDestinationForwardAddress",
                trunk_name: "unreachableDestinationRerouteTrunkGroup",
                action: self.unreachable_action,
                address: self.unreachable_forward_address.as_deref(),
                trunk: self.unreachable_reroute.as_deref(),
            },
            Redirect {
                action_name: "callForwardingAlwaysAction",
                address_name: "callForwardingAlwaysForwardAddress",
                trunk_name: "callForwardingAlwaysRerouteTrunkGroup",
                action: self.call_forwarding_always_action,
                address: self.call_forwarding_always_forward_address.as_deref(),
                trunk: self.call_forwarding_always_reroute.as_deref(),
            },
        ]
    }

    /// The three reroute keys, to point them at a renamed trunk group.
    pub fn reroutes_mut(&mut self) -> [Option<&mut TrunkKey>; 3] {
        [
            self.capacity_exceeded_reroute.as_deref_mut(),
            self.unreachable_reroute.as_deref_mut(),
            self.call_forwarding_always_reroute.as_deref_mut(),
        ]
    }

    /// Copies every setting a request names into `self`; other fields are left to the caller.
    /// The contract has checked the types already, so a value that does not fit is one a
    /// setting's type cannot hold (an integer past 2^64): refused with its name.
    pub fn apply(&mut self, body: &Map<String, Value>) -> Result<(), &'static str> {
        for (k, v) in body {
            if let Err(SetError::WrongType) = self.set(k, v) {
                return Err(NAMES
                    .iter()
                    .find(|n| **n == k)
                    .copied()
                    .unwrap_or("a field"));
            }
        }
        Ok(())
    }
}

/// The limit-calls rule of release 1.7.3 (`BACKWARD_TRUNKGROUP_LIMITCALLS`): when a request
/// gives `maxIncomingCalls` but not `limitIncomingCalls`, a maximum above 0 turns the limit on
/// and 0 turns it off; the same for outgoing calls.
pub fn backward_limit_calls(body: &Map<String, Value>, s: &mut TrunkSettings) {
    if !body.contains_key("limitIncomingCalls")
        && let Some(n) = body.get("maxIncomingCalls").and_then(Value::as_i64)
    {
        s.limit_incoming_calls = n > 0;
    }
    if !body.contains_key("limitOutgoingCalls")
        && let Some(n) = body.get("maxOutgoingCalls").and_then(Value::as_i64)
    {
        s.limit_outgoing_calls = n > 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_setting_has_a_single_place() {
        let mut names = NAMES.to_vec();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), NAMES.len());
        assert!(NAMES.contains(&HOSTED_USERS_AFTER) && NAMES.contains(&CALL_TOTALS_AFTER));
    }

    #[test]
    fn the_backward_rule_only_applies_without_an_explicit_limit() {
        let mut s = TrunkSettings::default();
        let body =
            json!({"maxIncomingCalls": 5, "maxOutgoingCalls": 0, "limitOutgoingCalls": true});
        backward_limit_calls(body.as_object().unwrap(), &mut s);
        assert!(s.limit_incoming_calls);
        assert!(!s.limit_outgoing_calls, "untouched: the body gave it");
    }

    #[test]
    fn a_set_names_its_problem() {
        let mut s = TrunkSettings::default();
        assert_eq!(s.set("maxActiveCall", &json!(1)), Err(SetError::Unknown));
        assert_eq!(
            s.set("maxActiveCalls", &json!("3")),
            Err(SetError::WrongType)
        );
        assert_eq!(
            s.set("enableBursting", &json!(null)),
            Err(SetError::WrongType)
        );
        s.set("capacityExceededRerouteTrunkGroup", &json!("T"))
            .unwrap();
        s.set("capacityExceededRerouteTrunkGroup", &json!(null))
            .unwrap();
        assert_eq!(s, TrunkSettings::default());
    }

    #[test]
    fn a_request_changes_only_the_settings_it_names() {
        let mut s = TrunkSettings::default();
        let body =
            json!({"name": "x", "hostedUsers": [], "maxActiveCalls": 9, "prefixEnabled": "true"});
        s.apply(body.as_object().unwrap()).unwrap();
        let expected = TrunkSettings {
            max_active_calls: 9,
            prefix_enabled: true,
            ..TrunkSettings::default()
        };
        assert_eq!(s, expected);
        // The contract lets an integer past 2^64 through; no field can hold it.
        let huge: Value = serde_json::from_str(r#"{"maxActiveCalls": 1e30}"#).unwrap();
        assert_eq!(s.apply(huge.as_object().unwrap()), Err("maxActiveCalls"));
    }
}
