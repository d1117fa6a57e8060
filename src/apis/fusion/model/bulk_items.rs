//! What one bulk data entry does when its job runs: the trunk group, access trunk and peer trunk
//! group items, each through the single-resource rules. An item whose `uuid` names an existing
//! resource updates it; any other item creates one, under the given `uuid` when there is one.

use serde_json::{Map, Value};

use super::access_trunks::AccessTrunkInput;
use super::numbers::AddOutcome;
use super::peer_trunk_api::{self, PeerPopWrite, PeerTrunkBody};
use super::peer_trunks::{CallAllowance, PeerTrunkWrite};
use super::trunk_group_rules::WriteContext;
use super::trunk_groups::{TrunkGroupWrite, TrunkType};
use super::{FusionState, ParentKey, Parents};
use crate::apis::fusion::errors::FusionError;

/// `fusion.bulk_items_fail`: the item fails as the platform's own error would.
fn fail_if_asked(cx: &WriteContext<'_>) -> Result<(), FusionError> {
    if cx.settings.bulk_items_fail {
        return Err(FusionError::Uncaught);
    }
    Ok(())
}

fn object(item: &Value) -> Result<&Map<String, Value>, FusionError> {
    item.as_object()
        .ok_or_else(|| FusionError::Invalid("a bulk data entry must be an object".into()))
}

fn text<'a>(o: &'a Map<String, Value>, field: &str) -> Option<&'a str> {
    o.get(field)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
}

/// A client-chosen uuid for a new resource must be a uuid no trunk group, peer trunk or access
/// trunk of the state uses already.
fn check_new_uuid(state: &FusionState, uuid: &str) -> Result<(), FusionError> {
    if uuid::Uuid::parse_str(uuid).is_err() {
        return Err(FusionError::Invalid(format!("uuid '{uuid}' is not a UUID")));
    }
    let used = state
        .tenants
        .iter()
        .flat_map(|t| &t.subscriptions)
        .flat_map(|s| &s.trunk_groups)
        .any(|tg| {
            tg.uuid.eq_ignore_ascii_case(uuid)
                || tg
                    .peer_trunks
                    .iter()
                    .any(|p| p.uuid.eq_ignore_ascii_case(uuid))
                || tg
                    .access_trunks
                    .iter()
                    .any(|a| a.uuid.eq_ignore_ascii_case(uuid))
        });
    if used {
        return Err(FusionError::Invalid(format!(
            "uuid {uuid} is already used by a resource of another kind or subscription"
        )));
    }
    Ok(())
}

/// The trunk group of the path's subscription with this uuid.
fn trunk_group_by_uuid(state: &FusionState, key: ParentKey<'_>, uuid: &str) -> Option<i64> {
    state
        .subscription(key, Parents::Lenient)
        .ok()
        .flatten()?
        .trunk_groups
        .iter()
        .find(|tg| tg.uuid.eq_ignore_ascii_case(uuid))
        .map(|tg| tg.id)
}

/// A trunk group bulk data object: settings, `numbers` to attach and a `pilot` among them.
pub(super) fn trunk_group_item(
    state: &mut FusionState,
    key: ParentKey<'_>,
    item: &Value,
    cx: WriteContext<'_>,
) -> Result<(), FusionError> {
    fail_if_asked(&cx)?;
    let o = object(item)?;
    let numbers: Vec<String> = o
        .get("numbers")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect()
        })
        .unwrap_or_default();
    let pilot = text(o, "pilot").map(String::from);
    let mut fields = o.clone();
    for k in ["uuid", "numbers", "pilot"] {
        fields.remove(k);
    }
    let write: TrunkGroupWrite = serde_json::from_value(Value::Object(fields))
        .map_err(|e| FusionError::Invalid(format!("trunk group: {e}")))?;
    if write.kind.is_some_and(TrunkType::is_peer) {
        return Err(FusionError::Invalid(
            "the trunk group bulk API handles sip trunk groups; use the peer trunk bulk API".into(),
        ));
    }
    let uuid = text(o, "uuid");
    let most_numbers = cx.settings.max_numbers_per_trunk_group;
    let id = write_trunk_group(state, key, uuid, write, cx)?;
    if !numbers.is_empty() {
        let outcomes = state.add_numbers(key, Parents::Lenient, id, &numbers, most_numbers)?;
        let refused: Vec<String> = outcomes
            .iter()
            .filter_map(|o| match o {
                AddOutcome::Refused { number, reason } => Some(format!("{number}: {reason}")),
                AddOutcome::Added(_) => None,
            })
            .collect();
        if !refused.is_empty() {
            return Err(FusionError::Invalid(format!(
                "numbers refused: {}",
                refused.join("; ")
            )));
        }
    }
    if let Some(pilot) = pilot {
        let (t, s) = state.locate_trunk_group(key, Parents::Lenient, id)?;
        let tg = state.tenants[t].subscriptions[s].trunk_group_mut(id)?;
        let cid = tg
            .numbers
            .iter()
            .find(|n| n.full_number == pilot)
            .map(|n| n.connection_id)
            .ok_or_else(|| {
                FusionError::Invalid(format!(
                    "pilot {pilot} is not one of the trunk group's numbers"
                ))
            })?;
        tg.pilot = Some(cid);
    }
    Ok(())
}

/// Creates or updates the trunk group an item names; returns its id. An update keeps the
/// trunk group's name when the item gives none (the single API's modify needs one).
fn write_trunk_group(
    state: &mut FusionState,
    key: ParentKey<'_>,
    uuid: Option<&str>,
    mut write: TrunkGroupWrite,
    cx: WriteContext<'_>,
) -> Result<i64, FusionError> {
    if let Some(id) = uuid.and_then(|u| trunk_group_by_uuid(state, key, u)) {
        if write.name.is_none() {
            write.name = Some(state.trunk_group(key, Parents::Lenient, id)?.name.clone());
        }
        state.update_trunk_group(key, Parents::Lenient, id, false, write, cx)?;
        crate::apis::fusion::notifications::note_bulk_update(state, key, id);
        return Ok(id);
    }
    if write.name.as_deref().is_none_or(|n| n.trim().is_empty()) {
        return Err(FusionError::Invalid(
            "name is required to create a trunk group".into(),
        ));
    }
    if let Some(u) = uuid {
        check_new_uuid(state, u)?;
    }
    let id = state.create_trunk_group(key, Parents::Lenient, write, cx)?;
    if let Some(u) = uuid {
        let (t, s) = state.locate_trunk_group(key, Parents::Lenient, id)?;
        state.tenants[t].subscriptions[s].trunk_group_mut(id)?.uuid = u.to_ascii_lowercase();
    }
    Ok(id)
}

/// Where an access trunk item goes: `trunkgroup` as an index (`81`, `"81"`) or a uuid.
fn trunk_group_ref(state: &FusionState, key: ParentKey<'_>, v: &Value) -> Result<i64, FusionError> {
    let id = match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => match s.trim().parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => trunk_group_by_uuid(state, key, s.trim()),
        },
        _ => None,
    };
    let id =
        id.ok_or_else(|| FusionError::Invalid(format!("trunkgroup {v} names no trunk group")))?;
    state.trunk_group(key, Parents::Lenient, id)?;
    Ok(id)
}

/// An access trunk bulk data object.
pub(super) fn access_trunk_item(
    state: &mut FusionState,
    key: ParentKey<'_>,
    item: &Value,
    cx: WriteContext<'_>,
) -> Result<(), FusionError> {
    fail_if_asked(&cx)?;
    let o = object(item)?;
    let input = AccessTrunkInput::from_json(item)?;
    let uuid = text(o, "uuid");
    if let Some(u) = uuid {
        let found = state
            .subscription(key, Parents::Lenient)?
            .into_iter()
            .flat_map(|s| &s.trunk_groups)
            .find_map(|tg| {
                tg.access_trunks
                    .iter()
                    .find(|a| a.uuid.eq_ignore_ascii_case(u))
                    .map(|a| (tg.id, a.id))
            });
        if let Some((tg_id, id)) = found {
            return state.modify_access_trunk(key, Parents::Lenient, tg_id, id, &input, cx);
        }
        check_new_uuid(state, u)?;
    }
    let tg_id = match o.get("trunkgroup") {
        Some(v) => trunk_group_ref(state, key, v)?,
        None => {
            return Err(FusionError::Invalid(
                "trunkgroup is required to create an access trunk".into(),
            ));
        }
    };
    if uuid.is_some() && input.requested_pops()?.len() > 1 {
        return Err(FusionError::Invalid(
            "a uuid names one access trunk: give a single POP with it".into(),
        ));
    }
    let ids = state.create_access_trunks(key, Parents::Lenient, tg_id, &input, cx)?;
    if let (Some(u), [id]) = (uuid, ids.as_slice()) {
        let (t, s) = state.locate_trunk_group(key, Parents::Lenient, tg_id)?;
        let tg = state.tenants[t].subscriptions[s].trunk_group_mut(tg_id)?;
        if let Some(a) = tg.access_trunks.iter_mut().find(|a| a.id == *id) {
            a.uuid = u.to_ascii_lowercase();
        }
    }
    Ok(())
}

/// One `peers` entry: `id` and `popId` both name the POP (the document calls them exclusive).
fn peer_entry(v: &Value) -> Result<(i64, PeerTrunkBody), FusionError> {
    let o = v
        .as_object()
        .ok_or_else(|| FusionError::Invalid("each peers entry must be an object".into()))?;
    let int = |k: &str| o.get(k).and_then(Value::as_i64);
    let pop = match (int("id"), int("popId")) {
        (Some(a), Some(b)) if a != b => {
            return Err(FusionError::ConflictingFields("id", "popId"));
        }
        (Some(a), _) | (None, Some(a)) => a,
        (None, None) => return Err(FusionError::PeerTrunkPopMissing),
    };
    let calls = |k: &str| -> Result<Option<CallAllowance>, FusionError> {
        o.get(k)
            .map(|v| serde_json::from_value(v.clone()))
            .transpose()
            .map_err(|e| FusionError::Invalid(format!("peers {k}: {e}")))
    };
    let body = PeerTrunkBody {
        billing_id: o.get("billingId").and_then(Value::as_str).map(String::from),
        extra: o.get("extra").cloned(),
        name: None,
        pop: Some(PeerPopWrite {
            id: Some(pop),
            pop_id: None,
            inbound_calls: calls("inboundCalls")?,
            outbound_calls: calls("outboundCalls")?,
        }),
        region: None,
    };
    Ok((pop, body))
}

/// A peer trunk bulk data object: a peer trunk group and its `peers`. On an existing group a
/// peer on a POP the group already uses updates that peer trunk, another adds one; peer trunks
/// the item does not mention stay.
pub(super) fn peer_trunk_group_item(
    state: &mut FusionState,
    key: ParentKey<'_>,
    item: &Value,
    mut cx: WriteContext<'_>,
) -> Result<(), FusionError> {
    fail_if_asked(&cx)?;
    let o = object(item)?;
    let peers = match o.get("peers") {
        Some(Value::Array(a)) => a.iter().map(peer_entry).collect::<Result<Vec<_>, _>>()?,
        _ => Vec::new(),
    };
    let mut fields = o.clone();
    for k in ["uuid", "trunkgroup", "peers"] {
        fields.remove(k);
    }
    let mut write: TrunkGroupWrite = serde_json::from_value(Value::Object(fields))
        .map_err(|e| FusionError::Invalid(format!("peer trunk group: {e}")))?;
    if write.kind == Some(TrunkType::Sip) {
        return Err(FusionError::Invalid(
            "the peer trunk bulk API handles msteams, webexc, webexcc, zoom and azure trunk groups"
                .into(),
        ));
    }
    let uuid = text(o, "trunkgroup").or(text(o, "uuid"));
    if let Some(id) = uuid.and_then(|u| trunk_group_by_uuid(state, key, u)) {
        if write.name.is_none() {
            write.name = Some(state.trunk_group(key, Parents::Lenient, id)?.name.clone());
        }
        let cx2 = WriteContext {
            now_ms: cx.now_ms,
            ids: &mut *cx.ids,
            settings: cx.settings,
        };
        state.update_trunk_group(key, Parents::Lenient, id, false, write, cx2)?;
        crate::apis::fusion::notifications::note_bulk_update(state, key, id);
        let (t, s) = state.locate_trunk_group(key, Parents::Lenient, id)?;
        let FusionState {
            pops,
            tenants,
            next_ids,
            ..
        } = state;
        let tg = tenants[t].subscriptions[s].trunk_group_mut(id)?;
        for (pop, body) in peers {
            match tg
                .peer_trunks
                .iter()
                .find(|p| p.pop_id == pop)
                .map(|p| p.id)
            {
                Some(existing) => peer_trunk_api::modify_in(tg, pops, existing, &body, &mut cx)?,
                None => {
                    peer_trunk_api::add_to(tg, pops, &mut next_ids.peer_trunk, &body, &mut cx)?;
                }
            }
        }
        return Ok(());
    }
    if write.kind.is_none() {
        return Err(FusionError::Invalid(
            "type is required to create a peer trunk group: msteams, webexc, webexcc, zoom or azure".into(),
        ));
    }
    if write.name.as_deref().is_none_or(|n| n.trim().is_empty()) {
        return Err(FusionError::Invalid(
            "name is required to create a peer trunk group".into(),
        ));
    }
    if let Some(u) = uuid {
        check_new_uuid(state, u)?;
    }
    write.peer_trunks = Some(
        peers
            .into_iter()
            .map(|(pop, b)| {
                let p = b.pop.unwrap_or_default();
                PeerTrunkWrite {
                    id: None,
                    pop_id: Some(pop),
                    inbound_calls: p.inbound_calls,
                    outbound_calls: p.outbound_calls,
                    billing_id: b.billing_id,
                    extra: b.extra,
                }
            })
            .collect(),
    );
    let id = state.create_trunk_group(key, Parents::Lenient, write, cx)?;
    if let Some(u) = uuid {
        let (t, s) = state.locate_trunk_group(key, Parents::Lenient, id)?;
        state.tenants[t].subscriptions[s].trunk_group_mut(id)?.uuid = u.to_ascii_lowercase();
    }
    Ok(())
}
