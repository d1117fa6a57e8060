//! Peer trunks: the per-POP legs of a peer trunk group (types msteams, webexc, webexcc, zoom,
//! azure). They are created and replaced through the trunk group's `peerTrunks`, and read and
//! changed one by one through the `/peer_trunks` API, which share this structure.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::pops::{self, Pop};
use super::sync::{SyncStatus, Synced};

/// Inbound or outbound calls of a peer trunk. The document's tables call it a quantity
/// (integer) while every example shows a boolean; both are kept as given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum CallAllowance {
    Flag(bool),
    Quantity(u64),
}

impl Default for CallAllowance {
    fn default() -> Self {
        CallAllowance::Flag(true)
    }
}

impl CallAllowance {
    pub fn to_json(self) -> Value {
        match self {
            CallAllowance::Flag(b) => Value::Bool(b),
            CallAllowance::Quantity(n) => Value::from(n),
        }
    }
}

fn empty_object() -> Value {
    Value::Object(Map::new())
}

/// One peer trunk of a peer trunk group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PeerTrunk {
    pub id: i64,
    pub uuid: String,
    /// Defaults to the trunk group's name (the `/peer_trunks` API shows it).
    #[serde(default)]
    pub name: String,
    pub pop_id: i64,
    #[serde(default)]
    pub inbound_calls: CallAllowance,
    #[serde(default)]
    pub outbound_calls: CallAllowance,
    #[serde(default)]
    pub billing_id: String,
    #[serde(default = "empty_object")]
    pub extra: Value,
    #[serde(default)]
    pub domain: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default)]
    pub status: SyncStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_until_ms: Option<i64>,
}

impl Synced for PeerTrunk {
    fn sync_fields(&mut self) -> (&mut SyncStatus, &mut Option<i64>) {
        (&mut self.status, &mut self.pending_until_ms)
    }
}

impl PeerTrunk {
    /// The POP's friendly name (empty if a restored state names a POP that no longer exists).
    pub fn pop_name<'a>(&self, pops: &'a [Pop]) -> &'a str {
        pops::find(pops, self.pop_id).map_or("", |p| p.name.as_str())
    }
}

/// One entry of `peerTrunks` (or its variant name `pops`) in a trunk group write: `id` names an
/// existing peer trunk to change, `popId` adds one (with both, the existing one moves POP).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PeerTrunkWrite {
    pub id: Option<i64>,
    pub pop_id: Option<i64>,
    pub inbound_calls: Option<CallAllowance>,
    pub outbound_calls: Option<CallAllowance>,
    pub billing_id: Option<String>,
    pub extra: Option<Value>,
}
