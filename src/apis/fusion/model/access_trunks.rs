//! Over 400 lines: about half is unit tests of the rules (the code is ~390 lines, one job).
//! Access trunks: the point-to-point connections between a customer's PBX and one POP of the
//! platform, kept under their (sip) trunk group. State and business rules, no HTTP.
//!
//! The rule the document states for create and modify: without `authRequired` the PBX must be
//! known by address (`primaryPeerIp` or `ipWhitelist`); with it, by credentials
//! (`authUsername` and `authPassword`). On modify it is checked against the merged old and new
//! data. `authPassword` is kept (a client may log in with it) but never shown.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::peer_trunks::CallAllowance;
use super::sync::{SyncStatus, Synced};
use crate::apis::fusion::errors::FusionError;

/// Transport protocols, as documented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Transport {
    #[default]
    #[serde(rename = "UDP")]
    Udp,
    #[serde(rename = "TCP")]
    Tcp,
}

/// How an access trunk is attached to its POP. The POP's name is looked up when rendering, so
/// a scenario that renames a POP renames it everywhere.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AccessPop {
    pub id: i64,
    #[serde(default)]
    pub inbound_calls: CallAllowance,
    #[serde(default)]
    pub outbound_calls: CallAllowance,
    #[serde(default)]
    pub transport: Transport,
    /// Sent in the bulk example (`"realm": "public"`); kept and echoed when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub realm: Option<String>,
}

/// One access trunk. Its serde form (camelCase, like the API) is what a scenario seeds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AccessTrunk {
    pub id: i64,
    /// Not in the document's access trunk object, but the bulk API modifies access trunks by
    /// uuid, so a client must be able to read it.
    #[serde(default)]
    pub uuid: String,
    pub name: String,
    #[serde(default)]
    pub billing_id: String,
    pub pop: AccessPop,
    #[serde(default = "default_weight")]
    pub weight: i64,
    #[serde(default = "default_priority")]
    pub priority: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_peer_ip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_peer_port: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_whitelist: Option<String>,
    #[serde(default)]
    pub auth_required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_password: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trunk_locale: Option<String>,
    #[serde(default = "empty_object")]
    pub extra: Value,
    #[serde(default = "yes")]
    pub sip_options: bool,
    /// Synchronisation with the network: `pending` after a change, `ok` once it settled.
    #[serde(default)]
    pub status: SyncStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_until_ms: Option<i64>,
}

impl Synced for AccessTrunk {
    fn sync_fields(&mut self) -> (&mut SyncStatus, &mut Option<i64>) {
        (&mut self.status, &mut self.pending_until_ms)
    }
}

fn default_weight() -> i64 {
    10
}
fn default_priority() -> i64 {
    10
}
fn empty_object() -> Value {
    Value::Object(Map::new())
}
fn yes() -> bool {
    true
}

/// A POP entry of a request: `pops[]` on create (and in bulk data), `pop` on modify.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PopInput {
    pub id: Option<i64>,
    /// The bulk data objects name the POP `popId` as well as `id`.
    pub pop_id: Option<i64>,
    pub inbound_calls: Option<CallAllowance>,
    pub outbound_calls: Option<CallAllowance>,
    pub transport: Option<Transport>,
    pub sip_options: Option<bool>,
    pub realm: Option<String>,
}

impl PopInput {
    fn pop_id(&self) -> Option<i64> {
        self.id.or(self.pop_id)
    }
}

/// The body of a create or modify (and one access trunk bulk data object). Fields that may be
/// removed with `null` are doubly optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessTrunkInput {
    pub name: Option<String>,
    pub billing_id: Option<String>,
    pub trunking_pop_id: Option<i64>,
    pub weight: Option<i64>,
    pub priority: Option<i64>,
    #[serde(default, deserialize_with = "super::trunk_groups::explicit_null")]
    pub primary_peer_ip: Option<Option<String>>,
    pub primary_peer_port: Option<i64>,
    #[serde(default, deserialize_with = "super::trunk_groups::explicit_null")]
    pub ip_whitelist: Option<Option<String>>,
    pub auth_required: Option<bool>,
    #[serde(default, deserialize_with = "super::trunk_groups::explicit_null")]
    pub auth_username: Option<Option<String>>,
    #[serde(default, deserialize_with = "super::trunk_groups::explicit_null")]
    pub auth_password: Option<Option<String>>,
    pub trunk_locale: Option<String>,
    pub extra: Option<Value>,
    pub sip_options: Option<bool>,
    pub pops: Option<Vec<PopInput>>,
    pub pop: Option<PopInput>,
}

impl AccessTrunkInput {
    /// Reads a request body (already checked against the contract, so a failure here is a
    /// value the contract lets through but the model cannot use).
    pub fn from_json(body: &Value) -> Result<Self, FusionError> {
        serde_json::from_value(body.clone())
            .map_err(|e| FusionError::Invalid(format!("access trunk: {e}")))
    }

    /// The POPs a create asks for: every `pops` entry, or else the one `trunkingPopId`.
    pub fn requested_pops(&self) -> Result<Vec<PopInput>, FusionError> {
        match &self.pops {
            Some(pops) if !pops.is_empty() => pops
                .iter()
                .map(|p| match p.pop_id() {
                    Some(_) => Ok(p.clone()),
                    None => Err(FusionError::AccessTrunkPopMissing),
                })
                .collect(),
            _ => match self
                .trunking_pop_id
                .or(self.pop.as_ref().and_then(PopInput::pop_id))
            {
                Some(id) => Ok(vec![PopInput {
                    id: Some(id),
                    ..self.pop.clone().unwrap_or_default()
                }]),
                None => Err(FusionError::AccessTrunkPopMissing),
            },
        }
    }
}

/// Checks the document's business rule and the addresses' form.
pub fn check_rules(t: &AccessTrunk) -> Result<(), FusionError> {
    let given = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
    if let Some(ip) = t
        .primary_peer_ip
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        && ip.trim().parse::<IpAddr>().is_err()
    {
        return Err(FusionError::InvalidAddress {
            field: "primaryPeerIp",
            value: ip.to_string(),
        });
    }
    if let Some(list) = &t.ip_whitelist {
        for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            if !is_ip_or_network(entry) {
                return Err(FusionError::InvalidAddress {
                    field: "ipWhitelist",
                    value: entry.to_string(),
                });
            }
        }
    }
    if t.auth_required {
        if !given(&t.auth_username) || !given(&t.auth_password) {
            return Err(FusionError::AccessTrunkNeedsCredentials);
        }
    } else if !given(&t.primary_peer_ip) && !given(&t.ip_whitelist) {
        return Err(FusionError::AccessTrunkNeedsPeerAddress);
    }
    Ok(())
}

/// `10.0.0.1` or `10.0.0.0/24` (IPv4 or IPv6).
fn is_ip_or_network(s: &str) -> bool {
    match s.split_once('/') {
        None => s.parse::<IpAddr>().is_ok(),
        Some((ip, bits)) => match (ip.parse::<IpAddr>(), bits.parse::<u8>()) {
            (Ok(IpAddr::V4(_)), Ok(b)) => b <= 32,
            (Ok(IpAddr::V6(_)), Ok(b)) => b <= 128,
            _ => false,
        },
    }
}

impl AccessTrunk {
    /// A new access trunk on one POP from a create body (id and uuid given by the caller).
    /// A `pops` entry's own `sipOptions` wins over the body's.
    pub fn create(id: i64, uuid: String, input: &AccessTrunkInput, pop: &PopInput) -> Self {
        let flatten = |v: &Option<Option<String>>| v.clone().flatten();
        AccessTrunk {
            id,
            uuid,
            name: input.name.clone().unwrap_or_default(),
            billing_id: input.billing_id.clone().unwrap_or_default(),
            pop: AccessPop {
                id: pop.pop_id().unwrap_or_default(),
                inbound_calls: pop.inbound_calls.unwrap_or_default(),
                outbound_calls: pop.outbound_calls.unwrap_or_default(),
                transport: pop.transport.unwrap_or_default(),
                realm: pop.realm.clone(),
            },
            weight: input.weight.unwrap_or_else(default_weight),
            priority: input.priority.unwrap_or_else(default_priority),
            primary_peer_ip: flatten(&input.primary_peer_ip),
            primary_peer_port: input.primary_peer_port,
            ip_whitelist: flatten(&input.ip_whitelist),
            auth_required: input.auth_required.unwrap_or(false),
            auth_username: flatten(&input.auth_username),
            auth_password: flatten(&input.auth_password),
            trunk_locale: input.trunk_locale.clone(),
            extra: input.extra.clone().unwrap_or_else(empty_object),
            sip_options: pop.sip_options.or(input.sip_options).unwrap_or(true),
            status: SyncStatus::Pending,
            pending_until_ms: None,
        }
    }

    /// This access trunk with a modify body applied: `null` removes the removable fields;
    /// `trunkingPopId` (or `pop.id`) moves it to another POP.
    pub fn merged(&self, input: &AccessTrunkInput) -> Self {
        let mut t = self.clone();
        if let Some(v) = &input.name {
            t.name = v.clone();
        }
        if let Some(v) = &input.billing_id {
            t.billing_id = v.clone();
        }
        if let Some(v) = input.weight {
            t.weight = v;
        }
        if let Some(v) = input.priority {
            t.priority = v;
        }
        if let Some(v) = &input.primary_peer_ip {
            t.primary_peer_ip = v.clone();
        }
        if let Some(v) = input.primary_peer_port {
            t.primary_peer_port = Some(v);
        }
        if let Some(v) = &input.ip_whitelist {
            t.ip_whitelist = v.clone();
        }
        if let Some(v) = input.auth_required {
            t.auth_required = v;
        }
        if let Some(v) = &input.auth_username {
            t.auth_username = v.clone();
        }
        if let Some(v) = &input.auth_password {
            t.auth_password = v.clone();
        }
        if let Some(v) = &input.trunk_locale {
            t.trunk_locale = Some(v.clone());
        }
        if let Some(v) = &input.extra {
            t.extra = v.clone();
        }
        if let Some(v) = input.sip_options {
            t.sip_options = v;
        }
        // A modify's `pop`, or the first `pops` entry of a bulk update.
        let pop = input
            .pop
            .as_ref()
            .or(input.pops.as_ref().and_then(|p| p.first()));
        if let Some(id) = input.trunking_pop_id.or(pop.and_then(PopInput::pop_id)) {
            t.pop.id = id;
        }
        if let Some(p) = pop {
            if let Some(v) = p.inbound_calls {
                t.pop.inbound_calls = v;
            }
            if let Some(v) = p.outbound_calls {
                t.pop.outbound_calls = v;
            }
            if let Some(v) = p.transport {
                t.pop.transport = v;
            }
            if let Some(v) = &p.realm {
                t.pop.realm = Some(v.clone());
            }
            if let Some(v) = p.sip_options {
                t.sip_options = v;
            }
        }
        t
    }

    /// The text `search` looks through: the properties the document marks searchable.
    pub fn matches_search(&self, needle_lower: &str) -> bool {
        self.name.to_lowercase().contains(needle_lower)
            || self
                .primary_peer_ip
                .as_deref()
                .is_some_and(|ip| ip.to_lowercase().contains(needle_lower))
            || self
                .primary_peer_port
                .is_some_and(|p| p.to_string().contains(needle_lower))
    }
}

/// The properties `sort` accepts: the searchable ones.
pub const SORTABLE: &[&str] = &["name", "primaryPeerIp", "primaryPeerPort"];

/// Orders access trunks by one sortable property (`None`: by name), ties by id; trunks without
/// the property come last whatever the direction, so a page never starts with blanks.
pub fn sort(
    list: &mut [&AccessTrunk],
    by: Option<&str>,
    descending: bool,
) -> Result<(), FusionError> {
    let by = by.unwrap_or("name");
    if !SORTABLE.contains(&by) {
        return Err(FusionError::Invalid(format!(
            "sort must be one of {}",
            SORTABLE.join(", ")
        )));
    }
    list.sort_by(|a, b| {
        let key = |t: &AccessTrunk| -> Option<(String, i64)> {
            match by {
                "primaryPeerIp" => t.primary_peer_ip.as_ref().map(|s| (s.to_lowercase(), 0)),
                "primaryPeerPort" => t.primary_peer_port.map(|p| (String::new(), p)),
                _ => Some((t.name.to_lowercase(), 0)),
            }
        };
        let ord = match (key(a), key(b)) {
            (Some(x), Some(y)) => {
                let o = x.cmp(&y);
                if descending { o.reverse() } else { o }
            }
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        };
        ord.then(a.id.cmp(&b.id))
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn input(v: Value) -> AccessTrunkInput {
        AccessTrunkInput::from_json(&v).unwrap()
    }

    fn trunk(v: Value) -> AccessTrunk {
        let i = input(v);
        let pops = i.requested_pops().unwrap();
        AccessTrunk::create(1, "u".into(), &i, &pops[0])
    }

    #[test]
    fn without_auth_an_address_is_required() {
        let t = trunk(json!({"name": "a", "trunkingPopId": 1}));
        assert_eq!(
            check_rules(&t),
            Err(FusionError::AccessTrunkNeedsPeerAddress)
        );
        let t = trunk(json!({"name": "a", "trunkingPopId": 1, "ipWhitelist": "127.0.0.1"}));
        assert_eq!(check_rules(&t), Ok(()));
        let t = trunk(json!({"name": "a", "trunkingPopId": 1, "primaryPeerIp": "10.1.2.3"}));
        assert_eq!(check_rules(&t), Ok(()));
    }

    #[test]
    fn with_auth_credentials_are_required_and_no_address() {
        let t = trunk(
            json!({"name": "a", "trunkingPopId": 1, "authRequired": true,
                             "authUsername": "pbx"}),
        );
        assert_eq!(
            check_rules(&t),
            Err(FusionError::AccessTrunkNeedsCredentials)
        );
        let t = trunk(
            json!({"name": "a", "trunkingPopId": 1, "authRequired": true,
                             "authUsername": "pbx", "authPassword": "s3cret"}),
        );
        assert_eq!(check_rules(&t), Ok(()));
    }

    #[test]
    fn addresses_must_look_like_addresses() {
        let t = trunk(json!({"name": "a", "trunkingPopId": 1, "primaryPeerIp": "10.0.0.300"}));
        assert!(matches!(
            check_rules(&t),
            Err(FusionError::InvalidAddress {
                field: "primaryPeerIp",
                ..
            })
        ));
        let t =
            trunk(json!({"name": "a", "trunkingPopId": 1, "ipWhitelist": "10.0.0.0/24, ::1,nope"}));
        assert!(matches!(
            check_rules(&t),
            Err(FusionError::InvalidAddress {
                field: "ipWhitelist",
                ..
            })
        ));
    }

    #[test]
    fn modify_is_checked_against_the_merged_data() {
        let old = trunk(json!({"name": "a", "trunkingPopId": 1, "primaryPeerIp": "10.1.2.3"}));
        let removed = old.merged(&input(json!({"primaryPeerIp": null})));
        assert_eq!(removed.primary_peer_ip, None);
        assert_eq!(
            check_rules(&removed),
            Err(FusionError::AccessTrunkNeedsPeerAddress)
        );
        let renamed = old.merged(&input(json!({"name": "b"})));
        assert_eq!(renamed.primary_peer_ip.as_deref(), Some("10.1.2.3"));
        assert_eq!(check_rules(&renamed), Ok(()));
    }

    #[test]
    fn one_trunk_per_pop_or_the_single_trunking_pop() {
        let i = input(json!({"name": "a", "pops": [{"id": 1}, {"popId": 2, "sipOptions": false}]}));
        let pops = i.requested_pops().unwrap();
        assert_eq!(pops.len(), 2);
        let second = AccessTrunk::create(2, "u".into(), &i, &pops[1]);
        assert_eq!(second.pop.id, 2);
        assert!(!second.sip_options);
        assert!(input(json!({"name": "a"})).requested_pops().is_err());
        assert!(
            input(json!({"name": "a", "pops": [{"transport": "UDP"}]}))
                .requested_pops()
                .is_err()
        );
        assert_eq!(
            input(json!({"name": "a", "trunkingPopId": 2}))
                .requested_pops()
                .unwrap()[0]
                .id,
            Some(2)
        );
    }

    #[test]
    fn the_password_is_never_rendered_and_status_only_on_request() {
        let t = trunk(
            json!({"name": "a", "trunkingPopId": 1, "authRequired": true,
                             "authUsername": "pbx", "authPassword": "s3cret"}),
        );
        let r = crate::apis::fusion::views::access_trunk(
            &t,
            &super::super::pops::default_pops(),
            false,
        );
        assert!(r.get("authPassword").is_none());
        assert!(r.get("status").is_none());
        assert_eq!(r["pop"]["name"], "Wakefield");
        assert_eq!(
            crate::apis::fusion::views::access_trunk(&t, &super::super::pops::default_pops(), true)
                ["status"],
            "pending"
        );
    }

    #[test]
    fn calls_are_echoed_as_booleans_or_quantities() {
        let t = trunk(
            json!({"name": "a", "pops": [{"id": 1, "inboundCalls": 4, "outboundCalls": false}]}),
        );
        let r = crate::apis::fusion::views::access_trunk(
            &t,
            &super::super::pops::default_pops(),
            false,
        );
        assert_eq!(r["pop"]["inboundCalls"], 4);
        assert_eq!(r["pop"]["outboundCalls"], false);
    }

    #[test]
    fn sorting_by_port_descending_puts_blanks_last() {
        let a = trunk(json!({"name": "b", "trunkingPopId": 1, "primaryPeerPort": 5060}));
        let mut b = trunk(json!({"name": "a", "trunkingPopId": 1}));
        b.id = 2;
        let mut c = trunk(json!({"name": "c", "trunkingPopId": 1, "primaryPeerPort": 5070}));
        c.id = 3;
        let mut list = vec![&a, &b, &c];
        sort(&mut list, Some("primaryPeerPort"), true).unwrap();
        assert_eq!(list.iter().map(|t| t.id).collect::<Vec<_>>(), vec![3, 1, 2]);
        sort(&mut list, None, false).unwrap();
        assert_eq!(
            list.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
            vec!["a", "b", "c"]
        );
        assert!(sort(&mut list, Some("weight"), false).is_err());
    }
}
