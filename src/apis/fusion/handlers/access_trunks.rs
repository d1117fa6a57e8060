//! `/trunkgroups/{trunkgroup_id}/access_trunks` and `.../access_trunks/{id}`.

use hyper::StatusCode;
use serde_json::{Value, json};

use super::{Result, page_request, parent_key, parents, with_status};
use crate::apis::fusion::Call;
use crate::apis::fusion::errors::FusionError;
use crate::apis::fusion::model::FusionState;
use crate::apis::fusion::model::access_trunks::{self, AccessTrunk, AccessTrunkInput};
use crate::apis::fusion::model::paging::page_envelope;
use crate::apis::fusion::model::pops;
use crate::apis::fusion::model::trunk_group_rules::WriteContext;
use crate::engine::reply::Reply;

fn render(state: &FusionState, at: &AccessTrunk, status: bool) -> Value {
    let name = pops::find(&state.pops, at.pop.id).map_or("", |p| p.name.as_str());
    at.render(name, status)
}

/// Reads an access trunk back (for a GET, or after a write), with its status when asked.
fn read_back(
    state: &FusionState,
    call: &Call<'_>,
    tg_id: i64,
    id: i64,
    status: bool,
) -> std::result::Result<Value, FusionError> {
    let tg = state.trunk_group(parent_key(call.params), parents(call), tg_id)?;
    let at =
        tg.access_trunks
            .iter()
            .find(|a| a.id == id)
            .ok_or(FusionError::AccessTrunkNotFound {
                trunk_group: tg_id,
                id,
            })?;
    Ok(render(state, at, status))
}

fn input(call: &Call<'_>) -> std::result::Result<AccessTrunkInput, FusionError> {
    AccessTrunkInput::from_json(call.body)
}

/// `GET .../access_trunks`: searched, sorted and paged.
pub fn list(state: &mut FusionState, call: &mut Call<'_>) -> Result {
    let tg_id = call.param_int("trunkgroup_id");
    let tg = state.trunk_group(parent_key(call.params), parents(call), tg_id)?;
    let page = page_request(call)?;
    let needle = call
        .query_str("search")
        .map(str::to_lowercase)
        .filter(|s| !s.is_empty());
    let mut found: Vec<&AccessTrunk> = tg
        .access_trunks
        .iter()
        .filter(|a| needle.as_deref().is_none_or(|n| a.matches_search(n)))
        .collect();
    let descending = call
        .query_str("dir")
        .is_some_and(|d| d.eq_ignore_ascii_case("desc"));
    access_trunks::sort(&mut found, call.query_str("sort"), descending)?;
    let status = with_status(call);
    let items = found
        .into_iter()
        .map(|a| render(state, a, status))
        .collect();
    Ok(Reply::json(
        StatusCode::OK,
        page_envelope(items, page, "accessTrunks"),
    ))
}

/// `GET .../access_trunks/{id}`
pub fn get(state: &mut FusionState, call: &mut Call<'_>) -> Result {
    let body = read_back(
        state,
        call,
        call.param_int("trunkgroup_id"),
        call.param_int("id"),
        with_status(call),
    )?;
    Ok(Reply::json(StatusCode::OK, body))
}

/// `POST .../access_trunks`: 200 `{"accessTrunks": [...]}`, one per POP.
pub fn create(state: &mut FusionState, call: &mut Call<'_>) -> Result {
    let tg_id = call.param_int("trunkgroup_id");
    let input = input(call)?;
    let key = parent_key(call.params);
    let parents = parents(call);
    let cx = WriteContext::of(call);
    let ids = state.create_access_trunks(key, parents, tg_id, &input, cx)?;
    let tg = state.trunk_group(key, parents, tg_id)?;
    let created: Vec<Value> = tg
        .access_trunks
        .iter()
        .filter(|a| ids.contains(&a.id))
        .map(|a| render(state, a, false))
        .collect();
    Ok(Reply::json(
        StatusCode::OK,
        json!({ "accessTrunks": created }),
    ))
}

/// `PUT .../access_trunks/{id}`: 200 with the access trunk.
pub fn modify(state: &mut FusionState, call: &mut Call<'_>) -> Result {
    let (tg_id, id) = (call.param_int("trunkgroup_id"), call.param_int("id"));
    let input = input(call)?;
    let (key, parents) = (parent_key(call.params), parents(call));
    let cx = WriteContext::of(call);
    state.modify_access_trunk(key, parents, tg_id, id, &input, cx)?;
    Ok(Reply::json(
        StatusCode::OK,
        read_back(state, call, tg_id, id, false)?,
    ))
}

/// `DELETE .../access_trunks/{id}`: 204, no body.
pub fn delete(state: &mut FusionState, call: &mut Call<'_>) -> Result {
    let (tg_id, id) = (call.param_int("trunkgroup_id"), call.param_int("id"));
    let (key, parents) = (parent_key(call.params), parents(call));
    let cx = WriteContext::of(call);
    state.delete_access_trunk(key, parents, tg_id, id, cx)?;
    Ok(Reply::empty(StatusCode::NO_CONTENT))
}
