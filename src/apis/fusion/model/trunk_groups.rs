//! Trunk groups: what the state keeps, how the API prints them (list item and detail object),
//! and the write bodies of create, modify and suspend.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use super::numbers::PhoneNumber;
use super::peer_trunks::{PeerTrunk, PeerTrunkWrite};
use super::sync::{SyncStatus, Synced};

/// How the calling or called number is presented on the trunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum CallFormat {
    #[default]
    #[serde(rename = "e164")]
    E164,
    #[serde(rename = "national_with_0")]
    NationalWith0,
    #[serde(rename = "international_with_0")]
    InternationalWith0,
    #[serde(rename = "international_with_00")]
    InternationalWith00,
    #[serde(rename = "international_without_00")]
    InternationalWithout00,
}

/// `sip` is a classic trunk group (access trunks); the others are peer trunk groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TrunkType {
    #[default]
    Sip,
    Msteams,
    Webexc,
    Webexcc,
    Zoom,
    Azure,
}

impl TrunkType {
    pub fn as_str(self) -> &'static str {
        match self {
            TrunkType::Sip => "sip",
            TrunkType::Msteams => "msteams",
            TrunkType::Webexc => "webexc",
            TrunkType::Webexcc => "webexcc",
            TrunkType::Zoom => "zoom",
            TrunkType::Azure => "azure",
        }
    }

    pub fn is_peer(self) -> bool {
        self != TrunkType::Sip
    }

    /// Only Webex trunk groups have a region.
    pub fn has_region(self) -> bool {
        matches!(self, TrunkType::Webexc | TrunkType::Webexcc)
    }
}

fn yes() -> bool {
    true
}
fn ten() -> u32 {
    10
}
fn empty_object() -> Value {
    Value::Object(Map::new())
}

/// A trunk group as the state keeps it. Defaults are the ones the document's examples show for
/// fields a create left out (`cfnrTimer` 10, `overwiteUnscreenedCallsWithPilot` true, ...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TrunkGroup {
    pub id: i64,
    pub uuid: String,
    pub name: String,
    #[serde(default)]
    pub billing_id: String,
    #[serde(default)]
    pub external: bool,
    #[serde(default)]
    pub called_format: CallFormat,
    #[serde(default)]
    pub calling_format: CallFormat,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_calls: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_incoming_calls: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_outgoing_calls: Option<u32>,
    /// The pilot, as the `connectionId` of one of `numbers`.
    #[serde(default)]
    pub pilot: Option<i64>,
    #[serde(default)]
    pub block_unscreened_calls: bool,
    /// Spelled as the vendor spells it.
    #[serde(default = "yes")]
    pub overwite_unscreened_calls_with_pilot: bool,
    #[serde(default)]
    pub cfa_active: bool,
    #[serde(default)]
    pub cfa_destination: String,
    #[serde(default)]
    pub cfnr_active: bool,
    #[serde(default)]
    pub cfnr_destination: String,
    #[serde(default = "ten")]
    pub cfnr_timer: u32,
    /// Only the document's examples know this flag; kept and shown when a client sent it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cfnc_active: Option<bool>,
    #[serde(default = "yes")]
    pub incoming_calls: bool,
    #[serde(default = "yes")]
    pub outgoing_calls: bool,
    #[serde(default = "empty_object")]
    pub extra: Value,
    #[serde(default)]
    pub disaster_recovery_status: bool,
    #[serde(rename = "type", default)]
    pub kind: TrunkType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default)]
    pub peer_trunks: Vec<PeerTrunk>,
    #[serde(default)]
    pub numbers: Vec<PhoneNumber>,
    /// Only sip trunk groups have access trunks (part 2).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub access_trunks: Vec<super::access_trunks::AccessTrunk>,
    #[serde(default)]
    pub status: SyncStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_until_ms: Option<i64>,
}

impl Synced for TrunkGroup {
    fn sync_fields(&mut self) -> (&mut SyncStatus, &mut Option<i64>) {
        (&mut self.status, &mut self.pending_until_ms)
    }
}

impl TrunkGroup {
    /// A new trunk group with every default.
    pub fn new(id: i64, uuid: String, name: String) -> Self {
        TrunkGroup {
            id,
            uuid,
            name,
            billing_id: String::new(),
            external: false,
            called_format: CallFormat::E164,
            calling_format: CallFormat::E164,
            max_calls: None,
            max_incoming_calls: None,
            max_outgoing_calls: None,
            pilot: None,
            block_unscreened_calls: false,
            overwite_unscreened_calls_with_pilot: true,
            cfa_active: false,
            cfa_destination: String::new(),
            cfnr_active: false,
            cfnr_destination: String::new(),
            cfnr_timer: 10,
            cfnc_active: None,
            incoming_calls: true,
            outgoing_calls: true,
            extra: empty_object(),
            disaster_recovery_status: false,
            kind: TrunkType::Sip,
            region: None,
            peer_trunks: Vec::new(),
            numbers: Vec::new(),
            access_trunks: Vec::new(),
            status: SyncStatus::Ok,
            pending_until_ms: None,
        }
    }

    /// The attached number the pilot names, if any.
    pub fn pilot_number(&self) -> Option<&PhoneNumber> {
        let cid = self.pilot?;
        self.numbers.iter().find(|n| n.connection_id == cid)
    }
}

/// `Some(None)` for an explicit `null`, `None` for an absent field.
pub(crate) fn explicit_null<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// The body of create and modify (and, with only the call flags, suspend). Every field is
/// optional here; the contract and the model say which are required when.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrunkGroupWrite {
    pub name: Option<String>,
    pub billing_id: Option<String>,
    pub external: Option<bool>,
    pub called_format: Option<CallFormat>,
    pub calling_format: Option<CallFormat>,
    #[serde(default, deserialize_with = "explicit_null")]
    pub max_calls: Option<Option<u32>>,
    #[serde(default, deserialize_with = "explicit_null")]
    pub max_incoming_calls: Option<Option<u32>>,
    #[serde(default, deserialize_with = "explicit_null")]
    pub max_outgoing_calls: Option<Option<u32>>,
    #[serde(default, deserialize_with = "explicit_null")]
    pub pilot: Option<Option<i64>>,
    pub block_unscreened_calls: Option<bool>,
    pub overwite_unscreened_calls_with_pilot: Option<bool>,
    pub cfa_active: Option<bool>,
    pub cfa_destination: Option<String>,
    pub cfnr_active: Option<bool>,
    pub cfnr_destination: Option<String>,
    pub cfnr_timer: Option<u32>,
    pub cfnc_active: Option<bool>,
    pub incoming_calls: Option<bool>,
    pub outgoing_calls: Option<bool>,
    pub inbound_calls: Option<bool>,
    pub outbound_calls: Option<bool>,
    pub extra: Option<Value>,
    #[serde(rename = "type")]
    pub kind: Option<TrunkType>,
    #[serde(default, deserialize_with = "explicit_null")]
    pub region: Option<Option<String>>,
    pub peer_trunks: Option<Vec<PeerTrunkWrite>>,
    pub pops: Option<Vec<PeerTrunkWrite>>,
}

/// The keys a suspend body may hold: a PUT with only these (and no `name`) suspends or resumes
/// calls instead of modifying the trunk group.
pub const SUSPEND_KEYS: &[&str] = &[
    "incomingCalls",
    "outgoingCalls",
    "inboundCalls",
    "outboundCalls",
];

/// Whether a PUT body is a suspend.
pub fn is_suspend(body: &Value) -> bool {
    body.as_object()
        .is_some_and(|o| !o.is_empty() && o.keys().all(|k| SUSPEND_KEYS.contains(&k.as_str())))
}
