//! The settings of a trunk group: every documented field, in the order a GET answers them,
//! with the default a new trunk group takes (the values of the document's GET example).

use serde_json::{Map, Value};

/// A field's default for a new trunk group.
#[derive(Debug, Clone, Copy)]
pub enum Initial {
    /// Unset: left out of the answer until a client sets it.
    Unset,
    Bool(bool),
    Int(i64),
    Str(&'static str),
}

impl Initial {
    pub fn value(self) -> Value {
        match self {
            Initial::Unset => Value::Null,
            Initial::Bool(b) => Value::Bool(b),
            Initial::Int(i) => Value::from(i),
            Initial::Str(s) => Value::String(s.to_string()),
        }
    }
}

/// One place in the answer: a stored setting, or something computed from the state.
#[derive(Debug, Clone, Copy)]
pub enum Field {
    Setting(&'static str, Initial),
    HostedUsers,
    TotalActiveIncomingCalls,
    TotalActiveOutgoingCalls,
}

use Field::Setting;
use Initial::{Bool, Int, Str, Unset};

/// The answer's order after `name`, `department`, `pilotUserId` and `accessDevice`.
pub const FIELDS: &[Field] = &[
    Setting("maxActiveCalls", Int(0)),
    Setting("limitIncomingCalls", Bool(false)),
    Setting("maxIncomingCalls", Unset),
    Setting("limitOutgoingCalls", Bool(false)),
    Setting("maxOutgoingCalls", Unset),
    Setting("enableBursting", Bool(false)),
    Setting("burstingMaxActiveCalls", Unset),
    Setting("burstingMaxIncomingCalls", Unset),
    Setting("burstingMaxOutgoingCalls", Unset),
    Setting("capacityExceededAction", Unset),
    Setting("capacityExceededForwardAddress", Unset),
    Setting("capacityExceededRerouteTrunkGroup", Unset),
    Setting("capacityExceededTrapInitialCalls", Int(0)),
    Setting("capacityExceededTrapOffsetCalls", Int(0)),
    Setting("unreachableDestinationAction", Unset),
    Setting("unreachableDestinationForwardAddress", Unset),
    Setting("unreachableDestinationRerouteTrunkGroup", Unset),
    Setting("invitationTimeout", Int(6)),
    Setting("requireAuthentication", Bool(false)),
    Setting("sipAuthenticationUserName", Unset),
    Field::HostedUsers,
    Setting("trunkGroupIdentity", Unset),
    Setting("otgDtgIdentity", Unset),
    Setting("allowTerminationToTrunkGroupIdentity", Bool(false)),
    Setting("allowTerminationToDtgIdentity", Bool(false)),
    Setting("includeTrunkGroupIdentity", Bool(false)),
    Setting("includeDtgIdentity", Bool(false)),
    Setting("includeTrunkGroupIdentityForNetworkCalls", Bool(false)),
    Setting("includeOtgIdentityForNetworkCalls", Bool(false)),
    Setting("allowUnscreenedCalls", Bool(false)),
    Setting("allowUnscreenedEmergencyCalls", Bool(false)),
    Setting(
        "pilotUserCallingLineIdentityForExternalCallsPolicy",
        Str("No Calls"),
    ),
    Setting("pilotUserChargeNumberPolicy", Str("No Calls")),
    Setting("peeringDomain", Unset),
    Setting("routeToPeeringDomain", Bool(false)),
    Setting("prefixEnabled", Bool(false)),
    Setting("prefix", Unset),
    Setting("statefulReroutingEnabled", Bool(false)),
    Setting("sendContinuousOptionsMessage", Bool(false)),
    Setting("continuousOptionsSendingIntervalSeconds", Int(30)),
    Setting("failureOptionsSendingIntervalSeconds", Int(10)),
    Setting("failureThresholdCounter", Int(1)),
    Setting("successThresholdCounter", Int(1)),
    Setting("inviteFailureThresholdCounter", Int(1)),
    Setting("inviteFailureThresholdWindowSeconds", Int(30)),
    Setting(
        "pilotUserCallingLineAssertedIdentityPolicy",
        Str("Unscreened Originating Calls"),
    ),
    Setting("useSystemCallingLineAssertedIdentityPolicy", Bool(true)),
    Field::TotalActiveIncomingCalls,
    Field::TotalActiveOutgoingCalls,
    Setting(
        "pilotUserCallOptimizationPolicy",
        Str("Optimize For User Services"),
    ),
    Setting(
        "clidSourceForScreenedCallsPolicy",
        Str("Profile Name Profile Number"),
    ),
    Setting("useSystemCLIDSourceForScreenedCallsPolicy", Bool(true)),
    Setting("userLookupPolicy", Str("Basic")),
    Setting("useSystemUserLookupPolicy", Bool(true)),
    Setting(
        "pilotUserCallingLineIdentityForEmergencyCallsPolicy",
        Str("Unscreened Originating Calls"),
    ),
    Setting("callForwardingAlwaysAction", Unset),
    Setting("callForwardingAlwaysForwardAddress", Unset),
    Setting("callForwardingAlwaysRerouteTrunkGroup", Unset),
    Setting("trunkingMode", Str("normal")),
];

/// The three "what to do" settings, each with the address and the trunk group it may need.
pub const ACTIONS: &[(&str, &str, &str)] = &[
    (
        "capacityExceededAction",
        "capacityExceededForwardAddress",
        "capacityExceededRerouteTrunkGroup",
    ),
    (
        "unreachableDestinationAction",
        "unreachableDestinationForwardAddress",
        "unreachableDestinationRerouteTrunkGroup",
    ),
    (
        "callForwardingAlwaysAction",
        "callForwardingAlwaysForwardAddress",
        "callForwardingAlwaysRerouteTrunkGroup",
    ),
];

/// Request fields that are not stored settings (handled on their own, or read-only).
pub const NOT_SETTINGS: &[&str] = &[
    "name",
    "department",
    "accessDevice",
    "accessDeviceInfo",
    "pilotUser",
    "pilotUserInfo",
    "pilotUserId",
    "sipAuthenticationPassword",
    "templateName",
    "hostedUsers",
    "totalActiveIncomingCalls",
    "totalActiveOutgoingCalls",
];

/// Every stored setting with its default.
pub fn settings() -> impl Iterator<Item = (&'static str, Initial)> {
    FIELDS.iter().filter_map(|f| match f {
        Setting(name, d) => Some((*name, *d)),
        _ => None,
    })
}

pub fn is_setting(name: &str) -> bool {
    settings().any(|(n, _)| n == name)
}

/// A new trunk group's settings: every default.
pub fn defaults() -> Map<String, Value> {
    settings()
        .map(|(n, d)| (n.to_string(), d.value()))
        .collect()
}

pub fn is_reroute_key(name: &str) -> bool {
    name.ends_with("RerouteTrunkGroup")
}

/// Reads a request value into its stored form: the documented variants of a field collapse
/// into one (`limitIncomingCalls` 1/0 → true/false, `prefixEnabled` "true" → true, a bare
/// reroute trunk group name → `{"name": ...}`). `null` stays `null` (it unsets the field).
pub fn stored_form(name: &str, value: &Value) -> Value {
    match (name, value) {
        ("limitIncomingCalls" | "limitOutgoingCalls", Value::Number(n)) => {
            Value::Bool(n.as_i64() != Some(0))
        }
        ("prefixEnabled", Value::String(s)) => Value::Bool(s == "true"),
        (n, Value::String(s)) if is_reroute_key(n) => serde_json::json!({ "name": s }),
        _ => value.clone(),
    }
}

/// The limit-calls rule of release 1.7.3 (`BACKWARD_TRUNKGROUP_LIMITCALLS`): when a request
/// gives `maxIncomingCalls` but not `limitIncomingCalls`, a maximum above 0 turns the limit on
/// and 0 turns it off; the same for outgoing calls.
pub fn backward_limit_calls(body: &Map<String, Value>, settings: &mut Map<String, Value>) {
    for (limit, max) in [
        ("limitIncomingCalls", "maxIncomingCalls"),
        ("limitOutgoingCalls", "maxOutgoingCalls"),
    ] {
        if body.contains_key(limit) {
            continue;
        }
        if let Some(n) = body.get(max).and_then(Value::as_i64) {
            settings.insert(limit.to_string(), Value::Bool(n > 0));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_setting_has_a_single_place() {
        let mut names: Vec<&str> = settings().map(|(n, _)| n).collect();
        let before = names.len();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), before);
        assert!(NOT_SETTINGS.iter().all(|n| !is_setting(n)));
    }

    #[test]
    fn the_backward_rule_only_applies_without_an_explicit_limit() {
        let mut s = defaults();
        let body =
            json!({"maxIncomingCalls": 5, "maxOutgoingCalls": 0, "limitOutgoingCalls": true});
        backward_limit_calls(body.as_object().unwrap(), &mut s);
        assert_eq!(s["limitIncomingCalls"], json!(true));
        assert_eq!(
            s["limitOutgoingCalls"],
            json!(false),
            "untouched: the body gave it"
        );
    }

    #[test]
    fn documented_variants_collapse_into_one_stored_form() {
        assert_eq!(stored_form("limitIncomingCalls", &json!(1)), json!(true));
        assert_eq!(stored_form("prefixEnabled", &json!("false")), json!(false));
        assert_eq!(
            stored_form("capacityExceededRerouteTrunkGroup", &json!("T")),
            json!({"name": "T"})
        );
    }
}
