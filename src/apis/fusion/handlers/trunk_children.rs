//! The operations access trunks and peer trunks answer alike: get, modify and delete one by id
//! under its trunk group, and the paged list's envelope. [`ChildResource`] names the few things
//! that differ: the write body, the model write, the view and whether `withStatus` is declared.
//! Create and the list's search differ in kind, so each resource keeps its own.

use hyper::StatusCode;
use serde_json::Value;

use super::{Result, parent_key, parents, with_status};
use crate::apis::fusion::Call;
use crate::apis::fusion::errors::FusionError;
use crate::apis::fusion::model::paging::PageRequest;
use crate::apis::fusion::model::trunk_children::TrunkGroupChild;
use crate::apis::fusion::model::trunk_group_rules::WriteContext;
use crate::apis::fusion::model::trunk_groups::TrunkGroup;
use crate::apis::fusion::model::{FusionState, ParentKey, Parents, paging::page_envelope};
use crate::engine::reply::Reply;

/// One resource kept inside a trunk group, as its handlers see it.
pub trait ChildResource: TrunkGroupChild {
    /// The body of a create or modify.
    type Body;
    /// The key of the list envelope (`accessTrunks`, `peerTrunks`).
    const LIST_KEY: &'static str;
    /// Whether the contract declares `withStatus` on get and list (only access trunks do).
    const STATUS_ON_REQUEST: bool;

    fn body(call: &Call<'_>) -> std::result::Result<Self::Body, FusionError>;

    fn modify(
        state: &mut FusionState,
        at: (ParentKey<'_>, Parents, i64),
        id: i64,
        body: &Self::Body,
        cx: WriteContext<'_>,
    ) -> std::result::Result<(), FusionError>;

    fn view(state: &FusionState, tg: &TrunkGroup, item: &Self, with_status: bool) -> Value;
}

/// `withStatus` when the operation declares it, otherwise no status.
fn status_asked<C: ChildResource>(call: &Call<'_>) -> bool {
    C::STATUS_ON_REQUEST && with_status(call)
}

/// Reads record `id` back (for a GET, or after a write).
pub fn read_back<C: ChildResource>(
    state: &FusionState,
    call: &Call<'_>,
    tg_id: i64,
    id: i64,
    status: bool,
) -> std::result::Result<Value, FusionError> {
    let tg = state.trunk_group(parent_key(call.params), parents(call), tg_id)?;
    Ok(C::view(state, tg, tg.child::<C>(id)?, status))
}

/// The records a list shows, in the order chosen, viewed and paged (the page was read
/// before the list's own parameters, so a bad token is the error reported first).
pub fn list_page<C: ChildResource>(
    state: &FusionState,
    call: &Call<'_>,
    tg: &TrunkGroup,
    page: PageRequest,
    found: Vec<&C>,
) -> Result {
    let status = status_asked::<C>(call);
    let items = found
        .into_iter()
        .map(|c| C::view(state, tg, c, status))
        .collect();
    Ok(Reply::json(
        StatusCode::OK,
        page_envelope(items, page, C::LIST_KEY),
    ))
}

/// `GET .../{kind}/{id}`
pub fn get<C: ChildResource>(state: &mut FusionState, call: &mut Call<'_>) -> Result {
    let (tg_id, id) = (call.param_int("trunkgroup_id"), call.param_int("id"));
    let body = read_back::<C>(state, call, tg_id, id, status_asked::<C>(call))?;
    Ok(Reply::json(StatusCode::OK, body))
}

/// `PUT .../{kind}/{id}`: 200 with the record as it now is (without its status).
pub fn modify<C: ChildResource>(state: &mut FusionState, call: &mut Call<'_>) -> Result {
    let (tg_id, id) = (call.param_int("trunkgroup_id"), call.param_int("id"));
    let body = C::body(call)?;
    let (key, parents) = (parent_key(call.params), parents(call));
    C::modify(
        state,
        (key, parents, tg_id),
        id,
        &body,
        WriteContext::of(call),
    )?;
    Ok(Reply::json(
        StatusCode::OK,
        read_back::<C>(state, call, tg_id, id, false)?,
    ))
}

/// `DELETE .../{kind}/{id}`: 204, no body.
pub fn delete<C: ChildResource>(state: &mut FusionState, call: &mut Call<'_>) -> Result {
    let (tg_id, id) = (call.param_int("trunkgroup_id"), call.param_int("id"));
    let (key, parents) = (parent_key(call.params), parents(call));
    state.delete_child::<C>(key, parents, tg_id, id, WriteContext::of(call))?;
    Ok(Reply::empty(StatusCode::NO_CONTENT))
}
