//! `/trunkgroups/{trunkgroup_id}/peer_trunks` and `.../peer_trunks/{id}`. Get, modify and
//! delete are the shared ones of `trunk_children`; the list is by id, and a create makes one.

use hyper::StatusCode;
use serde_json::Value;

use super::trunk_children::{self as children, ChildResource};
use super::{Result, page_request, parent_key, parents};
use crate::apis::fusion::Call;
use crate::apis::fusion::errors::FusionError;
use crate::apis::fusion::model::peer_trunk_api::PeerTrunkBody;
use crate::apis::fusion::model::peer_trunks::PeerTrunk;
use crate::apis::fusion::model::trunk_group_rules::WriteContext;
use crate::apis::fusion::model::trunk_groups::TrunkGroup;
use crate::apis::fusion::model::{FusionState, ParentKey, Parents};
use crate::apis::fusion::views;
use crate::engine::reply::Reply;

impl ChildResource for PeerTrunk {
    type Body = PeerTrunkBody;
    const LIST_KEY: &'static str = "peerTrunks";
    const STATUS_ON_REQUEST: bool = false;

    fn body(call: &Call<'_>) -> std::result::Result<PeerTrunkBody, FusionError> {
        PeerTrunkBody::from_json(call.body)
    }

    fn modify(
        state: &mut FusionState,
        (key, parents, tg_id): (ParentKey<'_>, Parents, i64),
        id: i64,
        body: &PeerTrunkBody,
        cx: WriteContext<'_>,
    ) -> std::result::Result<(), FusionError> {
        state.modify_peer_trunk(key, parents, tg_id, id, body, cx)
    }

    /// The `/peer_trunks` object always carries its status.
    fn view(state: &FusionState, tg: &TrunkGroup, p: &PeerTrunk, _: bool) -> Value {
        views::peer_trunk(p, tg, &state.pops)
    }
}

/// `GET .../peer_trunks`: by id, paged like the other lists.
pub fn list(state: &mut FusionState, call: &mut Call<'_>) -> Result {
    super::known_query(call)?;
    let tg_id = call.param_int("trunkgroup_id");
    let tg = state.trunk_group(parent_key(call.params), parents(call), tg_id)?;
    let page = page_request(call)?;
    let mut peers: Vec<&PeerTrunk> = tg.peer_trunks.iter().collect();
    peers.sort_by_key(|p| p.id);
    children::list_page(state, call, tg, page, peers)
}

/// `GET .../peer_trunks/{id}`
pub fn get(state: &mut FusionState, call: &mut Call<'_>) -> Result {
    children::get::<PeerTrunk>(state, call)
}

/// `POST .../peer_trunks`: 201 with the peer trunk.
pub fn create(state: &mut FusionState, call: &mut Call<'_>) -> Result {
    let tg_id = call.param_int("trunkgroup_id");
    let body = PeerTrunk::body(call)?;
    let (key, parents) = (parent_key(call.params), parents(call));
    let id = state.create_peer_trunk(key, parents, tg_id, &body, WriteContext::of(call))?;
    Ok(Reply::json(
        StatusCode::CREATED,
        children::read_back::<PeerTrunk>(state, call, tg_id, id, false)?,
    ))
}

/// `PUT .../peer_trunks/{id}`: 200 with the peer trunk.
pub fn modify(state: &mut FusionState, call: &mut Call<'_>) -> Result {
    children::modify::<PeerTrunk>(state, call)
}

/// `DELETE .../peer_trunks/{id}`: 204, no body.
pub fn delete(state: &mut FusionState, call: &mut Call<'_>) -> Result {
    children::delete::<PeerTrunk>(state, call)
}
