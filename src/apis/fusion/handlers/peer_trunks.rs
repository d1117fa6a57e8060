//! `/trunkgroups/{trunkgroup_id}/peer_trunks` and `.../peer_trunks/{id}`.

use hyper::StatusCode;
use serde_json::Value;

use super::{Result, page_request, parent_key, parents};
use crate::apis::fusion::Call;
use crate::apis::fusion::errors::FusionError;
use crate::apis::fusion::model::FusionState;
use crate::apis::fusion::model::paging::page_envelope;
use crate::apis::fusion::model::peer_trunk_api::{self, PeerTrunkBody};
use crate::apis::fusion::model::trunk_group_rules::WriteContext;
use crate::engine::reply::Reply;

fn read_back(
    state: &FusionState,
    call: &Call<'_>,
    tg_id: i64,
    id: i64,
) -> std::result::Result<Value, FusionError> {
    let tg = state.trunk_group(parent_key(call.params), parents(call), tg_id)?;
    let p = tg
        .peer_trunks
        .iter()
        .find(|p| p.id == id)
        .ok_or(FusionError::PeerTrunkNotFound {
            trunk_group: tg_id,
            id,
        })?;
    Ok(peer_trunk_api::render(p, tg, &state.pops))
}

/// `GET .../peer_trunks`: by id, paged like the other lists.
pub fn list(state: &mut FusionState, call: &mut Call<'_>) -> Result {
    let tg = state.trunk_group(
        parent_key(call.params),
        parents(call),
        call.param_int("trunkgroup_id"),
    )?;
    let page = page_request(call)?;
    let mut peers: Vec<_> = tg.peer_trunks.iter().collect();
    peers.sort_by_key(|p| p.id);
    let items = peers
        .into_iter()
        .map(|p| peer_trunk_api::render(p, tg, &state.pops))
        .collect();
    Ok(Reply::json(
        StatusCode::OK,
        page_envelope(items, page, "peerTrunks"),
    ))
}

/// `GET .../peer_trunks/{id}`
pub fn get(state: &mut FusionState, call: &mut Call<'_>) -> Result {
    let body = read_back(
        state,
        call,
        call.param_int("trunkgroup_id"),
        call.param_int("id"),
    )?;
    Ok(Reply::json(StatusCode::OK, body))
}

/// `POST .../peer_trunks`: 201 with the peer trunk.
pub fn create(state: &mut FusionState, call: &mut Call<'_>) -> Result {
    let tg_id = call.param_int("trunkgroup_id");
    let body = PeerTrunkBody::from_json(call.body)?;
    let (key, parents) = (parent_key(call.params), parents(call));
    let cx = WriteContext::of(call);
    let id = state.create_peer_trunk(key, parents, tg_id, &body, cx)?;
    Ok(Reply::json(
        StatusCode::CREATED,
        read_back(state, call, tg_id, id)?,
    ))
}

/// `PUT .../peer_trunks/{id}`: 200 with the peer trunk.
pub fn modify(state: &mut FusionState, call: &mut Call<'_>) -> Result {
    let (tg_id, id) = (call.param_int("trunkgroup_id"), call.param_int("id"));
    let body = PeerTrunkBody::from_json(call.body)?;
    let (key, parents) = (parent_key(call.params), parents(call));
    let cx = WriteContext::of(call);
    state.modify_peer_trunk(key, parents, tg_id, id, &body, cx)?;
    Ok(Reply::json(
        StatusCode::OK,
        read_back(state, call, tg_id, id)?,
    ))
}

/// `DELETE .../peer_trunks/{id}`: 204, no body.
pub fn delete(state: &mut FusionState, call: &mut Call<'_>) -> Result {
    let (tg_id, id) = (call.param_int("trunkgroup_id"), call.param_int("id"));
    let (key, parents) = (parent_key(call.params), parents(call));
    let cx = WriteContext::of(call);
    state.delete_peer_trunk(key, parents, tg_id, id, cx)?;
    Ok(Reply::empty(StatusCode::NO_CONTENT))
}
