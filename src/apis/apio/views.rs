//! Every apio answer body, built from the model's state: the model keeps state and rules,
//! the handlers pick the view. Key order follows the vendor documents' examples (serde_json
//! keeps insertion order), which the snapshots pin.

use serde_json::{Map, Value, json};

use super::model::connectivity::{AssignedPrefix, AssignedRange, RangeUser};
use super::model::itc_kinds::{ItcKind, Numbers, Prefixes};
use super::model::trunk_fields::{CALL_TOTALS_AFTER, HOSTED_USERS_AFTER};
use super::model::trunk_groups::TrunkGroup;
use super::model::trunk_values::{RedirectAction, SettingValue};
use super::model::{Group, User};

/// `GET .../trunk_groups/`: one summary per trunk group, with the group it lives in. The
/// document's Trunk Group table marks `department` as always present: a trunk group in no
/// department shows its own tenant and group with an empty `departmentName`.
pub fn trunk_group_list<'a>(
    tenant_id: &str,
    trunks: impl IntoIterator<Item = (&'a str, &'a TrunkGroup)>,
) -> Value {
    let trunks: Vec<Value> = trunks
        .into_iter()
        .map(|(group_id, tg)| {
            let mut o = Map::new();
            o.insert("name".into(), Value::String(tg.name.clone()));
            let department = tg.department.clone().unwrap_or_else(
                || json!({"tenantId": tenant_id, "groupId": group_id, "departmentName": ""}),
            );
            o.insert("department".into(), department);
            // APIO shows an unset value as "", so a trunk group without a device says so.
            let (device, level) = tg
                .access_device
                .as_ref()
                .map(|d| (d.name.as_str(), d.level.as_str()))
                .unwrap_or(("", ""));
            o.insert("deviceName".into(), Value::String(device.into()));
            o.insert("deviceLevel".into(), Value::String(level.into()));
            o.insert("groupId".into(), Value::String(group_id.into()));
            o.insert(
                "trunkingMode".into(),
                Value::String(tg.trunking_mode().into()),
            );
            Value::Object(o)
        })
        .collect();
    json!({ "trunks": trunks })
}

/// The trunk group as GET answers it (and create and update): never the SIP password; the
/// call counters are 0 because the fake carries no calls.
pub fn trunk_group(group: &Group, tg: &TrunkGroup) -> Value {
    let mut o = Map::new();
    o.insert("name".into(), Value::String(tg.name.clone()));
    if let Some(d) = &tg.department {
        o.insert("department".into(), d.clone());
    }
    if let Some(p) = &tg.pilot_user_id {
        o.insert("pilotUserId".into(), Value::String(p.clone()));
    }
    if let Some(d) = &tg.access_device {
        o.insert(
            "accessDevice".into(),
            json!({"name": d.name, "level": d.level.as_str()}),
        );
    }
    tg.settings.each(|name, value| {
        if let Some(v) = value {
            o.insert(name.into(), v);
        }
        if name == HOSTED_USERS_AFTER {
            let users: Vec<Value> = group
                .users
                .iter()
                .filter(|u| u.trunk_group.as_deref() == Some(tg.name.as_str()))
                .filter(|u| tg.pilot_user_id.as_deref() != Some(u.user_id.as_str()))
                .map(hosted_user)
                .collect();
            o.insert("hostedUsers".into(), Value::Array(users));
        } else if name == CALL_TOTALS_AFTER {
            o.insert("totalActiveIncomingCalls".into(), Value::from(0));
            o.insert("totalActiveOutgoingCalls".into(), Value::from(0));
        }
    });
    if let Some(t) = &tg.template_name {
        o.insert("templateName".into(), Value::String(t.to_string()));
    }
    Value::Object(o)
}

/// A user as a trunk group's `hostedUsers` entry shows it.
fn hosted_user(u: &User) -> Value {
    let mut o = Map::new();
    o.insert("userId".into(), Value::String(u.user_id.clone()));
    o.insert("lastName".into(), Value::String(u.last_name.clone()));
    o.insert("firstName".into(), Value::String(u.first_name.clone()));
    if let Some(n) = &u.phone_number {
        o.insert("phoneNumber".into(), Value::String(n.clone()));
    }
    if let Some(e) = &u.extension {
        o.insert("extension".into(), Value::String(e.clone()));
    }
    if let Some(d) = &u.department {
        o.insert("department".into(), d.clone());
    }
    Value::Object(o)
}

/// `GET|PUT .../trunk_groups/{name}/backup/`: the three `unreachableDestination*` settings
/// under the names `mode`, `destination` and `trunk`. A destination or trunk is shown whenever
/// it is stored, whatever the mode (as the trunk group's own GET does).
pub fn backup(tg: &TrunkGroup) -> Value {
    let s = &tg.settings;
    let mut o = Map::new();
    let mode = s.unreachable_action;
    let text = mode.map_or("", RedirectAction::as_str);
    o.insert("mode".into(), Value::String(text.into()));
    // Only what belongs to the mode: a Forward shows its destination, a Reroute its trunk,
    // even when the trunk group still stores the other one.
    match (mode, &s.unreachable_forward_address, &s.unreachable_reroute) {
        (Some(RedirectAction::Forward), Some(d), _) => {
            o.insert("destination".into(), Value::String(d.to_string()));
        }
        (Some(RedirectAction::Reroute), _, Some(k)) => {
            o.extend(k.write().map(|k| ("trunk".to_string(), k)));
        }
        _ => {}
    }
    Value::Object(o)
}

/// How a group's range or prefix is listed: what differs between the two kinds.
pub trait ItcView: ItcKind {
    fn listed(group_id: &str, held: &Self::Held) -> Value;
}

impl ItcView for Numbers {
    fn listed(group_id: &str, r: &AssignedRange) -> Value {
        let mut o = Map::new();
        let s = |v: &String| Value::String(v.clone());
        o.insert("minPhoneNumber".into(), s(&r.min_phone_number));
        o.insert("maxPhoneNumber".into(), s(&r.max_phone_number));
        user_fields(&mut o, group_id, r.user.as_ref());
        o.insert("active".into(), Value::Bool(r.active));
        o.insert("extensionLength".into(), s(&r.extension_length));
        Value::Object(o)
    }
}

impl ItcView for Prefixes {
    fn listed(group_id: &str, p: &AssignedPrefix) -> Value {
        let mut o = Map::new();
        let s = |v: &String| Value::String(v.clone());
        o.insert("prefix".into(), s(&p.prefix));
        user_fields(&mut o, group_id, p.user.as_ref());
        o.insert("active".into(), Value::Bool(p.active));
        o.insert("extensionRangeStart".into(), s(&p.extension_range_start));
        o.insert("extensionRangeEnd".into(), s(&p.extension_range_end));
        Value::Object(o)
    }
}

/// `{"numbers": [...]}` / `{"prefixes": [...]}`: what the group holds.
pub fn itc_held<K: ItcView>(group_id: &str, held: &[K::Held]) -> Value {
    let list = held.iter().map(|h| K::listed(group_id, h)).collect();
    keyed(K::KEY.to_string(), Value::Array(list))
}

/// `{"available_numbers": [...]}` / `{"available_prefixes": [...]}`: the tenant's pool, as
/// the state keeps it.
pub fn itc_available<K: ItcKind>(free: &[K::Free]) -> Value {
    let list = serde_json::to_value(free).expect("plain data serialises");
    keyed(format!("available_{}", K::KEY), list)
}

/// `{key: value}`, for the answers whose key depends on the kind.
fn keyed(key: String, value: Value) -> Value {
    Value::Object(Map::from_iter([(key, value)]))
}

/// The user a range or prefix routes to; every field is `""` when none does, the way APIO
/// shows unset values.
fn user_fields(o: &mut Map<String, Value>, group_id: &str, user: Option<&RangeUser>) {
    let empty = RangeUser::default();
    let u = user.unwrap_or(&empty);
    let s = |v: &String| Value::String(v.clone());
    o.insert("groupId".into(), Value::String(group_id.into()));
    o.insert("userId".into(), s(&u.user_id));
    o.insert("lastName".into(), s(&u.last_name));
    o.insert("firstName".into(), s(&u.first_name));
    o.insert("phoneNumber".into(), s(&u.phone_number));
    o.insert("extension".into(), s(&u.extension));
    if let Some(d) = &u.department {
        o.insert("department".into(), d.clone());
    }
    o.insert("emailAddress".into(), s(&u.email_address));
    o.insert("enterpriseTrunk".into(), s(&u.enterprise_trunk));
}
