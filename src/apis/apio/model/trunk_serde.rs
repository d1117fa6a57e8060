//! A trunk group's serde form (its entry in a scenario's `state.apio`, `GET|PUT
//! /__admin/state` and `--state-file`): one flat object like the API's own answer, the fixed
//! members first, then every setting by its JSON name. Written by hand because the settings
//! are typed fields, not a map: a seeded setting with an unknown name or the wrong type is
//! refused with the pointer of that member.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::trunk_fields::{SetError, TrunkSettings};
use super::trunk_groups::TrunkGroup;

impl Serialize for TrunkGroup {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("name", &self.name)?;
        if let Some(d) = &self.department {
            m.serialize_entry("department", d)?;
        }
        if let Some(d) = &self.access_device {
            m.serialize_entry("accessDevice", d)?;
        }
        if let Some(p) = &self.pilot_user_id {
            m.serialize_entry("pilotUserId", p)?;
        }
        if let Some(p) = &self.sip_authentication_password {
            m.serialize_entry("sipAuthenticationPassword", p)?;
        }
        if let Some(t) = &self.template_name {
            m.serialize_entry("templateName", t)?;
        }
        let mut result = Ok(());
        self.settings.each(|name, v| {
            if let (Some(v), Ok(())) = (v, &result) {
                result = m.serialize_entry(name, &v);
            }
        });
        result?;
        m.end()
    }
}

impl<'de> Deserialize<'de> for TrunkGroup {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(TrunkGroupVisitor)
    }
}

struct TrunkGroupVisitor;

impl<'de> Visitor<'de> for TrunkGroupVisitor {
    type Value = TrunkGroup;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a trunk group object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TrunkGroup, A::Error> {
        let mut name = None;
        let mut tg = TrunkGroup {
            name: String::new(),
            department: None,
            access_device: None,
            pilot_user_id: None,
            sip_authentication_password: None,
            template_name: None,
            settings: TrunkSettings::default(),
        };
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "name" => name = Some(map.next_value::<String>()?),
                "department" => tg.department = Some(map.next_value()?),
                "accessDevice" => tg.access_device = Some(map.next_value()?),
                "pilotUserId" => tg.pilot_user_id = Some(map.next_value()?),
                "sipAuthenticationPassword" => {
                    tg.sip_authentication_password = Some(map.next_value::<String>()?.into())
                }
                "templateName" => tg.template_name = Some(map.next_value::<String>()?.into()),
                // The check runs inside the member's value, so its error carries the member's
                // pointer.
                other => map.next_value_seed(SettingSeed {
                    settings: &mut tg.settings,
                    name: other,
                })?,
            }
        }
        tg.name = name.ok_or_else(|| de::Error::missing_field("name"))?;
        Ok(tg)
    }
}

/// Reads one seeded setting into the typed settings.
struct SettingSeed<'a> {
    settings: &'a mut TrunkSettings,
    name: &'a str,
}

impl<'de> DeserializeSeed<'de> for SettingSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        let v = Value::deserialize(d)?;
        self.settings.set(self.name, &v).map_err(|e| {
            de::Error::custom(match e {
                SetError::Unknown => "not a trunk group setting",
                SetError::WrongType => "wrong type for this setting",
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The document's GET example with the name its URL gives it: read and written back, it
    /// is the same object (settings in answer order after the fixed members).
    #[test]
    fn the_documents_example_round_trips() {
        let example: Value = serde_json::from_str(
            r#"{
            "name": "trunkgroup",
            "department": {"tenantId": "ApioSpTest", "groupId": "ApioGrpTest",
                           "departmentName": "test_department_initial"},
            "accessDevice": {"name": "TrunkTest_device", "level": "Group"},
            "pilotUserId": "TrunkTestPilot",
            "maxActiveCalls": 15,
            "limitIncomingCalls": false,
            "limitOutgoingCalls": false,
            "enableBursting": false,
            "capacityExceededTrapInitialCalls": 0,
            "capacityExceededTrapOffsetCalls": 0,
            "invitationTimeout": 6,
            "requireAuthentication": false,
            "allowTerminationToTrunkGroupIdentity": false,
            "allowTerminationToDtgIdentity": false,
            "includeTrunkGroupIdentity": false,
            "includeDtgIdentity": false,
            "includeTrunkGroupIdentityForNetworkCalls": false,
            "includeOtgIdentityForNetworkCalls": false,
            "allowUnscreenedCalls": false,
            "allowUnscreenedEmergencyCalls": false,
            "pilotUserCallingLineIdentityForExternalCallsPolicy": "No Calls",
            "pilotUserChargeNumberPolicy": "No Calls",
            "routeToPeeringDomain": false,
            "prefixEnabled": false,
            "prefix": "02",
            "statefulReroutingEnabled": false,
            "sendContinuousOptionsMessage": false,
            "continuousOptionsSendingIntervalSeconds": 30,
            "failureOptionsSendingIntervalSeconds": 10,
            "failureThresholdCounter": 1,
            "successThresholdCounter": 1,
            "inviteFailureThresholdCounter": 1,
            "inviteFailureThresholdWindowSeconds": 30,
            "pilotUserCallingLineAssertedIdentityPolicy": "Unscreened Originating Calls",
            "useSystemCallingLineAssertedIdentityPolicy": true,
            "pilotUserCallOptimizationPolicy": "Optimize For User Services",
            "clidSourceForScreenedCallsPolicy": "Profile Name Profile Number",
            "useSystemCLIDSourceForScreenedCallsPolicy": true,
            "userLookupPolicy": "Basic",
            "useSystemUserLookupPolicy": true,
            "pilotUserCallingLineIdentityForEmergencyCallsPolicy": "Unscreened Originating Calls",
            "callForwardingAlwaysAction": "Forward",
            "callForwardingAlwaysForwardAddress": "+3222123456",
            "trunkingMode": "normal"
        }"#,
        )
        .unwrap();
        let tg: TrunkGroup = serde_json::from_value(example.clone()).unwrap();
        assert_eq!(tg.settings.max_active_calls, 15);
        assert_eq!(tg.settings.prefix.as_deref(), Some("02"));
        let back = serde_json::to_value(&tg).unwrap();
        assert_eq!(back, example);
        let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
        assert_eq!(keys(&back), keys(&example), "same member order");
    }

    /// What one stored trunk group costs before its strings: the reason this type exists
    /// (its JSON map of every setting took about 8.8 KB of resident memory).
    #[test]
    fn a_trunk_group_stays_small() {
        let size = std::mem::size_of::<TrunkGroup>();
        assert!(size <= 576, "{size} bytes (528 when written)");
    }

    #[test]
    fn a_seeded_setting_is_refused_at_its_own_pointer() {
        let v = json!([{"name": "a", "maxActiveCalls": "3"}]);
        let err = serde_path_to_error::deserialize::<_, Vec<TrunkGroup>>(&v).unwrap_err();
        assert_eq!(err.path().to_string(), "[0].maxActiveCalls");
        assert_eq!(err.inner().to_string(), "wrong type for this setting");
    }
}
