//! `/trunkgroups` and `/trunkgroups/{id}`.

use hyper::StatusCode;
use serde_json::{Value, json};

use super::{Result, parent_key, parents, with_status};
use crate::apis::fusion::Call;
use crate::apis::fusion::errors::FusionError;
use crate::apis::fusion::model::FusionState;
use crate::apis::fusion::model::trunk_group_rules::WriteContext;
use crate::apis::fusion::model::trunk_groups::{TrunkGroupWrite, is_suspend};
use crate::apis::fusion::views;
use crate::engine::reply::Reply;

/// `GET .../trunkgroups`
pub fn list(state: &mut FusionState, call: &mut Call<'_>) -> Result {
    super::known_query(call)?;
    let key = parent_key(call.params);
    let sub = state.subscription(key, parents(call))?;
    let status = with_status(call);
    let items: Vec<Value> = sub
        .map(|s| {
            s.trunk_groups
                .iter()
                .map(|t| views::trunk_group_item(t, status))
                .collect()
        })
        .unwrap_or_default();
    if items.is_empty() && call.settings.empty_list_404 {
        return Err(FusionError::NoTrunkGroups(key.subscription));
    }
    Ok(Reply::json(StatusCode::OK, json!({ "trunkgroups": items })))
}

/// `GET .../trunkgroups/{id}`
pub fn get(state: &mut FusionState, call: &mut Call<'_>) -> Result {
    let tg = state.trunk_group(parent_key(call.params), parents(call), call.param_int("id"))?;
    Ok(Reply::json(
        StatusCode::OK,
        views::trunk_group_detail(tg, &state.pops, with_status(call)),
    ))
}

/// Answers with the trunk group as it now is, `status` included (it is pending).
fn detail(state: &FusionState, call: &Call<'_>, id: i64) -> Result {
    let tg = state.trunk_group(parent_key(call.params), parents(call), id)?;
    Ok(Reply::json(
        StatusCode::OK,
        views::trunk_group_detail(tg, &state.pops, true),
    ))
}

/// `POST .../trunkgroups`: 200 with the created trunk group.
pub fn create(state: &mut FusionState, call: &mut Call<'_>) -> Result {
    let write: TrunkGroupWrite = call.body_as()?;
    let params = call.params;
    let parents = parents(call);
    let cx = WriteContext::of(call);
    let id = state.create_trunk_group(parent_key(params), parents, write, cx)?;
    detail(state, call, id)
}

/// `PUT .../trunkgroups/{id}`: a modify (with `name`) or a suspend (only the call flags).
pub fn update(state: &mut FusionState, call: &mut Call<'_>) -> Result {
    let write: TrunkGroupWrite = call.body_as()?;
    let suspend = is_suspend(call.body);
    let id = call.param_int("id");
    let params = call.params;
    let parents = parents(call);
    let cx = WriteContext::of(call);
    state.update_trunk_group(parent_key(params), parents, id, suspend, write, cx)?;
    detail(state, call, id)
}

/// `DELETE .../trunkgroups/{id}`: 204, no body.
pub fn delete(state: &mut FusionState, call: &mut Call<'_>) -> Result {
    state.delete_trunk_group(parent_key(call.params), parents(call), call.param_int("id"))?;
    Ok(Reply::empty(StatusCode::NO_CONTENT))
}
